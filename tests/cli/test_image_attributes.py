"""End-to-end: image attributes (image.width, image.height, image.format) of
indexed objects in --file queries, on the real photos of testdata/yolo-real.
The expected sizes come from this file's own header parsers, not from ldb."""

import json
import os
import shutil
import struct

from ldbtest import LdbTestCase, main, md5, write_file

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")


def png_size(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def jpeg_size(data: bytes):
    """Width and height from the first SOFn segment (no EXIF rotation: the
    callers check that the test photos carry none)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    pos = 2
    while pos + 4 <= len(data):
        assert data[pos] == 0xFF, f"bad marker at {pos}"
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return width, height
        pos += 2 + length
    raise AssertionError("no SOF segment")


def expected_attributes(path: str):
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"\x89PNG"):
        return {"format": "png", "width": png_size(data)[0], "height": png_size(data)[1]}
    width, height = jpeg_size(data)
    return {"format": "jpeg", "width": width, "height": height}


HEADER_KEYS = ("width", "height", "format")
FEATURE_KEYS = {"phash", "dhash", "mean", "std", "sharpness", "entropy", "channels"}


def header_part(image: dict) -> dict:
    """The attributes read from the header (the content features, tested in
    test_images.py, are beside them)."""
    return {k: image[k] for k in HEADER_KEYS if k in image}


def json_values(text: str) -> list:
    """The JSON values `eval -j` printed, one after another."""
    decoder = json.JSONDecoder()
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        value, end = decoder.raw_decode(text, pos)
        out.append(value)
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class ImageAttributesTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        src = os.path.join(TESTDATA, "yolo-real")
        self.assertTrue(os.path.isdir(src), f"missing test data {src}")
        self.src = os.path.join(self.data, "yolo-real")
        shutil.copytree(src, self.src)
        self.images = os.path.join(self.src, "images")
        self.expected = {}
        for name in sorted(os.listdir(self.images)):
            path = os.path.join(self.images, name)
            with open(path, "rb") as f:
                self.expected[md5(f.read())] = (path, expected_attributes(path))
        self.assertEqual(len(self.expected), 7)
        # Not images: a text file and a file that only starts like a PNG.
        self.others = os.path.join(self.data, "others")
        self.text_hash = md5(b"just some text\n")
        write_file(os.path.join(self.others, "notes.txt"), b"just some text\n")
        self.fake_hash = md5(b"\x89PNG but not really")
        write_file(os.path.join(self.others, "fake.png"), b"\x89PNG but not really")
        self.use_init_instance()
        self.ok("index", self.src)
        self.ok("index", self.others)

    def attributes_by_hash(self, *objects) -> dict:
        ids = self.ids(*objects)
        values = json_values(self.ok("eval", "-j", *objects, "--file", "@"))
        self.assertEqual(len(values), len(ids))
        return dict(zip(ids, values))

    def test_eval_file_shows_image_attributes_of_images_only(self):
        attributes = self.attributes_by_hash("ds:root")
        self.assertEqual(len(attributes), 9)
        for h, (path, want) in self.expected.items():
            self.assertEqual(header_part(attributes[h]["image"]), want, path)
            self.assertEqual(set(attributes[h]["image"]) - set(HEADER_KEYS), FEATURE_KEYS, path)
            self.assertEqual(attributes[h]["fs"]["path"], path)
        for h in (self.text_hash, self.fake_hash):
            self.assertNotIn("image", attributes[h])
            self.assertIn("fs", attributes[h])

    def test_file_queries_on_image_attributes(self):
        wide = sum(1 for _, want in self.expected.values() if want["width"] > 500)
        tall = sum(1 for _, want in self.expected.values() if want["height"] >= 720)
        pngs = sum(1 for _, want in self.expected.values() if want["format"] == "png")
        self.assertEqual((wide, tall, pngs), (7, 2, 3))  # the data this test was written for
        self.assertEqual(self.count("ds:root", "--file", "image.width > `500`"), wide)
        self.assertEqual(self.count("ds:root", "--file", "image.height >= `720`"), tall)
        self.assertEqual(self.count("ds:root", "--file", "image.format == 'png'"), pngs)
        self.assertEqual(self.count("ds:root", "--file", "image.format == `jpeg`"), 7 - pngs)
        # Objects that are not images have no image key: ldb semantics drop them.
        self.assertEqual(self.count("ds:root", "--file", "image.width < `100000`"), 7)
        self.assertEqual(self.count("ds:root", "--file", "!contains(keys(@), 'image')"), 2)
        self.assertEqual(self.count("ds:root", "--file", "image.width > `640`"), 2)
        want = sorted(h for h, (_, a) in self.expected.items() if a["width"] * a["height"] > 640 * 480)
        got = sorted(self.ids("ds:root", "--file", "mul(image.width, image.height) > `307200`"))
        self.assertEqual(got, want)
        self.assertEqual(len(want), 3)  # 1280x720 twice and 640x494

    def test_unchanged_reindex_keeps_attributes(self):
        out = self.ok("index", self.src)
        self.assertIn("Data objects: 7 found, 0 new", out)
        self.assertEqual(self.count("ds:root", "--file", "image.width > `500`"), 7)
        h, (path, want) = next(iter(self.expected.items()))
        values = json_values(self.ok("eval", "-j", "id:" + h, "--file", "image"))
        self.assertEqual([header_part(v) for v in values], [want])


if __name__ == "__main__":
    main()
