"""Replays, in order, every `ldb ...` line of the product's seed documents
000 (the roman-numerals workflow) and 001 (the cats / COCO examples), copied
into this file as written, and checks each result: counts, members, annotation versions, files
on disk and error messages — not only exit codes.

Each line runs through `bash -c` exactly as the seed writes it (em-dashes and
all), with two kinds of substitution: the seed's /storage/ and cloud buckets
(s3://, azure://, gs://, aws://) become local folders generated here, since no
cloud is reachable from a test; and where a seed line leaves a query unquoted,
the literal line is run first and must fail with the quoting hint, then the
quoted form the hint shows is run. (`--query inference.confidence < 0.75` cannot
be run literally: the shell takes `< 0.75` for a redirection.)
"""

import hashlib
import json
import os
import stat
import subprocess

import ldbtest
from ldbtest import LdbTestCase, data_bytes, md5, write_file, write_json

CLASSES = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]

# A stand-in for the seed's CLIP model: orders objects by a deterministic score
# of (hash, prompt), best first. Installed in the instance's plugin folder.
CLIP_PLUGIN = """#!/usr/bin/env python3
import hashlib, json, sys
items = json.load(sys.stdin)
prompt = " ".join(sys.argv[1:])
def score(item):
    return hashlib.md5((item[0] + prompt).encode()).hexdigest()
for item in sorted(items, key=score):
    print(item[0])
"""


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def clip_order(hashes, prompt):
    return sorted(hashes, key=lambda h: hashlib.md5((h + prompt).encode()).hexdigest())


