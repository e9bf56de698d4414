"""End-to-end: ldb fsck on a healthy instance and workspace, and on each kind
of damage it must name (exit 6, one line per problem with a hint, --json)."""

import json
import os
import re
import sqlite3

from ldbtest import LdbTestCase, main, make_pairs, sqlite_only


class FsckTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.hashes = make_pairs(os.path.join(self.data, "a"), 4)
        self.ok("index", os.path.join(self.data, "a"))
        self.stage("ds:x")
        self.ok("add", os.path.join(self.data, "a"))
        self.ok("commit", "-m", "first")

    def damage(self, sql):
        db = sqlite3.connect(os.path.join(self.instance, "ldb.sqlite"), isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys=OFF")
            db.executescript(sql)
        finally:
            db.close()

    def damaged(self, *args, cwd=None):
        r = self.ldb("fsck", *args, cwd=cwd)
        self.assertEqual(r.rc, 6, r.describe())
        self.assertIn("ldb: error: ldb fsck found", r.err)
        self.assertIn("hint: ", r.err)
        return r

    def test_healthy_instance_and_workspace(self):
        out = self.ok("fsck")
        self.assertRegex(out, rf"^Instance {re.escape(self.instance)}: ok \(schema \d+, 4 objects, 4 annotation "
                              rf"versions, 1 datasets, 1 versions\)\nWorkspace {re.escape(self.ws)}: ok\n$")
        report = self.ok_json("fsck", "--json")
        self.assertTrue(report["healthy"])
        self.assertEqual(report["problems"], [])
        self.assertEqual(report["workspace"], self.ws)
        self.assertEqual((report["objects"], report["datasets"], report["dataset_versions"]), (4, 1, 1))
        # Outside a workspace only the instance is checked.
        out = self.ok("fsck", cwd=self.data)
        self.assertNotIn("Workspace", out)
        self.assertIsNone(self.ok_json("fsck", "--json", cwd=self.data)["workspace"])
        self.assertEqual(self.ok("fsck", "-q"), "")

    @sqlite_only("damages ldb.sqlite with SQL (PostgreSQL's keys refuse it)")
    def test_missing_collection_is_named_with_a_hint(self):
        self.damage("DELETE FROM collections")
        r = self.damaged()
        lines = r.out.splitlines()
        self.assertTrue(any(line.startswith("dataset ds:x v1: collection ") and "is missing" in line
                            and "(hint: restore the instance from a backup" in line for line in lines), r.out)
        report = self.ldb("fsck", "--json")
        self.assertEqual(report.rc, 6)
        parsed = json.loads(report.out)
        self.assertFalse(parsed["healthy"])
        self.assertTrue(any(p["where"] == "dataset ds:x v1" and p["problem"].endswith("is missing")
                            and p["hint"].startswith("restore the instance") for p in parsed["problems"]), parsed)
        self.assertIn({"where": "table dataset_versions", "problem": "refers to a missing row of table collections",
                       "hint": parsed["problems"][0]["hint"]}, parsed["problems"])

    @sqlite_only("damages ldb.sqlite with SQL (PostgreSQL's keys refuse it)")
    def test_missing_object_and_annotation_version(self):
        self.damage(f"DELETE FROM annotation_versions WHERE object_id = (SELECT id FROM objects WHERE hash = "
                    f"X'{self.hashes[1]}'); UPDATE objects SET current_version = 7 WHERE hash = X'{self.hashes[2]}'")
        r = self.damaged()
        self.assertIn(f"member id:{self.hashes[1]} names annotation version 1, which does not exist", r.out)
        self.assertIn(f"object id:{self.hashes[2]}: records current annotation version 7", r.out)
        self.assertIn(f"path '{os.path.join(self.data, 'a', 'img1.png')}': names annotation version 1", r.out)

    def test_damaged_workspace_is_reported(self):
        staged = os.path.join(self.ws, ".ldb_workspace", "staged")
        with open(staged, "rb") as f:
            data = f.read()
        with open(staged, "wb") as f:
            f.write(data[:data.index(b"\n") + 1])
        r = self.damaged()
        self.assertIn(f"workspace '{self.ws}'", r.out)
        self.assertIn("torn or truncated", r.out)
        self.assertIn("ldb stage -f", r.out)
        # Commands refuse the damaged workspace the same way.
        self.fails("list", rc=6, contains="torn or truncated")
        self.fails("commit", rc=6, contains="torn or truncated")
        # The instance itself is fine.
        self.ok("fsck", cwd=self.data)
        self.ok("stage", "-f", "ds:x")
        self.ok("fsck")

    @sqlite_only("overwrites ldb.sqlite")
    def test_file_that_is_not_a_database(self):
        for name in ("ldb.sqlite-wal", "ldb.sqlite-shm"):
            if os.path.exists(os.path.join(self.instance, name)):
                os.remove(os.path.join(self.instance, name))
        with open(os.path.join(self.instance, "ldb.sqlite"), "wb") as f:
            f.write(b"this is not a database" * 500)
        r = self.damaged(cwd=self.data)
        self.assertIn("ldb.sqlite: cannot be opened as a database", r.out)

    @sqlite_only("rewrites the config without the store it names")
    def test_bad_config_is_reported(self):
        with open(os.path.join(self.instance, "config"), "w") as f:
            f.write("[core\nauto_index = \n")
        r = self.damaged(cwd=self.data)
        self.assertIn(f"instance '{self.instance}': config file", r.out)

    def test_no_instance_and_arguments(self):
        self.fails("fsck", "extra", rc=2, contains="takes no arguments")
        self.env["LDB_DIR"] = os.path.join(self.tmp, "nowhere")
        self.fails("fsck", rc=3, contains="is not an ldb instance")


if __name__ == "__main__":
    main()
