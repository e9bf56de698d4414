"""End-to-end: what ldb sees in images (SPEC section 8) — features at index
time and with `ldb features`, `ldb dups` and --dedup on the labelled
near-duplicate set made from the repository's real photos
(tests/data/near_dups), `ldb embed` with the builtin model and a plugin
model, --similar, `ldb project` (PCA and the shipped UMAP plugin), and the
errors of each."""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

from ldbtest import LdbTestCase, main, md5, write_file

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")
# Debian's Python sees python3-pil (the set's generator) and umap-learn; a
# python3 earlier on PATH may be another one.
DEBIAN_PYTHON = "/usr/bin/python3"


def file_md5(path: str) -> str:
    with open(path, "rb") as f:
        return md5(f.read())


def family_of(path: str) -> str:
    return os.path.basename(path).split("__")[0]


class ImagesTestCase(LdbTestCase):
    def make_near_dups(self, folder: str) -> list:
        script = os.path.join(TESTDATA, "near_dups", "make_near_dups.py")
        out = subprocess.run([DEBIAN_PYTHON, script, folder], capture_output=True, text=True, timeout=300)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "95")
        return sorted(os.listdir(folder))

    def indexed_near_dups(self, *index_args) -> dict:
        """Indexes the labelled set into a new instance; {path: id} of its files."""
        self.use_init_instance()
        folder = os.path.join(self.data, "near")
        names = self.make_near_dups(folder)
        out = self.ok("index", *index_args, folder)
        self.assertIn("Data objects: 95 found, 95 new", out)
        return {os.path.join(folder, n): file_md5(os.path.join(folder, n)) for n in names}


