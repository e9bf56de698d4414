"""The embedding view in a real browser (issue 20): `ldb embed` and `ldb
project` on the repository's real photos, then `ldb ui` driven in Debian's
chromium by playwright-core (embedding.cjs). Every projected point must be
drawn (the canvas's count and its pixels), a lasso around the points left of
a gap must select exactly those objects and narrow the grid to them, and a
click on a point must open that object. Screenshots go to $LDB_UI_SCREENSHOTS."""

import os
import sys

from uitest import needs_browser, run_driver  # also puts tests/cli on the path
from ldbtest import main
import test_browser
from test_ui import UiServer


def lasso_plan(points):
    """The points left of the widest gap between neighbouring x values (away
    from the ends), and the point farthest from any other, to click."""
    xs = sorted(p["x"] for p in points)
    cut = max(range(2, len(xs) - 1), key=lambda i: xs[i] - xs[i - 1])
    threshold = (xs[cut - 1] + xs[cut]) / 2
    inside = sorted(p["id"][3:] for p in points if p["x"] < threshold)

    def nearest(p):
        return min((p["x"] - q["x"]) ** 2 + (p["y"] - q["y"]) ** 2 for q in points if q is not p)

    lonely = max(points, key=nearest)
    return threshold, inside, lonely["id"][3:]


@needs_browser
class EmbeddingViewTest(test_browser.BrowserTest):
    test_grid_query_error_and_object_panel = None  # BrowserTest's own test runs in test_browser.py

    def test_points_lasso_and_click(self):
        self.ok("embed")
        projected = self.ok_json("project", "--json")
        points = projected["points"]
        self.assertEqual(len(points), 11)
        threshold, inside, lonely = lasso_plan(points)
        self.assertGreater(len(inside), 0)
        self.assertLess(len(inside), len(points))

        self.server = UiServer(self, "--port", "0", "--no-browser")
        plan = {"count": len(points), "points": points, "threshold": threshold, "inside": len(inside),
                "click": lonely, "color": "objects[0].category"}
        seen, shots = run_driver(self, "embedding.cjs", self.server, plan)

        self.assertEqual(seen["errors"], [])
        self.assertEqual(seen["missing_hint"], "compute them: ldb embed -m builtin, then ldb project -m builtin --method umap")
        self.assertEqual(seen["drawn"], len(points))
        self.assertEqual(seen["without"], 0)
        self.assertGreater(seen["lit_pixels"], len(points))
        self.assertEqual(sum(entry["count"] for entry in seen["legend"]), len(points))
        self.assertEqual(seen["selected"], len(inside))
        self.assertEqual(seen["result_count"], len(inside))
        self.assertEqual(sorted(seen["grid_ids"]), inside)
        self.assertEqual(seen["chip"], "pin")
        self.assertEqual(seen["panel_id"], lonely)
        self.assertEqual(seen["after_chip_removed"], len(points))
        for name in ("embedding.png", "embedding-lasso.png", "embedding-click.png"):
            self.assertGreater(os.path.getsize(os.path.join(shots, name)), 1000, name)
        sys.stderr.write(f"\npoints loaded and drawn in {seen['load_ms']} ms; screenshots in {shots}\n")
        rc, _, err = self.server.stop()
        self.assertEqual(rc, 0, err)


if __name__ == "__main__":
    main()
