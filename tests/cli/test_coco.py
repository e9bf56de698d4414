"""End-to-end: COCO in (ldb index -m coco / auto) and out (ldb instantiate -m coco), and the round trip."""

import os

from ldbtest import LdbTestCase, data_bytes, main, md5, read_json, write_file, write_json

CATEGORIES = [{"id": 1, "name": "person", "supercategory": "human"},
              {"id": 6, "name": "bus", "supercategory": "vehicle"},
              {"id": 9, "name": "car", "supercategory": "vehicle"}]

RLE = {"counts": "a1b2c3", "size": [48, 64]}


def make_coco(root: str) -> dict:
    """A COCO folder: annotations.json, three images under images/ and one
    beside the JSON (file_name resolves against both). Returns {file_name: md5}."""
    files = {"a.jpg": "images", "b.jpg": "images", "c.png": "images", "d.jpg": ""}
    hashes = {}
    for name, folder in files.items():
        content = data_bytes("coco-" + name)
        write_file(os.path.join(root, folder, name), content)
        hashes[name] = md5(content)
    images = [{"id": 10 + i, "file_name": name, "width": 64, "height": 48} for i, name in enumerate(files)]
    annotations = [
        {"id": 1, "image_id": 10, "category_id": 6, "bbox": [1, 2, 30, 20], "area": 600, "iscrowd": 0,
         "segmentation": [[1, 2, 31, 2, 31, 22, 1, 22]]},
        {"id": 2, "image_id": 10, "category_id": 1, "bbox": [40.5, 5.25, 10, 30], "area": 300, "iscrowd": 0,
         "segmentation": [[40.5, 5.25, 50.5, 5.25, 50.5, 35.25]]},
        {"id": 7, "image_id": 11, "category_id": 9, "bbox": [0, 0, 64, 48], "area": 1000, "iscrowd": 1,
         "segmentation": RLE},
        {"id": 9, "image_id": 13, "category_id": 6, "bbox": [10, 10, 5, 5], "area": 25, "iscrowd": 0,
         "segmentation": [[10, 10, 15, 10, 15, 15]]},
    ]
    write_json(os.path.join(root, "annotations.json"),
               {"info": {"description": "fixture"}, "images": images, "annotations": annotations,
                "categories": CATEGORIES})
    return hashes


def check_coco_rules(test, doc: dict, folder: str):
    """The COCO format's rules: unique ids, every reference resolves, boxes
    inside their image, every image file present."""
    test.assertEqual(set(doc), {"images", "annotations", "categories"})
    image_ids = [image["id"] for image in doc["images"]]
    test.assertEqual(len(image_ids), len(set(image_ids)))
    category_ids = [c["id"] for c in doc["categories"]]
    test.assertEqual(len(category_ids), len(set(category_ids)))
    annotation_ids = [a["id"] for a in doc["annotations"]]
    test.assertEqual(len(annotation_ids), len(set(annotation_ids)))
    images = {image["id"]: image for image in doc["images"]}
    for image in doc["images"]:
        test.assertTrue(os.path.isfile(os.path.join(folder, "images", image["file_name"])), image)
        test.assertGreater(image["width"], 0)
        test.assertGreater(image["height"], 0)
    for a in doc["annotations"]:
        test.assertIn(a["image_id"], images)
        test.assertIn(a["category_id"], category_ids)
        x, y, w, h = a["bbox"]
        image = images[a["image_id"]]
        test.assertTrue(0 <= x and 0 <= y and w >= 0 and h >= 0, a)
        test.assertTrue(x + w <= image["width"] and y + h <= image["height"], a)
        test.assertIn(a["iscrowd"], (0, 1))
        test.assertIn("area", a)
        test.assertIn("segmentation", a)


class CocoTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.coco = os.path.join(self.data, "coco")
        self.hashes = make_coco(self.coco)

    def index_fails(self, contains):
        """A malformed COCO file is reported by name and left out: non-zero
        exit, nothing indexed (the whole file is one annotation source)."""
        r = self.ldb("index", "-m", "coco", self.coco)
        self.assertNotEqual(r.rc, 0, r.describe())
        self.assertTrue(r.err.startswith("ldb: error: "), r.describe())
        for text in contains:
            self.assertIn(text, r.err, r.describe())
        self.assertEqual(self.index_counts(r.out)["objects_found"], 0, r.describe())

    def test_index_shape(self):
        out = self.ok("index", "-m", "coco", self.coco)
        counts = self.index_counts(out)
        self.assertEqual(counts["format"], "coco")
        self.assertEqual(counts["objects_found"], 4)
        a = self.annotation(self.hashes["a.jpg"])
        self.assertEqual(a["source_format"], "coco")
        self.assertEqual(a["image"], {"file_name": "a.jpg", "id": 10, "width": 64, "height": 48})
        self.assertEqual([o["category"] for o in a["objects"]], ["bus", "person"])
        self.assertEqual(a["objects"][0], {"category": "bus", "category_id": 6, "bbox": [1, 2, 30, 20], "area": 600,
                                           "iscrowd": 0, "segmentation": [[1, 2, 31, 2, 31, 22, 1, 22]]})
        b = self.annotation(self.hashes["b.jpg"])
        self.assertEqual(b["objects"][0]["segmentation"], RLE)
        self.assertEqual(b["objects"][0]["iscrowd"], 1)
        self.assertEqual(self.annotation(self.hashes["c.png"])["objects"], [])
        self.assertEqual(self.annotation(self.hashes["d.jpg"])["image"]["file_name"], "d.jpg")
        # Re-indexing unchanged data creates nothing.
        counts = self.index_counts(self.ok("index", "-m", "coco", self.coco))
        self.assertEqual(counts["objects_new"], 0)
        self.assertEqual(counts["annotations_new"], 0)

    def test_auto_detects_coco(self):
        counts = self.index_counts(self.ok("index", self.coco))
        self.assertEqual(counts["format"], "coco")
        self.assertEqual(counts["objects_found"], 4)

    def test_escaping_file_name_is_refused(self):
        doc = read_json(os.path.join(self.coco, "annotations.json"))
        doc["images"][1]["file_name"] = "../../etc/passwd"
        write_json(os.path.join(self.coco, "annotations.json"), doc)
        self.index_fails(["annotations.json", "image id 11", "leaves the folder", "hint: "])

    def test_malformed_entry_is_named(self):
        doc = read_json(os.path.join(self.coco, "annotations.json"))
        doc["annotations"][2]["category_id"] = 99
        write_json(os.path.join(self.coco, "annotations.json"), doc)
        self.index_fails(["annotations.json", "annotation id 7", "category_id 99", "hint: "])

    def test_round_trip(self):
        self.ok("index", "-m", "coco", self.coco)
        self.stage("ds:buses")
        self.ok("add", self.coco, "--query", "length(objects[?category == `bus`]) > `0`")
        self.ok("commit", "-m", "buses")
        out = self.ok("instantiate", "-m", "coco")
        self.assertIn("Instantiated", out)
        doc = read_json(os.path.join(self.ws, "annotations.json"))
        check_coco_rules(self, doc, self.ws)
        self.assertEqual(len(doc["images"]), 2)  # a.jpg and d.jpg hold a bus
        self.assertEqual(sorted(os.listdir(os.path.join(self.ws, "images"))),
                         sorted([f"a-{self.hashes['a.jpg']}.jpg", f"d-{self.hashes['d.jpg']}.jpg"]))
        # Both members agree on name <-> id, so the ids (with their gaps) are kept.
        self.assertEqual(doc["categories"], [{"id": 1, "name": "person"}, {"id": 6, "name": "bus"}])

        before = {h: self.annotation(h) for h in (self.hashes["a.jpg"], self.hashes["d.jpg"])}
        self.ok("add-storage", self.ws)
        counts = self.index_counts(self.ok("index", "-m", "coco", self.ws))
        self.assertEqual(counts["objects_found"], 2)
        self.assertEqual(counts["objects_new"], 0)
        for h, old in before.items():
            new = self.annotation(h)
            self.assertEqual(new["objects"], old["objects"])
            self.assertEqual(new["source_format"], "coco")
            self.assertEqual((new["image"]["width"], new["image"]["height"]),
                             (old["image"]["width"], old["image"]["height"]))
            self.assertEqual(new["image"]["file_name"], f"{os.path.splitext(old['image']['file_name'])[0]}-{h}.jpg")

        # Instantiating again leaves everything alone.
        out = self.ok("instantiate", "-m", "coco")
        self.assertIn("0 written", out)

    def test_instantiate_refuses_other_shapes(self):
        write_json(os.path.join(self.data, "pairs", "x.json"), {"label": "cat"})
        write_file(os.path.join(self.data, "pairs", "x.png"), data_bytes("x"))
        self.ok("index", os.path.join(self.data, "pairs"))
        self.stage("ds:other")
        self.ok("add", os.path.join(self.data, "pairs"))
        self.fails("instantiate", "-m", "coco", contains=["id:" + md5(data_bytes("x")), "detection shape"])


if __name__ == "__main__":
    main()