class FeaturesTest(ImagesTestCase):
    def test_index_computes_features_and_counts_what_does_not_decode(self):
        self.use_init_instance()
        shutil.copy(os.path.join(TESTDATA, "photos", "dog.jpg"), self.data)
        shutil.copy(os.path.join(TESTDATA, "photos", "chelsea.png"), self.data)
        shutil.copy(os.path.join(TESTDATA, "photos", "truncated.jpg"), self.data)
        write_file(os.path.join(self.data, "notes.txt"), b"not an image")
        out = self.ok("index", self.data)
        self.assertIn("Images:       2 files with features, 1 did not decode (image.error; -v lists them)\n", out)
        values = {}
        for line in self.ok("eval", "-i", "ds:root", "--path", r"\.(jpg|png)$", "--file", "image").splitlines():
            entry = json.loads(line)
            values[entry["id"][3:]] = entry["value"]
        dog = values[file_md5(os.path.join(self.data, "dog.jpg"))]
        self.assertRegex(dog["phash"], r"^[0-9a-f]{16}$")
        self.assertRegex(dog["dhash"], r"^[0-9a-f]{16}$")
        self.assertEqual(dog["channels"], 3)
        self.assertTrue(0 <= dog["mean"] <= 255 and 0 < dog["std"] <= 128, dog)
        self.assertTrue(0 < dog["entropy"] <= 8 and dog["sharpness"] > 0, dog)
        self.assertNotIn("error", dog)
        broken = values[file_md5(os.path.join(self.data, "truncated.jpg"))]
        self.assertIn("error", broken)
        self.assertNotIn("phash", broken)
        self.assertEqual(len(values), 3)
        # Queryable like any file attribute.
        self.assertEqual(self.count("ds:root", "--file", "image.error != `null`"), 1)
        self.assertEqual(self.count("ds:root", "--file", "image.channels == `3`"), 2)

    def test_hostile_images_are_indexed_with_an_error(self):
        self.use_init_instance()
        # A PNG whose header claims 100000x100000 pixels, and nothing else.
        ihdr = struct.pack(">II", 100000, 100000) + b"\x08\x02\x00\x00\x00"
        write_file(os.path.join(self.data, "huge.png"),
                   b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr
                   + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)))
        # A GIF of 10,000 one-pixel frames: only the first is decoded.
        frame = b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00"
        write_file(os.path.join(self.data, "frames.gif"),
                   b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff" + frame * 10000 + b"\x3b")
        write_file(os.path.join(self.data, "empty.jpg"), b"")
        out = self.ok("index", "-v", self.data)
        self.assertIn("Data objects: 3 found, 3 new", out)
        self.assertIn("1 file with features, 1 did not decode", out)
        self.assertRegex(out, r"huge.png: .*100000")
        gif = self.ok("eval", "-j", os.path.join(self.data, "frames.gif"), "--file", "image")
        self.assertEqual(json.loads(gif)["channels"], 3)

    def test_no_features_then_ldb_features_fills_them_in_once(self):
        self.use_init_instance()
        for name in ("dog.jpg", "eagle.jpg", "coffee.png"):
            shutil.copy(os.path.join(TESTDATA, "photos", name), self.data)
        out = self.ok("index", "--no-features", self.data)
        self.assertNotIn("Images:", out)
        self.assertEqual(self.count("ds:root", "--file", "image.phash != `null`"), 0)
        self.assertEqual(self.ok_json("features", "--json"),
                         {"selected": 3, "not_images": 0, "already": 0, "computed": 3, "undecodable": []})
        self.assertEqual(self.count("ds:root", "--file", "image.phash != `null`"), 3)
        before = self.ok("eval", "-j", "ds:root", "--file", "image.phash")
        self.assertEqual(self.ok("features"), "Images: 0 computed, 3 had features (--force computes them again)\n")
        self.assertEqual(self.ok_json("features", "--json", "--force")["computed"], 3)
        # Features are a function of the bytes: computing again changes nothing.
        self.assertEqual(self.ok("eval", "-j", "ds:root", "--file", "image.phash"), before)


class DupsTest(ImagesTestCase):
    def test_each_family_is_one_group_at_the_default_threshold(self):
        ids = self.indexed_near_dups()
        result = self.ok_json("dups", "--json", "ds:root")
        self.assertEqual(result["objects"], 95)
        self.assertEqual(result["without_hash"], 0)
        by_id = {v: k for k, v in ids.items()}
        groups = [sorted(family_of(by_id[m["id"][3:]]) for m in g["members"]) for g in result["groups"]]
        # Every group is one family, every family one group of five.
        self.assertEqual(len(groups), 19, groups)
        for g in groups:
            self.assertEqual(len(set(g)), 1, g)
            self.assertEqual(len(g), 5, g)
        for g in result["groups"]:
            self.assertEqual(g["members"][0]["distance"], 0)
            self.assertTrue(all(0 <= m["distance"] <= result["threshold"] * 2 for m in g["members"]), g)

    def test_human_output_threshold_and_dedup(self):
        ids = self.indexed_near_dups()
        out = self.ok("dups", "ds:root")
        blocks = out.strip().split("\n\n")
        self.assertEqual(len(blocks), 20)  # 19 groups and the summary
        self.assertRegex(blocks[-1], r"^19 groups of 95 objects among 95 objects \(pHash distance <= \d+\)$")
        self.assertRegex(blocks[0].splitlines()[1], r"^id:[0-9a-f]{32}  /.*  \(distance \d+\)$")
        # Threshold 0: only identical hashes group.
        zero = self.ok_json("dups", "--json", "--threshold", "0", "ds:root")
        self.assertTrue(all(m["distance"] == 0 for g in zero["groups"] for m in g["members"]))
        # --dedup keeps the first of each group in the current order.
        kept = self.ids("ds:root", "--dedup")
        self.assertEqual(len(kept), 19)
        by_id = {v: k for k, v in ids.items()}
        self.assertEqual(len({family_of(by_id[h]) for h in kept}), 19)
        self.assertEqual(kept, sorted(kept))  # ds:root's order (by id), first of each group
        # A pipeline: the staged dataset gets one photo of each family.
        self.stage("ds:clean")
        self.ok("add", "ds:root", "--dedup")
        self.assertEqual(self.count(), 19)
        # In a workspace, dups looks at the staged dataset by default.
        self.assertEqual(self.ok_json("dups", "--json")["objects"], 19)
        self.assertEqual(self.ok_json("dups", "--json")["groups"], [])

    def test_against_finds_only_pairs_straddling_two_lists(self):
        ids = self.indexed_near_dups()
        folder = os.path.join(self.data, "near")
        train = [p for p in ids if p.endswith("__orig.jpg") or p.endswith("__orig.png")]
        test = [p for p in ids if "__q40" in p and family_of(p) in {family_of(t) for t in train[:5]}]
        result = self.ok_json("dups", "--json", *train, "--against", *test[:1], "--against", test[1])
        self.assertEqual(result["objects"], len(train) + 2)
        self.assertEqual(len(result["pairs"]), 2)
        for pair in result["pairs"]:
            self.assertEqual(family_of(pair["left"]["path"]), family_of(pair["right"]["path"]))
            self.assertIn("__orig", pair["left"]["path"])
            self.assertIn("__q40", pair["right"]["path"])
            self.assertLessEqual(pair["distance"], result["threshold"])
        # An object in both lists is not paired with itself.
        self.assertEqual(self.ok_json("dups", "--json", test[0], "--against", test[0])["pairs"], [])
        self.assertTrue(os.path.isdir(folder))

    def test_bad_thresholds_and_objects_without_features(self):
        self.use_init_instance()
        write_file(os.path.join(self.data, "a.txt"), b"text")
        self.ok("index", self.data)
        for bad in ("-1", "abc", "33", ""):
            self.fails("dups", "ds:root", "--threshold", bad, rc=2, contains="--threshold expects a number of bits")
        out = self.ok("dups", "ds:root")
        self.assertIn("0 groups of 0 objects among 1 object", out)
        self.assertIn("1 without a pHash left out", out)


PLUGIN = r'''
import json, sys
# A deterministic model: the byte histogram of the file in 4 bins.
for line in sys.stdin:
    path = json.loads(line)
    data = open(path, "rb").read()
    bins = [0, 0, 0, 0]
    for b in data[:4096]:
        bins[b >> 6] += 1
    print(json.dumps([x / max(1, len(data[:4096])) for x in bins]))
'''

GARBAGE_PLUGIN = r'''
import sys
for line in sys.stdin:
    print("not json")
'''

SHORT_PLUGIN = r'''
import sys
sys.stdin.read()
print("[1.0, 2.0]")
'''


class EmbedTest(ImagesTestCase):
    def declare(self, name: str, source: str):
        script = write_file(os.path.join(self.tmp, f"{name}.py"), source.encode())
        with open(os.path.join(self.instance, "config"), "a") as f:
            f.write(f'\n[embedding.{name}]\nrun = ["{sys.executable}", "{script}"]\n')

    def test_builtin_embedding_and_similar(self):
        ids = self.indexed_near_dups()
        result = self.ok_json("embed", "--json")
        self.assertEqual(result, {"model": "builtin", "selected": 95, "already": 0, "embedded": 95, "skipped": 0,
                                  "dimensions": 96})
        self.assertEqual(self.ok_json("embed", "--json")["already"], 95)
        by_id = {v: k for k, v in ids.items()}
        dog = next(p for p in ids if p.endswith("photos-dog__orig.jpg"))
        nearest = self.ids("ds:root", "--similar", "id:" + ids[dog], "--limit", "5")
        self.assertEqual(nearest[0], ids[dog])
        self.assertEqual({family_of(by_id[h]) for h in nearest}, {"photos-dog"})
        # An image path not in the index is embedded on the fly.
        outside = os.path.join(self.tmp, "dog-copy.jpg")
        shutil.copy(os.path.join(TESTDATA, "photos", "dog.jpg"), outside)
        self.assertEqual(self.ids("ds:root", "--similar", outside, "--limit", "1"), [ids[dog]])
        # -m right after --similar belongs to it: an unknown model is an error.
        self.fails("list", "ds:root", "--similar", outside, "-m", "nope", rc=2, contains="unknown embedding model 'nope'")

    def test_plugin_model_is_stored_per_command_and_skips_what_is_done(self):
        self.use_init_instance()
        for name in ("dog.jpg", "eagle.jpg", "kite.jpg"):
            shutil.copy(os.path.join(TESTDATA, "photos", name), self.data)
        write_file(os.path.join(self.data, "notes.txt"), b"plain text")
        self.ok("index", self.data)
        self.declare("hist", PLUGIN)
        result = self.ok_json("embed", "--json", "-m", "hist")
        self.assertEqual(result["embedded"], 4)  # a plugin model embeds every object
        self.assertEqual(result["dimensions"], 4)
        self.assertEqual(self.ok_json("embed", "--json", "-m", "hist")["already"], 4)
        # The builtin model only embeds images.
        builtin = self.ok_json("embed", "--json")
        self.assertEqual((builtin["embedded"], builtin["skipped"]), (3, 1))
        text = md5(b"plain text")
        self.assertEqual(self.ids("ds:root", "--similar", "id:" + text, "-m", "hist", "--limit", "1"), [text])
        r = self.ldb("list", "ds:root", "--similar", "id:" + text)
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("has no 'builtin' embedding", r.err)
        self.assertIn("ldb embed id:" + text, r.err)

    def test_plugin_errors_store_nothing(self):
        self.use_init_instance()
        for name in ("dog.jpg", "eagle.jpg"):
            shutil.copy(os.path.join(TESTDATA, "photos", name), self.data)
        self.ok("index", self.data)
        self.declare("garbage", GARBAGE_PLUGIN)
        self.declare("short", SHORT_PLUGIN)
        self.fails("embed", "-m", "garbage", contains="garbage")
        self.fails("embed", "-m", "short", contains="short")
        self.fails("embed", "-m", "unknown", rc=2, contains=["unknown embedding model 'unknown'", "builtin"])
        for model in ("garbage", "short"):
            r = self.ldb("list", "ds:root", "--similar", "id:" + file_md5(os.path.join(self.data, "dog.jpg")),
                         "-m", model)
            self.assertNotEqual(r.rc, 0, r.describe())
            self.assertIn(f"has no '{model}' embedding", r.err)


class ProjectTest(ImagesTestCase):
    def test_pca_and_umap_projections(self):
        ids = self.indexed_near_dups()
        self.fails("project", contains=["'builtin' embedding", "ldb embed -m builtin"])
        self.fails("project", "--method", "tsne", rc=2, contains="unknown projection method 'tsne'")
        self.ok("embed")
        out = self.ok("project")
        self.assertEqual(out, "Projected: 95 objects with pca of model 'builtin'\n")
        points = self.ok_json("project", "--json")["points"]
        self.assertEqual(sorted(p["id"][3:] for p in points), sorted(ids.values()))
        # The shipped UMAP plugin, for real (umap-learn from Debian).
        umap = self.ok_json("project", "--json", "--method", "umap", timeout=600)
        self.assertEqual(umap["projected"], 95)
        self.assertTrue(all(isinstance(p["x"], float) for p in umap["points"]))
        self.assertNotEqual(umap["points"], points)


if __name__ == "__main__":
    main()
