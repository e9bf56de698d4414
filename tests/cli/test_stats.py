"""End-to-end: ldb stats and ldb diff --stats on the real data of
$LDB_TESTDATA_DIR (the YOLO export of yolo-real/ and the photos of photos/),
every count checked against the files themselves, computed here."""

import collections
import glob
import math
import os
import shutil

from ldbtest import LdbTestCase, main
from test_image_attributes import expected_attributes

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")


def class_names(root):
    with open(os.path.join(root, "classes.txt")) as f:
        return [line.strip() for line in f if line.strip()]


def boxes_per_class(root, stems=None):
    """Counter of class names over the label files (of the given stems)."""
    names = class_names(root)
    counts = collections.Counter()
    for path in glob.glob(os.path.join(root, "labels", "*.txt")):
        stem = os.path.splitext(os.path.basename(path))[0]
        if stems is not None and stem not in stems:
            continue
        with open(path) as f:
            for line in f:
                if line.split():
                    counts[names[int(line.split()[0])]] += 1
    return counts


def linear_quantile(values, p):
    """numpy.quantile's default (linear) on a sorted copy."""
    xs = sorted(values)
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


class StatsTest(LdbTestCase):
    def index_yolo(self):
        src = os.path.join(TESTDATA, "yolo-real")
        self.assertTrue(os.path.isdir(src), f"missing test data {src}")
        dst = os.path.join(self.data, "yolo-real")
        shutil.copytree(src, dst)
        self.use_init_instance()
        self.assertIn("Format: yolo", self.ok("index", dst))
        return dst

    def index_photos(self):
        dst = os.path.join(self.data, "photos")
        os.makedirs(dst)
        for path in glob.glob(os.path.join(TESTDATA, "photos", "*")):
            if path.endswith((".jpg", ".png")) and not path.endswith("truncated.jpg"):
                shutil.copy(path, dst)
        self.use_init_instance()
        self.ok("index", dst)
        return dst

    def key(self, result, name):
        return next(k for k in result["keys"] if k["key"] == name)

    def test_class_counts_are_the_label_files(self):
        root = self.index_yolo()
        want = boxes_per_class(root)
        result = self.ok_json("stats", "ds:root", "--by", "objects[].category", "--json")
        self.assertEqual(result["objects"], 7)
        self.assertEqual(result["annotations"], 7)
        k = self.key(result, "objects[].category")
        self.assertEqual(k["unit"], "elements")
        self.assertEqual(k["values"], sum(want.values()))
        self.assertEqual(k["missing"], 0)
        self.assertEqual({v["value"]: v["count"] for v in k["top"]}, dict(want))
        self.assertEqual(k["distinct"], len(want))
        # Most frequent first, ties by value; shares of the boxes counted.
        order = sorted(want.items(), key=lambda item: (-item[1], item[0]))
        self.assertEqual([(v["value"], v["count"]) for v in k["top"]], order)
        for v in k["top"]:
            self.assertAlmostEqual(v["share"], v["count"] / k["values"])
        self.assertNotIn("numbers", k)
        self.assertNotIn("coverage", result)

        # --top cuts the list and sums up the rest.
        cut = self.key(self.ok_json("stats", "ds:root", "--by", "objects[].category", "--top", "2", "--json"),
                       "objects[].category")
        self.assertEqual([(v["value"], v["count"]) for v in cut["top"]], order[:2])
        self.assertEqual(cut["other_values"], len(order) - 2)
        self.assertEqual(cut["other_count"], sum(n for _, n in order[2:]))

        # The terminal output draws a bar per value and says what was counted.
        out = self.ok("stats", "ds:root", "--by", "objects[].category", "--top", "2")
        self.assertIn("█", out)
        self.assertIn("each element of the arrays", out)
        self.assertIn(f"{len(order) - 2} other values ({sum(n for _, n in order[2:])} elements)", out)
        for name, n in order[:2]:
            line = next(line for line in out.splitlines() if line.strip().startswith(name))
            self.assertIn(f" {n} ", line)

    def test_filters_select_what_is_counted(self):
        root = self.index_yolo()
        wide = [p for p in glob.glob(os.path.join(root, "images", "*")) if expected_attributes(p)["width"] == 1280]
        self.assertEqual(len(wide), 2)
        stems = {os.path.splitext(os.path.basename(p))[0] for p in wide}
        result = self.ok_json("stats", "ds:root", "--query", "image.width == `1280`", "--by", "objects[].category",
                              "--json")
        self.assertEqual(result["objects"], 2)
        k = self.key(result, "objects[].category")
        self.assertEqual({v["value"]: v["count"] for v in k["top"]}, dict(boxes_per_class(root, stems)))

    def test_numbers_are_summarized_exactly(self):
        photos = self.index_photos()
        sizes = [expected_attributes(p) for p in sorted(glob.glob(os.path.join(photos, "*")))]
        widths = [s["width"] for s in sizes]
        result = self.ok_json("stats", "ds:root", "--file-by", "image.width", "--file-by", "image.format", "--bins",
                              "4", "--json")
        self.assertEqual(result["objects"], len(sizes))
        self.assertEqual(result["annotations"], 0)
        n = self.key(result, "image.width")["numbers"]
        self.assertEqual(n["count"], len(widths))
        self.assertEqual(n["min"], min(widths))
        self.assertEqual(n["max"], max(widths))
        mean = sum(widths) / len(widths)
        self.assertAlmostEqual(n["mean"], mean)
        self.assertAlmostEqual(n["std"], math.sqrt(sum((w - mean) ** 2 for w in widths) / len(widths)))
        self.assertEqual([q["level"] for q in n["quantiles"]], [0.05, 0.25, 0.5, 0.75, 0.95])
        for q in n["quantiles"]:
            self.assertAlmostEqual(q["value"], linear_quantile(widths, q["level"]))
        step = (max(widths) - min(widths)) / 4
        edges = [min(widths) + i * step for i in range(4)] + [max(widths)]
        want = [sum(1 for w in widths if edges[b] <= w < edges[b + 1] or (b == 3 and w == edges[4])) for b in range(4)]
        self.assertEqual([b["count"] for b in n["histogram"]], want)
        self.assertEqual([b["low"] for b in n["histogram"]], edges[:4])
        formats = self.key(result, "image.format")
        self.assertEqual({v["value"]: v["count"] for v in formats["top"]},
                         dict(collections.Counter(s["format"] for s in sizes)))
        out = self.ok("stats", "ds:root", "--file-by", "image.width", "--bins", "4")
        self.assertIn("quantiles  5%:", out)
        self.assertIn(f"[{edges[3]:g}, {max(widths)}]", out)

    def test_overview_without_keys(self):
        self.index_yolo()
        annotations = [self.annotation(h) for h in self.ids("ds:root")]
        want = collections.Counter(key for a in annotations for key in a)
        result = self.ok_json("stats", "ds:root", "--json")
        self.assertEqual(result["objects"], 7)
        self.assertEqual({c["key"]: c["annotations"] for c in result["coverage"]}, dict(want))
        self.assertEqual([k["key"] for k in result["keys"]], ["image.width", "image.height", "image.format"])
        self.assertEqual(self.key(result, "image.width")["numbers"]["count"], 7)
        out = self.ok("stats", "ds:root")
        self.assertIn("7 objects, 7 with an annotation", out)
        self.assertIn("top-level annotation keys", out)
        self.assertIn("image.height", out)

    def test_default_is_the_staged_dataset(self):
        root = self.index_yolo()
        self.stage("ds:some")
        picked = sorted(glob.glob(os.path.join(root, "images", "*")))[:3]
        self.ok("add", *picked)
        stems = {os.path.splitext(os.path.basename(p))[0] for p in picked}
        result = self.ok_json("stats", "--by", "objects[].category", "--json")
        self.assertEqual(result["objects"], 3)
        self.assertEqual({v["value"]: v["count"] for v in self.key(result, "objects[].category")["top"]},
                         dict(boxes_per_class(root, stems)))

    def test_diff_stats_compares_two_versions(self):
        root = self.index_yolo()
        images = sorted(glob.glob(os.path.join(root, "images", "*")))
        self.stage("ds:yolo")
        self.ok("add", *images[:3])
        self.ok("commit", "-m", "three")
        self.ok("add", *images[3:])
        self.ok("commit", "-m", "all")
        stems = {os.path.splitext(os.path.basename(p))[0] for p in images[:3]}
        before, after = boxes_per_class(root, stems), boxes_per_class(root)
        result = self.ok_json("diff", "--stats", "ds:yolo.v1", "ds:yolo.v2", "--by", "objects[].category", "--json")
        self.assertEqual((result["from_objects"], result["to_objects"]), (3, 7))
        k = result["keys"][0]
        self.assertEqual(k["from"]["values"], sum(before.values()))
        self.assertEqual(k["to"]["values"], sum(after.values()))
        for change in k["changes"]:
            name = change["value"]
            self.assertEqual((change["from"], change["to"]), (before[name], after[name]))
            self.assertEqual(change["change"], after[name] - before[name])
            points = 100 * (after[name] / sum(after.values()) - before[name] / sum(before.values()))
            self.assertAlmostEqual(change["share_points"], points)
        self.assertEqual({c["value"] for c in k["changes"]}, set(after))
        out = self.ok("diff", "--stats", "ds:yolo.v1", "ds:yolo.v2", "--by", "objects[].category")
        self.assertIn("ds:yolo.v1: 3 objects -> ds:yolo.v2: 7 objects", out)
        self.assertIn("points", out)
        # Numbers side by side.
        out = self.ok("diff", "--stats", "ds:yolo.v1", "ds:yolo.v2", "--file-by", "image.width")
        self.assertRegex(out, r"count\s+3\s+7")
        # --top: what the values left out hold on each side; --bins: each side's histogram.
        top1 = self.ok_json("diff", "--stats", "ds:yolo.v1", "ds:yolo.v2", "--by", "objects[].category", "--top", "1",
                            "--json")["keys"][0]
        shown = top1["changes"][0]["value"]
        out = self.ok("diff", "--stats", "ds:yolo.v1", "ds:yolo.v2", "--by", "objects[].category", "--top", "1")
        self.assertIn(f"{len(after) - 1} other values ({sum(before.values()) - before[shown]} -> "
                      f"{sum(after.values()) - after[shown]} {top1['to']['unit']})", out)
        out = self.ok("diff", "--stats", "ds:yolo.v1", "ds:yolo.v2", "--file-by", "image.width", "--bins", "3")
        for side, paths in (("ds:yolo.v1", images[:3]), ("ds:yolo.v2", images)):
            widths = [expected_attributes(p)["width"] for p in paths]
            drawn = out.split(f"\n  {side}:\n", 1)[1].splitlines()
            if min(widths) == max(widths):
                self.assertEqual(drawn[0], f"  every value is {widths[0]}")
            else:
                self.assertEqual([line.lstrip()[:1] for line in drawn[:3]], ["["] * 3, out)
                self.assertIn(f", {max(widths)}]", drawn[2])
        # Plain diff is unchanged.
        self.assertEqual(self.ok("diff", "-s", "ds:yolo.v1", "ds:yolo.v2"), "Added: 4\nDeleted: 0\nModified: 0\n")

    def test_bad_input(self):
        self.index_yolo()
        r = self.fails("stats", "ds:root", "--by", "labels", rc=2, contains=["--by 'labels'", "all 7 objects miss it"])
        self.assertIn("objects (7)", r.err)  # the top-level keys there are
        self.fails("stats", "ds:root", "--file-by", "image.colour", rc=2, contains="image.width")
        r = self.fails("stats", "ds:root", "--by", "objects[].category ==", rc=2, contains="query syntax error")
        self.assertIn("^", r.err)
        self.fails("stats", "ds:root", "--by", "abs(image)", rc=2, contains="could not be evaluated")
        for flag, value in (("--bins", "0"), ("--bins", "ten"), ("--top", "0"), ("--top", "-3"), ("--bins", "5000")):
            self.fails("stats", "ds:root", "--by", "image", flag, value, rc=2, contains=f"{flag} expects a whole number")
        self.fails("diff", "--stats", "ds:root", "ds:root", rc=2, contains="needs a key")
        # Each side counted on its own: an object on both sides is not one of "14".
        self.fails("diff", "--stats", "ds:root", "ds:root", "--by", "labels", rc=2,
                   contains="--by 'labels': all objects of both sides (7 and 7) miss it")
        self.fails("diff", "ds:root", "ds:root", "--by", "class", rc=2, contains="--stats")
        # Some objects failing is a warning, not an error.
        r = self.ldb("stats", "ds:root", "--by", "image.width")
        self.assertEqual(r.rc, 0, r.describe())


if __name__ == "__main__":
    main()
