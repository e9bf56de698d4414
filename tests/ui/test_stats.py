"""The statistics view of `ldb ui` (issue 20; SPEC sections 9 and 10) on an
instance of known labels: /api/stats gives the document `ldb stats --json`
gives for the same selection, and in Debian's chromium (stats.cjs, driven by
playwright-core) the bars count exactly what `ldb stats` counts, a click on a
bar narrows the grid to exactly the bar's count (strings with quotes and
backticks, histogram bins, the other values), removing the chip restores it,
a bad key shows one error line, and a view's filter with a syntax error does
not draw its caret under the query box. Screenshots go to
$LDB_UI_SCREENSHOTS."""

import os
import sys
import urllib.parse

from uitest import needs_browser, run_driver  # also puts tests/cli on the path
from ldbtest import LdbTestCase, data_bytes, main, write_file, write_pair
from test_ui import URL_LINE, UiServer

# (class, confidence) of each labelled object; None: the annotation lacks it.
LABELS = (
    [("cat", 0.91), ("cat", 0.83), ("cat", 0.42), ("cat", 0.12), ("cat", 0.77)]
    + [("dog", 0.55), ("dog", 0.61), ("dog", 0.05)]
    + [("it's", 0.33), ("it's", 0.97)]
    + [("back`tick", 0.5), ('say "hi"\\', 0.25)]
    + [(None, 0.7), (None, None)]
)
UNLABELLED = 2  # objects without an annotation


