"""End-to-end: COCO in (ldb index -m coco / auto) and out (ldb instantiate -m coco), and the round trip."""

import os
import shutil

from ldbtest import LdbTestCase, data_bytes, main, md5, read_json, write_file, write_json
from test_image_attributes import expected_attributes

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")
PHOTOS = os.path.join(TESTDATA, "photos")

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
        # Both members agree on name <-> id, so the ids (with their gaps) are
        # kept, with the supercategories; so are the image and annotation ids.
        self.assertEqual(doc["categories"], [{"id": 1, "name": "person", "supercategory": "human"},
                                             {"id": 6, "name": "bus", "supercategory": "vehicle"}])
        self.assertEqual(sorted(i["id"] for i in doc["images"]), [10, 13])
        self.assertEqual(sorted(a["id"] for a in doc["annotations"]), [1, 2, 9])

        before = {h: self.annotation(h) for h in (self.hashes["a.jpg"], self.hashes["d.jpg"])}
        self.ok("add-storage", self.ws)
        counts = self.index_counts(self.ok("index", "-m", "coco", self.ws))
        self.assertEqual(counts["objects_found"], 2)
        self.assertEqual(counts["objects_new"], 0)
        for h, old in before.items():
            new = self.annotation(h)
            self.assertEqual(new["objects"], old["objects"])  # ids, supercategories and all
            self.assertEqual(new["source_format"], "coco")
            self.assertEqual({k: v for k, v in new["image"].items() if k != "file_name"},
                             {k: v for k, v in old["image"].items() if k != "file_name"})
            self.assertEqual(new["image"]["file_name"], f"{os.path.splitext(old['image']['file_name'])[0]}-{h}.jpg")

        # Instantiating again leaves everything alone.
        out = self.ok("instantiate", "-m", "coco")
        self.assertIn("0 written", out)

    def test_instantiate_refuses_malformed_objects(self):
        write_json(os.path.join(self.data, "pairs", "x.json"), {"image": {"width": 4, "height": 4},
                                                                 "objects": [{"bbox": [0, 0, 1, 1]}]})
        write_file(os.path.join(self.data, "pairs", "x.png"), data_bytes("x"))
        self.ok("index", os.path.join(self.data, "pairs"))
        self.stage("ds:other")
        self.ok("add", os.path.join(self.data, "pairs"))
        self.fails("instantiate", "-m", "coco",
                   contains=["id:" + md5(data_bytes("x")), "objects[0] has no string \"category\"", "detection shape"])

    def test_label_without_an_image_size_is_refused(self):
        write_json(os.path.join(self.data, "pairs", "x.json"), {"label": "cat"})
        write_file(os.path.join(self.data, "pairs", "x.png"), data_bytes("x"))  # not an image
        self.ok("index", os.path.join(self.data, "pairs"))
        self.stage("ds:other")
        self.ok("add", os.path.join(self.data, "pairs"))
        h = md5(data_bytes("x"))
        self.fails("instantiate", "-m", "coco", contains=[f"object id:{h}: COCO needs its image's width and height",
                                                         f"hint: record the size in the annotation",
                                                         f"ldb del id:{h}"])
        self.assertEqual(os.listdir(self.ws), [".ldb_workspace"])


def copy_photos(folder: str, names) -> dict:
    """Copies real photos into folder; returns {name: (md5, width, height)}."""
    out = {}
    for name in names:
        with open(os.path.join(PHOTOS, name), "rb") as f:
            content = f.read()
        size = expected_attributes(write_file(os.path.join(folder, name), content))
        out[name] = (md5(content), size["width"], size["height"])
    return out


