"""End-to-end: editing one label file of a YOLO, VOC, Label Studio or COCO
workspace. `ldb add .` (and `ldb sync`) must give only the edited member a
new annotation version, merged into the annotation it was written from: what
the format cannot hold (segmentation, area, iscrowd, ids, extra keys,
supercategory, image keys) is kept, untouched boxes keep their exact
coordinates, and the added box appears. Real photos of tests/data/photos."""

import copy
import json
import os
import re
import shutil

from ldbtest import LdbTestCase, main, md5, read_json, write_file, write_json
from test_coco import VAL_CATEGORIES, VAL_PHOTOS, val_file_name

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")
CATEGORY_ID = {"dog.jpg": 18, "horses.jpg": 19, "person.jpg": 1, "kite.jpg": 38, "giraffe.jpg": 25, "eagle.jpg": 16}
NAMES = {c["id"]: c["name"] for c in VAL_CATEGORIES}
SUPER = {c["id"]: c["supercategory"] for c in VAL_CATEGORIES}
DOG = 139
HORSES = 285
KITE = 724
# The box added to the dog (768x576 pixels): in the middle, a quarter of each side.
ADDED_BOX = [288, 216, 192, 144]
ADDED = {"bbox": ADDED_BOX, "category": "dog", "category_id": 18, "supercategory": "animal"}


def make_coco(root: str) -> dict:
    """A COCO file over the six real photos: two boxes per image with
    fractional coordinates, polygons, areas, ids and a key COCO does not
    define, plus a crowd RLE box on the dog. Returns {image id: md5}."""
    hashes = {}
    images, annotations = [], []
    for photo, (image_id, width, height) in VAL_PHOTOS.items():
        with open(os.path.join(TESTDATA, "photos", photo), "rb") as f:
            content = f.read()
        write_file(os.path.join(root, "images", val_file_name(image_id)), content)
        hashes[image_id] = md5(content)
        images.append({"id": image_id, "file_name": val_file_name(image_id), "width": width, "height": height,
                       "license": 3, "coco_url": f"http://images.cocodataset.org/val2017/{val_file_name(image_id)}"})
        annotations.append({"id": 10 * image_id + 1, "image_id": image_id, "category_id": CATEGORY_ID[photo],
                            "bbox": [128.5, 40.25, 100.125, 80.75], "area": 5000.5, "iscrowd": 0,
                            "segmentation": [[128.5, 40.25, 228.625, 40.25, 228.625, 121]],
                            "attributes": {"occluded": False}})
        annotations.append({"id": 10 * image_id + 2, "image_id": image_id, "category_id": 1,
                            "bbox": [10.5, 200.5, 50, 60.25], "area": 2000, "iscrowd": 0,
                            "segmentation": [[10.5, 200.5, 60.5, 200.5, 60.5, 260.75]]})
    annotations.append({"id": 900100200, "image_id": DOG, "category_id": 1, "bbox": [0, 0, 1, 5], "area": 5,
                        "iscrowd": 1, "segmentation": {"counts": [0, 5, 571], "size": [576, 768]}})
    write_json(os.path.join(root, "annotations.json"),
               {"images": images, "annotations": annotations, "categories": VAL_CATEGORIES})
    return hashes


class LabelEditTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.hashes = make_coco(os.path.join(self.data, "coco"))
        self.ok("index", "-m", "coco", os.path.join(self.data, "coco"))
        self.stage("ds:x")
        self.ok("add", "ds:root")
        self.ok("commit", "-m", "indexed")

    # ---- helpers ---------------------------------------------------------------

    def instantiate(self, fmt: str, *extra):
        # The detection writers warn (dropped polygons, class index gaps) on stderr.
        r = self.ldb("instantiate", "-m", fmt, *extra)
        self.assertEqual(r.rc, 0, r.describe())

    def annotation_text(self, h: str) -> str:
        """The current annotation of an object, as ldb prints it (its bytes)."""
        return self.ok("eval", "-j", "id:" + h)

    def versions_of(self, h: str) -> int:
        return len(self.ok_json("show", "--json", "id:" + h)["annotation_versions"])

    def snapshot(self) -> dict:
        return {h: (self.annotation_text(h), self.versions_of(h)) for h in self.hashes.values()}

    def label_file(self, folder: str, h: str) -> str:
        """The one file under folder whose name holds the object's hash."""
        names = [n for n in os.listdir(os.path.join(self.ws, folder)) if h in n]
        self.assertEqual(len(names), 1, names)
        return os.path.join(self.ws, folder, names[0])

    def check_only_dog_changed(self, before: dict, new_objects: list, removed=()):
        """The dog has a second version: its original annotation with the
        objects `removed` (indexes) left out and `new_objects` appended; every
        other object keeps its version and annotation bytes."""
        dog = self.hashes[DOG]
        for h, (text, count) in before.items():
            if h == dog:
                continue
            self.assertEqual(self.versions_of(h), count, h)
            self.assertEqual(self.annotation_text(h), text, h)
        self.assertEqual(self.versions_of(dog), before[dog][1] + 1)
        self.assertEqual(sum(self.versions_of(h) for h in self.hashes.values()), len(self.hashes) + 1)
        self.assertEqual(self.versions()[dog], 2)
        expected = json.loads(before[dog][0])
        expected["objects"] = [o for i, o in enumerate(expected["objects"]) if i not in removed] + new_objects
        self.assertEqual(self.annotation(dog), expected)
        return expected

    def check_add_records_one_version(self, fmt: str, edit):
        self.instantiate(fmt)
        before = self.snapshot()
        edit(self.hashes[DOG])
        self.assertEqual(self.ok("add", "."), "Added 0 objects to ds:x (6 selected, 1 with another annotation version)\n")
        merged = self.check_only_dog_changed(before, [self.added_object(fmt)])
        # The untouched boxes are the original objects, keys and all.
        original = json.loads(before[self.hashes[DOG]][0])["objects"]
        self.assertEqual(merged["objects"][:3], original)
        self.assertEqual(merged["objects"][0]["bbox"], [128.5, 40.25, 100.125, 80.75])
        self.assertEqual(merged["objects"][0]["segmentation"], [[128.5, 40.25, 228.625, 40.25, 228.625, 121]])
        self.assertEqual((merged["objects"][0]["area"], merged["objects"][0]["iscrowd"], merged["objects"][0]["id"]),
                         (5000.5, 0, 10 * DOG + 1))
        self.assertEqual(merged["objects"][2]["segmentation"], {"counts": [0, 5, 571], "size": [576, 768]})
        self.assertEqual(merged["image"]["coco_url"], "http://images.cocodataset.org/val2017/000000000139.jpg")
        self.assertEqual(merged["source_format"], "coco")
        # Reading the same files again changes nothing more.
        self.assertEqual(self.ok("add", "."), "Added 0 objects to ds:x (6 selected, 0 with another annotation version)\n")
        self.assertEqual(self.versions_of(self.hashes[DOG]), 2)
        # The commit holds the one change.
        self.assertEqual(self.ok("commit", "-m", "one box"), "Committed ds:x.v2 (6 objects, 6 annotations)\n")
        self.assertEqual(self.ok_json("diff", "-s", "--json", "ds:x.v1", "ds:x.v2"),
                         {"added": 0, "deleted": 0, "modified": 1})

    def added_object(self, fmt: str) -> dict:
        if fmt == "coco":
            return {"area": 27648, "bbox": ADDED_BOX, "category": "dog", "category_id": 18, "id": 555, "iscrowd": 0,
                    "supercategory": "animal"}
        return ADDED

    # ---- the edits, one per format -------------------------------------------

    def append_yolo_line(self, h: str):
        with open(self.label_file("labels", h), "a") as f:
            f.write("18 0.5 0.5 0.25 0.25\n")

    def append_voc_object(self, h: str):
        path = self.label_file("Annotations", h)
        with open(path) as f:
            text = f.read()
        added = ("<object><name>dog</name><bndbox><xmin>289</xmin><ymin>217</ymin><xmax>480</xmax>"
                 "<ymax>360</ymax></bndbox></object>\n")
        write_file(path, text.replace("</annotation>", added + "</annotation>"))

    def append_label_studio_result(self, h: str):
        path = os.path.join(self.ws, "annotations.json")
        tasks = read_json(path)
        task = next(t for t in tasks if t["data"]["data-object-info"]["md5"] == h)
        task["annotations"][0]["result"].append(
            {"id": "added", "type": "rectanglelabels", "from_name": "label", "to_name": "image",
             "original_width": 768, "original_height": 576,
             "value": {"x": 37.5, "y": 37.5, "width": 25, "height": 25, "rotation": 0, "rectanglelabels": ["dog"]}})
        # Label Studio's own layout, not ldb's: formatting is no edit.
        with open(path, "w") as f:
            json.dump(tasks, f, indent=4)

    def append_coco_annotation(self, h: str):
        path = os.path.join(self.ws, "annotations.json")
        doc = read_json(path)
        image = next(i for i in doc["images"] if h in i["file_name"])
        doc["annotations"].append({"id": 555, "image_id": image["id"], "category_id": 18, "bbox": ADDED_BOX,
                                   "area": 27648, "iscrowd": 0, "segmentation": []})
        with open(path, "w") as f:
            json.dump(doc, f, indent=1)

    # ---- tests -------------------------------------------------------------------

    def test_yolo_line_added(self):
        self.check_add_records_one_version("yolo", self.append_yolo_line)

    def test_voc_object_added(self):
        self.check_add_records_one_version("voc", self.append_voc_object)

    def test_label_studio_result_added(self):
        self.check_add_records_one_version("label-studio", self.append_label_studio_result)

    def test_coco_annotation_added(self):
        self.check_add_records_one_version("coco", self.append_coco_annotation)

    def test_class_folder_members_of_a_coco_workspace_stay_as_they_are(self):
        """Image-level labels are written as whole-image boxes with ids ldb
        makes up (in hash order): editing the dog's box must not turn the
        untouched labels into COCO boxes."""
        clothes = os.path.join(self.data, "clothes")
        labels = {}
        for folder, photo in (("bag", "chelsea.png"), ("coat", "astronaut.png"), ("coat", "coffee.png"),
                              ("bag", "rocket.jpg")):
            with open(os.path.join(TESTDATA, "photos", photo), "rb") as f:
                content = f.read()
            write_file(os.path.join(clothes, folder, photo), content)
            labels[md5(content)] = folder
        self.ok("index", "-m", "tensorflow-inferred", clothes)
        self.ok("add", clothes)
        self.instantiate("coco")
        before = self.snapshot()
        label_before = {h: self.annotation_text(h) for h in labels}
        self.append_coco_annotation(self.hashes[DOG])
        self.ok("add", ".")
        self.check_only_dog_changed(before, [self.added_object("coco")])
        for h, folder in labels.items():
            self.assertEqual(self.versions_of(h), 1, folder)
            self.assertEqual(self.annotation_text(h), label_before[h])
            self.assertEqual(self.annotation(h), {"label": folder})

    def test_sync_deletes_a_line_and_takes_an_edited_one(self):
        """A YOLO line removed deletes its box; a line changed is a new box
        in place of the old one; the other boxes stay as they were."""
        self.instantiate("yolo")
        before = self.snapshot()
        path = self.label_file("labels", self.hashes[DOG])
        with open(path) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 3)
        fields = lines[0].split()
        fields[1:] = ["0.5", "0.5", "0.25", "0.25"]
        write_file(path, "\n".join([" ".join(fields), lines[2]]) + "\n")
        self.assertEqual(self.ok("sync"), "Synced ds:x: 0 added, 0 deleted, 1 with another annotation version "
                                          "(1 edited annotations)\n")
        original = json.loads(before[self.hashes[DOG]][0])["objects"]
        merged = self.annotation(self.hashes[DOG])
        self.assertEqual(merged["objects"], [ADDED, original[2]])
        for h, (text, count) in before.items():
            if h != self.hashes[DOG]:
                self.assertEqual((self.annotation_text(h), self.versions_of(h)), (text, count))

    def test_voc_moved_box_adds_no_flags_to_the_others(self):
        self.instantiate("voc")
        before = self.snapshot()
        path = self.label_file("Annotations", self.hashes[KITE])
        with open(path) as f:
            text = f.read()
        # The first object's xmin (128.5 + 1) moves by 10 pixels.
        self.assertEqual(text.count("<xmin>129.5</xmin>"), 1)
        write_file(path, text.replace("<xmin>129.5</xmin>", "<xmin>139.5</xmin>"))
        self.assertIn("1 with another annotation version", self.ok("add", "."))
        original = json.loads(before[self.hashes[KITE]][0])
        merged = self.annotation(self.hashes[KITE])
        # The moved box is the file's; the person box is the original, without difficult/truncated.
        self.assertEqual(merged["objects"][0], {"bbox": [138.5, 40.25, 90.125, 80.75], "category": "kite",
                                                "category_id": 38, "difficult": False, "supercategory": "sports",
                                                "truncated": False})
        self.assertEqual(merged["objects"][1:], original["objects"][1:])
        self.assertNotIn("difficult", merged["objects"][1])
        self.assertEqual({k: v for k, v in merged.items() if k != "objects"},
                         {k: v for k, v in original.items() if k != "objects"})
        self.assertEqual(sum(self.versions_of(h) for h in self.hashes.values()), len(self.hashes) + 1)

    def test_reformatted_files_are_no_edit(self):
        """Files rewritten with other spacing, decimals or key order say the
        same: nothing gets a new version."""
        self.instantiate("yolo")
        path = self.label_file("labels", self.hashes[HORSES])
        with open(path) as f:
            lines = f.read().splitlines()
        padded = ["  ".join([fields[0]] + [f"{float(v):.12f}" for v in fields[1:]])
                  for fields in (line.split() for line in lines)]
        write_file(path, "\n".join(padded) + "\n\n")
        self.assertEqual(self.ok("add", "."), "Added 0 objects to ds:x (6 selected, 0 with another annotation version)\n")
        self.instantiate("label-studio", "-f")  # the label file changed: -f moves it aside
        path = os.path.join(self.ws, "annotations.json")
        tasks = read_json(path)
        with open(path, "w") as f:
            json.dump(list(reversed(tasks)), f, indent=3, sort_keys=False)
        self.assertEqual(self.ok("add", "."), "Added 0 objects to ds:x (6 selected, 0 with another annotation version)\n")
        self.assertEqual(sum(self.versions_of(h) for h in self.hashes.values()), len(self.hashes))

    def test_box_outside_the_image_is_kept(self):
        """A box the YOLO writer drops (outside its image) is not deleted by
        an edit of the file: the format cannot hold it."""
        self.instantiate("coco")
        path = os.path.join(self.ws, "annotations.json")
        doc = read_json(path)
        image = next(i for i in doc["images"] if self.hashes[HORSES] in i["file_name"])
        doc["annotations"].append({"id": 777, "image_id": image["id"], "category_id": 19, "bbox": [5000, 10, 4, 4],
                                   "area": 16, "iscrowd": 0, "segmentation": []})
        write_json(path, doc)
        self.ok("add", ".")
        self.ok("commit", "-m", "a box outside")
        outside = self.annotation(self.hashes[HORSES])["objects"][2]
        self.assertEqual(outside["bbox"], [5000, 10, 4, 4])
        self.instantiate("yolo", "-f")
        before = self.snapshot()
        with open(self.label_file("labels", self.hashes[HORSES]), "a") as f:
            f.write("19 0.5 0.5 0.25 0.25\n")
        self.assertIn("1 with another annotation version", self.ok("add", "."))
        original = json.loads(before[self.hashes[HORSES]][0])["objects"]
        objects = self.annotation(self.hashes[HORSES])["objects"]
        self.assertEqual(objects[:3], original)
        self.assertEqual(objects[3]["category"], "horse")
        self.assertEqual(len(objects), 4)


