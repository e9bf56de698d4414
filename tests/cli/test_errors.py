"""End-to-end: the error contract (one 'ldb: error:' line naming the subject, a 'hint:'
line, a non-zero exit, no partial state) and output that stays whole when piped."""

import os
import subprocess

from ldbtest import LDB_BIN, LdbTestCase, main, make_pairs, write_file, write_json


class UsageErrorTest(LdbTestCase):
    def test_no_arguments_prints_help_and_fails(self):
        r = self.ldb()
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("usage: ldb COMMAND", r.out)
        out = self.ok("--help")
        for name in ("init", "add-storage", "index", "stage", "add", "del", "list", "status", "commit", "diff", "ds",
                     "log", "show", "instantiate"):
            self.assertRegex(out, rf"\n  {name}\s")
        out = self.ok("list", "--help")
        self.assertIn("usage: ldb list", out)
        self.assertIn("--limit", out)
        self.assertIn("filters (applied in the order given)", out)

    def test_unknown_command_suggests_the_closest(self):
        self.fails("comit", rc=2, contains=["unknown command 'comit'", "did you mean 'ldb commit'?"])
        self.fails("instantate", rc=2, contains="did you mean 'ldb instantiate'?")
        r = self.fails("frobnicate", rc=2, contains="unknown command 'frobnicate'")
        self.assertIn("ldb --help", r.err)

    def test_misspelled_option_suggests_the_closest(self):
        self.fails("list", "--limt", "3", rc=2, contains=["unknown option '--limt'", "did you mean --limit?"])
        self.fails("stage", "--froce", "ds:x", rc=2, contains="did you mean --force?")
        self.fails("index", "--add-tag", "x", self.data, rc=2, contains="did you mean --add-tags?")
        self.fails("list", "--limit", rc=2, contains="needs a value")
        # Nothing was created by refused commands.
        self.assertEqual(os.listdir(self.home), [])

    def test_commands_needing_a_workspace_outside_one(self):
        # An instance exists (staged elsewhere), but self.ws is not a workspace.
        self.ok("stage", "-t", os.path.join(self.tmp, "real-ws"), "ds:x")
        for args in (("add", self.data), ("del", "--limit", "1"), ("status",), ("commit",), ("list",), ("diff",),
                     ("instantiate",)):
            self.fails(*args, contains=["no workspace", self.ws])

    def test_unknown_dataset_and_version(self):
        make_pairs(os.path.join(self.data, "a"), 2)
        self.stage("ds:x")
        self.ok("add", os.path.join(self.data, "a"))
        self.ok("commit")
        self.fails("list", "ds:nope", rc=3, contains="ds:nope")
        self.fails("log", "ds:nope", contains="ds:nope")
        self.fails("diff", "ds:nope", contains="ds:nope")
        self.fails("status", "ds:nope", contains="ds:nope")
        self.fails("ds", "del", "ds:nope", contains="ds:nope")
        self.fails("list", "ds:x.v2", contains=["ds:x", "version 2"])
        self.fails("stage", "ds:x.v5", contains=["ds:x", "version 5"])
        # The workspace still holds ds:x.v1.
        self.assertEqual(self.ok_json("status", "--json")["version"], 1)

    def test_illegal_dataset_names(self):
        self.fails("stage", "ds:bad/name", rc=2, contains=["bad/name", "'/'"])
        self.fails("stage", "ds:", rc=2)
        self.fails("stage", "nods", rc=2, contains="nods")
        self.assertEqual(os.listdir(self.home), [])
        self.stage("ds:ok")
        self.fails("commit", "ds:bad.name!", rc=2, contains="bad")
        self.fails("list", "ds:sp ace", rc=2, contains="sp ace")
        self.fails("stage", "ds:root", rc=2, contains="ds:root")
        # ds:root is the index: committing to it would make a dataset that
        # every ds:root reference hides.
        self.fails("commit", "ds:root", rc=2, contains=["ds:root is the index", "ldb commit ds:NAME"])
        self.assertEqual(self.ok_json("ds", "list", "--json"), [])

    def test_nonexistent_path(self):
        self.stage("ds:x")
        missing = os.path.join(self.data, "missing")
        self.fails("add", missing, contains=missing)
        self.fails("index", missing, contains=missing)
        self.assertEqual(self.count(), 0)
        # Outside registered storage too, a missing file is missing (not "outside storage").
        outside = os.path.join(self.tmp, "nowhere", "missing.jpg")
        r = self.fails("add", outside, rc=3, contains=[outside, "does not exist"])
        self.assertNotIn("storage location", r.err)

    def test_store_setting_the_build_lacks_or_cannot_read(self):
        # [core] store names the instance's store; one this build lacks, or a
        # malformed one, is one clear error for every command, and changes nothing.
        self.use_init_instance()
        config = os.path.join(self.instance, "config")
        with open(config) as f:
            original = f.read()
        for setting, rc, words in (('"mysql://db.example/ldb"', 7, ["mysql", "does not support", "sqlite"]),
                                   ('"://"', 2, ["[core] store", "not a store URL"])):
            with open(config, "w") as f:
                f.write(original.replace("[core]", f"[core]\nstore = {setting}", 1))
            for args in (("list", "ds:root"), ("ds", "list"), ("index", self.data)):
                r = self.fails(*args, rc=rc, contains=words)
                self.assertIn("hint:", r.err)
        with open(config, "w") as f:
            f.write(original)
        self.assertEqual(self.count("ds:root"), 0)
        self.ok("fsck")

    def test_bad_parameters(self):
        make_pairs(os.path.join(self.data, "a"), 1)
        self.stage("ds:x")
        self.fails("index", "-p", "label-key", os.path.join(self.data, "a"), rc=2, contains="label-key")
        write_file(os.path.join(self.data, "c", "cat", "1.png"), b"cat")
        self.fails("index", "-m", "infer", "-p", "label-key=", os.path.join(self.data, "c"), contains="label-key")
        self.fails("index", "-m", "infer", os.path.join(self.data, "a"), rc=2, contains=["JSON", "img0.json"])
        self.assertEqual(self.count("ds:root"), 0)
        self.fails("add-storage", "-a", "maybe", self.data, contains="maybe")
        self.fails("add", "--label-version", "zero", os.path.join(self.data, "a"), contains="zero")


class QueryErrorTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        make_pairs(os.path.join(self.data, "a"), 2)
        self.stage("ds:x")
        self.ok("add", os.path.join(self.data, "a"))

    def test_syntax_error_names_the_column_and_shows_the_expression(self):
        r = self.fails("list", "--query", "n == ", rc=2, contains=["query syntax error", "column"])
        lines = r.err.splitlines()
        self.assertIn("n == ", lines[1])
        self.assertTrue(any(line.strip() == "^" for line in lines[2:]), r.describe())
        self.fails("eval", "--query", "a == b ]", rc=2, contains="a == b ]")
        self.fails("add", "ds:root", "--jquery", "unknown_fn(@)", rc=2, contains="unknown_fn")
        self.assertEqual(self.count(), 2)

    def test_eval_type_error_exits_non_zero(self):
        r = self.ldb("eval", "--query", "abs(n)")
        self.assertEqual(r.rc, 0, r.describe())
        r = self.ldb("eval", "-j", "--query", "abs(`\"text\"`)")
        self.assertNotEqual(r.rc, 0, r.describe())
        self.assertIn("ldb: error: ", r.err)


class MalformedAnnotationTest(LdbTestCase):
    def write_bad_folder(self, folder):
        make_pairs(folder, 3, prefix="good")
        write_file(os.path.join(folder, "bad.png"), b"bad data")
        write_file(os.path.join(folder, "bad.json"), '{"class": "cat",')
        return os.path.join(folder, "bad.json")

    def test_index_names_the_file_and_indexes_the_rest(self):
        # Issue A: a malformed annotation is named, the rest of the run lands
        # and is counted, and the command exits non-zero.
        self.use_init_instance()
        make_pairs(os.path.join(self.data, "ok"), 2, prefix="ok")
        self.ok("index", os.path.join(self.data, "ok"))
        bad = self.write_bad_folder(os.path.join(self.data, "mixed"))
        r = self.ldb("index", os.path.join(self.data, "mixed"))
        self.assertEqual(r.rc, 2, r.describe())
        self.assertTrue(r.err.startswith("ldb: error: "), r.describe())
        self.assertIn(bad, r.err)
        self.assertIn("JSON", r.err)
        self.assertIn("hint: ", r.err)
        self.assertEqual(self.index_counts(r.out)["objects_new"], 3, r.describe())
        self.assertIn("Skipped:      1 malformed annotation file\n", r.out)
        self.assertEqual(self.count("ds:root"), 5)
        # Fixing the file makes the next run pick up the one left out.
        write_json(bad, {"class": "cat"})
        out = self.ok("index", os.path.join(self.data, "mixed"))
        self.assertEqual(self.index_counts(out)["objects_new"], 1)
        self.assertEqual(self.count("ds:root"), 6)

    def test_quickstart_add_leaves_workspace_and_index_unchanged(self):
        make_pairs(os.path.join(self.data, "ok"), 2, prefix="ok")
        self.stage("ds:x")
        self.ok("add", os.path.join(self.data, "ok"))
        bad = self.write_bad_folder(os.path.join(self.data, "mixed"))
        self.fails("add", os.path.join(self.data, "mixed"), contains=bad)
        self.assertEqual(self.count(), 2)
        self.assertEqual(self.count("ds:root"), 2)

    def test_annotation_that_is_not_an_object_is_still_json(self):
        self.use_init_instance()
        folder = os.path.join(self.data, "scalars")
        write_file(os.path.join(folder, "s.png"), b"scalar")
        write_file(os.path.join(folder, "s.json"), "42")
        self.ok("index", folder)
        self.assertEqual(self.ok("eval", "-j", folder), "42\n")


