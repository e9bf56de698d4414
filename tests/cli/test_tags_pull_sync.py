"""End-to-end: ldb tag, pull and sync through the real binary."""

import json
import os

from ldbtest import LdbTestCase, main, make_pairs, md5, data_bytes, write_json


class TagTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.pets = os.path.join(self.data, "pets")
        self.hashes = make_pairs(self.pets, 5)
        self.stage("ds:x")
        self.ok("add", os.path.join(self.pets, "img0.png"), os.path.join(self.pets, "img1.png"))
        self.ok("index", self.pets)

    def tags(self, h):
        return self.ok_json("show", "--json", "id:" + h)["tags"]

    def test_tag_objects_and_filters(self):
        out = self.ok("tag", "ds:root", "-a", "seen,cats", "-a", "more")
        self.assertEqual(out, "Tagged 5 objects (5 changed)\n")
        self.assertEqual(self.tags(self.hashes[3]), ["cats", "more", "seen"])
        self.assertEqual(self.count("ds:root", "--tag", "cats"), 5)
        # Again: nothing changes.
        self.assertEqual(self.ok("tag", "ds:root", "-a", "cats"), "Tagged 5 objects (0 changed)\n")
        # No object list with a filter: ds:root.
        out = self.ok("tag", "--query", "n >= `3`", "-r", "cats")
        self.assertEqual(out, "Tagged 2 objects (2 changed)\n")
        self.assertEqual(self.count("ds:root", "--tag", "cats"), 3)
        self.assertEqual(self.tags(self.hashes[4]), ["more", "seen"])
        # No object list and no filter: the staged dataset (2 objects).
        self.assertEqual(self.ok("tag", "-a", "staged"), "Tagged 2 objects (2 changed)\n")
        self.assertEqual(sorted(self.ids("ds:root", "--tag", "staged")), sorted(self.hashes[:2]))
        self.assertEqual(self.ok("tag", "id:" + self.hashes[0][:10], "-r", "staged,more"), "Tagged 1 objects (1 changed)\n")
        self.assertEqual(self.tags(self.hashes[0]), ["cats", "seen"])

    def test_tag_errors_change_nothing(self):
        self.fails("tag", "ds:root", "-a", "good,bad tag", rc=2, contains=["bad tag", "' '"])
        self.fails("tag", "ds:root", "-a", "a/b", rc=2, contains="'/'")
        self.fails("tag", "ds:root", "-a", "x,,y", rc=2, contains="empty")
        self.fails("tag", "ds:root", rc=2, contains="-a")
        self.fails("tag", "ds:root", "-a", "t", "-r", "t", rc=2, contains="both added and removed")
        self.fails("tag", "ds:nope", "-a", "t", rc=3, contains="nope")
        self.assertEqual(self.count("ds:root", "--tag", "good,t"), 0)


class PullTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.pets = os.path.join(self.data, "pets")
        self.hashes = make_pairs(self.pets, 4)
        self.stage("ds:x")
        self.ok("add", self.pets)
        self.ok("commit", "-m", "v1")
        # Two annotations change in storage: version 2 for objects 0 and 1.
        for i in (0, 1):
            write_json(os.path.join(self.pets, f"img{i}.json"), {"n": i, "edited": True})
        self.ok("index", self.pets)

    def test_pull_to_current_then_back_to_version_1(self):
        self.assertEqual(set(self.versions().values()), {1})
        out = self.ok("pull")
        self.assertEqual(out, "Pulled 2 objects of ds:x to the current annotation version (2 already there)\n")
        v = self.versions()
        self.assertEqual([v[h] for h in self.hashes], [2, 2, 1, 1])
        self.assertEqual(self.ok_json("status", "--json")["uncommitted"], {"added": 0, "deleted": 0, "modified": 2})
        out = self.ok("pull", "-v", "1")
        self.assertEqual(out, "Pulled 2 objects of ds:x to annotation version 1 (2 already there)\n")
        self.assertEqual(set(self.versions().values()), {1})

    def test_sync_after_pull_keeps_the_pulled_versions(self):
        # The workspace was instantiated before the pull, so its .json files
        # hold version 1: unedited, they are not edits, and nothing is reverted.
        self.ok("instantiate")
        self.ok("pull")
        out = self.ok("sync")
        self.assertIn("0 added, 0 deleted, 0 with another annotation version", out)
        v = self.versions()
        self.assertEqual([v[h] for h in self.hashes], [2, 2, 1, 1])
        self.assertEqual(self.versions("ds:root"), v)
        self.ok("add", ".")
        self.assertEqual(self.versions(), v)
        self.ok("fsck")
        # A real edit still counts.
        name = next(n for n in os.listdir(self.ws) if n.endswith(".json") and n.startswith("img2"))
        write_json(os.path.join(self.ws, name), {"n": 2, "edited": "in the workspace"})
        self.ok("add", ".")
        self.assertEqual(self.versions()[self.hashes[2]], 2)
        self.ok("fsck")

    def test_pull_version_some_objects_lack(self):
        out = self.ok("pull", "-v", "2")
        self.assertEqual(out, "Pulled 2 objects of ds:x to annotation version 2 (0 already there)\n"
                              "2 objects have no annotation version 2 and were left as they were\n")
        v = self.versions()
        self.assertEqual([v[h] for h in self.hashes], [2, 2, 1, 1])

    def test_pull_named_objects_only(self):
        out = self.ok("pull", "id:" + self.hashes[0])
        self.assertEqual(out, "Pulled 1 objects of ds:x to the current annotation version (0 already there)\n")
        v = self.versions()
        self.assertEqual([v[h] for h in self.hashes], [2, 1, 1, 1])
        # A filter over the staged dataset.
        self.ok("pull", "--query", "n == `1`")
        self.assertEqual(self.versions()[self.hashes[1]], 2)

    def test_pull_errors(self):
        self.fails("pull", "-v", "0", rc=2, contains="-v")
        self.fails("pull", "-v", "two", rc=2, contains="two")
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(elsewhere)
        self.fails("pull", cwd=elsewhere, rc=3)
        self.assertEqual(set(self.versions().values()), {1})


class SyncTest(LdbTestCase):
    def test_sync_with_objects_replaces_the_staged_dataset(self):
        pets = os.path.join(self.data, "pets")
        hashes = make_pairs(pets, 5)
        self.stage("ds:x")
        self.ok("add", pets)
        out = self.ok("sync", os.path.join(pets, "img0.png"), "id:" + hashes[4])
        self.assertEqual(out, "Synced ds:x: 0 added, 3 deleted, 0 with another annotation version (0 edited annotations)\n")
        self.assertEqual(sorted(self.ids()), sorted([hashes[0], hashes[4]]))
        # A new path is indexed, as add does.
        extra = os.path.join(self.data, "extra")
        more = make_pairs(extra, 2, prefix="e")
        out = self.ok("sync", extra)
        self.assertEqual(out, "Synced ds:x: 2 added, 2 deleted, 0 with another annotation version (0 edited annotations)\n")
        self.assertEqual(sorted(self.ids()), sorted(more))
        self.fails("sync", os.path.join(self.data, "missing"), rc=3, contains="missing")
        self.assertEqual(sorted(self.ids()), sorted(more))


if __name__ == "__main__":
    main()
