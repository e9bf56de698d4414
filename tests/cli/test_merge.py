"""Two workspaces, one dataset: `ldb commit` merges three ways when the dataset
moved on since the workspace was staged (base = the version it was staged from,
theirs = the latest, ours = the workspace), refuses conflicting pins unless told
--ours/--theirs, and still rolls back when an old version is staged on purpose.

The objects are the real photos of tests/data/photos, labelled here: five coats,
three dresses and four shirts."""

import json
import os
import shutil

from ldbtest import LdbTestCase, main, md5

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")
PHOTOS = os.path.join(TESTDATA, "photos")
CATALOG = {
    "coats": ["astronaut.png", "chelsea.png", "coffee.png", "dog.jpg", "eagle.jpg"],
    "dresses": ["giraffe.jpg", "horses.jpg", "hubble_deep_field.jpg"],
    "shirts": ["kite.jpg", "person.jpg", "rocket.jpg", "scream.jpg"],
}


class MergeTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(os.path.isdir(PHOTOS), f"LDB_TESTDATA_DIR must hold photos/ (got {TESTDATA!r})")
        self.use_init_instance()
        self.hashes = {}  # kind -> [md5, ...] in CATALOG order
        self.folder = {}
        for kind, names in CATALOG.items():
            folder = os.path.join(self.data, "catalog", kind)
            os.makedirs(folder)
            self.folder[kind] = folder
            self.hashes[kind] = []
            for name in names:
                dest = os.path.join(folder, name)
                shutil.copyfile(os.path.join(PHOTOS, name), dest)
                self.write_label(kind, name, {})
                with open(dest, "rb") as f:
                    self.hashes[kind].append(md5(f.read()))
        self.assertEqual(len({h for hs in self.hashes.values() for h in hs}), 12)
        self.ok("index", os.path.join(self.data, "catalog"))
        # ds:coats5.v1: the five coats, committed from a workspace of its own.
        self.workspace("setup")
        self.ok("stage", "ds:coats5", cwd=self.wsdir("setup"))
        self.ok("add", self.folder["coats"], cwd=self.wsdir("setup"))
        self.assertEqual(self.ok("commit", "-m", "coats", cwd=self.wsdir("setup")),
                         "Committed ds:coats5.v1 (5 objects, 5 annotations)\n")

    # ---- helpers --------------------------------------------------------------------

    def write_label(self, kind, name, extra):
        stem = os.path.splitext(name)[0]
        with open(os.path.join(self.data, "catalog", kind, stem + ".json"), "w") as f:
            json.dump({"class": kind[:-1], "photo": stem, **extra}, f)

    def wsdir(self, name):
        return os.path.join(self.tmp, "ws-" + name)

    def workspace(self, name, stage=None):
        os.makedirs(self.wsdir(name))
        if stage:
            out = self.ok("stage", stage, cwd=self.wsdir(name))
            self.assertTrue(out.startswith(f"Staged {stage}"), out)
        return self.wsdir(name)

    def members(self, ref):
        return sorted(self.ids(ref))

    def log(self, name="ds:coats5"):
        return {e["version"]: e for e in self.ok_json("log", "--json", name)}

    def relabel(self, kind, count, round_):
        """New annotation content for the first `count` photos of `kind`, indexed:
        each gets its next annotation version, which becomes current."""
        for name in CATALOG[kind][:count]:
            self.write_label(kind, name, {"round": round_})
        self.ok("index", self.folder[kind])

    # ---- the scenario of the issue ----------------------------------------------------

    def test_two_workspaces_keep_both_sides_additions(self):
        a = self.workspace("a", "ds:coats5.v1")
        b = self.workspace("b", "ds:coats5.v1")
        self.assertEqual(self.ok("add", self.folder["dresses"], cwd=a),
                         "Added 3 objects to ds:coats5 (3 selected, 0 with another annotation version)\n")
        self.assertEqual(self.ok("commit", "-m", "dresses", cwd=a),
                         "Committed ds:coats5.v2 (8 objects, 8 annotations)\n")

        # B is behind now, and status says so.
        status = self.ok("status", cwd=b)
        self.assertIn("Behind: ds:coats5 is at v2; you staged v1 (ldb commit merges the two)\n", status)
        self.assertEqual(self.ok_json("status", "--json", cwd=b)["behind"], {"latest": 2})
        self.assertNotIn("behind", self.ok_json("status", "--json", cwd=a))
        self.assertNotIn("Behind", self.ok("status", cwd=a))

        self.ok("add", self.folder["shirts"], cwd=b)
        self.assertEqual(self.ok("commit", "-m", "shirts", cwd=b),
                         "Merged ds:coats5.v2 (the latest) with this workspace (staged from v1)\n"
                         "Committed ds:coats5.v3 (12 objects, 12 annotations)\n")

        # v3 holds the coats, A's dresses and B's shirts: nothing was lost.
        everything = sorted(self.hashes["coats"] + self.hashes["dresses"] + self.hashes["shirts"])
        self.assertEqual(self.members("ds:coats5.v3"), everything)
        listed = self.ok("list", "ds:coats5.v3").splitlines()[1:]  # under the header line
        self.assertEqual(len(listed), 12, listed)
        for kind in CATALOG:
            self.assertEqual(sum(f"/catalog/{kind}/" in line for line in listed), len(CATALOG[kind]), listed)
        self.assertEqual(self.members("ds:coats5.v2"), sorted(self.hashes["coats"] + self.hashes["dresses"]))
        self.assertEqual(self.members("ds:coats5"), everything)

        # The log records both parents and counts the merge against the version it merged.
        log = self.log()
        self.assertEqual((log[3]["parent"], log[3]["merge_parent"], log[3]["against"]), (1, 2, 2))
        self.assertEqual((log[3]["added"], log[3]["deleted"], log[3]["modified"]), (4, 0, 0))
        self.assertNotIn("merge_parent", log[2])
        self.assertEqual((log[2]["parent"], log[2]["added"]), (1, 3))
        text = self.ok("log", "ds:coats5")
        self.assertIn("ds:coats5.v3 (merge: staged from v1, merged with v2)\n", text)
        self.assertIn("Objects: 12 (12 annotations), +4 -0 m0 against v2\n", text)
        self.assertIn("ds:coats5.v2 (parent v1)\n", text)
        self.assertIn("Objects: 8 (8 annotations), +3 -0 m0\n", text)

        # B stages the merge now; A is behind and catches up with nothing to commit.
        status = self.ok("status", cwd=b)
        self.assertTrue(status.startswith("Dataset ds:coats5.v3, 12 objects, 12 annotations\n"), status)
        self.assertIn("No uncommitted changes\n", status)
        self.assertNotIn("Behind", status)
        self.assertIn("Behind: ds:coats5 is at v3; you staged v2", self.ok("status", cwd=a))
        self.assertEqual(self.ok("commit", cwd=a),
                         "Merged ds:coats5.v3 (the latest) with this workspace (staged from v2)\n"
                         "Nothing to commit: ds:coats5.v3 already holds these 12 objects\n")
        self.assertEqual(sorted(self.ids(cwd=a)), everything)
        self.assertEqual(self.ok_json("status", "--json", cwd=a)["version"], 3)
        self.assertEqual(len(self.log()), 3)
        self.ok("fsck", cwd=b)

    def test_deletions_on_both_sides_are_kept(self):
        coats = self.hashes["coats"]
        a = self.workspace("a", "ds:coats5")
        b = self.workspace("b", "ds:coats5")
        self.assertEqual(self.ok("del", "id:" + coats[0], "id:" + coats[1], cwd=a), "Deleted 2 objects from ds:coats5\n")
        self.ok("commit", "-m", "fewer coats", cwd=a)
        self.ok("del", "id:" + coats[4], cwd=b)
        self.ok("add", self.folder["shirts"], cwd=b)
        self.ok("commit", "-m", "shirts instead", cwd=b)
        self.assertEqual(self.members("ds:coats5.v3"), sorted(coats[2:4] + self.hashes["shirts"]))
        log = self.log()
        self.assertEqual((log[3]["added"], log[3]["deleted"], log[3]["against"]), (4, 1, 2))

    def test_a_stale_workspace_with_no_changes_commits_nothing(self):
        a = self.workspace("a", "ds:coats5")
        b = self.workspace("b", "ds:coats5")
        self.ok("add", self.folder["dresses"], cwd=a)
        self.ok("commit", cwd=a)
        # Committing B as it is would have made v3 = v1 and dropped the dresses.
        self.assertEqual(self.ok("commit", "-m", "stale", cwd=b),
                         "Merged ds:coats5.v2 (the latest) with this workspace (staged from v1)\n"
                         "Nothing to commit: ds:coats5.v2 already holds these 8 objects\n")
        self.assertEqual(sorted(self.log()), [1, 2])
        self.assertEqual(sorted(self.ids(cwd=b)), self.members("ds:coats5.v2"))

    # ---- conflicts ---------------------------------------------------------------------

    def conflicting_workspaces(self, relabelled=2):
        """A re-pins the first `relabelled` coats to annotation v2 and commits
        v2; B (staged from v1 too) re-pins them to v3. Returns B's folder."""
        a = self.workspace("a", "ds:coats5")
        b = self.workspace("b", "ds:coats5")
        self.relabel("coats", relabelled, 1)
        self.ok("pull", cwd=a)
        self.ok("commit", "-m", "relabelled", cwd=a)
        self.relabel("coats", relabelled, 2)
        self.ok("pull", cwd=b)
        self.ok("add", self.folder["shirts"], cwd=b)  # a change that does not conflict
        return b

    def test_conflicting_pins_refuse_the_commit_and_list_the_objects(self):
        b = self.conflicting_workspaces()
        coats = self.hashes["coats"]
        r = self.fails("commit", "-m", "mine", cwd=b, rc=4)
        lines = r.err.splitlines()
        self.assertEqual(lines[0], "ldb: error: ds:coats5 is at v2; you staged v1, and 2 objects were changed "
                                   "differently on both sides (ours: this workspace, theirs: ds:coats5.v2); "
                                   "nothing was committed:")
        listed = sorted(lines[1:3])
        self.assertEqual(listed, sorted(f"  id:{h}  ours: annotation v3, theirs: annotation v2 (was annotation v1)"
                                        for h in coats[:2]))
        self.assertEqual(lines[3], "hint: keep this workspace's side of every conflict with: ldb commit --ours, "
                                   "or the latest version's with: ldb commit --theirs (or change those members "
                                   "first, e.g. ldb add ID --label-version N)")
        self.assertEqual(len(lines), 4)
        # Nothing was committed; the workspace is untouched and still behind.
        self.assertEqual(sorted(self.log()), [1, 2])
        status = self.ok_json("status", "--json", cwd=b)
        self.assertEqual((status["version"], status["behind"], status["uncommitted"]["added"]), (1, {"latest": 2}, 4))

        self.fails("commit", "--ours", "--theirs", cwd=b, rc=2, contains="give one")
        self.assertEqual(self.ok("commit", "--ours", "-m", "mine", cwd=b),
                         "Merged ds:coats5.v2 (the latest) with this workspace (staged from v1): "
                         "2 conflicting objects kept ours\n"
                         "Committed ds:coats5.v3 (9 objects, 9 annotations)\n")
        pins = self.versions("ds:coats5.v3")
        self.assertEqual({h: pins[h] for h in coats}, {coats[0]: 3, coats[1]: 3, coats[2]: 1, coats[3]: 1, coats[4]: 1})
        self.assertEqual(set(pins), set(coats + self.hashes["shirts"]))

    def test_theirs_decides_conflicts_for_the_latest_version(self):
        b = self.conflicting_workspaces()
        coats = self.hashes["coats"]
        self.assertEqual(self.ok("commit", "--theirs", cwd=b),
                         "Merged ds:coats5.v2 (the latest) with this workspace (staged from v1): "
                         "2 conflicting objects kept theirs\n"
                         "Committed ds:coats5.v3 (9 objects, 9 annotations)\n")
        pins = self.versions("ds:coats5.v3")
        self.assertEqual([pins[h] for h in coats], [2, 2, 1, 1, 1])
        for h in self.hashes["shirts"]:
            self.assertEqual(pins[h], 1)
        self.assertEqual(self.versions(cwd=b), pins)

    def test_deleted_on_one_side_and_repinned_on_the_other_conflicts(self):
        coats = self.hashes["coats"]
        a = self.workspace("a", "ds:coats5")
        b = self.workspace("b", "ds:coats5")
        self.relabel("coats", 1, 1)
        self.ok("pull", cwd=a)
        self.ok("commit", cwd=a)
        self.ok("del", "id:" + coats[0], cwd=b)
        r = self.fails("commit", cwd=b, rc=4, contains="1 object was changed differently")
        self.assertIn(f"\n  id:{coats[0]}  ours: deleted, theirs: annotation v2 (was annotation v1)\n", r.err)
        self.ok("commit", "--ours", cwd=b)
        self.assertEqual(self.members("ds:coats5"), sorted(coats[1:]))

    def test_a_long_conflict_list_is_capped_with_a_count(self):
        setup = self.wsdir("setup")
        self.ok("stage", "ds:all", cwd=setup)
        self.ok("add", os.path.join(self.data, "catalog"), cwd=setup)
        self.ok("commit", cwd=setup)
        a = self.workspace("a", "ds:all")
        b = self.workspace("b", "ds:all")
        for kind in CATALOG:
            self.relabel(kind, len(CATALOG[kind]), 1)
        self.ok("pull", cwd=a)
        self.ok("commit", cwd=a)
        for kind in CATALOG:
            self.relabel(kind, len(CATALOG[kind]), 2)
        self.ok("pull", cwd=b)
        r = self.fails("commit", cwd=b, rc=4, contains="12 objects were changed differently")
        lines = r.err.splitlines()
        self.assertEqual(len(lines), 1 + 10 + 1 + 1, r.err)
        for line in lines[1:11]:
            self.assertRegex(line, r"^  id:[0-9a-f]{32}  ours: annotation v3, theirs: annotation v2 "
                                   r"\(was annotation v1\)$")
        self.assertEqual(lines[11], "  ... and 2 more")
        self.assertTrue(lines[12].startswith("hint: "))

    # ---- rollback ------------------------------------------------------------------------

    def test_staging_an_old_version_and_committing_rolls_back(self):
        a = self.workspace("a", "ds:coats5")
        self.ok("add", self.folder["dresses"], cwd=a)
        self.ok("commit", cwd=a)
        r = self.workspace("r", "ds:coats5.v1")
        # Not behind: v1 was staged on purpose, on top of v2.
        self.assertNotIn("Behind", self.ok("status", cwd=r))
        self.assertEqual(self.ok("commit", "-m", "roll back", cwd=r), "Committed ds:coats5.v3 (5 objects, 5 annotations)\n")
        self.assertEqual(self.members("ds:coats5.v3"), sorted(self.hashes["coats"]))
        log = self.log()
        self.assertEqual((log[3]["parent"], log[3]["added"], log[3]["deleted"]), (1, 0, 0))
        self.assertNotIn("merge_parent", log[3])

    def test_a_rollback_keeps_what_others_committed_after_it_was_staged(self):
        a = self.workspace("a", "ds:coats5")
        self.ok("add", self.folder["dresses"], cwd=a)
        self.ok("commit", cwd=a)                       # v2: coats + dresses
        r = self.workspace("r", "ds:coats5.v1")        # roll the dresses back ...
        self.ok("add", self.folder["shirts"], cwd=a)
        self.ok("commit", cwd=a)                       # ... while A adds shirts (v3)
        self.assertIn("Behind: ds:coats5 is at v3; you staged v1", self.ok("status", cwd=r))
        self.assertEqual(self.ok("commit", "-m", "no dresses", cwd=r),
                         "Merged ds:coats5.v3 (the latest) with this workspace (staged from v1)\n"
                         "Committed ds:coats5.v4 (9 objects, 9 annotations)\n")
        self.assertEqual(self.members("ds:coats5.v4"), sorted(self.hashes["coats"] + self.hashes["shirts"]))
        log = self.log()
        self.assertEqual((log[4]["parent"], log[4]["merge_parent"], log[4]["deleted"]), (1, 3, 3))


if __name__ == "__main__":
    main()
