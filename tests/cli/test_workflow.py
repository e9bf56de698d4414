"""End-to-end: QuickStart and the seed's dataset workflow through the real ldb binary."""

import os
import re

from ldbtest import (LdbTestCase, data_bytes, files_under, folder_size, main, make_numerals, make_pairs, md5, read_json,
                     sqlite_only)


class QuickStartTest(LdbTestCase):
    @sqlite_only("QuickStart makes a SQLite private instance in an empty HOME")
    def test_stage_with_empty_home_creates_private_instance_and_config(self):
        self.assertEqual(os.listdir(self.home), [])
        out = self.ok("stage", "ds:x")
        self.assertEqual(out, f"Staged new dataset ds:x in '{self.ws}'\n")
        self.assertTrue(os.path.isfile(os.path.join(self.instance, "ldb.sqlite")))
        with open(os.path.join(self.home, ".ldb", "config")) as f:
            user_config = f.read()
        self.assertIn("ldb_dir", user_config)
        self.assertIn(self.instance, user_config)
        with open(os.path.join(self.instance, "config")) as f:
            instance_config = f.read()
        self.assertRegex(instance_config, r"auto_index\s*=\s*true")
        self.assertTrue(os.path.isdir(os.path.join(self.ws, ".ldb_workspace")))
        status = self.ok_json("status", "--json")
        self.assertEqual(status["dataset"], "x")
        self.assertEqual(status["version"], 0)
        self.assertEqual(status["objects"], 0)
        # A second stage in another folder reuses the same instance.
        other = os.path.join(self.tmp, "ws2")
        os.makedirs(other)
        self.ok("stage", "ds:y", cwd=other)
        self.assertEqual(sorted(os.listdir(os.path.join(self.home, ".ldb"))), ["config", "private_instance"])

    def test_add_folder_indexes_in_place_without_copying(self):
        make_pairs(os.path.join(self.data, "pets"), 20, annotation=lambda i: {"n": i, "pad": "x" * 2000})
        # A big data file: if it were copied into the instance, the instance would grow past it.
        big = b"B" * 3_000_000
        with open(os.path.join(self.data, "pets", "big.png"), "wb") as f:
            f.write(big)
        with open(os.path.join(self.data, "pets", "big.json"), "w") as f:
            f.write('{"big": true}')
        before = files_under(self.data)
        self.stage("ds:x")
        out = self.ok("add", os.path.join(self.data, "pets"))
        self.assertEqual(out, "Added 21 objects to ds:x (21 selected, 0 with another annotation version)\n")
        self.assertEqual(files_under(self.data), before)
        self.assertLess(folder_size(self.instance), 2_000_000)
        for rel in files_under(self.instance, skip_hidden=False):
            self.assertFalse(rel.endswith(".png"), rel)
        listing = self.listing()
        self.assertEqual(len(listing), 21)
        for entry in listing:
            self.assertEqual(entry["annotation_version"], 1)
            self.assertTrue(entry["path"].startswith(os.path.join(self.data, "pets") + "/"), entry)
        self.assertEqual(self.annotation(md5(big)), {"big": True})
        self.assertEqual(self.count("ds:root"), 21)

    def test_seed_output_step_adds_same_objects_with_inference_annotations(self):
        numerals = make_numerals(self.data, 6)
        self.stage("ds:numerals")
        out = self.ok("add", os.path.join(self.data, "input"))
        self.assertEqual(out, "Added 6 objects to ds:numerals (6 selected, 0 with another annotation version)\n")
        self.assertEqual(set(self.versions().values()), {1})
        out = self.ok("add", os.path.join(self.data, "output"), "--query", "class != inference.class")
        self.assertEqual(out, "Added 0 objects to ds:numerals (3 selected, 3 with another annotation version)\n")
        versions = self.versions()
        self.assertEqual(len(versions), 6)
        for h in numerals["wrong"]:
            self.assertEqual(versions[h], 2, h)
        for h in numerals["right"]:
            self.assertEqual(versions[h], 1, h)
        wrong = sorted(numerals["wrong"])[0]
        ann = self.ok_json("eval", "-j", "id:" + wrong)
        self.assertEqual(ann["inference"]["confidence"], 0.2)
        self.assertNotEqual(ann["class"], ann["inference"]["class"])
        shown = self.ok_json("show", "--json", "id:" + wrong)
        self.assertEqual(shown["current_annotation_version"], 2)
        self.assertEqual([v["version"] for v in shown["annotation_versions"]], [1, 2])
        self.assertEqual(len(shown["paths"]), 2)
        self.assertTrue(any("/input/" in p for p in shown["paths"]))
        self.assertTrue(any("/output/" in p for p in shown["paths"]))
        # Human list shows version 2 for the misclassified objects.
        human = self.ok("list")
        for line in human.splitlines()[1:]:
            h, version = line.split()[0][3:], line.split()[1]
            self.assertEqual(version, "2" if h in numerals["wrong"] else "1", line)
        # The index as a whole still has 6 objects; the right ones' output
        # annotations were indexed too (auto-index) but are not in the dataset.
        self.assertEqual(self.count("ds:root"), 6)
        self.assertEqual(self.count("ds:root", "--query", "inference.confidence < 0.75"), 3)


