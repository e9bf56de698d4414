"""End-to-end: ldb get and ldb unindex through the real binary."""

import os

from ldbtest import LdbTestCase, files_under, main, make_pairs, md5


class GetTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.pets = os.path.join(self.data, "pets")
        self.hashes = make_pairs(self.pets, 10)
        self.out = os.path.join(self.tmp, "out")

    def test_get_stages_an_unnamed_dataset_and_instantiates_only_those(self):
        # Empty HOME: get creates the QuickStart instance too.
        out = self.ok("get", self.pets, "--query", "n < `3`", "-t", self.out)
        self.assertIn(f"Added 3 objects to the unnamed dataset in '{self.out}' (3 selected)\n", out)
        files = files_under(self.out)
        self.assertEqual(len(files), 6)
        self.assertEqual(sorted(f for f in files if f.endswith(".png")),
                         sorted(f"img{i}-{self.hashes[i]}.png" for i in range(3)))
        self.assertTrue(os.path.isdir(os.path.join(self.out, ".ldb_workspace")))
        status = self.ok_json("status", "--json", cwd=self.out)
        self.assertEqual((status["dataset"], status["objects"]), ("", 3))
        self.assertIn("Dataset (unnamed) (new, not committed), 3 objects", self.ok("status", cwd=self.out))
        # An unnamed dataset is named at commit.
        self.fails("commit", cwd=self.out, rc=2, contains=["no name", "ldb commit ds:NAME"])
        self.assertEqual(self.ok("commit", "ds:got", cwd=self.out), "Committed ds:got.v1 (3 objects, 3 annotations)\n")
        self.assertEqual(self.ok_json("status", "--json", cwd=self.out)["dataset"], "got")

    def test_get_again_adds_and_keeps_earlier_files(self):
        self.ok("get", self.pets, "--query", "n == `0`", "-t", self.out)
        out = self.ok("get", "id:" + self.hashes[1], "-t", self.out)
        self.assertIn("(2 written, 2 unchanged, 0 removed)", out)  # files: data + annotation
        pngs = [f for f in files_under(self.out) if f.endswith(".png")]
        self.assertEqual(len(pngs), 2)
        self.assertEqual(sorted(self.ids(cwd=self.out)), sorted(self.hashes[:2]))

    def test_get_sample_is_rolled_once(self):
        for seed in ("1", "2", "3"):
            target = os.path.join(self.tmp, "s" + seed)
            self.ok("get", self.pets, "--sample", "0.5", "--seed", seed, "-t", target)
            staged = sorted(self.ids(cwd=target))
            written = sorted(f.rsplit("-", 1)[1][:-4] for f in files_under(target) if f.endswith(".png"))
            self.assertEqual(staged, written)

    def test_get_errors_leave_no_workspace(self):
        self.fails("get", "-t", self.out, rc=2, contains="needs objects")
        self.fails("get", os.path.join(self.data, "missing"), "-t", self.out, rc=3, contains="missing")
        self.assertFalse(os.path.exists(self.out))
        # Unknown files in the target stop it (as instantiate does), and the folder is left as it was.
        os.makedirs(self.out)
        with open(os.path.join(self.out, "mine.txt"), "w") as f:
            f.write("user file")
        self.fails("get", self.pets, "-t", self.out, rc=4, contains="mine.txt")
        self.assertEqual(os.listdir(self.out), ["mine.txt"])


class UnindexTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.pets = os.path.join(self.data, "pets")
        self.hashes = make_pairs(self.pets, 6)
        self.stage("ds:keep")
        self.ok("add", self.pets, "--query", "n < `2`")
        self.ok("commit")
        self.ok("index", self.pets)
        # Leave the workspace empty so only saved datasets hold objects.
        self.ok("del", "ds:root", "--limit", "100")

    def test_unindex_removes_objects_paths_versions_and_tags(self):
        self.ok("tag", "ds:root", "-a", "t")
        out = self.ok("unindex", "--query", "n >= `4`")
        self.assertEqual(out, "Unindexed 2 objects\n")
        self.assertEqual(self.count("ds:root"), 4)
        self.fails("show", "id:" + self.hashes[5], rc=3)
        self.assertEqual(self.count("ds:root", "--tag", "t"), 4)
        # Indexing again brings it back as new, with version 1.
        out = self.ok("index", self.pets)
        self.assertEqual(self.index_counts(out)["objects_new"], 2)
        self.assertEqual(self.ok_json("show", "--json", "id:" + self.hashes[5])["tags"], [])

    def test_unindex_refuses_objects_of_saved_datasets(self):
        r = self.fails("unindex", "ds:root", rc=4, contains=["held by saved datasets", "ds:keep.v1", "ds del"])
        self.assertIn("id:" + self.hashes[0], r.err)
        self.assertEqual(self.count("ds:root"), 6)
        self.ok("ds", "del", "ds:keep")
        self.assertEqual(self.ok("unindex", "ds:root"), "Unindexed 6 objects\n")
        self.assertEqual(self.count("ds:root"), 0)

    def test_unindex_refuses_objects_staged_here(self):
        self.ok("add", os.path.join(self.pets, "img3.png"))
        self.fails("unindex", "--query", "n >= `3`", rc=4, contains=["staged in this workspace", self.hashes[3]])
        self.assertEqual(self.count("ds:root"), 6)
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(elsewhere)
        self.assertEqual(self.ok("unindex", "--query", "n == `4`", cwd=elsewhere), "Unindexed 1 objects\n")

    def test_another_workspace_staging_an_unindexed_object(self):
        other = os.path.join(self.tmp, "other")
        os.makedirs(other)
        self.ok("stage", "ds:other", cwd=other)
        self.ok("add", self.pets, "--query", "n >= `4`", cwd=other)
        self.ok("instantiate", cwd=other)
        self.assertEqual(self.ok("unindex", "id:" + self.hashes[5]), "Unindexed 1 objects\n")
        self.fails("list", cwd=other, rc=3, contains=["id:" + self.hashes[5], "not indexed"])
        # sync reads it back from the workspace's files (QuickStart indexes them in place).
        self.ok("sync", cwd=other)
        self.assertEqual(sorted(self.ids(cwd=other)), sorted(self.hashes[4:]))

    def test_unindex_needs_objects(self):
        self.fails("unindex", rc=2, contains="needs objects or a filter")
        self.fails("unindex", "id:ffffffffffff", rc=3)


if __name__ == "__main__":
    main()
