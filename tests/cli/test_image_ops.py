"""Built-in image ops ([transform.NAME] ops = [...]) with the real binary:
config errors refused when read (ldb transform too), instantiation in the
pair formats and in COCO, YOLO and VOC with a resize + crop + flip transform,
each read back by ldb's own reader of the format, and the boxes checked
against the pixels: the synthetic images hold a red rectangle exactly where
their box is, and after the ops the written box still frames it."""

import os
import struct
import xml.etree.ElementTree as ET
import zlib

from ldbtest import LdbTestCase, main, md5, read_json, write_file, write_json
from test_coco import check_coco_rules

W, H = 160, 120
RED_BOX = [40, 30, 60, 40]     # x, y, w, h of the red rectangle
CORNER_BOX = [0, 0, 20, 20]    # cut away by the transform below
OPS = ["resize 80x80 fill", "center-crop 64x64", "flip-h", "format png"]
# 160x120 -> fill 80x80 (scale 2/3, crop x from 13.33) -> crop 64x64 from
# (8, 8) -> mirrored in 64: the red box ends at x 18.67..58.67, y 12..38.67.
EXPECTED = [64 - (40 * 2 / 3 - 40 / 3 - 8) - 60 * 2 / 3, 30 * 2 / 3 - 8, 40.0, 40 * 2 / 3]


