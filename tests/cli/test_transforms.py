"""Transforms and instantiate --apply with the real binary: [transform.NAME]
in the instance config, `ldb transform -a/-r/-s`, the Transforms column of
`list`, instantiate running each transform (scripts written here), a transform
renamed in the config still resolving, failures, and --apply."""

import json
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ldbtest import LdbTestCase, files_under, main, make_pairs, read_json, write_file  # noqa: E402

# Reads [data, annotation, output_dir, name]; writes the data with a suffix
# naming the transform and its arguments.
ROTATE = """#!/usr/bin/env python3
import json, os, sys
data, annotation, out, name = json.load(sys.stdin)
ext = os.path.splitext(data)[1]
with open(data, 'rb') as f:
    content = f.read()
with open(os.path.join(out, 'rotated' + ext), 'wb') as f:
    f.write(content + ('|%s %s' % (name, ' '.join(sys.argv[1:]))).encode())
"""

# Two outputs: the annotation with an extra key, and a text file.
SPLIT = """#!/usr/bin/env python3
import json, os, sys
data, annotation, out, name = json.load(sys.stdin)
ann = json.load(open(annotation)) if annotation else {}
ann['split'] = True
json.dump(ann, open(os.path.join(out, 'meta.json'), 'w'))
open(os.path.join(out, 'size.txt'), 'w').write(str(os.path.getsize(data)))
"""

FAILING = """#!/bin/sh
cat > /dev/null
echo "cannot rotate" >&2
exit 4
"""

# --apply: records its working folder and input, copies tmp_dir into final_dir/applied.
APPLY = """#!/usr/bin/env python3
import json, os, shutil, sys
tmp_dir, final_dir = json.load(sys.stdin)
record = {'cwd': os.getcwd(), 'tmp': tmp_dir, 'args': sys.argv[1:],
          'files': sorted(f for f in os.listdir(tmp_dir) if not f.startswith('.'))}
shutil.copytree(tmp_dir, os.path.join(final_dir, 'applied'))
json.dump(record, open(os.path.join(final_dir, 'apply-record.json'), 'w'))
"""

APPLY_FAILING = """#!/usr/bin/env python3
import json, os, sys
tmp_dir, final_dir = json.load(sys.stdin)
open(os.path.join(final_dir, 'seen-tmp.txt'), 'w').write(tmp_dir)
sys.exit(7)
"""