class CocoFromLabelsTest(LdbTestCase):
    """Seed 001's QuickStart as written: classification labels, then
    `ldb instantiate --output-format coco`, on real photos."""

    def test_class_labels_become_whole_image_boxes(self):
        self.use_init_instance()
        pets = os.path.join(self.data, "pets")
        labels = {"dog.jpg": "dog", "horses.jpg": "horse", "chelsea.png": "cat", "coffee.png": None}
        photos = copy_photos(pets, labels)
        for name, label in labels.items():
            stem = os.path.splitext(name)[0]
            write_json(os.path.join(pets, stem + ".json"), {"class": label} if label else {"caption": "a cup"})
        # -m tensorflow-inferred: {"label": "cat"} from the folder name, nested for nested folders.
        folders = os.path.join(self.data, "folders")
        photos.update(copy_photos(os.path.join(folders, "cat"), ["astronaut.png"]))
        photos.update(copy_photos(os.path.join(folders, "animal", "bird"), ["eagle.jpg"]))
        self.ok("index", pets)
        self.ok("index", "-m", "infer", folders)
        self.stage("ds:pets")
        self.ok("add", pets)
        self.ok("add", folders)

        r = self.ldb("instantiate", "--output-format", "coco")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.err, 'ldb: warning: coco: 1 image(s) have neither detection objects nor a label ("class", '
                                '"label" or "category"): they are listed without annotations\n', r.describe())
        doc = read_json(os.path.join(self.ws, "annotations.json"))
        check_coco_rules(self, doc, self.ws)
        self.assertEqual(doc["categories"], [{"id": 1, "name": "animal/bird", "supercategory": "animal"},
                                             {"id": 2, "name": "cat"}, {"id": 3, "name": "dog"},
                                             {"id": 4, "name": "horse"}])
        by_hash = {h: (name, w, ht) for name, (h, w, ht) in photos.items()}
        self.assertEqual(len(doc["images"]), len(photos))  # every image, the unlabeled one too
        category = {c["id"]: c["name"] for c in doc["categories"]}
        want_label = dict(labels, **{"astronaut.png": "cat", "eagle.jpg": "animal/bird"})
        for image in doc["images"]:
            h = os.path.splitext(image["file_name"])[0].rsplit("-", 1)[1]
            name, width, height = by_hash[h]
            self.assertEqual((image["width"], image["height"]), (width, height), name)  # from the header
            annotations = [a for a in doc["annotations"] if a["image_id"] == image["id"]]
            if want_label[name] is None:
                self.assertEqual(annotations, [], name)
                continue
            self.assertEqual(len(annotations), 1, name)
            a = annotations[0]
            self.assertEqual(category[a["category_id"]], want_label[name])
            self.assertEqual((a["bbox"], a["area"], a["iscrowd"], a["segmentation"]),
                             ([0, 0, width, height], width * height, 0, []), name)

        # The output is a COCO dataset ldb reads back: the labels as whole-image objects.
        self.ok("add-storage", self.ws)
        self.assertEqual(self.index_counts(self.ok("index", "-m", "coco", self.ws))["objects_found"], len(photos))
        h, width, height = photos["dog.jpg"]
        self.assertEqual([(o["category"], o["bbox"]) for o in self.annotation(h)["objects"]],
                         [("dog", [0, 0, width, height])])

    def test_quickstart_seed_with_class_query(self):
        """The README's QuickStart with seed 001's `--query class == "cat"` and
        `--output-format coco`, on a private instance made by `stage`."""
        pets = os.path.join(self.data, "pets")
        photos = copy_photos(pets, ["chelsea.png", "dog.jpg", "kite.jpg"])
        for name, label in {"chelsea.png": "cat", "dog.jpg": "dog", "kite.jpg": "cat"}.items():
            write_json(os.path.join(pets, os.path.splitext(name)[0] + ".json"), {"class": label})
        self.ok("stage", "ds:cats", "./")
        self.ok("add", pets, "--query", "class == 'cat'")
        self.ok("instantiate", "--output-format", "coco")
        doc = read_json(os.path.join(self.ws, "annotations.json"))
        check_coco_rules(self, doc, self.ws)
        self.assertEqual(doc["categories"], [{"id": 1, "name": "cat"}])
        self.assertEqual(sorted((i["width"], i["height"]) for i in doc["images"]),
                         sorted((photos[n][1], photos[n][2]) for n in ("chelsea.png", "kite.jpg")))
        self.assertEqual(sorted(a["bbox"] for a in doc["annotations"]),
                         sorted([0, 0, photos[n][1], photos[n][2]] for n in ("chelsea.png", "kite.jpg")))