class PipedOutputTest(LdbTestCase):
    def test_long_paths_are_not_truncated(self):
        deep = os.path.join(self.data, "d" * 120, "e" * 80)
        make_pairs(deep, 1, prefix="a_rather_long_file_name_" + "x" * 60)
        self.stage("ds:x")
        self.ok("add", deep)
        path = os.path.join(deep, "a_rather_long_file_name_" + "x" * 60 + "0.png")
        self.assertGreater(len(path), 280)
        self.assertIn(path, self.ok("list"))
        self.assertIn(path, self.ok("list", "-v"))
        self.assertIn(path, self.ok("diff"))
        self.ok("commit")
        h = self.ids()[0]
        self.assertIn(path, self.ok("show", "id:" + h))
        for line in self.ok("list").splitlines():
            self.assertFalse(line.endswith("..."), line)
            self.assertNotIn("\u2026", line)

    def test_no_progress_noise_when_not_a_terminal(self):
        make_pairs(os.path.join(self.data, "a"), 30)
        self.stage("ds:x")
        r = self.ldb("add", os.path.join(self.data, "a"))
        self.assertEqual(r.err, "", r.describe())
        self.assertNotIn("\r", r.out)
        r = self.ldb("instantiate")
        self.assertEqual(r.err, "", r.describe())
        self.assertEqual(self.ok("instantiate", "-q"), "")

    def test_progress_shows_on_a_terminal(self):
        make_pairs(os.path.join(self.data, "a"), 5)
        self.use_init_instance()
        rc, out, shown = self.on_terminal("index", os.path.join(self.data, "a"))
        self.assertEqual(rc, 0)
        self.assertIn(b"Data objects: 5 found, 5 new", out)
        self.assertIn(b"\r", shown)
        self.assertRegex(shown.decode(errors="replace"), r"\d+/\d+ \(100%\)")
        # -q silences it.
        rc, _, quiet = self.on_terminal("index", "-q", os.path.join(self.data, "a"))
        self.assertEqual(rc, 0)
        self.assertEqual(quiet, b"")

    def test_a_reader_gone_ends_ldb_quietly_and_a_full_disk_is_an_error(self):
        make_pairs(os.path.join(self.data, "a"), 3)
        self.use_init_instance()
        self.ok("index", os.path.join(self.data, "a"))
        for args in (("list", "ds:root"), ("list", "ds:root", "-s"), ("eval", "ds:root"), ("--help",)):
            # `ldb ... | head` once head has exited: the pipe has no reader.
            read_end, write_end = os.pipe()
            os.close(read_end)
            try:
                proc = subprocess.run([LDB_BIN, *args], cwd=self.ws, env=self.env, stdout=write_end,
                                      stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=30)
            finally:
                os.close(write_end)
            # What a SIGPIPE death would show in the shell, and nothing said.
            self.assertEqual(proc.returncode, 141, (args, proc.stderr))
            self.assertEqual(proc.stderr, b"", args)
            if not os.path.exists("/dev/full"):
                continue
            with open("/dev/full", "wb") as full:
                proc = subprocess.run([LDB_BIN, *args], cwd=self.ws, env=self.env, stdout=full,
                                      stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=30)
            err = proc.stderr.decode()
            self.assertEqual(proc.returncode, 5, (args, err))
            self.assertIn("ldb: error: cannot write the output: No space left on device", err)
            self.assertIn("hint:", err)


if __name__ == "__main__":
    main()