class StatsCase(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        folder = os.path.join(self.data, "labelled")
        for i, (cls, confidence) in enumerate(LABELS):
            annotation = {}
            if cls is not None:
                annotation["class"] = cls
            if confidence is not None:
                annotation["inference"] = {"confidence": confidence}
            write_pair(folder, f"obj{i}", data_bytes(f"obj{i}"), annotation)
        for i in range(UNLABELLED):
            write_file(os.path.join(self.data, "bare", f"bare{i}.png"), data_bytes(f"bare{i}"))
        self.ok("index", folder)
        self.ok("index", os.path.join(self.data, "bare"))
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.kill()
        super().tearDown()

    def stats(self, *args):
        return self.ok_json("stats", "ds:root", *args, "--json")


class StatsApiTest(StatsCase):
    def test_api_stats_is_ldb_stats_json_of_the_same_selection(self):
        self.server = UiServer(self, "--port", "0", "--no-browser")
        self.assertRegex(self.server.line, URL_LINE)
        cases = [
            ([("by", "class")], ["--by", "class"]),
            ([("by", "class"), ("by", "inference.confidence"), ("bins", "4"), ("top", "2")],
             ["--by", "class", "--by", "inference.confidence", "--bins", "4", "--top", "2"]),
            ([("query", "inference.confidence > `0.3`"), ("by", "class"), ("file-by", "fs.size")],
             ["--query", "inference.confidence > `0.3`", "--by", "class", "--file-by", "fs.size"]),
            ([("query", "class != 'cat'"), ("query", "inference.confidence < `0.6`"), ("by", "class")],
             ["--query", "class != 'cat'", "--query", "inference.confidence < `0.6`", "--by", "class"]),
            ([], []),
        ]
        for params, args in cases:
            status, got = self.server.json("/api/stats?" + urllib.parse.urlencode([("objects", "ds:root")] + params))
            self.assertEqual(status, 200, got)
            self.assertEqual(got, self.stats(*args), params)
        # Errors as ldb stats gives them, naming the parameter.
        status, bad = self.server.json("/api/stats?" + urllib.parse.urlencode([("by", "class =")]))
        self.assertEqual(status, 400)
        self.assertEqual((bad["error"]["field"], bad["error"]["index"]), ("by", 0))
        self.assertIn(bad["error"]["message"], self.ldb("stats", "ds:root", "--by", "class =").err)
        status, missing = self.server.json("/api/stats?by=labels")
        self.assertEqual(status, 400)
        self.assertEqual(missing["error"]["code"], "invalid_argument")
        self.assertIn("class (12)", missing["error"]["hint"])
        rc, _, err = self.server.stop()
        self.assertEqual(rc, 0, err)


@needs_browser
class StatsBrowserTest(StatsCase):
    def test_bars_filter_the_grid_to_their_counts(self):
        total = len(LABELS) + UNLABELLED
        by_class = self.stats("--by", "class")["keys"][0]
        by_confidence = self.stats("--by", "inference.confidence", "--bins", "4")["keys"][0]
        top_two = self.stats("--by", "class", "--top", "2")["keys"][0]
        # Every class of LABELS is a distinct value; 4 objects miss it.
        self.assertEqual(by_class["missing"], 4)
        self.assertEqual({v["value"]: v["count"] for v in by_class["top"]},
                         {"cat": 5, "dog": 3, "it's": 2, "back`tick": 1, 'say "hi"\\': 1})
        expected = {
            "total": total,
            "key": "class",
            "classes": [[v["value"], v["count"]] for v in by_class["top"]],
            "class_missing": by_class["missing"],
            "bins": [[b["low"], b["high"], b["count"]] for b in by_confidence["numbers"]["histogram"]],
            "confidence_missing": by_confidence["missing"],
            "other_count": top_two["other_count"],
            "top_two": [[v["value"], v["count"]] for v in top_two["top"]],
            "box_query": "class == 'cat'",
            "box_count": self.count("ds:root", "--query", "class == 'cat'"),
        }

        self.server = UiServer(self, "--port", "0", "--no-browser")
        self.assertRegex(self.server.line, URL_LINE)
        seen, shots = run_driver(self, "stats.cjs", self.server, expected)

        self.assertEqual(seen["errors"], [])
        self.assertEqual(seen["default_key"], "class")
        self.assertEqual(seen["class_bars"], expected["classes"])
        self.assertEqual(seen["class_missing"], expected["class_missing"])
        self.assertEqual(seen["bin_bars"], expected["bins"])
        self.assertEqual(seen["confidence_missing"], expected["confidence_missing"])
        # A click on each bar: the grid's count is the bar's, and the chip's
        # query selects the same objects `ldb list` selects with it.
        for click in seen["clicks"]:
            self.assertEqual(click["grid_count"], click["bar_count"], click)
            self.assertEqual(click["restored"], total, click)
            self.assertEqual(self.count("ds:root", "--query", click["query"]), click["bar_count"], click)
        kinds = sorted({c["kind"] for c in seen["clicks"]})
        self.assertEqual(kinds, ["bin", "other", "value"])
        self.assertEqual(len(seen["clicks"]), len(expected["classes"]) + len(expected["bins"]) + 1)
        # With the filter on, the view counts the filtered grid.
        self.assertEqual(seen["bars_after_click"], [["cat", 5]])
        # Errors: a bad key's one line with its caret, a missing key's hint.
        self.assertIn("syntax error at column 9", seen["key_error_text"])
        self.assertEqual(seen["key_error_column"], 9)
        self.assertIn("all 16 objects miss it", seen["missing_key_text"])
        self.assertIn("class (12)", seen["missing_key_text"])
        # A view's filter with a syntax error: its message, no caret under the box.
        self.assertEqual(seen["chip_error_column"], "")
        self.assertIn("syntax error", seen["chip_error_text"])
        self.assertTrue(seen["chip_error_caret_hidden"])
        # The query box's own error still gets its caret.
        self.assertEqual(seen["box_error_column"], 9)
        for name in ("stats.png", "stats-filtered.png", "stats-histogram.png", "stats-error.png"):
            self.assertGreater(os.path.getsize(os.path.join(shots, name)), 1000, name)
        sys.stderr.write(f"\nstats view: first bars {seen['first_bars_ms']} ms after the tab's click; "
                         f"screenshots in {shots}\n")
        rc, _, err = self.server.stop()
        self.assertEqual(rc, 0, err)


if __name__ == "__main__":
    main()
