"""The duplicates and diff views of the web UI (issue 20) in a real browser:
`ldb ui --no-browser --port 0` driven in Debian's chromium by playwright-core
(dups.cjs, diff.cjs). The groups the duplicates view shows must be exactly
those of `ldb dups --json` on the repository's labelled near-duplicate photos
(tests/data/near_dups: 19 families of 5); the diff view's added, removed and
changed objects exactly those of `ldb diff --json` between two committed
versions. Screenshots go to $LDB_UI_SCREENSHOTS."""

import json
import os
import shutil
import subprocess
import sys

from uitest import needs_browser, run_driver  # also puts tests/cli on the path
from ldbtest import LdbTestCase, main
from test_ui import URL_LINE, UiServer

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")
DEBIAN_PYTHON = "/usr/bin/python3"  # sees python3-pil, which makes the near-duplicate set


@needs_browser
class CompareViewsTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.kill()
        super().tearDown()

    def drive(self, script, plan):
        """Starts ldb ui (in the workspace folder), runs SCRIPT on it; what it saw."""
        self.server = UiServer(self, "--port", "0", "--no-browser")
        self.assertRegex(self.server.line, URL_LINE)
        seen, self.shots = run_driver(self, script, self.server, plan)
        self.assertEqual(seen["errors"], [])
        rc, _, err = self.server.stop()
        self.assertEqual(rc, 0, err)
        self.server = None
        return seen

    def test_duplicates_view_shows_the_groups_of_ldb_dups(self):
        folder = os.path.join(self.data, "near")
        made = subprocess.run([DEBIAN_PYTHON, os.path.join(TESTDATA, "near_dups", "make_near_dups.py"), folder],
                              capture_output=True, text=True, timeout=300)
        self.assertEqual(made.returncode, 0, made.stderr)
        self.assertEqual(made.stdout.strip(), "95")
        self.ok("index", folder)
        dups = self.ok_json("dups", "--json", "ds:root")
        groups = [[m["id"][3:] for m in g["members"]] for g in dups["groups"]]
        distances = [[m["distance"] for m in g["members"]] for g in dups["groups"]]
        self.assertEqual(len(groups), 19)
        self.assertEqual(sum(len(g) for g in groups), 95)
        zero = self.ok_json("dups", "--json", "--threshold", "0", "ds:root")
        dedup_count = self.count("ds:root", "--dedup")
        self.assertEqual(dedup_count, 19)

        seen = self.drive("dups.cjs", {"total": 95, "groups": groups, "zero_groups": len(zero["groups"]),
                                       "dedup_count": dedup_count})
        self.assertTrue(seen["panel_visible"])
        self.assertEqual(seen["group_count"], 19)
        self.assertEqual(seen["member_count"], 95)
        self.assertEqual(seen["groups"], groups)
        self.assertEqual(seen["distances"], distances)
        self.assertEqual(seen["threshold"], str(dups["threshold"]))
        self.assertEqual(seen["thumbnails_loaded"], 95)
        self.assertIn(f"19 groups of 95 images among 95 (pHash distance ≤ {dups['threshold']})", seen["summary"])
        self.assertEqual(seen["zero_groups"], len(zero["groups"]))
        self.assertEqual(seen["opened"], groups[0][1])
        self.assertEqual(sorted(seen["grid_group"]), sorted(groups[0]))
        self.assertEqual(seen["chips"], ["ids"])
        self.assertEqual(seen["groups_with_chip"], 19)
        self.assertEqual(seen["dedup_count"], 19)
        self.assertEqual(seen["dedup_chips"], ["dedup"])
        self.assertEqual(seen["chips_after"], 0)
        self.assertIn("--threshold expects a number of bits from 0 to", seen["error_text"])
        self.assertEqual(seen["groups_after_error"], 19)
        for name in ("dups.png", "dups-show-in-grid.png", "dups-dedup.png"):
            self.assertGreater(os.path.getsize(os.path.join(self.shots, name)), 1000, name)
        sys.stderr.write(f"\nduplicates view: 19 groups with thumbnails {seen['first_groups_ms']} ms after the tab\n")

    def write_photo(self, name, cls):
        """Copies tests/data/photos/NAME to the data folder with a bare-pairs annotation {"class": CLS}."""
        stem = os.path.splitext(name)[0]
        shutil.copy(os.path.join(TESTDATA, "photos", name), os.path.join(self.data, name))
        with open(os.path.join(self.data, stem + ".json"), "w") as f:
            json.dump({"class": cls}, f)
        return stem

    def test_diff_view_shows_what_ldb_diff_finds(self):
        photos = ["dog.jpg", "kite.jpg", "chelsea.png", "astronaut.png", "coffee.png", "eagle.jpg"]
        for name in photos:
            self.write_photo(name, "first")
        self.ok("index", "-m", "bare-pairs", self.data)
        ids = {os.path.splitext(n)[0]: self.ids(os.path.join(self.data, n))[0] for n in photos}
        self.stage("ds:pets")
        self.ok("add", "ds:root")
        self.ok("commit", "-m", "first")
        # v2: two annotations change, one photo leaves, two come.
        for name in ("dog.jpg", "kite.jpg"):
            self.write_photo(name, "second")
        for name in ("horses.jpg", "rocket.jpg"):
            self.write_photo(name, "new")
        self.ok("index", "-m", "bare-pairs", self.data)
        self.ok("add", "id:" + ids["dog"], "id:" + ids["kite"], os.path.join(self.data, "horses.jpg"),
                os.path.join(self.data, "rocket.jpg"))
        self.ok("del", "id:" + ids["coffee"])
        self.ok("commit", "-m", "second")
        diff = self.ok_json("diff", "--json", "ds:pets.v1", "ds:pets.v2")
        expected = {"added": [e["id"][3:] for e in diff["added"]], "removed": [e["id"][3:] for e in diff["deleted"]],
                    "changed": [e["id"][3:] for e in diff["modified"]]}
        self.assertEqual({k: len(v) for k, v in expected.items()}, {"added": 2, "removed": 1, "changed": 2})
        self.assertEqual(expected["removed"], [ids["coffee"]])
        self.assertEqual(sorted(expected["changed"]), sorted([ids["dog"], ids["kite"]]))
        count = self.count("ds:pets")
        self.assertEqual(count, 7)

        seen = self.drive("diff.cjs", {"dataset": "ds:pets", "count": count, **expected})
        self.assertEqual(seen["a"], "ds:pets.v1")
        self.assertEqual(seen["b"], "ds:pets.v2")
        for key, want in expected.items():
            self.assertEqual(seen["sections"][key], {"count": len(want), "ids": want}, key)
        self.assertEqual(seen["changed_versions"],
                         [f"v{e['from_version']}→v{e['to_version']}" for e in diff["modified"]])
        self.assertEqual(seen["changed_versions"], ["v1→v2", "v1→v2"])
        self.assertEqual(seen["thumbnails_loaded"], 5)
        self.assertEqual(seen["opened"], expected["changed"][0])
        self.assertIn("version 2 of 2", seen["opened_text"])
        self.assertEqual(seen["grid_removed"], expected["removed"])
        self.assertEqual(seen["objects_after_show"], "ds:pets.v1")
        self.assertEqual(seen["swapped"]["added"], {"count": 1, "ids": expected["removed"]})
        self.assertEqual(seen["swapped"]["removed"], {"count": 2, "ids": expected["added"]})
        self.assertEqual(seen["swapped"]["changed"]["count"], 2)
        self.assertIn("'ds:pets' has no version 99", seen["error_text"])
        for name in ("diff.png", "diff-show-in-grid.png"):
            self.assertGreater(os.path.getsize(os.path.join(self.shots, name)), 1000, name)


if __name__ == "__main__":
    main()