def make_executable(path: str, text: str) -> str:
    write_file(path, text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


class TransformTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.plugins = os.path.join(self.instance, "custom_code", "ldb_user_filters")
        make_executable(os.path.join(self.plugins, "rotate.py"), ROTATE)
        make_executable(os.path.join(self.plugins, "split.py"), SPLIT)
        make_executable(os.path.join(self.plugins, "failing.sh"), FAILING)
        self.write_config({"rotate": ["rotate.py", "90"], "split": ["split.py"]})
        self.hashes = make_pairs(self.data, 3)
        self.tmpdir = os.path.join(self.tmp, "tmpdir")
        os.makedirs(self.tmpdir)
        self.env["TMPDIR"] = self.tmpdir
        self.ok("index", self.data)
        self.stage("ds:pics")
        self.ok("add", self.data)

    def write_config(self, transforms: dict):
        lines = ["[core]", "auto_index = false", "read_any_location = false", *self.store_line(), ""]
        for name, run in transforms.items():
            lines += [f"[transform.{name}]", "run = " + json.dumps(run), ""]
        write_file(os.path.join(self.instance, "config"), "\n".join(lines))

    def store_line(self) -> list:
        """The config's line naming the instance's store (PostgreSQL's URL), or []."""
        with open(os.path.join(self.instance, "config")) as f:
            return [line for line in f.read().splitlines() if line.startswith("store = ")]

    def transforms_by_hash(self, *args, **kw):
        return {e["id"][3:]: e["transforms"] for e in self.listing(*args, **kw)}

    def program_fails(self, *args, rc, contains):
        """Like fails(), for runs where a program's own error output comes first."""
        r = self.ldb(*args)
        self.assertEqual(r.rc, rc, r.describe())
        self.assertEqual(r.out, "", r.describe())
        self.assertIn("ldb: error: ", r.err, r.describe())
        self.assertIn("\nhint: ", r.err, r.describe())
        for text in contains:
            self.assertIn(text, r.err, r.describe())
        return r

    def leftovers(self):
        return sorted(os.listdir(self.tmpdir))

    # ---- transform and list -------------------------------------------------

    def test_default_set_is_self_in_list(self):
        self.assertEqual(set(map(tuple, self.transforms_by_hash().values())), {("self",)})
        header = self.ok("list").splitlines()[0]
        self.assertIn("Transforms", header)
        self.assertEqual(self.ok("list", "-s"), "3\n")

    def test_add_remove_and_set(self):
        out = self.ok("transform", "-a", "rotate")
        self.assertEqual(out, "Changed the transforms of 3 of 3 selected objects in ds:pics\n")
        self.assertEqual(set(map(tuple, self.transforms_by_hash().values())), {("rotate", "self")})
        first = self.hashes[0]
        self.ok("transform", "id:" + first, "-r", "self")
        self.ok("transform", "--query", "n == `2`", "-s", "split,rotate")
        by_hash = self.transforms_by_hash()
        self.assertEqual(by_hash[first], ["rotate"])
        self.assertEqual(by_hash[self.hashes[1]], ["rotate", "self"])
        self.assertEqual(by_hash[self.hashes[2]], ["rotate", "split"])
        text = self.ok("list")
        self.assertIn("rotate,split", text)
        # The plain listing of the index shows the default.
        self.assertEqual(set(map(tuple, self.transforms_by_hash("ds:root").values())), {("self",)})
        status = self.ok_json("status", "--json")
        # A new dataset: every member is added, so no set counts as changed.
        self.assertEqual(status["uncommitted"], {"added": 3, "deleted": 0, "modified": 0})

    def test_unknown_transform_lists_the_configured_ones(self):
        self.fails("transform", "-a", "rotat", rc=2, contains=["unknown transform 'rotat'", "self, rotate, split"])

    def test_exactly_one_edit(self):
        self.fails("transform", "-a", "rotate", "-r", "self", rc=2, contains="exactly one of -a, -r and -s")
        self.fails("transform", rc=2, contains="exactly one of -a, -r and -s")

    def test_the_last_transform_cannot_be_removed(self):
        self.fails("transform", "-r", "self", rc=2, contains=["no transform", "-s self"])

    def test_objects_outside_the_staged_dataset_are_refused(self):
        self.ok("del", "id:" + self.hashes[0])
        self.fails("transform", "id:" + self.hashes[0], "-a", "rotate", rc=2, contains="not in the staged dataset")

    def test_bad_config_is_a_clear_error(self):
        core = "\n".join(["[core]", *self.store_line(), ""])
        write_file(os.path.join(self.instance, "config"), core + "[transform.self]\nrun = ['x']\n")
        self.fails("transform", "-a", "self", rc=2, contains=["transform 'self'", "reserved"])
        write_file(os.path.join(self.instance, "config"), core + "[transform.rot]\nrun = []\n")
        self.fails("transform", "-a", "rot", rc=2, contains=["transform 'rot'", "non-empty run"])

    # ---- commit, diff, log, show ----------------------------------------------

    def test_transform_sets_are_committed_and_diffed(self):
        self.ok("commit", "-m", "plain")
        self.assertEqual(self.ok("status").splitlines()[-1], "No uncommitted changes")
        self.ok("transform", "id:" + self.hashes[1], "-a", "rotate")
        status = self.ok("status")
        self.assertIn("1 transform sets changed", status)
        self.assertEqual(self.ok_json("status", "--json")["uncommitted"],
                         {"added": 0, "deleted": 0, "modified": 0, "transforms_changed": 1})
        diff = self.ok("diff")
        self.assertIn(f"t id:{self.hashes[1]}  self -> rotate,self", diff)
        self.assertEqual(self.ok("diff", "-s"), "Added: 0\nDeleted: 0\nModified: 0\nTransforms changed: 1\n")
        self.assertIn("Committed ds:pics.v2", self.ok("commit", "-m", "rotate one"))
        self.assertIn("Nothing to commit", self.ok("commit"))
        self.assertEqual(self.ok_json("diff", "-s", "--json", "ds:pics.v1", "ds:pics.v2"),
                         {"added": 0, "deleted": 0, "modified": 0, "transforms_changed": 1})
        log = self.ok_json("log", "--json", "ds:pics")
        self.assertEqual([e["transforms_changed"] for e in log], [1, 0])
        self.assertIn("t1", self.ok("log", "ds:pics"))
        shown = self.ok_json("show", "--json", "id:" + self.hashes[1])
        self.assertEqual(shown["dataset_transforms"], {"ds:pics.v2": ["rotate", "self"]})
        self.assertIn("ds:pics.v2  transforms: rotate, self", self.ok("show", "id:" + self.hashes[1]))
        # Listing a committed version shows its sets; staging it brings them.
        self.assertEqual(self.transforms_by_hash("ds:pics.v2")[self.hashes[1]], ["rotate", "self"])
        self.assertEqual(self.transforms_by_hash("ds:pics.v1")[self.hashes[1]], ["self"])
        other = os.path.join(self.tmp, "other")
        os.makedirs(other)
        self.ok("stage", "ds:pics.v2", cwd=other)
        self.assertEqual(self.transforms_by_hash(cwd=other)[self.hashes[1]], ["rotate", "self"])
        # Resetting to {self} is a change back.
        self.ok("transform", "-s", "self")
        self.assertIn("Committed ds:pics.v3", self.ok("commit"))
        self.assertEqual(self.ok("diff", "-s", "ds:pics.v1", "ds:pics.v3"), "Added: 0\nDeleted: 0\nModified: 0\n")

    # ---- instantiate ------------------------------------------------------------

    def test_instantiate_runs_each_transform(self):
        self.ok("transform", "-a", "rotate")
        self.ok("transform", "id:" + self.hashes[0], "-a", "split")
        self.ok("transform", "id:" + self.hashes[2], "-r", "self")
        out = self.ok("instantiate")
        files = files_under(self.ws)
        stems = {h: f"img{i}-{h}" for i, h in enumerate(self.hashes)}
        expected = set()
        for i, h in enumerate(self.hashes):
            expected.add(f"{stems[h]}--rotate.png")
            if i != 2:
                expected |= {f"{stems[h]}.png", f"{stems[h]}.json"}
        expected |= {f"{stems[self.hashes[0]]}--split--meta.json", f"{stems[self.hashes[0]]}--split--size.txt"}
        self.assertEqual(set(files), expected)
        with open(os.path.join(self.ws, f"{stems[self.hashes[1]]}--rotate.png"), "rb") as f:
            self.assertTrue(f.read().endswith(b"|rotate 90"))
        self.assertEqual(read_json(os.path.join(self.ws, f"{stems[self.hashes[0]]}--split--meta.json")),
                         {"n": 0, "split": True})
        self.assertIn("Instantiated 7 data objects and 2 annotation files", out)
        self.assertEqual(self.leftovers(), [])
        # Repeating changes nothing; resetting removes the outputs.
        self.assertIn("(0 written, 9 unchanged, 0 removed)", self.ok("instantiate"))
        self.ok("transform", "-s", "self")
        self.ok("instantiate")
        self.assertEqual(set(files_under(self.ws)), {f"{s}{e}" for s in stems.values() for e in (".png", ".json")})

    def test_a_transform_renamed_in_the_config_still_resolves(self):
        self.ok("transform", "-a", "rotate")
        self.ok("commit", "-m", "rotated")
        self.write_config({"turn": ["rotate.py", "90"], "split": ["split.py"]})
        self.assertEqual(set(map(tuple, self.transforms_by_hash("ds:pics").values())), {("self", "turn")})
        self.ok("instantiate")
        self.assertTrue(any(f.endswith("--turn.png") for f in files_under(self.ws)))
        with open(os.path.join(self.ws, [f for f in files_under(self.ws) if f.endswith("--turn.png")][0]), "rb") as f:
            self.assertTrue(f.read().endswith(b"|turn 90"))
        # Gone from the config: shown as its command, still runnable.
        self.write_config({})
        by_hash = self.transforms_by_hash()
        self.assertEqual(by_hash[self.hashes[0]], ['["rotate.py","90"]', "self"])
        # A different argument is a different transform: nothing resolves to it.
        self.write_config({"rotate": ["rotate.py", "180"]})
        self.assertEqual(self.transforms_by_hash()[self.hashes[0]], ['["rotate.py","90"]', "self"])

    def test_failing_transform_names_it_and_instantiates_nothing(self):
        self.write_config({"rotate": ["rotate.py", "90"], "broken": ["failing.sh"]})
        self.ok("transform", "id:" + self.hashes[1], "-a", "broken")
        self.ok("transform", "-a", "rotate")
        r = self.program_fails("instantiate", rc=2, contains=["transform 'broken'", "id:" + self.hashes[1],
                                                               "exit status 4", "nothing was instantiated"])
        self.assertIn("cannot rotate", r.err)
        self.assertEqual(files_under(self.ws), [])
        self.assertEqual(self.leftovers(), [])

    def test_missing_program_is_a_clear_error(self):
        self.write_config({"ghost": ["no-such-program-here"]})
        self.ok("transform", "-a", "ghost")
        self.fails("instantiate", rc=3, contains=["no-such-program-here", "transform 'ghost'", "PATH"])
        self.assertEqual(files_under(self.ws), [])

    def test_formats_without_a_place_for_outputs_refuse(self):
        self.ok("transform", "-a", "rotate")
        self.fails("instantiate", "-m", "coco", rc=2, contains=["has transforms", "coco"])
        self.fails("instantiate", "--annotations-only", rc=2, contains="has transforms")

    # ---- --apply ----------------------------------------------------------------------

    def test_apply_runs_the_program_on_a_temporary_instantiation(self):
        tools = os.path.join(self.tmp, "tools")
        prog = make_executable(os.path.join(tools, "apply.py"), APPLY)
        self.ok("transform", "id:" + self.hashes[0], "-a", "rotate")
        final = os.path.join(self.tmp, "final")
        out = self.ok("instantiate", "-t", final, "--apply", prog, "one", "two", "ws:" + self.ws)
        self.assertIn("Applied", out)
        record = read_json(os.path.join(final, "apply-record.json"))
        self.assertEqual(record["cwd"], tools)
        self.assertEqual(record["args"], ["one", "two", "ws:" + self.ws])
        self.assertFalse(os.path.exists(record["tmp"]))
        self.assertTrue(record["tmp"].startswith(self.tmpdir))
        stem0 = f"img0-{self.hashes[0]}"
        self.assertIn(f"{stem0}--rotate.png", record["files"])
        self.assertEqual(len(record["files"]), 7)
        self.assertEqual(sorted(os.listdir(os.path.join(final, "applied"))), record["files"])
        self.assertEqual(self.leftovers(), [])
        self.assertEqual(files_under(self.ws), [])  # the workspace itself is untouched

    def test_apply_without_objects_uses_the_workspace_and_finds_plugins(self):
        make_executable(os.path.join(self.plugins, "apply-it"), APPLY)
        self.ok("instantiate", "--apply", "apply-it")
        record = read_json(os.path.join(self.ws, "apply-record.json"))
        self.assertEqual(record["cwd"], self.plugins)
        self.assertEqual(len(record["files"]), 6)

    def test_failing_apply_program_is_an_error_and_removes_the_temporary_folder(self):
        prog = make_executable(os.path.join(self.tmp, "tools", "bad-apply"), APPLY_FAILING)
        final = os.path.join(self.tmp, "final")
        self.program_fails("instantiate", "-t", final, "--apply", prog, rc=2, contains=["bad-apply", "exit status 7"])
        with open(os.path.join(final, "seen-tmp.txt")) as f:
            seen = f.read()
        self.assertTrue(seen.startswith(self.tmpdir))
        self.assertFalse(os.path.exists(seen))
        self.assertEqual(self.leftovers(), [])

    def test_apply_with_a_failing_transform_removes_everything(self):
        self.write_config({"broken": ["failing.sh"]})
        self.ok("transform", "-a", "broken")
        prog = make_executable(os.path.join(self.tmp, "tools", "apply.py"), APPLY)
        final = os.path.join(self.tmp, "final")
        self.program_fails("instantiate", "-t", final, "--apply", prog, rc=2, contains=["transform 'broken'"])
        self.assertFalse(os.path.exists(os.path.join(final, "apply-record.json")))
        self.assertEqual(self.leftovers(), [])

    def test_apply_program_not_found(self):
        self.fails("instantiate", "--apply", "no-such-apply-program", rc=3,
                   contains=["no-such-apply-program", "not found"])
        self.fails("instantiate", "--apply", rc=2, contains="needs a value")


if __name__ == "__main__":
    main()
