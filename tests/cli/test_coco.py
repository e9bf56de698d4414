"""End-to-end: COCO in (ldb index -m coco / auto) and out (ldb instantiate -m coco), and the round trip."""

import os
import shutil

from ldbtest import LdbTestCase, data_bytes, main, md5, read_json, write_file, write_json

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")

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


def without(objects: list, *keys) -> list:
    return [{k: v for k, v in o.items() if k not in keys} for o in objects]


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
        self.assertEqual(a["objects"][0], {"category": "bus", "category_id": 6, "supercategory": "vehicle", "id": 1,
                                           "bbox": [1, 2, 30, 20], "area": 600, "iscrowd": 0,
                                           "segmentation": [[1, 2, 31, 2, 31, 22, 1, 22]]})
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
            # Annotation ids and supercategories are the COCO writer's to
            # keep (its own tests); everything else comes back as it was.
            self.assertEqual(without(new["objects"], "id", "supercategory"),
                             without(old["objects"], "id", "supercategory"))
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


# Real photos of tests/data/photos under COCO val2017 names, with their true
# sizes (tests/data/photos/README.md; test_image_attributes.py reads the same
# sizes from the headers): photo -> (image id, width, height).
VAL_PHOTOS = {"dog.jpg": (139, 768, 576), "horses.jpg": (285, 773, 512), "person.jpg": (632, 640, 424),
              "kite.jpg": (724, 1352, 900), "giraffe.jpg": (776, 500, 500), "eagle.jpg": (785, 773, 512)}
VAL_CATEGORIES = [{"supercategory": "person", "id": 1, "name": "person"},
                  {"supercategory": "animal", "id": 16, "name": "bird"},
                  {"supercategory": "animal", "id": 18, "name": "dog"},
                  {"supercategory": "animal", "id": 19, "name": "horse"},
                  {"supercategory": "animal", "id": 25, "name": "giraffe"},
                  {"supercategory": "sports", "id": 38, "name": "kite"}]


def val_file_name(image_id: int) -> str:
    return f"{image_id:012d}.jpg"


def make_val2017(root: str) -> dict:
    """The layout of the COCO downloads: root/annotations/instances_val2017.json
    beside root/val2017/<12-digit id>.jpg (six real photos). Returns
    {"json": path, "doc": the COCO document, "hashes": {image id: md5}}."""
    hashes = {}
    images = []
    annotations = []
    category_of = {"dog.jpg": 18, "horses.jpg": 19, "person.jpg": 1, "kite.jpg": 38, "giraffe.jpg": 25,
                   "eagle.jpg": 16}
    for photo, (image_id, width, height) in VAL_PHOTOS.items():
        with open(os.path.join(TESTDATA, "photos", photo), "rb") as f:
            content = f.read()
        write_file(os.path.join(root, "val2017", val_file_name(image_id)), content)
        hashes[image_id] = md5(content)
        images.append({"license": 3, "file_name": val_file_name(image_id),
                       "coco_url": f"http://images.cocodataset.org/val2017/{val_file_name(image_id)}",
                       "height": height, "width": width, "date_captured": "2013-11-14 11:18:45",
                       "flickr_url": f"http://farm3.staticflickr.com/2/{image_id}_z.jpg", "id": image_id})
        annotations.append({"segmentation": [[10, 10, 60, 10, 60, 50.5]], "area": 1262.5, "iscrowd": 0,
                            "image_id": image_id, "bbox": [10, 10, 50, 40.5], "category_id": category_of[photo],
                            "id": 1000 + image_id})
    # A second, crowd annotation with a key COCO does not define on the dog.
    annotations.append({"segmentation": {"counts": [0, 5, 571], "size": [576, 768]}, "area": 5, "iscrowd": 1,
                        "image_id": 139, "bbox": [0, 0, 1, 5], "category_id": 1, "id": 900100200,
                        "attributes": {"occluded": True}})
    doc = {"info": {"description": "COCO 2017 Dataset", "year": 2017},
           "licenses": [{"url": "http://creativecommons.org/licenses/by-nc-nd/2.0/", "id": 3,
                         "name": "Attribution-NonCommercial-NoDerivs License"}],
           "images": images, "annotations": annotations, "categories": VAL_CATEGORIES}
    path = write_json(os.path.join(root, "annotations", "instances_val2017.json"), doc)
    return {"json": path, "doc": doc, "hashes": hashes}