def file_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def png_bytes(width: int, height: int, pixel) -> bytes:
    """An 8-bit RGB PNG; pixel(x, y) -> (r, g, b)."""
    raw = b"".join(b"\0" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def read_png(path: str):
    """(width, height, rows of (r, g, b)) of an 8-bit grey or RGB,
    non-interlaced PNG (what ldb's encoder writes)."""
    data = file_bytes(path)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (0, 2) and interlace == 0
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = 3 if colour == 2 else 1
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * channels:(x + 1) * channels] * (3 // channels)) for x in range(width)])
        previous = line
    return width, height, rows


def is_red(p) -> bool:
    return p[0] > 200 and p[1] < 60 and p[2] < 60


class ImageOpsTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.coco = os.path.join(self.data, "coco")
        self.hashes = {}
        images, annotations = [], []
        for i, name in enumerate(["a.png", "b.png"]):
            shade = 100 + 40 * i  # different bytes per image

            def pixel(x, y, shade=shade):
                inside = RED_BOX[0] <= x < RED_BOX[0] + RED_BOX[2] and RED_BOX[1] <= y < RED_BOX[1] + RED_BOX[3]
                return (255, 0, 0) if inside else (shade, shade, shade)
            content = png_bytes(W, H, pixel)
            write_file(os.path.join(self.coco, "images", name), content)
            self.hashes[name] = md5(content)
            images.append({"id": i + 1, "file_name": name, "width": W, "height": H})
            annotations.append({"id": 2 * i + 1, "image_id": i + 1, "category_id": 0, "bbox": RED_BOX,
                                "area": 2400, "iscrowd": 0})
            annotations.append({"id": 2 * i + 2, "image_id": i + 1, "category_id": 1, "bbox": CORNER_BOX,
                                "area": 400, "iscrowd": 0})
        write_json(os.path.join(self.coco, "annotations.json"),
                   {"images": images, "annotations": annotations,
                    "categories": [{"id": 0, "name": "red"}, {"id": 1, "name": "corner"}]})
        self.ok("index", "-m", "coco", self.coco)
        self.write_ops({"small": OPS})
        self.stage("ds:boxes")
        self.ok("add", self.coco)
        self.ok("transform", "-a", "small")

    def write_ops(self, transforms: dict, extra: str = ""):
        lines = ["[core]", "auto_index = false", "read_any_location = false", ""]
        for name, ops in transforms.items():
            lines += [f"[transform.{name}]", "ops = [" + ", ".join(f'"{op}"' for op in ops) + "]", ""]
        write_file(os.path.join(self.instance, "config"), "\n".join(lines) + extra)

    def check_pixels(self, image_path: str, box):
        """The red pixels lie within the box (1.5 px of filter blur) and fill its middle."""
        width, height, rows = read_png(image_path)
        x0, y0, x1, y1 = box[0], box[1], box[0] + box[2], box[1] + box[3]
        reds = 0
        for y in range(height):
            for x in range(width):
                cx, cy = x + 0.5, y + 0.5
                red = is_red(rows[y][x])
                reds += red
                if red:
                    self.assertTrue(x0 - 1.5 < cx < x1 + 1.5 and y0 - 1.5 < cy < y1 + 1.5, (x, y, box))
                if x0 + 1.5 < cx < x1 - 1.5 and y0 + 1.5 < cy < y1 - 1.5:
                    self.assertTrue(red, (x, y, rows[y][x], box))
        self.assertGreater(reds, 0)
        return width, height

    def assert_box(self, box):
        for got, want in zip(box, EXPECTED):
            self.assertAlmostEqual(got, want, delta=1e-3)

    # ---- configuration ------------------------------------------------------

    def test_bad_ops_are_refused_when_the_config_is_read(self):
        for ops, text in [(["resize 0x224 fit"], "'resize 0x224 fit'"), (["blur 3"], "unknown op 'blur'"),
                          (["format jpeg 101"], "'101'"), (["resize 999999x2"], "'999999x2'"),
                          (["format png", "flip-h"], "after the format op")]:
            self.write_ops({"bad": ops})
            r = self.fails("transform", "-a", "bad", contains=[text, "transform 'bad'", "config"])
            self.assertIn(os.path.join(self.instance, "config"), r.err)
            self.fails("instantiate", "-m", "coco", "-t", os.path.join(self.tmp, "never"), contains=[text])
            self.assertFalse(os.path.exists(os.path.join(self.tmp, "never")))
        self.write_ops({}, '[transform.both]\nops = ["flip-h"]\nrun = ["x"]\n')
        self.fails("transform", "-a", "both", contains="both run and ops")

    def test_renaming_keeps_the_recorded_ops(self):
        self.ok("commit", "-m", "small")
        self.write_ops({"tiny": OPS})
        self.assertEqual({tuple(e["transforms"]) for e in self.listing()}, {("self", "tiny")})

    # ---- instantiation ------------------------------------------------------

    def test_coco_gets_both_images_with_mapped_boxes(self):
        out = os.path.join(self.tmp, "coco-out")
        self.ok("instantiate", "-m", "coco", "-t", out)
        doc = read_json(os.path.join(out, "annotations.json"))
        check_coco_rules(self, doc, out)
        self.assertEqual(len(doc["images"]), 4)  # self and small for each member
        names = sorted(image["file_name"] for image in doc["images"])
        stems = [f"{n[:-4]}-{self.hashes[n]}" for n in ("a.png", "b.png")]
        self.assertEqual(names, sorted([f"{s}.png" for s in stems] + [f"{s}--small.png" for s in stems]))
        categories = {c["id"]: c["name"] for c in doc["categories"]}
        for image in doc["images"]:
            boxes = [a for a in doc["annotations"] if a["image_id"] == image["id"]]
            if image["file_name"].endswith("--small.png"):
                self.assertEqual((image["width"], image["height"]), (64, 64))
                self.assertEqual([categories[a["category_id"]] for a in boxes], ["red"])  # the corner is cut away
                self.assert_box(boxes[0]["bbox"])
                self.assertAlmostEqual(boxes[0]["area"], 40 * 40 * 2 / 3, delta=1e-3)
            else:
                self.assertEqual((image["width"], image["height"]), (W, H))
                self.assertEqual(sorted(categories[a["category_id"]] for a in boxes), ["corner", "red"])
            size = self.check_pixels(os.path.join(out, "images", image["file_name"]),
                                     [a for a in boxes if categories[a["category_id"]] == "red"][0]["bbox"])
            self.assertEqual(size, (image["width"], image["height"]))
        # ldb's COCO reader reads the output back: the transformed image is a
        # new object with the mapped box.
        self.ok("add-storage", out)
        self.ok("index", "-m", "coco", out)
        small = md5(file_bytes(os.path.join(out, "images", f"{stems[0]}--small.png")))
        objects = self.annotation(small)["objects"]
        self.assertEqual([o["category"] for o in objects], ["red"])
        self.assert_box(objects[0]["bbox"])
        # Unchanged on a second run.
        self.assertIn("0 written", self.ok("instantiate", "-m", "coco", "-t", out))

    def test_yolo_labels_follow_the_pixels(self):
        out = os.path.join(self.tmp, "yolo-out")
        self.ok("instantiate", "-m", "yolo", "-t", out)
        stem = f"a-{self.hashes['a.png']}--small"
        names = read_json_yaml_names(os.path.join(out, "data.yaml"))
        lines = file_bytes(os.path.join(out, "labels", stem + ".txt")).decode().split("\n")
        lines = [line.split() for line in lines if line]
        self.assertEqual([names[int(line[0])] for line in lines], ["red"])
        cx, cy, w, h = (float(v) for v in lines[0][1:])
        box = [(cx - w / 2) * 64, (cy - h / 2) * 64, w * 64, h * 64]
        self.assert_box(box)
        self.check_pixels(os.path.join(out, "images", stem + ".png"), box)
        self.ok("add-storage", out)
        self.ok("index", "-m", "yolo", out)
        small = md5(file_bytes(os.path.join(out, "images", stem + ".png")))
        self.assert_box(self.annotation(small)["objects"][0]["bbox"])

    def test_voc_boxes_follow_the_pixels(self):
        out = os.path.join(self.tmp, "voc-out")
        self.ok("instantiate", "-m", "voc", "-t", out)
        stem = f"b-{self.hashes['b.png']}--small"
        root = ET.parse(os.path.join(out, "Annotations", stem + ".xml")).getroot()
        self.assertEqual(root.findtext("size/width"), "64")
        self.assertEqual(root.findtext("size/height"), "64")
        objects = root.findall("object")
        self.assertEqual([o.findtext("name") for o in objects], ["red"])
        b = objects[0].find("bndbox")
        xmin, ymin, xmax, ymax = (float(b.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax"))
        box = [xmin - 1, ymin - 1, xmax - xmin + 1, ymax - ymin + 1]  # the devkit's 1-based inclusive boxes
        self.assert_box(box)
        self.check_pixels(os.path.join(out, "JPEGImages", stem + ".png"), box)
        self.ok("add-storage", out)
        self.ok("index", "-m", "voc", out)
        small = md5(file_bytes(os.path.join(out, "JPEGImages", stem + ".png")))
        self.assert_box(self.annotation(small)["objects"][0]["bbox"])

    def test_pairs_get_the_image_and_its_mapped_annotation(self):
        self.ok("transform", "-s", "small")
        out = os.path.join(self.tmp, "pairs-out")
        self.ok("instantiate", "-m", "strict-pairs", "-t", out)
        stem = f"a-{self.hashes['a.png']}--small"
        self.assertEqual(sorted(f for f in os.listdir(out) if f.startswith("a-")), [stem + ".json", stem + ".png"])
        annotation = read_json(os.path.join(out, stem + ".json"))
        self.assertEqual((annotation["image"]["width"], annotation["image"]["height"]), (64, 64))
        self.assertEqual([o["category"] for o in annotation["objects"]], ["red"])
        self.assert_box(annotation["objects"][0]["bbox"])
        self.check_pixels(os.path.join(out, stem + ".png"), annotation["objects"][0]["bbox"])

    def test_output_format_follows_the_format_op(self):
        self.write_ops({"small": ["resize 32x32 fit", "format jpeg 80"]})
        self.ok("transform", "-s", "small")
        out = os.path.join(self.tmp, "jpeg-out")
        self.ok("instantiate", "-m", "bare-pairs", "-t", out)
        stem = f"a-{self.hashes['a.png']}--small"
        self.assertTrue(file_bytes(os.path.join(out, stem + ".jpg")).startswith(b"\xff\xd8"))

    def test_annotation_only_refuses_image_ops(self):
        self.fails("instantiate", "-m", "annotation-only", "-t", os.path.join(self.tmp, "a"),
                   contains=["image-op transforms", "ldb transform -s self"])
        self.fails("instantiate", "-m", "coco", "--annotations-only", "-t", os.path.join(self.tmp, "b"),
                   contains="--annotations-only")


def read_json_yaml_names(path: str) -> list:
    """The class names of a data.yaml as ldb writes it (names: as a list or a map)."""
    names, inside = {}, False
    for line in file_bytes(path).decode().splitlines():
        if line.startswith("names:"):
            inside = True
            rest = line[len("names:"):].strip()
            if rest.startswith("["):
                return [n.strip().strip("'\"") for n in rest.strip("[]").split(",")]
            continue
        if inside and line.startswith("  "):
            key, _, value = line.strip().partition(":")
            names[int(key)] = value.strip().strip("'\"")
        elif inside:
            break
    return [names[i] for i in sorted(names)]


if __name__ == "__main__":
    main()