class CocoIdsTest(LdbTestCase):
    """Source ids, supercategories and other keys survive instantiate -m coco
    when they are unique; colliding ones are renumbered with one warning."""

    def make_detection_pairs(self, folder, images):
        """Pairs of real photos and detection-shape annotations; `images` maps
        a photo name to (image id, [objects]). Returns {name: (md5, w, h)}."""
        photos = copy_photos(folder, images)
        for name, (image_id, objects) in images.items():
            _, width, height = photos[name]
            image = {"file_name": name, "width": width, "height": height, "license": 4, "flickr_url": "http://f/" + name}
            if image_id is not None:
                image["id"] = image_id
            write_json(os.path.join(folder, os.path.splitext(name)[0] + ".json"),
                       {"source_format": "coco", "image": image, "objects": objects})
        return photos

    def test_ids_and_extra_keys_are_kept(self):
        self.use_init_instance()
        folder = os.path.join(self.data, "det")
        bus = {"category": "bus", "category_id": 6, "supercategory": "vehicle"}
        photos = self.make_detection_pairs(folder, {
            "dog.jpg": (42, [dict(bus, id=1001, bbox=[10.5, 20.25, 100, 50], area=4000,
                                  attributes={"occluded": False})]),
            "kite.jpg": (7, [dict(bus, id=17, bbox=[0, 0, 5, 5]),
                             {"category": "person", "category_id": 1, "id": 18, "bbox": [1, 2, 3, 4],
                              "supercategory": "human", "score": 0.75}]),
        })
        self.ok("index", folder)
        self.stage("ds:det")
        self.ok("add", folder)
        self.ok("instantiate", "-m", "coco")
        doc = read_json(os.path.join(self.ws, "annotations.json"))
        check_coco_rules(self, doc, self.ws)
        self.assertEqual(doc["categories"], [{"id": 1, "name": "person", "supercategory": "human"},
                                             {"id": 6, "name": "bus", "supercategory": "vehicle"}])
        images = {i["id"]: i for i in doc["images"]}
        self.assertEqual(sorted(images), [7, 42])
        self.assertEqual((images[42]["license"], images[42]["flickr_url"]), (4, "http://f/dog.jpg"))
        self.assertEqual(images[42]["file_name"], f"dog-{photos['dog.jpg'][0]}.jpg")
        annotations = {a["id"]: a for a in doc["annotations"]}
        self.assertEqual(sorted(annotations), [17, 18, 1001])
        self.assertEqual(annotations[1001], {"id": 1001, "image_id": 42, "category_id": 6, "bbox": [10.5, 20.25, 100, 50],
                                             "area": 4000, "iscrowd": 0, "segmentation": [],
                                             "attributes": {"occluded": False}})
        self.assertEqual(annotations[18]["score"], 0.75)

    def test_colliding_ids_are_renumbered_once(self):
        self.use_init_instance()
        a = os.path.join(self.data, "a")
        b = os.path.join(self.data, "b")
        self.make_detection_pairs(a, {"dog.jpg": (1, [{"category": "dog", "id": 5, "bbox": [0, 0, 1, 1]}])})
        self.make_detection_pairs(b, {"kite.jpg": (1, [{"category": "kite", "id": 5, "bbox": [0, 0, 1, 1]}]),
                                      "horses.jpg": (None, [])})
        self.ok("index", a, b)
        self.stage("ds:both")
        self.ok("add", a, b)
        r = self.ldb("instantiate", "-m", "coco")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.err.splitlines(), [
            "ldb: warning: coco: the sources' image ids are not unique (id 1 occurs twice); the images are numbered 1..3",
            "ldb: warning: coco: the sources' annotation ids are not unique (id 5 occurs twice); the annotations are "
            "numbered 1..2"])
        doc = read_json(os.path.join(self.ws, "annotations.json"))
        check_coco_rules(self, doc, self.ws)
        self.assertEqual(sorted(i["id"] for i in doc["images"]), [1, 2, 3])
        self.assertEqual(sorted(a["id"] for a in doc["annotations"]), [1, 2])