class CocoDownloadLayoutTest(LdbTestCase):
    """annotations/instances_val2017.json beside val2017/, as COCO ships it."""

    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.root = os.path.join(self.data, "coco")
        self.val = make_val2017(self.root)

    def expected_dog(self) -> dict:
        return {"source_format": "coco",
                "image": {"license": 3, "file_name": "000000000139.jpg",
                          "coco_url": "http://images.cocodataset.org/val2017/000000000139.jpg", "height": 576,
                          "width": 768, "date_captured": "2013-11-14 11:18:45",
                          "flickr_url": "http://farm3.staticflickr.com/2/139_z.jpg", "id": 139},
                "objects": [{"category": "dog", "category_id": 18, "supercategory": "animal", "id": 1139,
                             "bbox": [10, 10, 50, 40.5], "area": 1262.5, "iscrowd": 0,
                             "segmentation": [[10, 10, 60, 10, 60, 50.5]]},
                            {"category": "person", "category_id": 1, "supercategory": "person", "id": 900100200,
                             "bbox": [0, 0, 1, 5], "area": 5, "iscrowd": 1, "attributes": {"occluded": True},
                             "segmentation": {"counts": [0, 5, 571], "size": [576, 768]}}]}

    def test_indexes_with_coco_and_auto(self):
        counts = self.index_counts(self.ok("index", "-m", "coco", self.root))
        self.assertEqual(counts, {"format": "coco", "objects_found": 6, "objects_new": 6,
                                  "annotations_found": 6, "annotations_new": 6})
        self.assertEqual(self.annotation(self.val["hashes"][139]), self.expected_dog())
        kite = self.annotation(self.val["hashes"][724])
        self.assertEqual((kite["image"]["width"], kite["image"]["height"]), (1352, 900))
        self.assertEqual(kite["objects"], [{"category": "kite", "category_id": 38, "supercategory": "sports",
                                            "id": 1724, "bbox": [10, 10, 50, 40.5], "area": 1262.5, "iscrowd": 0,
                                            "segmentation": [[10, 10, 60, 10, 60, 50.5]]}])
        # The sizes in the JSON are the photos' own (ldb reads them from the headers too).
        self.assertEqual(sorted(self.ids("ds:root", "--file", "image.width == `773`")),
                         sorted([self.val["hashes"][285], self.val["hashes"][785]]))
        counts = self.index_counts(self.ok("index", self.root))  # auto picks COCO; nothing new
        self.assertEqual(counts, {"format": "coco", "objects_found": 6, "objects_new": 0,
                                  "annotations_found": 6, "annotations_new": 0})
        self.stage("ds:birds")
        self.ok("add", self.root, "--query", "length(objects[?supercategory == `animal`]) > `0`")
        self.assertEqual(self.count(), 4)

    def test_missing_image_is_skipped_with_a_warning(self):
        os.remove(os.path.join(self.root, "val2017", "000000000785.jpg"))
        r = self.ldb("index", "-m", "coco", self.root)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.err, f"ldb: warning: 1 image of '{self.val['json']}' skipped: file not found: "
                                f"'000000000785.jpg' (-v lists where each was looked for)\n")
        self.assertEqual(self.index_counts(r.out), {"format": "coco", "objects_found": 5, "objects_new": 5,
                                                    "annotations_found": 5, "annotations_new": 5})
        self.assertEqual(self.count("ds:root"), 5)
        self.assertEqual(self.annotation(self.val["hashes"][139]), self.expected_dog())
        ann = os.path.join(self.root, "annotations")
        r = self.ldb("index", "-v", "-m", "coco", self.root)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.err.splitlines(), [
            f"ldb: warning: 1 image of '{self.val['json']}' skipped: file not found: '000000000785.jpg'",
            f"ldb: warning: '{self.val['json']}': image id 785: '000000000785.jpg' is not at "
            f"'{ann}/000000000785.jpg', '{ann}/images/000000000785.jpg', '{self.root}/val2017/000000000785.jpg'"])
        self.stage("ds:val")
        self.ok("add", self.root)
        self.assertEqual(self.count(), 5)

    def test_annotations_folder_alone_fails_with_a_useful_hint(self):
        ann = os.path.join(self.root, "annotations")
        r = self.fails("index", "-m", "coco", ann, rc=3,
                       contains=[f"'{self.val['json']}': none of its 6 images was found (image id 139: "
                                 f"'000000000139.jpg' is not at '{ann}/000000000139.jpg', "
                                 f"'{ann}/images/000000000139.jpg')",
                                 "-p images=DIR", "annotations/ + val2017/"])
        self.assertNotIn("index the folder that holds both the COCO file and its images", r.err)
        self.assertEqual(self.count("ds:root"), 0)

    def test_images_param_names_the_image_folder(self):
        ann = os.path.join(self.root, "annotations")
        counts = self.index_counts(self.ok("index", "-m", "coco", "-p", "images=../val2017", ann))
        self.assertEqual((counts["objects_found"], counts["annotations_new"]), (6, 6))
        self.assertEqual(self.annotation(self.val["hashes"][139]), self.expected_dog())
        # Absolute works too, and re-indexing finds everything unchanged.
        counts = self.index_counts(self.ok("index", "-m", "coco", "-p",
                                           "images=" + os.path.join(self.root, "val2017"), self.val["json"]))
        self.assertEqual((counts["objects_found"], counts["objects_new"], counts["annotations_new"]), (6, 0, 0))
        # Only that folder is looked in.
        shutil.copy(os.path.join(self.root, "val2017", "000000000139.jpg"), ann)
        counts = self.index_counts(self.ok("index", "-m", "coco", "-p", "images=../val2017", ann))
        self.assertEqual(counts["objects_found"], 6)
        self.assertEqual(len(self.listing("ds:root")), 6)

    def test_images_outside_registered_storage_are_refused(self):
        elsewhere = os.path.join(self.tmp, "elsewhere")
        shutil.copytree(os.path.join(self.root, "val2017"), elsewhere)
        self.fails("index", "-m", "coco", "-p", "images=" + elsewhere, self.root, rc=2,
                   contains=[f"-p images={elsewhere}: '{elsewhere}' is not inside a registered storage location",
                             "hint: files that annotations name must lie in registered storage too: "
                             "ldb add-storage"])
        self.fails("index", "-m", "coco", "-p", "images=../../../elsewhere", self.root, rc=2,
                   contains=["is not inside a registered storage location"])
        self.assertEqual(self.count("ds:root"), 0)
        self.fails("index", "-m", "yolo", "-p", "images=x", self.root, contains=["parameter 'images'"])

    def test_same_file_name_in_two_sibling_folders_is_ambiguous(self):
        train = os.path.join(self.root, "train2017")
        os.makedirs(train)
        shutil.copy(os.path.join(self.root, "val2017", "000000000632.jpg"), train)
        r = self.ldb("index", "-m", "coco", self.root)
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn(f"ldb: error: '{self.val['json']}': image id 632: file_name '000000000632.jpg' is in 2 folders "
                      f"beside the COCO file's: '{train}/000000000632.jpg', "
                      f"'{self.root}/val2017/000000000632.jpg'\n"
                      "hint: name the folder of this file's images, e.g. -p images=../train2017", r.err)
        self.assertEqual(self.count("ds:root"), 0)
        counts = self.index_counts(self.ok("index", "-m", "coco", "-p", "images=../val2017", self.root))
        self.assertEqual(counts["objects_found"], 6)


if __name__ == "__main__":
    main()