class SourceFormatEditTest(LdbTestCase):
    """Members indexed from YOLO and Label Studio, edited in their own format."""

    def setUp(self):
        super().setUp()
        self.use_init_instance()

    def test_yolo_dataset_line_added(self):
        src = os.path.join(self.data, "yolo-real")
        shutil.copytree(os.path.join(TESTDATA, "yolo-real"), src)
        self.ok("index", "-m", "yolo", src)
        self.stage("ds:y")
        self.ok("add", "ds:root")
        r = self.ldb("instantiate", "-m", "yolo")
        self.assertEqual(r.rc, 0, r.describe())
        hashes = [e["id"][3:] for e in self.listing()]
        before = {h: self.ok("eval", "-j", "id:" + h) for h in hashes}
        target = hashes[0]
        label = next(n for n in os.listdir(os.path.join(self.ws, "labels")) if target in n)
        with open(os.path.join(self.ws, "labels", label), "a") as f:
            f.write("0 0.5 0.5 0.5 0.5\n")
        self.assertEqual(self.ok("add", "."), "Added 0 objects to ds:y (7 selected, 1 with another annotation version)\n")
        for h in hashes[1:]:
            self.assertEqual(self.ok("eval", "-j", "id:" + h), before[h])
        old, new = json.loads(before[target]), self.annotation(target)
        self.assertEqual(new["objects"][:-1], old["objects"])
        self.assertEqual(new["objects"][-1]["category"], old["names"][0])
        self.assertEqual({k: v for k, v in new.items() if k != "objects"},
                         {k: v for k, v in old.items() if k != "objects"})

    def test_label_studio_task_result_added(self):
        """A task indexed from Label Studio is written back as it was: the
        edited task's results become the annotation's, the other tasks stay."""
        folder = os.path.join(self.data, "ls")
        tasks = read_json(os.path.join(TESTDATA, "label-studio", "yolo-data.json"))
        from test_label_studio import make_png, server_path_file, task_size
        for i, task in enumerate(tasks):
            write_file(server_path_file(folder, task["data"]["image"]), make_png(*task_size(task), 60 + i))
        write_json(os.path.join(folder, "export.json"), tasks)
        self.ok("index", "-m", "label-studio", folder)
        self.stage("ds:ls")
        self.ok("add", "ds:root")
        self.ok("instantiate", "-m", "label-studio")
        hashes = [e["id"][3:] for e in self.listing()]
        before = {h: self.ok("eval", "-j", "id:" + h) for h in hashes}
        path = os.path.join(self.ws, "annotations.json")
        written = read_json(path)
        task = next(t for t in written if t["annotations"] and t["annotations"][0]["result"])
        target = task["data"]["data-object-info"]["md5"]
        result = copy.deepcopy(task["annotations"][0]["result"][0])
        result["id"] = "added-by-hand"
        result["value"]["x"] = 1
        task["annotations"][0]["result"].append(result)
        write_json(path, written)
        self.assertIn("1 with another annotation version", self.ok("add", "."))
        for h in hashes:
            if h != target:
                self.assertEqual(self.ok("eval", "-j", "id:" + h), before[h])
        old, new = json.loads(before[target]), self.annotation(target)
        self.assertEqual(new["annotations"], task["annotations"])
        self.assertEqual(new["objects"][:-1], old["objects"])
        self.assertEqual(len(new["objects"]), len(old["objects"]) + 1)
        self.assertEqual(new["data"], old["data"])
        self.assertEqual(new["id"], old["id"])


if __name__ == "__main__":
    main()
