"""End-to-end: Label Studio in (ldb index -m label-studio / auto) and out
(ldb instantiate -m label-studio), with round trips on the real exports in
$LDB_TESTDATA_DIR/label-studio."""

import copy
import json
import os
import shutil
import struct
import zlib
from fractions import Fraction

from ldbtest import LdbTestCase, main, md5, read_json, write_file, write_json

TESTDATA = os.path.join(os.environ.get("LDB_TESTDATA_DIR", ""), "label-studio")
EXPORTS = ["yolo-data.json", "yolo-data_obb.json", "yolo-data_polygons.json", "json_min-data.json"]
LDB_KEYS = ("image", "objects", "source_format")


def make_png(width: int, height: int, fill: int) -> bytes:
    """A valid grayscale PNG of the given size, every pixel `fill`."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = (b"\x00" + bytes([fill]) * width) * height
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def task_size(task):
    for annotation in task.get("annotations", []):
        for result in annotation["result"]:
            return result["original_width"], result["original_height"]
    return 16, 16


def close(a, b, path="") -> str:
    """'' when a and b are equal with numbers within 1e-6, else where they differ."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return "" if abs(a - b) <= 1e-6 * max(1.0, abs(a)) else f"{path}: {a} != {b}"
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return f"{path}: keys {sorted(set(a) ^ set(b))}"
        for key in a:
            diff = close(a[key], b[key], f"{path}.{key}")
            if diff:
                return diff
        return ""
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            diff = close(x, y, f"{path}[{i}]")
            if diff:
                return diff
        return ""
    return "" if a == b else f"{path}: {a!r} != {b!r}"


def short_decimal(value: Fraction) -> bool:
    """Whether value is a decimal of at most 15 significant digits."""
    if value == 0:
        return True
    for places in range(0, 20):
        scaled = value * 10 ** places
        if scaled.denominator == 1:
            return len(str(abs(scaled.numerator)).strip("0")) <= 15
    return False


def server_path_file(folder: str, uri: str) -> str:
    """Where the stand-in for a task's URI goes: "/image1" under the folder,
    "/data/upload/29/example.png" beside the export (its base name)."""
    if uri.startswith("/data/upload/"):
        return os.path.join(folder, os.path.basename(uri))
    return os.path.join(folder, uri.lstrip("/"))


class LabelStudioTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()

    def copy_export(self, name: str, fill_base: int) -> tuple:
        """Copies a real export into data/<stem>/export.json with stand-in PNGs
        (sized as the results say) for its tasks. Returns (folder, tasks, {task id: md5})."""
        folder = os.path.join(self.data, os.path.splitext(name)[0])
        with open(os.path.join(TESTDATA, name)) as f:
            tasks = json.load(f)
        hashes = {}
        for i, task in enumerate(tasks):
            content = make_png(*task_size(task), fill_base + i)
            write_file(server_path_file(folder, task["data"]["image"]), content)
            hashes[task["id"]] = md5(content)
        write_json(os.path.join(folder, "export.json"), tasks)
        return folder, tasks, hashes

    def index_fails(self, folder, contains, *extra):
        r = self.ldb("index", "-m", "label-studio", *extra, folder)
        self.assertNotEqual(r.rc, 0, r.describe())
        self.assertTrue(r.err.startswith("ldb: error: "), r.describe())
        for text in list(contains) + ["hint: "]:
            self.assertIn(text, r.err, r.describe())
        return r

    def test_index_shape(self):
        folder, tasks, hashes = self.copy_export("yolo-data.json", 10)
        counts = self.index_counts(self.ok("index", "-m", "label-studio", folder))
        self.assertEqual(counts["format"], "label-studio")
        self.assertEqual(counts["objects_found"], 2)
        a = self.annotation(hashes[1])
        self.assertEqual(a["source_format"], "label-studio")
        self.assertEqual(a["data"]["data-object-info"], {"md5": hashes[1], "path_key": "image"})
        self.assertEqual(a["data"]["image"], "/image1")
        self.assertEqual(a["image"], {"file_name": "image1", "width": 2800, "height": 2800})
        self.assertEqual(a["annotations"], tasks[0]["annotations"])
        # Objects come from the first annotation, percent -> pixels.
        self.assertEqual([o["category"] for o in a["objects"]], ["parasites", "white"])
        value = tasks[0]["annotations"][0]["result"][0]["value"]
        expected = [value["x"] * 28, value["y"] * 28, value["width"] * 28, value["height"] * 28]
        self.assertEqual(close(a["objects"][0]["bbox"], expected), "")
        # Re-indexing unchanged data creates nothing.
        counts = self.index_counts(self.ok("index", "-m", "label-studio", folder))
        self.assertEqual((counts["objects_new"], counts["annotations_new"]), (0, 0))

    def test_rotated_and_polygon_objects(self):
        obb, tasks, hashes = self.copy_export("yolo-data_obb.json", 20)
        poly, poly_tasks, poly_hashes = self.copy_export("yolo-data_polygons.json", 30)
        self.ok("index", obb, poly)  # auto-detected
        first = self.annotation(hashes[10959])["objects"][0]
        self.assertEqual(first["category"], "Butterfly")
        value = tasks[0]["annotations"][0]["result"][0]["value"]
        self.assertEqual(close(first["rotation"], value["rotation"]), "")
        corners = first["segmentation"][0]
        self.assertEqual(len(corners), 8)
        self.assertEqual(close(corners[:2], [value["x"] * 5.97, value["y"] * 7.68]), "")
        x, y, w, h = first["bbox"]
        self.assertEqual(close([x, y, x + w, y + h], [min(corners[0::2]), min(corners[1::2]),
                                                      max(corners[0::2]), max(corners[1::2])]), "")
        airplane = self.annotation(poly_hashes[68501])["objects"]
        self.assertEqual(len(airplane), 1)
        points = poly_tasks[0]["annotations"][0]["result"][0]["value"]["points"]
        self.assertEqual(len(airplane[0]["segmentation"][0]), 2 * len(points))
        self.assertEqual(close(airplane[0]["segmentation"][0][:2], [points[0][0] * 6.4, points[0][1] * 4.26]), "")
        self.stage("ds:planes")
        self.ok("add", poly, obb, "--query", "length(objects[?category == 'Airplane']) > `0`")
        self.assertEqual(self.count(cwd=self.ws), 1)

    def test_round_trip_real_exports(self):
        originals = {}
        folders = []
        for k, name in enumerate(EXPORTS):
            folder, tasks, hashes = self.copy_export(name, 40 + 10 * k)
            folders.append(folder)
            for task in tasks:
                originals[hashes[task["id"]]] = task
        for folder in folders:
            self.ok("index", "-m", "label-studio", folder)
        self.stage("ds:all")
        self.ok("add", *folders)
        self.ok("instantiate", "-m", "label-studio")
        out = read_json(os.path.join(self.ws, "annotations.json"))
        self.assertEqual(len(out), len(originals))
        for task in out:
            info = task["data"]["data-object-info"]
            original = originals[info["md5"]]
            self.assertEqual(info["path_key"], "image")
            written = os.path.join(self.ws, task["data"]["image"])
            with open(written, "rb") as f:
                self.assertEqual(md5(f.read()), info["md5"])
            self.assertFalse(any(key in task for key in LDB_KEYS))
            expected = copy.deepcopy(original)
            expected["data"] = {"image": task["data"]["image"], "data-object-info": info}
            self.assertEqual(close(task, expected), "", original["id"])
        # Indexing the instantiated folder finds the same objects and annotations.
        before = {h: self.annotation(h) for h in originals}
        self.ok("add-storage", self.ws)
        counts = self.index_counts(self.ok("index", self.ws))
        self.assertEqual(counts["format"], "label-studio")
        self.assertEqual((counts["objects_found"], counts["objects_new"]), (len(originals), 0))
        for h, old in before.items():
            new = self.annotation(h)
            self.assertEqual(close(new["objects"], old["objects"]), "", h)
            self.assertEqual(new["annotations"], old["annotations"])
        self.assertIn("0 written", self.ok("instantiate", "-m", "label-studio"))

    def test_coco_to_label_studio(self):
        coco = os.path.join(self.data, "coco")
        content = make_png(64, 48, 7)
        write_file(os.path.join(coco, "images", "a.png"), content)
        write_json(os.path.join(coco, "annotations.json"), {
            "images": [{"id": 1, "file_name": "a.png", "width": 64, "height": 48}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [16, 12, 32, 24],
                             "segmentation": [[16, 12, 48, 12, 48, 36]]}],
            "categories": [{"id": 3, "name": "bus"}]})
        self.ok("index", "-m", "coco", coco)
        self.stage("ds:coco")
        self.ok("add", coco)
        r = self.ldb("instantiate", "-m", "label-studio")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("1 object(s) with a segmentation", r.out + r.err)
        [task] = read_json(os.path.join(self.ws, "annotations.json"))
        self.assertEqual(task["data"]["data-object-info"], {"md5": md5(content), "path_key": "image"})
        [result] = task["annotations"][0]["result"]
        self.assertEqual(result["type"], "rectanglelabels")
        self.assertEqual((result["original_width"], result["original_height"]), (64, 48))
        self.assertEqual(result["value"], {"x": 25, "y": 25, "width": 50, "height": 50, "rotation": 0,
                                           "rectanglelabels": ["bus"]})
        # Label Studio output indexes back to the same boxes.
        self.ok("add-storage", self.ws)
        self.ok("index", "-m", "label-studio", self.ws)
        self.assertEqual(self.annotation(md5(content))["objects"],
                         [{"category": "bus", "bbox": [16, 12, 32, 24]}])

    def test_pixel_boxes_come_back_without_float_noise(self):
        """Detection shapes -> percent -> pixels: the same numbers, and the
        percentages hold no float noise (46.7, not 46.699999999999996), on the
        real YOLO dataset and on COCO boxes over real photos."""
        yolo = os.path.join(self.data, "yolo-real")
        shutil.copytree(os.path.join(os.environ.get("LDB_TESTDATA_DIR", ""), "yolo-real"), yolo)
        coco = os.path.join(self.data, "coco")
        with open(os.path.join(os.environ.get("LDB_TESTDATA_DIR", ""), "photos", "hubble_deep_field.jpg"), "rb") as f:
            content = f.read()
        write_file(os.path.join(coco, "images", "hubble.jpg"), content)
        write_json(os.path.join(coco, "annotations.json"), {
            "images": [{"id": 1, "file_name": "hubble.jpg", "width": 1000, "height": 872}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [467, 0.1, 533, 871.9]},
                            {"id": 2, "image_id": 1, "category_id": 1, "bbox": [128.5, 33.3, 0.7, 1.9]}],
            "categories": [{"id": 1, "name": "galaxy"}]})
        self.ok("index", yolo)
        self.ok("index", "-m", "coco", coco)
        self.stage("ds:all")
        self.ok("add", yolo)
        self.ok("add", coco)
        before = {h: self.annotation(h)["objects"] for h in self.ids()}
        self.assertEqual(len(before), 8)
        self.ok("instantiate", "-m", "label-studio")
        with open(os.path.join(self.ws, "annotations.json")) as f:
            text = f.read()
        self.assertIn('"x": 46.7,', text)
        self.assertIn('"width": 53.3,', text)
        checked = 0
        for task in json.loads(text):
            objects = before[task["data"]["data-object-info"]["md5"]]
            for result, obj in zip(task["annotations"][0]["result"], objects, strict=True):
                sides = (result["original_width"], result["original_height"]) * 2
                for key, pixels, side in zip(("x", "y", "width", "height"), obj["bbox"], sides):
                    exact = Fraction(repr(pixels)) * 100 / side
                    if short_decimal(exact):  # e.g. 92 px of 1280 is 7.1875%, never 7.187499999999999
                        self.assertEqual(result["value"][key], float(exact), (key, pixels, side))
                        checked += 1
        self.assertGreater(checked, 20)
        self.ok("add-storage", self.ws)
        self.ok("index", "-m", "label-studio", self.ws)
        for h, objects in before.items():
            after = self.annotation(h)["objects"]
            self.assertEqual([o["bbox"] for o in after], [o["bbox"] for o in objects], h)
            self.assertEqual([o["category"] for o in after], [o["category"] for o in objects], h)

    def test_real_rectangles_to_coco_are_not_clipped(self):
        """Boxes from real percent coordinates (x + w computed in doubles)
        lie inside their image: no clipping warning, the same numbers."""
        hashes = {}
        for k, name in enumerate(["yolo-data.json", "json_min-data.json"]):
            folder, tasks, task_hashes = self.copy_export(name, 70 + 10 * k)
            self.ok("index", "-m", "label-studio", folder)
            hashes.update(task_hashes)
        self.stage("ds:rects")
        self.ok("add", *[os.path.join(self.data, n) for n in ("yolo-data", "json_min-data")])
        self.ok("instantiate", "-m", "coco")  # no warning
        doc = read_json(os.path.join(self.ws, "annotations.json"))
        self.assertGreater(len(doc["annotations"]), 0)
        for image in doc["images"]:
            h = os.path.splitext(image["file_name"])[0].rsplit("-", 1)[1]
            want = [o["bbox"] for o in self.annotation(h)["objects"]]
            got = [a["bbox"] for a in doc["annotations"] if a["image_id"] == image["id"]]
            self.assertEqual(got, want, h)
            for x, y, w, hh in got:
                self.assertTrue(x + w <= image["width"] and y + hh <= image["height"], (x, y, w, hh))

    def test_data_key_and_local_uris(self):
        folder = os.path.join(self.data, "ls")
        a, b, c = make_png(8, 8, 1), make_png(8, 8, 2), make_png(8, 8, 3)
        write_file(os.path.join(folder, "imgs", "a b.png"), a)
        write_file(os.path.join(folder, "b.png"), b)
        write_file(os.path.join(folder, "c.png"), c)
        write_json(os.path.join(folder, "export.json"), [
            {"id": 1, "data": {"text": "hello", "img": "/data/local-files/?d=imgs/a%20b.png"}},
            {"id": 2, "data": {"text": "x", "img": "file://" + os.path.join(folder, "b.png")}},
            {"id": 3, "data": {"text": "y", "img": "./c.png"}}])
        self.ok("index", "-m", "label-studio", "-p", "data-key=img", folder)
        ann = self.annotation(md5(a))
        self.assertEqual(ann["data"]["data-object-info"]["path_key"], "img")
        self.assertEqual(ann["image"], {"file_name": "a b.png", "width": 8, "height": 8})  # from the header
        self.assertEqual(self.annotation(md5(b))["objects"], [])
        self.index_fails(folder, ["data.nope must be a string", "task id 1"], "-p", "data-key=nope")
        self.fails("index", "-m", "coco", "-p", "data-key=img", folder, contains=["data-key"])

    def hostile(self, uri, contains):
        folder = os.path.join(self.data, "hostile")
        write_file(os.path.join(folder, "ok.png"), make_png(4, 4, 9))
        write_json(os.path.join(folder, "export.json"),
                   [{"id": 5, "data": {"image": "ok.png"}}, {"id": 6, "data": {"image": uri}}])
        return self.index_fails(folder, ["export.json", "task id 6"] + contains)

    def test_hostile_paths_are_refused(self):
        write_file(os.path.join(self.data, "secret.png"), make_png(4, 4, 8))
        for uri in ("../secret.png", "a/../../secret.png", "/data/local-files/?d=..%2Fsecret.png"):
            with self.subTest(uri=uri):
                self.hostile(uri, ["leaves the folder"])
        # An absolute path names that file, so it must lie in registered storage.
        outside = write_file(os.path.join(self.tmp, "outside", "secret.png"), make_png(4, 4, 7))
        for uri in ("file://" + outside, outside, "file://" + os.path.join(self.tmp, "outside", "x", "..", "secret.png")):
            with self.subTest(uri=uri):
                r = self.hostile(uri, [f"'{outside}' is not inside a registered storage location",
                                       "hint: files that annotations name must lie in registered storage too"])
                self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(self.count("ds:root"), 0)

    def test_absolute_paths_name_the_file(self):
        """Tasks naming real photos by absolute path (as a Label Studio export
        of local files does) index those files, wherever in registered storage
        they are; the export's folder holds nothing but the export."""
        photos = os.path.join(self.data, "photos")
        hashes = {}
        for name in ("dog.jpg", "person.jpg", "chelsea.png"):
            with open(os.path.join(os.path.dirname(TESTDATA), "photos", name), "rb") as f:
                content = f.read()
            write_file(os.path.join(photos, name), content)
            hashes[name] = md5(content)
        box = {"x": 25, "y": 50, "width": 50, "height": 25, "rotation": 0, "rectanglelabels": ["animal"]}
        tasks = [{"id": 1, "data": {"image": os.path.join(photos, "dog.jpg")},
                  "annotations": [{"result": [{"type": "rectanglelabels", "original_width": 768,
                                               "original_height": 576, "value": box}]}]},
                 {"id": 2, "data": {"image": "file://" + os.path.join(photos, "person.jpg")}, "annotations": []},
                 {"id": 3, "data": {"image": "/data/local-files/?d=" + os.path.join(photos, "chelsea.png")},
                  "annotations": [{"result": [{"type": "rectanglelabels", "value": box}]}]}]
        export = write_json(os.path.join(self.data, "exports", "project-1.json"), tasks)
        # ?d= is relative to Label Studio's document root, which ldb takes to be
        # the export's folder: the chelsea task names exports/<photos path>.
        self.index_fails(os.path.dirname(export), ["task id 3", "file not found"])
        write_json(export, tasks[:2])
        counts = self.index_counts(self.ok("index", "-m", "label-studio", os.path.dirname(export)))
        self.assertEqual(counts, {"format": "label-studio", "objects_found": 2, "objects_new": 2,
                                  "annotations_found": 2, "annotations_new": 2})
        dog = self.annotation(hashes["dog.jpg"])
        self.assertEqual(dog["image"], {"file_name": "dog.jpg", "width": 768, "height": 576})
        self.assertEqual(dog["objects"], [{"category": "animal", "bbox": [192, 288, 384, 144]}])
        self.assertEqual(dog["data"], {"image": os.path.join(photos, "dog.jpg"),
                                       "data-object-info": {"md5": hashes["dog.jpg"], "path_key": "image"}})
        person = self.annotation(hashes["person.jpg"])
        self.assertEqual(person["image"], {"file_name": "person.jpg", "width": 640, "height": 424})  # header
        self.assertEqual(person["objects"], [])
        # The photos are indexed at their own paths; again, nothing is new.
        self.assertEqual(sorted(self.ids("ds:root", "--path", "photos/")), sorted([hashes["dog.jpg"],
                                                                                  hashes["person.jpg"]]))
        counts = self.index_counts(self.ok("index", "-m", "label-studio", export))
        self.assertEqual((counts["objects_found"], counts["objects_new"], counts["annotations_new"]), (2, 0, 0))

    def test_urls_and_missing_files(self):
        self.hostile("https://example.com/x.jpg", ["is a URL"])
        self.hostile("s3://bucket/x.jpg", ["is a URL"])
        self.hostile("missing.png", ["not found"])

    def test_malformed_tasks_are_named(self):
        folder, tasks, _ = self.copy_export("yolo-data.json", 60)
        broken = copy.deepcopy(tasks)
        del broken[1]["annotations"][0]["result"][1]["value"]["x"]
        write_json(os.path.join(folder, "export.json"), broken)
        self.index_fails(folder, ["export.json", "task id 2", "annotations[0].result[1]", "value.x"])
        broken = copy.deepcopy(tasks)
        broken[0]["data"] = "image1"
        write_json(os.path.join(folder, "export.json"), broken)
        self.index_fails(folder, ["task id 1", "\"data\" must be an object"])
        broken = copy.deepcopy(tasks)
        broken[1]["data"]["image"] = "/image1"
        write_json(os.path.join(folder, "export.json"), broken)
        self.index_fails(folder, ["task id 2", "also the file of task id 1"])
        write_file(os.path.join(folder, "export.json"), "[{\"data\": {}")
        self.index_fails(folder, ["export.json"])


if __name__ == "__main__":
    main()
