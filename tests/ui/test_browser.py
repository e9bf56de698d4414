"""The web UI in a real browser (issue 20): `ldb ui --no-browser --port 0`
on an instance of the repository's real photos (tests/data/yolo-real with
its boxes, and tests/data/photos without annotations), driven in Debian's
chromium by playwright-core (browse.cjs). The grid must show exactly the
objects `ldb list` lists, in its order; a query's count must be `ldb list
-s`'s; a bad query shows query-error with the caret at ldb's column; a click
opens the object panel with the annotation's boxes drawn. Screenshots go to
$LDB_UI_SCREENSHOTS."""

import os
import re
import shutil
import sys

from uitest import needs_browser, run_driver  # also puts tests/cli on the path
from ldbtest import LdbTestCase, main
from test_ui import URL_LINE, UiServer

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")


@needs_browser
class BrowserTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        shutil.copytree(os.path.join(TESTDATA, "yolo-real"), os.path.join(self.data, "yolo"))
        os.makedirs(os.path.join(self.data, "photos"))
        for name in ("dog.jpg", "kite.jpg", "chelsea.png", "astronaut.png"):
            shutil.copy(os.path.join(TESTDATA, "photos", name), os.path.join(self.data, "photos"))
        self.ok("index", "-m", "yolo", os.path.join(self.data, "yolo"))
        self.ok("index", os.path.join(self.data, "photos"))
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.kill()
        super().tearDown()

    def test_grid_query_error_and_object_panel(self):
        listed = self.listing("ds:root")
        ids = [entry["id"][3:] for entry in listed]
        self.assertEqual(len(ids), 11)
        query = "contains(objects[].category, 'bus')"
        query_ids = self.ids("ds:root", "--query", query)
        self.assertGreater(len(query_ids), 0)
        self.assertLess(len(query_ids), len(ids))
        bad_query = "objects[?category == 'bus'"
        bad = self.ldb("list", "ds:root", "--query", bad_query)
        column = int(re.search(r"at column (\d+)", bad.err).group(1))
        img_1 = next(e["id"][3:] for e in listed if e["path"].endswith("img_1.jpg"))
        boxes = len(self.annotation(img_1)["objects"])

        self.server = UiServer(self, "--port", "0", "--no-browser")
        self.assertRegex(self.server.line, URL_LINE)
        plan = {"count": len(ids), "query": query, "query_count": len(query_ids), "bad_query": bad_query,
                "open": img_1, "open_boxes": boxes}
        seen, shots = run_driver(self, "browse.cjs", self.server, plan)

        self.assertEqual(seen["errors"], [])
        # The token left the address bar once the cookie held it.
        self.assertEqual(seen["url_after_load"], f"http://127.0.0.1:{self.server.port}/")
        self.assertEqual(seen["grid_ids"], ids)
        self.assertEqual(seen["count"], len(ids))
        self.assertEqual(seen["count_text"], f"{len(ids)} objects")
        self.assertEqual(seen["thumbnails_loaded"], len(ids))
        self.assertEqual(seen["query_count"], len(query_ids))
        self.assertEqual(seen["query_ids"], query_ids)
        self.assertEqual(seen["error_column"], column)
        self.assertIn(f"query syntax error at column {column}", seen["error_text"])
        self.assertIn(bad_query + "\n" + " " * (column - 1) + "^", seen["error_text"])
        self.assertEqual(seen["panel_id"], img_1)
        self.assertEqual(seen["panel_boxes"], boxes)
        self.assertIn(os.path.join(self.data, "yolo", "images", "img_1.jpg"), seen["panel_text"])
        self.assertEqual(seen["panel_annotation"], self.annotation(img_1))
        for name in ("grid.png", "query.png", "query-error.png", "object-panel.png"):
            self.assertGreater(os.path.getsize(os.path.join(shots, name)), 1000, name)
        sys.stderr.write(f"\nfirst grid with thumbnails: {seen['first_grid_ms']} ms; screenshots in {shots}\n")
        rc, _, err = self.server.stop()
        self.assertEqual(rc, 0, err)


if __name__ == "__main__":
    main()