class CocoBoxesTest(LdbTestCase):
    def test_real_yolo_boxes_are_written_exactly_and_not_clipped(self):
        """The real YOLO dataset's boxes go to COCO unchanged, without a
        clipping warning."""
        self.use_init_instance()
        src = os.path.join(self.data, "yolo-real")
        shutil.copytree(os.path.join(TESTDATA, "yolo-real"), src)
        self.ok("index", src)
        self.stage("ds:yolo")
        self.ok("add", src)
        self.ok("instantiate", "-m", "coco")  # no warning: stderr is empty
        doc = read_json(os.path.join(self.ws, "annotations.json"))
        check_coco_rules(self, doc, self.ws)
        for image in doc["images"]:
            h = os.path.splitext(image["file_name"])[0].rsplit("-", 1)[1]
            want = [o["bbox"] for o in self.annotation(h)["objects"]]
            got = [a["bbox"] for a in doc["annotations"] if a["image_id"] == image["id"]]
            self.assertEqual(got, want, image["file_name"])
        self.assertEqual(len(doc["annotations"]), 25)


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

    def test_instantiate_writes_the_download_back(self):
        """index -m coco, then instantiate -m coco: the same images (but the
        file names), annotations and categories, ids and all."""
        self.ok("index", "-m", "coco", self.root)
        self.stage("ds:val")
        self.ok("add", self.root)
        self.ok("instantiate", "-m", "coco")
        doc = read_json(os.path.join(self.ws, "annotations.json"))
        check_coco_rules(self, doc, self.ws)
        source = self.val["doc"]
        self.assertEqual(sorted(doc["annotations"], key=lambda a: a["id"]),
                         sorted(source["annotations"], key=lambda a: a["id"]))
        self.assertEqual(doc["categories"], sorted(VAL_CATEGORIES, key=lambda c: c["id"]))
        written = {i["id"]: i for i in doc["images"]}
        for image in source["images"]:
            h = self.val["hashes"][image["id"]]
            self.assertEqual(written[image["id"]], dict(image, file_name=f"{image['file_name'][:-4]}-{h}.jpg"))

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

    def test_captions_file_beside_instances_is_skipped_with_a_warning(self):
        """The COCO download's annotations/ holds captions_val2017.json (images
        and annotations, no categories) beside instances_val2017.json."""
        captions = write_json(os.path.join(self.root, "annotations", "captions_val2017.json"), {
            "info": {"year": 2017}, "images": self.val["doc"]["images"],
            "annotations": [{"image_id": 139, "id": 1, "caption": "A dog on a couch."}]})
        r = self.ldb("index", "-m", "coco", self.root)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.err, f"ldb: warning: '{captions}' skipped: not a COCO detection file (images and "
                                f"annotations but no \"categories\", as in captions_*.json)\n")
        self.assertEqual(self.index_counts(r.out), {"format": "coco", "objects_found": 6, "objects_new": 6,
                                                    "annotations_found": 6, "annotations_new": 6})
        self.assertEqual(self.annotation(self.val["hashes"][139]), self.expected_dog())
        # Alone, it is an error that says why, and nothing is indexed.
        os.remove(self.val["json"])
        write_json(os.path.join(self.root, "annotations", "captions_train2017.json"), {
            "images": [], "annotations": []})
        self.fails("index", "-m", "coco", os.path.join(self.root, "annotations"), rc=2,
                   contains=["no COCO detection file among the 2 JSON files given", "captions files"])
        self.assertEqual(self.count("ds:root"), 6)

    def test_the_whole_annotations_folder_of_the_download(self):
        """The real annotations/ holds instances_, person_keypoints_ and
        captions_val2017.json: -m coco and auto read the detection files as
        one (the keypoints join the person boxes of the same annotation id)
        and skip the captions with a warning."""
        doc = self.val["doc"]
        person_id = 1000 + 632
        keypoints = {"info": doc["info"], "licenses": doc["licenses"], "images": doc["images"],
                     "annotations": [dict(a, keypoints=[0, 0, 0, 12, 30, 2], num_keypoints=1)
                                     for a in doc["annotations"] if a["id"] == person_id],
                     "categories": [dict(VAL_CATEGORIES[0], keypoints=["nose", "left_eye"],
                                         skeleton=[[1, 2]])]}
        write_json(os.path.join(self.root, "annotations", "person_keypoints_val2017.json"), keypoints)
        captions = write_json(os.path.join(self.root, "annotations", "captions_val2017.json"), {
            "images": doc["images"], "annotations": [{"image_id": 632, "id": 5, "caption": "A bed."}]})
        for args in (("-m", "coco"), ()):
            r = self.ldb("index", *args, self.root)
            self.assertEqual(r.rc, 0, r.describe())
            self.assertIn(f"'{captions}' skipped", r.err)
            self.assertEqual(self.index_counts(r.out)["objects_found"], 6)
        person = self.annotation(self.val["hashes"][632])
        self.assertEqual(person["objects"], [{"category": "person", "category_id": 1, "supercategory": "person",
                                              "id": person_id, "bbox": [10, 10, 50, 40.5], "area": 1262.5,
                                              "iscrowd": 0, "segmentation": [[10, 10, 60, 10, 60, 50.5]],
                                              "keypoints": [0, 0, 0, 12, 30, 2], "num_keypoints": 1}])
        self.assertEqual(self.annotation(self.val["hashes"][139]), self.expected_dog())
        # Files that disagree on an annotation are an error, and nothing is indexed.
        keypoints["annotations"][0]["bbox"] = [1, 1, 1, 1]
        write_json(os.path.join(self.root, "annotations", "person_keypoints_val2017.json"), keypoints)
        before = self.listing("ds:root")
        self.fails("index", "-m", "coco", self.root, rc=2,
                   contains=[f"which disagree on annotation id {person_id}'s \"bbox\"", "index the COCO files"])
        self.assertEqual(self.listing("ds:root"), before)

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
