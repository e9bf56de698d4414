"""End-to-end: `instantiate -m infer` output is read by its owner's reader,
torchvision.datasets.ImageFolder (Debian's python3-torchvision, installed by
scripts/install-deps.sh). A missing torchvision fails the test: it is a
required test dependency, not an optional one. The output holds a
.ldb_workspace/ folder that plain ImageFolder takes for a class (see the
expected failure at the end), so the checks load it with dot folders skipped.

torchvision is a Debian package, so it is loaded by Debian's interpreter
(/usr/bin/python3), whichever Python runs this script."""

import json
import os
import struct
import subprocess
import unittest
import zlib

from ldbtest import LdbTestCase, main, md5, write_file

DEBIAN_PYTHON = "/usr/bin/python3"

# Loads each folder given on the command line with ImageFolder, decodes every
# sample (so the PNGs must be real images) and prints one JSON per folder.
# argv[1] is "plain" (torchvision's ImageFolder as is) or "skip-hidden" (an
# ImageFolder whose find_classes leaves out dot folders such as .ldb_workspace).
LOADER = r"""
import json, os, sys
import torchvision
image_folder = torchvision.datasets.ImageFolder
if sys.argv[1] == "skip-hidden":
    class VisibleImageFolder(torchvision.datasets.ImageFolder):
        def find_classes(self, directory):
            classes = sorted(e.name for e in os.scandir(directory) if e.is_dir() and not e.name.startswith("."))
            return classes, {name: i for i, name in enumerate(classes)}
    image_folder = VisibleImageFolder
for root in sys.argv[2:]:
    ds = image_folder(root)
    per_class = {name: 0 for name in ds.classes}
    sizes = set()
    for index in range(len(ds)):
        image, target = ds[index]
        per_class[ds.classes[target]] += 1
        sizes.add(image.size)
    print(json.dumps({"classes": ds.classes, "len": len(ds), "per_class": per_class,
                      "class_to_idx": ds.class_to_idx, "sizes": sorted(sizes)}))
"""


def png_bytes(width: int, height: int, rgb: tuple) -> bytes:
    """A valid 8-bit RGB PNG of one colour."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))


def make_png_class_folders(root: str, counts: dict) -> dict:
    """root/LABEL/k.png with distinct valid PNGs; returns {md5: label}."""
    out = {}
    for class_index, (label, n) in enumerate(sorted(counts.items())):
        for k in range(n):
            data = png_bytes(4 + k, 3 + class_index, (class_index * 40 % 256, k * 17 % 256, 200))
            write_file(os.path.join(root, label, f"{k}.png"), data)
            out[md5(data)] = label
    return out


class TorchvisionImageFolderTest(LdbTestCase):
    COUNTS = {"cat": 3, "dog": 2, "horse": 1, "zebra_crossing": 4}

    def load_image_folders(self, *roots, mode="skip-hidden") -> list:
        proc = subprocess.run([DEBIAN_PYTHON, "-c", LOADER, mode, *roots], capture_output=True, text=True,
                              timeout=180)
        self.assertEqual(proc.returncode, 0,
                         f"torchvision could not load {roots} (python3-torchvision is installed by "
                         f"scripts/install-deps.sh):\n{proc.stderr}")
        return [json.loads(line) for line in proc.stdout.splitlines()]

    def expected(self, labels: dict) -> dict:
        classes = sorted(set(labels.values()))
        per_class = {c: sum(1 for v in labels.values() if v == c) for c in classes}
        return {"classes": classes, "len": len(labels), "per_class": per_class,
                "class_to_idx": {c: i for i, c in enumerate(classes)}}

    def check(self, loaded: dict, labels: dict):
        got = {k: loaded[k] for k in ("classes", "len", "per_class", "class_to_idx")}
        self.assertEqual(got, self.expected(labels))

    def test_infer_output_loads_with_default_label_key(self):
        self.use_init_instance()
        root = os.path.join(self.data, "classes")
        labels = make_png_class_folders(root, self.COUNTS)
        out = self.ok("index", "-m", "infer", root)
        self.assertIn("Data objects: 10 found, 10 new", out)
        self.stage("ds:animals")
        self.ok("add", "ds:root")
        self.ok("commit", "-m", "ten animals")
        whole = os.path.join(self.tmp, "whole")
        subset = os.path.join(self.tmp, "subset")
        os.makedirs(whole)
        os.makedirs(subset)
        self.ok("instantiate", "-m", "infer", "-t", whole, "ds:animals")
        # A subset through a query: only what was selected is loaded.
        self.ok("instantiate", "-m", "infer", "-t", subset, "ds:animals", "--query", "label != 'cat'")
        got_whole, got_part = self.load_image_folders(whole, subset)
        self.check(got_whole, labels)
        self.check(got_part, {h: label for h, label in labels.items() if label != "cat"})
        self.assertEqual(len(got_whole["sizes"]), 10)  # every sample decoded, each to its own size

    def test_infer_output_loads_with_a_label_key(self):
        self.use_init_instance()
        root = os.path.join(self.data, "classes")
        labels = make_png_class_folders(root, {"bird": 2, "fish": 3})
        self.ok("index", "-m", "infer", "-p", "label-key=animal", root)
        self.stage("ds:keyed")
        self.ok("add", root)
        self.ok("commit", "-m", "keyed")
        target = os.path.join(self.tmp, "target")
        os.makedirs(target)
        self.ok("instantiate", "-m", "infer", "-p", "label-key=animal", "-t", target)
        [loaded] = self.load_image_folders(target)
        self.check(loaded, labels)

    def test_plain_image_folder_loads_infer_output(self):
        """Plain torchvision ImageFolder (no filtering) loads an -t target:
        ldb keeps its manifest there in a hidden file, not a folder. (A
        workspace holds .ldb_workspace/, which ImageFolder would take as a
        class; the README says to instantiate into -t DIR for torchvision.)"""
        self.use_init_instance()
        root = os.path.join(self.data, "classes")
        labels = make_png_class_folders(root, {"cat": 2, "dog": 1})
        self.ok("index", "-m", "infer", root)
        self.stage("ds:plain")
        self.ok("add", "ds:root")
        target = os.path.join(self.tmp, "target")
        os.makedirs(target)
        self.ok("instantiate", "-m", "infer", "-t", target)
        self.assertTrue(os.path.isfile(os.path.join(target, ".ldb_instantiated")))
        self.assertFalse(os.path.exists(os.path.join(target, ".ldb_workspace")))
        for loaded in self.load_image_folders(target, mode="plain"):
            self.check(loaded, labels)

if __name__ == "__main__":
    main()
