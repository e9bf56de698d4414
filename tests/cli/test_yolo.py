"""End-to-end: YOLO (Ultralytics) in and out, on the real photos of testdata/yolo-real."""

import glob
import os
import shutil

from ldbtest import LdbTestCase, main, md5, write_file, write_json
from test_image_attributes import expected_attributes

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")


def read_labels(path):
    """[(class, [floats])] of a label file."""
    out = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if fields:
                out.append((int(fields[0]), [float(v) for v in fields[1:]]))
    return out


def file_md5(path):
    with open(path, "rb") as f:
        return md5(f.read())


class YoloTest(LdbTestCase):
    def copy_real(self):
        src = os.path.join(TESTDATA, "yolo-real")
        self.assertTrue(os.path.isdir(src), f"missing test data {src}")
        dst = os.path.join(self.data, "yolo-real")
        shutil.copytree(src, dst)
        return dst

    def test_real_data_round_trips_through_ldb(self):
        src = self.copy_real()
        self.use_init_instance()
        out = self.ok("index", src)
        self.assertIn("Format: yolo", out)
        self.assertIn("Data objects: 7 found, 7 new", out)
        # Queries see the shared detection shape.
        self.assertEqual(self.count("ds:root", "--query", "length(objects[?category == 'opened_door']) > `0`"), 1)
        self.assertEqual(self.count("ds:root", "--query", "image.width == `1280`"), 2)

        self.stage("ds:yolo")
        self.ok("add", src)
        self.ok("instantiate", "-m", "yolo")

        with open(os.path.join(self.ws, "data.yaml")) as f:
            yaml = f.read()
        with open(os.path.join(src, "classes.txt")) as f:
            classes = [line.strip() for line in f if line.strip()]
        for index, name in enumerate(classes):
            self.assertIn(f'  {index}: "{name}"\n', yaml)
        self.assertIn(f"nc: {len(classes)}\n", yaml)

        images = sorted(glob.glob(os.path.join(self.ws, "images", "*")))
        labels = sorted(glob.glob(os.path.join(self.ws, "labels", "*.txt")))
        self.assertEqual(len(images), 7)
        stem = lambda p: os.path.splitext(os.path.basename(p))[0]
        self.assertEqual([stem(p) for p in images], [stem(p) for p in labels])

        originals = {file_md5(p): p for p in glob.glob(os.path.join(src, "images", "*"))}
        for image in images:
            original = originals[file_md5(image)]
            want = read_labels(os.path.join(src, "labels", stem(original) + ".txt"))
            got = read_labels(os.path.join(self.ws, "labels", stem(image) + ".txt"))
            self.assertEqual(len(got), len(want), image)
            for (got_class, got_values), (want_class, want_values) in zip(got, want):
                self.assertEqual(got_class, want_class, image)
                for g, w in zip(got_values, want_values):
                    self.assertAlmostEqual(g, w, delta=1e-4, msg=image)

        # The output is itself a YOLO dataset that ldb reads back, to the same
        # pixel boxes (not 128.4995 for 128.5: enough digits are written).
        before = {h: self.annotation(h) for h in self.ids("ds:root")}
        copy = os.path.join(self.data, "again")
        shutil.copytree(self.ws, copy, ignore=shutil.ignore_patterns(".ldb_workspace"))
        out = self.ok("index", copy)
        self.assertIn("Format: yolo", out)
        self.assertIn("Data objects: 7 found, 0 new", out)
        for h, old in before.items():
            new = self.annotation(h)
            self.assertEqual(new["objects"], old["objects"], h)
            self.assertEqual(new["names"], classes)
            self.assertNotEqual(new["image"]["file_name"], old["image"]["file_name"])  # really read again

    def test_classes_no_member_uses_keep_their_names(self):
        src = self.copy_real()
        self.use_init_instance()
        self.ok("index", src)
        self.stage("ds:closed")
        self.ok("add", src, "--query", "length(objects[?category == 'opened_door']) == `0`")
        self.assertEqual(self.count(), 6)
        self.ok("instantiate", "-m", "yolo")  # no warning about unnamed classes
        with open(os.path.join(self.ws, "data.yaml")) as f:
            yaml = f.read()
        self.assertTrue(yaml.endswith('nc: 4\nnames:\n  0: "closed_door"\n  1: "opened_door"\n  2: "bus"\n'
                                      '  3: "number"\n'), yaml)

    def test_coco_boxes_come_back_exactly(self):
        """COCO pixel boxes -> instantiate -m yolo -> index: the same numbers,
        on real photos whose sizes need 7 or 8 decimals."""
        self.use_init_instance()
        coco = os.path.join(self.data, "coco")
        names = ["dog.jpg", "astronaut.png", "hubble_deep_field.jpg", "scream.jpg"]
        images, annotations, hashes = [], [], {}
        boxes = [[128.5, 33.25, 100.75, 20.5], [0, 0, 7.3, 1.1], [0.1, 0.2, 0.3, 0.4], [17, 29.9, 61.05, 3.3333]]
        for i, name in enumerate(names):
            with open(os.path.join(TESTDATA, "photos", name), "rb") as f:
                content = f.read()
            write_file(os.path.join(coco, "images", name), content)
            hashes[name] = md5(content)
            size = expected_attributes(os.path.join(coco, "images", name))
            images.append({"id": i + 1, "file_name": name, "width": size["width"], "height": size["height"]})
            last = [size["width"] - 40.25, size["height"] - 10.5, 40.25, 10.5]  # touching the corner
            for k, bbox in enumerate(boxes + [last]):
                annotations.append({"id": 10 * i + k + 1, "image_id": i + 1, "category_id": 1 + k % 2, "bbox": bbox})
        write_json(os.path.join(coco, "annotations.json"),
                   {"images": images, "annotations": annotations,
                    "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]})
        self.ok("index", "-m", "coco", coco)
        self.stage("ds:coco")
        self.ok("add", coco)
        r = self.ldb("instantiate", "-m", "yolo")  # class 0 has no name: a warning
        self.assertEqual(r.rc, 0, r.describe())
        before = {h: [o["bbox"] for o in self.annotation(h)["objects"]] for h in hashes.values()}
        copy = os.path.join(self.data, "again")
        shutil.copytree(self.ws, copy, ignore=shutil.ignore_patterns(".ldb_workspace"))
        self.assertIn("Format: yolo", self.ok("index", copy))
        for name, h in hashes.items():
            self.assertEqual([o["bbox"] for o in self.annotation(h)["objects"]], before[h], name)
        with open(os.path.join(copy, "labels", f"dog-{hashes['dog.jpg']}.txt")) as f:
            fields = f.read().split()
        # 768 x 576 px: 8 decimals at most, trailing zeros dropped.
        self.assertEqual(max(len(v.partition(".")[2]) for v in fields), 8)

    def test_malformed_label_names_file_and_line(self):
        src = self.copy_real()
        write_file(os.path.join(src, "labels", "img_3.txt"), "0 0.5 0.5 0.5 0.5\n9 0.5 0.5 0.5 0.5\n")
        self.use_init_instance()
        # As for any malformed annotation file: reported by name, left out, the rest lands, exit non-zero.
        r = self.ldb("index", "-m", "yolo", src)
        self.assertNotEqual(r.rc, 0, r.describe())
        self.assertIn("labels/img_3.txt:2: class index 9 is out of range", r.err)
        self.assertIn("hint: ", r.err)
        self.assertIn("Data objects: 6 found", r.out)

    def test_instantiate_yolo_needs_the_detection_shape(self):
        self.use_init_instance()
        write_file(os.path.join(self.data, "p", "a.png"), b"\x89PNG not really")
        write_file(os.path.join(self.data, "p", "a.json"), '{"label": "cat"}')
        self.ok("index", os.path.join(self.data, "p"))
        self.stage("ds:p")
        self.ok("add", os.path.join(self.data, "p"))
        self.fails("instantiate", "-m", "yolo", contains=["no \"objects\" array", "detection shape"])


if __name__ == "__main__":
    main()