class SeedReplay(LdbTestCase):
    def setUp(self):
        super().setUp()
        bindir = os.path.join(self.tmp, "bin")
        os.makedirs(bindir)
        os.symlink(ldbtest.LDB_BIN, os.path.join(bindir, "ldb"))
        self.env["PATH"] = bindir + os.pathsep + self.env.get("PATH", "")
        self.storage = os.path.join(self.data, "storage")
        self.buckets = os.path.join(self.data, "buckets")

    # ---- running seed lines ---------------------------------------------------

    def local(self, line: str) -> str:
        """The seed line with its storage locations pointed at local folders."""
        line = line.replace("/storage/", self.storage + "/")
        for scheme in ("s3://", "azure://", "gs://", "aws://"):
            line = line.replace(scheme, self.buckets + "/" + scheme[:-3] + "/")
        return line

    def sh(self, line: str):
        proc = subprocess.run(["bash", "-c", self.local(line)], cwd=self.ws, env=self.env, capture_output=True,
                              text=True, timeout=60)
        return proc

    def seed(self, line: str) -> str:
        """Runs a seed line; asserts success and a clean stderr; returns stdout."""
        proc = self.sh(line)
        self.assertEqual(proc.returncode, 0, f"{line}\n{proc.stdout}\n{proc.stderr}")
        self.assertEqual(proc.stderr, "", f"{line}\n{proc.stderr}")
        return proc.stdout

    def seed_unquoted(self, line: str, quoted: str) -> str:
        """A seed line whose query the shell splits: the literal line fails
        with the hint showing `quoted`, which then runs."""
        proc = self.sh(line)
        self.assertNotEqual(proc.returncode, 0, f"{line}\n{proc.stdout}")
        self.assertEqual(proc.stdout, "")
        self.assertIn("the shell split the expression", proc.stderr)
        self.assertIn("quote the whole expression as one argument: ", proc.stderr)
        self.assertIn(quoted.split(" ", 1)[1], proc.stderr.replace("—-", "--"))
        return self.seed(line.split("—-query")[0].split("--query")[0] + quoted)

    def members(self) -> dict:
        return self.versions()

    # ---- seed 000: numerals ---------------------------------------------------

    def make_numerals(self, count=40):
        """input/ pairs {"class": C}; output/ the same bytes annotated with an
        inference. Wrong class where i % 3 == 0; low confidence where i % 4 == 0."""
        self.numerals, self.misclassified, self.unsure = [], set(), set()
        for i in range(count):
            content = data_bytes(f"numeral{i}")
            cls = CLASSES[i % len(CLASSES)]
            h = md5(content)
            self.numerals.append(h)
            write_file(os.path.join(self.storage, "input", cls, f"{i:03d}.png"), content)
            write_json(os.path.join(self.storage, "input", cls, f"{i:03d}.json"), {"class": cls})
            inferred = CLASSES[(i + 1) % len(CLASSES)] if i % 3 == 0 else cls
            confidence = 0.5 if i % 4 == 0 else 0.95
            write_file(os.path.join(self.storage, "output", f"{i:03d}.png"), content)
            write_json(os.path.join(self.storage, "output", f"{i:03d}.json"),
                       {"path": f"./{cls}/{i:03d}.png", "class": cls,
                        "inference": {"class": inferred, "confidence": confidence}})
            if i % 3 == 0:
                self.misclassified.add(h)
            if i % 4 == 0:
                self.unsure.add(h)

    def make_alternative(self, count=130):
        """The third-party numerals for gs://handwritten-numerals."""
        self.alternative, self.alternative_i = [], set()
        folder = os.path.join(self.buckets, "gs", "handwritten-numerals")
        for i in range(count):
            content = data_bytes(f"alt-numeral{i}")
            cls = CLASSES[(i * 7) % len(CLASSES)]
            write_file(os.path.join(folder, f"alt{i:03d}.png"), content)
            write_json(os.path.join(folder, f"alt{i:03d}.json"), {"class": cls})
            self.alternative.append(md5(content))
            if cls == "i":
                self.alternative_i.add(md5(content))

    def test_seed_000_numerals_workflow(self):
        self.make_numerals()
        self.make_alternative()
        everything = set(self.numerals)
        examine = self.misclassified | self.unsure

        self.seed("ldb stage ds:numerals")
        self.seed("ldb add /storage/input")
        self.assertEqual(self.members(), {h: 1 for h in everything})
        self.seed("ldb commit")
        self.assertEqual([v["version"] for v in self.ok_json("log", "--json", "ds:numerals")], [1])

        self.seed("ldb stage ds:to-examine")
        self.seed_unquoted("ldb add /storage/output --query class != inference.class",
                           "--query 'class != inference.class'")
        # The output/ annotations are the objects' second version.
        self.assertEqual(self.members(), {h: 2 for h in self.misclassified})
        self.seed("ldb add /storage/output --query 'inference.confidence < 0.75'")
        self.assertEqual(self.members(), {h: 2 for h in examine})
        self.seed("ldb instantiate")
        files = ldbtest.files_under(self.ws)
        self.assertEqual(len(files), 2 * len(examine))
        self.assertEqual({md5(read_bytes(os.path.join(self.ws, f))) for f in files if f.endswith(".png")}, examine)
        self.seed("ldb commit")

        self.seed("ldb stage ds:numerals")
        self.seed("ldb delete ds:to-examine")
        self.assertEqual(set(self.members()), everything - examine)
        self.seed("ldb commit")
        self.seed("ldb stage ds:numerals.v1")
        self.seed("ldb commit")
        log = self.ok_json("log", "--json", "ds:numerals")
        self.assertEqual([v["version"] for v in log], [3, 2, 1])  # newest first, as git log
        self.assertEqual(self.versions("ds:numerals.v3"), self.versions("ds:numerals.v1"))
        self.assertEqual(len(self.versions("ds:numerals.v2")), len(everything - examine))

        self.seed("ldb stage ds:alternative-numerals")
        self.seed("ldb add gs://handwritten-numerals")
        self.assertEqual(set(self.members()), set(self.alternative))
        out = self.seed_unquoted('ldb list --query class == "i" ', "--query \"class == 'i'\"")
        self.assertEqual({line.split()[0][3:] for line in out.splitlines()[1:]}, self.alternative_i)
        # Quoting the seed's words as they stand compares with the key "i":
        # nothing matches, and ldb says why.
        r = self.ldb("list", "-s", "--query", 'class == "i"')
        self.assertEqual((r.rc, r.out), (0, "0\n"), r.describe())
        self.assertIn('"i" at column 10 is a key, not a string', r.err)
        self.seed("ldb commit; ldb stage ds:numerals")
        self.seed("ldb add ds:alternative-numerals --limit 100")
        self.assertEqual(len(self.members()), len(everything) + 100)
        # A dataset's members come in hash order, so --limit keeps the first 100 hashes.
        self.assertEqual(set(self.members()) - everything, set(sorted(self.alternative)[:100]))

        # ds:root: numerals of class i (their current annotation is output/'s)
        # and the alternative ones.
        numeral_i = {h for i, h in enumerate(self.numerals) if i % len(CLASSES) == 0}
        out = self.seed_unquoted('ldb list ds:root --query class == "i" ', "--query \"class == 'i'\"")
        self.assertEqual({line.split()[0][3:] for line in out.splitlines()[1:]}, numeral_i | self.alternative_i)
        self.ok("index", "--add-tags", "training", self.storage + "/input")
        out = self.seed('ldb list ds:root --tag "training" ')
        self.assertEqual({line.split()[0][3:] for line in out.splitlines()[1:]}, everything)

        # Re-indexing picks up changed annotations as new versions and keeps
        # the old ones for the datasets that hold them.
        relabeled = sorted(self.misclassified)[:3]
        for i, h in enumerate(self.numerals):
            if h in relabeled:
                path = os.path.join(self.storage, "output", f"{i:03d}.json")
                ann = ldbtest.read_json(path)
                ann["class"] = ann["inference"]["class"]
                write_json(path, ann)
        self.seed("ldb index /storage/")
        current = self.versions("ds:root")
        for h in everything:
            self.assertEqual(current[h], 3 if h in relabeled else 2, h)
        self.assertEqual(self.versions("ds:to-examine"), {h: 2 for h in examine})
        show = self.ok_json("show", "--json", "id:" + relabeled[0])
        self.assertEqual(len(show["annotation_versions"]), 3)

    # ---- seed 001: cats, COCO ---------------------------------------------------

    def make_pets(self, folder, count, prefix):
        """Pairs annotated with a class and a detection: returns {hash: class}."""
        out = {}
        for i in range(count):
            cls = ["cat", "dog", "bird"][i % 3]
            content = data_bytes(f"{prefix}{i}")
            write_file(os.path.join(folder, f"{prefix}{i}.jpg"), content)
            write_json(os.path.join(folder, f"{prefix}{i}.json"),
                       {"class": cls, "image": {"width": 64, "height": 48},
                        "objects": [{"category": cls, "bbox": [1, 2, 30, 20]}]})
            out[md5(content)] = cls
        return out

    def make_coco(self, folder, count):
        images, annotations, hashes = [], [], []
        for i in range(count):
            content = data_bytes(f"coco{i}")
            write_file(os.path.join(folder, "images", f"{i:04d}.jpg"), content)
            images.append({"id": i + 1, "file_name": f"{i:04d}.jpg", "width": 64, "height": 48})
            annotations.append({"id": i + 1, "image_id": i + 1, "category_id": 1 + i % 2, "bbox": [0, 0, 8, 8],
                                "area": 64, "iscrowd": 0})
            hashes.append(md5(content))
        write_json(os.path.join(folder, "annotations.json"),
                   {"images": images, "annotations": annotations,
                    "categories": [{"id": 1, "name": "dog"}, {"id": 2, "name": "person"}]})
        return hashes

    def install_clip(self):
        plugin = os.path.join(self.instance, "custom_code", "ldb_user_filters", "CLIP")
        write_file(plugin, CLIP_PLUGIN)
        os.chmod(plugin, 0o755)

    def test_seed_001_cats_and_coco(self):
        imagenet = self.make_pets(os.path.join(self.buckets, "s3", "iterative", "ImageNet-1K"), 60, "in")
        openimage = self.make_pets(os.path.join(self.buckets, "azure", "iterative", "OpenImage-1K"), 300, "oi")
        coco = self.make_coco(os.path.join(self.buckets, "gs", "iterative", "COCO-3K"), 150)
        cats = {h for h, c in imagenet.items() if c == "cat"}

        self.seed("ldb stage ds:my-new-dataset ./")
        self.assertIn("my-new-dataset", self.seed("ldb status"))
        self.seed_unquoted('ldb add s3://iterative/ImageNet-1K —-query class == "cat"', "--query \"class == 'cat'\"")
        self.assertEqual(self.members(), {h: 1 for h in cats})
        self.seed("ldb add azure://iterative/OpenImage-1K --sample-rate 10")
        sampled = set(self.members()) - cats
        self.assertTrue(sampled <= set(openimage))
        self.assertTrue(8 <= len(sampled) <= 60, len(sampled))  # Binomial(300, 0.1): mean 30
        listed = self.seed("ldb list")
        self.assertEqual(len(listed.splitlines()) - 1, len(cats) + len(sampled))

        # Without a CLIP plugin the error says where plugins are looked up.
        proc = self.sh("ldb add gs://iterative/COCO-3K —-sort 'CLIP \"dog dance\"' --limit 100")
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertIn("no plugin named 'CLIP'", proc.stderr)
        self.assertIn(os.path.join(self.instance, "custom_code", "ldb_user_filters"), proc.stderr)
        self.install_clip()
        before = set(self.members())
        self.seed("ldb add gs://iterative/COCO-3K —-sort 'CLIP \"dog dance\"' --limit 100")
        self.assertEqual(set(self.members()) - before, set(clip_order(coco, "dog dance")[:100]))
        listed = self.seed("ldb list")
        self.assertEqual(len(listed.splitlines()) - 1, len(before) + 100)

        self.seed("ldb instantiate --output-format coco")
        written = ldbtest.read_json(os.path.join(self.ws, "annotations.json"))
        self.assertEqual(len(written["images"]), len(before) + 100)
        self.assertEqual(len(ldbtest.files_under(os.path.join(self.ws, "images"))), len(before) + 100)

        # Edit one label in the instantiated COCO file; `ldb add ./` records it.
        edited = written["images"][0]["file_name"]
        image_id = written["images"][0]["id"]
        bird = next((c["id"] for c in written["categories"] if c["name"] == "bird"), None)
        if bird is None:
            bird = max(c["id"] for c in written["categories"]) + 1
            written["categories"].append({"id": bird, "name": "bird"})
        for a in written["annotations"]:
            if a["image_id"] == image_id:
                a["category_id"] = bird
        write_json(os.path.join(self.ws, "annotations.json"), written)
        edited_hash = md5(read_bytes(os.path.join(self.ws, "images", edited)))
        before_add = self.members()
        self.seed("ldb add ./")
        after_add = self.members()
        self.assertEqual(after_add[edited_hash], before_add[edited_hash] + 1)
        # Only the edited image changed; the COCO file cannot carry `class`,
        # which the new version keeps.
        self.assertEqual({h: v for h, v in after_add.items() if h != edited_hash},
                         {h: v for h, v in before_add.items() if h != edited_hash})
        self.assertEqual([o["category"] for o in self.annotation(edited_hash)["objects"]],
                         ["bird"] * len(self.annotation(edited_hash)["objects"]))
        self.seed("ldb commit")
        self.assertEqual([v["version"] for v in self.ok_json("log", "--json", "ds:my-new-dataset")], [1])

        # ds:my-cats with three versions: cats, + the dogs, - two cats.
        cats_ws = os.path.join(self.tmp, "cats")
        os.makedirs(cats_ws)
        self.ok("stage", "ds:my-cats", cwd=cats_ws)
        self.ok("add", self.buckets + "/s3/iterative/ImageNet-1K", "--query", "class == 'cat'", cwd=cats_ws)
        self.ok("commit", cwd=cats_ws)
        self.ok("add", self.buckets + "/s3/iterative/ImageNet-1K", "--query", "class == 'dog'", cwd=cats_ws)
        self.ok("commit", cwd=cats_ws)
        dropped = sorted(cats)[:2]
        self.ok("del", *["id:" + h for h in dropped], cwd=cats_ws)
        self.ok("commit", cwd=cats_ws)
        self.seed("ldb stage ds:my-cats.v3")
        out = self.seed("ldb diff ds:my-cats.v2")
        self.assertEqual(sorted(line.split()[1] for line in out.splitlines()), sorted("id:" + h for h in dropped))
        self.assertTrue(all(line.startswith("- ") for line in out.splitlines()), out)

        # Label versions: 1.jpg's annotation edited twice in the bucket.
        bucket = os.path.join(self.buckets, "aws", "my-awesome-bucket")
        one = data_bytes("my-awesome-1")
        write_file(os.path.join(bucket, "1.jpg"), one)
        for _version, cls in ((1, "cat"), (2, "kitten"), (3, "lion")):
            write_json(os.path.join(bucket, "1.json"), {"class": cls})
            self.ok("index", bucket)
        one_hash = md5(one)
        self.seed("ldb add —-label-version 2 aws://my-awesome-bucket/1.jpg")
        self.assertEqual(self.members()[one_hash], 2)
        self.seed("ldb add aws://my-awesome-bucket/1.jpg")
        self.assertEqual(self.members()[one_hash], 3)
        # `pull` moves every member to its current annotation version.
        self.ok("add", "--label-version", "1", "id:" + one_hash)
        relabeled = sorted(set(self.members()) & cats)[0]
        imagenet_dir = os.path.join(self.buckets, "s3", "iterative", "ImageNet-1K")
        name = next(n for n in os.listdir(imagenet_dir)
                    if n.endswith(".jpg") and md5(read_bytes(os.path.join(imagenet_dir, n))) == relabeled)
        write_json(os.path.join(imagenet_dir, name[:-4] + ".json"), {"class": "cat", "pose": "sitting"})
        self.ok("index", self.buckets + "/s3/iterative/ImageNet-1K")
        self.assertEqual(self.members()[one_hash], 1)
        self.assertEqual(self.members()[relabeled], 1)
        self.seed("ldb pull")
        pulled = self.members()
        self.assertEqual(pulled[one_hash], 3)
        self.assertEqual(pulled[relabeled], 2)
        self.assertEqual(pulled, {h: v for h, v in self.versions("ds:root").items() if h in pulled})


if __name__ == "__main__":
    ldbtest.main()
