"""The workspace view in a real browser (issue 20; docs/ui.md "The
workspace"): `ldb ui` started in a workspace, driven in Debian's chromium by
playwright-core (workspace.cjs): a filtered selection added and committed, a
staged object's box relabelled and another deleted, and committed again. The
real CLI then checks each step: `ldb log`, `ldb show` (both annotation
versions), `ldb list` of each committed version, and `ldb instantiate` (the
written file holds the new class). Screenshots go to $LDB_UI_SCREENSHOTS."""

import glob
import json
import os
import shutil

from uitest import needs_browser, run_driver  # noqa: E402 (puts tests/cli on the path)
from ldbtest import LdbTestCase, main  # noqa: E402
from test_ui import URL_LINE, UiServer  # noqa: E402

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")


@needs_browser
class WorkspaceBrowserTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        shutil.copytree(os.path.join(TESTDATA, "yolo-real"), os.path.join(self.data, "yolo"))
        self.ok("index", "-m", "yolo", os.path.join(self.data, "yolo"))
        self.stage("ds:buses")
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.kill()
        super().tearDown()

    def test_add_commit_and_edit_boxes(self):
        query = "contains(objects[].category, 'bus')"
        query_ids = self.ids("ds:root", "--query", query)
        self.assertGreater(len(query_ids), 0)
        # An object with at least two boxes.
        target = next(i for i in query_ids if len(self.annotation(i)["objects"]) >= 2)
        before = self.annotation(target)
        boxes = len(before["objects"])

        self.server = UiServer(self, "--port", "0", "--no-browser")
        self.assertRegex(self.server.line, URL_LINE)
        plan = {"query": query, "query_count": len(query_ids), "open": target, "open_boxes": boxes,
                "new_class": "lorry", "first_message": "the buses", "second_message": "a lorry"}
        seen, shots = run_driver(self, "workspace.cjs", self.server, plan)
        self.assertEqual(seen["errors"], [])

        self.assertEqual(seen["dataset"], "ds:buses (new, not committed)")
        self.assertEqual(seen["count_before"], "0")
        n = len(query_ids)
        self.assertEqual(seen["add_line"], f"Added {n} object{'s' if n != 1 else ''} to ds:buses ({n} selected, "
                                           "0 with another annotation version)")
        self.assertEqual(seen["count_after_add"], str(n))
        self.assertTrue(seen["commit_line"].startswith(f"Committed ds:buses.v1 ({n} object"), seen["commit_line"])
        self.assertEqual(seen["objects_input"], "ws:")
        self.assertEqual(seen["first_class_before"], before["objects"][0]["category"])
        self.assertEqual(seen["save_line"], f"Saved annotation version 2 of id:{target} (was 1); staged")
        self.assertEqual(seen["boxes_after"], boxes - 1)
        self.assertEqual(seen["first_class_after"], "lorry")
        self.assertTrue(seen["second_commit_line"].startswith("Committed ds:buses.v2"), seen["second_commit_line"])

        # The real CLI reads what the page did.
        log = self.ok_json("log", "ds:buses", "--json")
        self.assertEqual([(v["version"], v["message"]) for v in log], [(2, "a lorry"), (1, "the buses")])
        shown = self.ok_json("show", "--json", "id:" + target)
        self.assertEqual([v["version"] for v in shown["annotation_versions"]], [1, 2])
        self.assertEqual(self.versions("ds:buses.v1")[target], 1)
        self.assertEqual(self.versions("ds:buses.v2")[target], 2)
        after = self.annotation(target)
        self.assertEqual(seen["panel_annotation"], after)
        self.assertEqual(len(after["objects"]), boxes - 1)
        self.assertEqual(after["objects"][0]["category"], "lorry")
        self.assertEqual(after["objects"][0]["bbox"], before["objects"][0]["bbox"])
        self.assertEqual(after["objects"][1:], before["objects"][2:])
        # instantiate writes the new class (a bare pair: the annotation as JSON).
        self.ok("instantiate", "-m", "bare-pairs")
        written = []
        for path in glob.glob(os.path.join(self.ws, "**", "*.json"), recursive=True):
            with open(path) as f:
                written.append(json.load(f))
        self.assertIn(after, written)
        for name in ("workspace.png", "box-edit.png", "box-saved.png", "workspace-committed.png"):
            self.assertGreater(os.path.getsize(os.path.join(shots, name)), 1000, name)
        rc, _, err = self.server.stop()
        self.assertEqual(rc, 0, err)


if __name__ == "__main__":
    main()