class SeedWorkflowTest(LdbTestCase):
    """The issue's full flow with exact counts."""

    def test_full_workflow(self):
        numerals = make_numerals(self.data, 6)
        extra = make_pairs(os.path.join(self.data, "extra"), 4, prefix="extra")
        self.stage("ds:x")
        self.ok("add", os.path.join(self.data, "input"))
        out = self.ok("commit", "-m", "first six")
        self.assertEqual(out, "Committed ds:x.v1 (6 objects, 6 annotations)\n")

        out = self.ok("index", "--add-tags", "reviewed", os.path.join(self.data, "extra"))
        self.assertEqual(self.index_counts(out), {"format": "strict-pairs", "objects_found": 4, "objects_new": 4,
                                                  "annotations_found": 4, "annotations_new": 4})
        out = self.ok("add", "--tag", "reviewed", "--limit", "2")
        self.assertEqual(out, "Added 2 objects to ds:x (2 selected, 0 with another annotation version)\n")
        self.assertEqual(self.count(), 8)
        added = set(self.ids()) - set(numerals["hashes"])
        self.assertEqual(len(added), 2)
        self.assertTrue(added <= set(extra))

        out = self.ok("instantiate")
        self.assertEqual(out, f"Instantiated 8 data objects and 8 annotation files in '{self.ws}' "
                              "(16 written, 0 unchanged, 0 removed)\n")
        self.assertEqual(len([f for f in files_under(self.ws) if f.endswith(".png")]), 8)
        self.assertEqual(len([f for f in files_under(self.ws) if f.endswith(".json")]), 8)

        # Another dataset holding three of the numerals.
        ws2 = os.path.join(self.tmp, "ws2")
        os.makedirs(ws2)
        self.ok("stage", "ds:other", cwd=ws2)
        self.ok("add", os.path.join(self.data, "input"), "--limit", "3", cwd=ws2)
        self.assertEqual(self.ok("commit", cwd=ws2), "Committed ds:other.v1 (3 objects, 3 annotations)\n")

        out = self.ok("del", "ds:other")
        self.assertEqual(out, "Deleted 3 objects from ds:x\n")
        self.assertEqual(self.count(), 5)
        out = self.ok("commit", "-m", "without other")
        self.assertEqual(out, "Committed ds:x.v2 (5 objects, 5 annotations)\n")

        # Rollback: stage v1 and commit it as v3.
        out = self.ok("stage", "ds:x.v1")
        self.assertEqual(out, f"Staged ds:x.v1 (6 objects) in '{self.ws}'\n")
        self.assertEqual(self.ok("commit", "-m", "rollback"), "Committed ds:x.v3 (6 objects, 6 annotations)\n")
        self.assertEqual(sorted(self.ids("ds:x.v3")), sorted(self.ids("ds:x.v1")))
        self.assertEqual(sorted(self.ids("ds:x")), sorted(numerals["hashes"]))

        self.assertEqual(self.ok("diff", "-s", "ds:x.v1", "ds:x.v2"), "Added: 2\nDeleted: 3\nModified: 0\n")
        self.assertEqual(self.ok("diff", "-s", "ds:x.v2", "ds:x.v3"), "Added: 3\nDeleted: 2\nModified: 0\n")
        self.assertEqual(self.ok("diff", "-s", "ds:x.v1", "ds:x.v3"), "Added: 0\nDeleted: 0\nModified: 0\n")

        log = self.ok_json("log", "--json", "ds:x")
        self.assertEqual([e["version"] for e in log], [3, 2, 1])
        self.assertEqual([e["parent"] for e in log], [1, 1, 0])
        self.assertEqual([e["message"] for e in log], ["rollback", "without other", "first six"])
        self.assertEqual([e["objects"] for e in log], [6, 5, 6])
        self.assertEqual([(e["added"], e["deleted"]) for e in log], [(0, 0), (2, 3), (6, 0)])
        human = self.ok("log", "ds:x")
        self.assertIn("ds:x.v3 (parent v1)", human)
        self.assertIn("rollback", human)
        self.assertLess(human.index("ds:x.v3"), human.index("ds:x.v2"))
        self.assertLess(human.index("ds:x.v2"), human.index("ds:x.v1"))

        ds = self.ok_json("ds", "list", "--json")
        self.assertEqual([(d["name"], d["version"], d["objects"]) for d in ds], [("other", 1, 3), ("x", 3, 6)]
                         if ds[0]["name"] == "other" else [("x", 3, 6), ("other", 1, 3)])


class WorkspaceCommandsTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.hashes = make_pairs(os.path.join(self.data, "a"), 5)
        self.stage("ds:x")
        self.ok("add", os.path.join(self.data, "a"))

    def test_commit_with_nothing_to_commit_is_a_message(self):
        self.ok("commit", "-m", "one")
        r = self.ldb("commit")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.out, "Nothing to commit: ds:x.v1 already holds these 5 objects\n")
        self.assertEqual([e["version"] for e in self.ok_json("log", "--json", "ds:x")], [1])

    def test_status_human_and_json(self):
        out = self.ok("status")
        self.assertEqual(out, f"Dataset ds:x (new, not committed), 5 objects, 5 annotations\nWorkspace: {self.ws}\n"
                              "Uncommitted changes: 5 added, 0 deleted, 0 annotation versions changed\n")
        self.ok("commit")
        self.ok("del", "id:" + self.hashes[0])
        status = self.ok_json("status", "--json")
        self.assertEqual(status, {"dataset": "x", "version": 1, "workspace": self.ws, "objects": 4,
                                  "annotations": 4, "uncommitted": {"added": 0, "deleted": 1, "modified": 0},
                                  "instantiate": {"state": "none", "files": 0, "unwritten": 0},
                                  "files": {"edited": [], "deleted": [], "new": []}})
        self.assertEqual(self.ok("status", "ds:x"), "Dataset ds:x.v1: 5 objects, 5 annotations\n")
        self.assertEqual(self.ok_json("status", "--json", "ds:x.v1")["objects"], 5)

    def test_stage_refuses_to_clobber_uncommitted_changes_unless_forced(self):
        self.ok("commit")
        self.ok("del", "id:" + self.hashes[0], "id:" + self.hashes[1])
        self.fails("stage", "ds:x", contains=["uncommitted changes", "ds:x"])
        self.assertEqual(self.count(), 3)
        self.fails("stage", "ds:y", contains="uncommitted changes")
        out = self.ok("stage", "-f", "ds:x")
        self.assertEqual(out, f"Staged ds:x.v1 (5 objects) in '{self.ws}'\n")
        self.assertEqual(self.count(), 5)
        # A clean workspace can be restaged without -f.
        self.ok("stage", "ds:y")
        self.assertEqual(self.ok_json("status", "--json")["dataset"], "y")

    def test_stage_target_folder_and_positional_folder(self):
        t = os.path.join(self.tmp, "t1")
        out = self.ok("stage", "-t", t, "ds:x")
        self.assertTrue(os.path.isdir(os.path.join(t, ".ldb_workspace")))
        self.assertIn(t, out)
        p = os.path.join(self.tmp, "t2")
        self.ok("stage", "ds:z", p)
        self.assertEqual(self.ok_json("status", "--json", "-t", p)["dataset"], "z")
        self.ok("add", "-t", t, "id:" + self.hashes[0])
        self.assertEqual(self.count("-t", t), 1)

    def test_commit_under_another_name(self):
        out = self.ok("commit", "-m", "renamed", "ds:other")
        self.assertEqual(out, "Committed ds:other.v1 (5 objects, 5 annotations)\n")
        self.assertEqual(self.ok_json("status", "--json")["dataset"], "other")
        names = sorted(d["name"] for d in self.ok_json("ds", "list", "--json"))
        self.assertEqual(names, ["other"])
        self.fails("commit", "ds:other.v2", contains="version")

    def test_diff_zero_one_two_arguments(self):
        self.ok("commit")
        # Zero arguments: the workspace against the version it started from.
        self.assertEqual(self.ok("diff"), "")
        self.ok("del", "id:" + self.hashes[0])
        extra = make_pairs(os.path.join(self.data, "b"), 2, prefix="b")
        self.ok("add", os.path.join(self.data, "b"))
        self.assertEqual(self.ok("diff", "-s"), "Added: 2\nDeleted: 1\nModified: 0\n")
        lines = self.ok("diff").splitlines()
        self.assertEqual(len(lines), 3)
        self.assertEqual(sorted(line[:2] for line in lines), ["+ ", "+ ", "- "])
        self.assertIn(f"- id:{self.hashes[0]}  v1  {os.path.join(self.data, 'a', 'img0.png')}", lines)
        diff = self.ok_json("diff", "--json")
        self.assertEqual(sorted(e["id"][3:] for e in diff["added"]), sorted(extra))
        self.assertEqual([e["id"][3:] for e in diff["deleted"]], [self.hashes[0]])
        self.assertEqual(diff["modified"], [])
        self.ok("commit")
        # One argument: the workspace against it.
        self.assertEqual(self.ok("diff", "-s", "ds:x.v1"), "Added: 2\nDeleted: 1\nModified: 0\n")
        self.assertEqual(self.ok_json("diff", "-s", "--json", "ds:x.v2"), {"added": 0, "deleted": 0, "modified": 0})
        # Two arguments, both ways.
        self.assertEqual(self.ok("diff", "-s", "ds:x.v2", "ds:x.v1"), "Added: 1\nDeleted: 2\nModified: 0\n")
        # Annotation changes show as m.
        with open(os.path.join(self.data, "a", "img1.json"), "w") as f:
            f.write('{"n": 100}')
        self.ok("add", os.path.join(self.data, "a", "img1.png"), os.path.join(self.data, "a", "img1.json"))
        out = self.ok("diff")
        self.assertEqual(out, f"m id:{self.hashes[1]}  v1 -> v2  {os.path.join(self.data, 'a', 'img1.png')}\n")
        self.fails("diff", "ds:x", "ds:x.v1", "ds:x.v2", contains="at most two")

    def test_ds_list_del_and_show(self):
        self.ok("commit", "-m", "m1")
        shown = self.ok_json("show", "--json", "id:" + self.hashes[2])
        self.assertEqual(shown["id"], "id:" + self.hashes[2])
        self.assertEqual(shown["datasets"], ["ds:x.v1"])
        self.assertEqual(shown["size"], len(data_bytes("img2")))
        self.assertEqual(shown["paths"], [os.path.join(self.data, "a", "img2.png")])
        self.assertEqual(shown["tags"], [])
        human = self.ok("show", "id:" + self.hashes[2])
        self.assertIn("  ds:x.v1\n", human)
        self.assertIn(f"Size:   {len(data_bytes('img2'))} bytes", human)
        table = self.ok("ds", "list").splitlines()
        self.assertEqual(len(table), 2)
        self.assertTrue(re.match(r"ds:x\s+v1\s+5\s", table[1]), table)
        self.fails("ds", "del", "ds:x.v1", contains="whole datasets")
        self.fails("ds", "del", "ds:x", "ds:nope", contains="ds:nope")
        self.assertEqual(len(self.ok_json("ds", "list", "--json")), 1)
        self.assertEqual(self.ok("ds", "del", "ds:x"), "Deleted ds:x\n")
        self.assertEqual(self.ok_json("ds", "list", "--json"), [])
        self.fails("list", "ds:x", contains="ds:x")
        self.assertEqual(self.ok_json("show", "--json", "id:" + self.hashes[2])["datasets"], [])

    def test_list_verbose_shows_every_path_of_a_duplicate(self):
        dup = os.path.join(self.data, "copy")
        os.makedirs(dup)
        with open(os.path.join(dup, "same.png"), "wb") as f:
            f.write(data_bytes("img0"))
        with open(os.path.join(dup, "same.json"), "w") as f:
            f.write('{"n": 0}')
        self.ok("index", dup)
        shown = self.ok_json("show", "--json", "id:" + self.hashes[0])
        self.assertEqual(sorted(shown["paths"]), sorted([os.path.join(self.data, "a", "img0.png"),
                                                         os.path.join(dup, "same.png")]))
        verbose = self.ok("list", "-v", "id:" + self.hashes[0])
        self.assertIn(os.path.join(dup, "same.png"), verbose)
        self.assertIn(os.path.join(self.data, "a", "img0.png"), verbose)
        self.assertEqual(self.count("ds:root"), 5)
        self.assertEqual(len(self.listing("id:" + self.hashes[0])[0]["paths"]), 2)

    def test_ws_identifier_reads_another_workspace(self):
        ws2 = os.path.join(self.tmp, "ws2")
        os.makedirs(ws2)
        self.ok("stage", "ds:y", cwd=ws2)
        out = self.ok("add", "ws:" + self.ws, "--limit", "2", cwd=ws2)
        self.assertEqual(out, "Added 2 objects to ds:y (2 selected, 0 with another annotation version)\n")
        self.assertEqual(self.count("ws:" + ws2), 2)
        self.assertEqual(self.count("ws:" + self.ws), 5)


if __name__ == "__main__":
    main()
