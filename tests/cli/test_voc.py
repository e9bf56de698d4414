"""End-to-end: Pascal VOC in (ldb index -m voc / auto) and out (ldb instantiate -m voc), and the round trip."""

import os
import shutil
import xml.etree.ElementTree as ET

from ldbtest import LdbTestCase, data_bytes, main, md5, write_file, write_json

# name -> objects (name, xmin, ymin, xmax, ymax, difficult, truncated)
IMAGES = {
    "000001.jpg": [("bus", 1, 1, 64, 48, 0, 1), ("person", 10, 12, 20, 40, 1, 0)],
    "000002.jpg": [("car &amp; trailer", 5, 6, 30, 20, 0, 0)],
    "000003.jpg": [],
}


def voc_xml(file_name, objects, width=64, height=48):
    parts = ['<?xml version="1.0" encoding="utf-8"?>', "<annotation>", "  <folder>VOC2007</folder>",
             f"  <filename>{file_name}</filename>",
             f"  <size><width>{width}</width><height>{height}</height><depth>3</depth></size>",
             "  <segmented>0</segmented>"]
    for name, xmin, ymin, xmax, ymax, difficult, truncated in objects:
        parts.append(f"  <object><name>{name}</name><pose>Unspecified</pose><truncated>{truncated}</truncated>"
                     f"<difficult>{difficult}</difficult><bndbox><xmin>{xmin}</xmin><ymin>{ymin}</ymin>"
                     f"<xmax>{xmax}</xmax><ymax>{ymax}</ymax></bndbox></object>")
    parts.append("</annotation>")
    return "\n".join(parts) + "\n"


def make_voc(root: str) -> dict:
    """A VOC folder: Annotations/*.xml and JPEGImages/*.jpg. Returns {file_name: md5}."""
    hashes = {}
    for name, objects in IMAGES.items():
        content = data_bytes("voc-" + name)
        write_file(os.path.join(root, "JPEGImages", name), content)
        write_file(os.path.join(root, "Annotations", os.path.splitext(name)[0] + ".xml"), voc_xml(name, objects))
        hashes[name] = md5(content)
    return hashes


class VocTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.voc = os.path.join(self.data, "voc")
        self.hashes = make_voc(self.voc)

    def test_index_shape(self):
        counts = self.index_counts(self.ok("index", "-m", "voc", self.voc))
        self.assertEqual(counts["format"], "voc")
        self.assertEqual(counts["objects_found"], 3)
        a = self.annotation(self.hashes["000001.jpg"])
        self.assertEqual(a["source_format"], "voc")
        self.assertEqual(a["image"], {"file_name": "000001.jpg", "width": 64, "height": 48})
        # 1-based inclusive corners -> [xmin - 1, ymin - 1, xmax - xmin + 1, ymax - ymin + 1].
        self.assertEqual(a["objects"], [
            {"category": "bus", "bbox": [0, 0, 64, 48], "difficult": False, "truncated": True},
            {"category": "person", "bbox": [9, 11, 11, 29], "difficult": True, "truncated": False}])
        self.assertEqual(self.annotation(self.hashes["000002.jpg"])["objects"][0]["category"], "car & trailer")
        self.assertEqual(self.annotation(self.hashes["000003.jpg"])["objects"], [])
        self.assertEqual(self.count("ds:root", "--query", "length(objects[?difficult]) > `0`"), 1)
        counts = self.index_counts(self.ok("index", "-m", "voc", self.voc))
        self.assertEqual(counts["objects_new"], 0)
        self.assertEqual(counts["annotations_new"], 0)

    def test_auto_detects_voc(self):
        counts = self.index_counts(self.ok("index", self.voc))
        self.assertEqual(counts["format"], "voc")
        self.assertEqual(counts["objects_found"], 3)

    def test_escaping_file_name_is_refused(self):
        write_file(os.path.join(self.voc, "Annotations", "000002.xml"), voc_xml("../../../etc/passwd", []))
        r = self.ldb("index", "-m", "voc", self.voc)
        self.assertNotEqual(r.rc, 0, r.describe())
        for text in ("000002.xml", "leaves the folder", "hint: "):
            self.assertIn(text, r.err, r.describe())

    def test_malformed_xml_names_file_and_line(self):
        write_file(os.path.join(self.voc, "Annotations", "000003.xml"),
                   "<annotation>\n<filename>000003.jpg</filename>\n<object><name>x</name>\n</annotation>\n")
        r = self.ldb("index", "-m", "voc", self.voc)
        self.assertNotEqual(r.rc, 0, r.describe())
        self.assertIn("000003.xml':4: malformed XML: </annotation> closes <object>", r.err, r.describe())
        self.assertIn("hint: ", r.err)

    def test_round_trip(self):
        self.ok("index", "-m", "voc", self.voc)
        self.stage("ds:voc")
        self.ok("add", self.voc)
        self.ok("commit", "-m", "all")
        self.ok("instantiate", "-m", "voc")
        images = sorted(os.listdir(os.path.join(self.ws, "JPEGImages")))
        xmls = sorted(os.listdir(os.path.join(self.ws, "Annotations")))
        self.assertEqual(len(images), 3)
        self.assertEqual([os.path.splitext(p)[0] for p in images], [os.path.splitext(p)[0] for p in xmls])
        # Python's own XML parser reads what ldb wrote, with VOC's fields.
        h = self.hashes["000001.jpg"]
        root = ET.parse(os.path.join(self.ws, "Annotations", f"000001-{h}.xml")).getroot()
        self.assertEqual(root.tag, "annotation")
        self.assertEqual(root.findtext("filename"), f"000001-{h}.jpg")
        self.assertEqual((root.findtext("size/width"), root.findtext("size/height")), ("64", "48"))
        boxes = [(o.findtext("name"), [o.findtext("bndbox/" + k) for k in ("xmin", "ymin", "xmax", "ymax")],
                  o.findtext("difficult"), o.findtext("truncated")) for o in root.iter("object")]
        self.assertEqual(boxes, [("bus", ["1", "1", "64", "48"], "0", "1"), ("person", ["10", "12", "20", "40"], "1", "0")])

        before = {h: self.annotation(h) for h in self.hashes.values()}
        copy = os.path.join(self.data, "again")
        shutil.copytree(self.ws, copy, ignore=shutil.ignore_patterns(".ldb_workspace"))
        counts = self.index_counts(self.ok("index", copy))
        self.assertEqual(counts["format"], "voc")
        self.assertEqual(counts["objects_found"], 3)
        self.assertEqual(counts["objects_new"], 0)
        for h, old in before.items():
            new = self.annotation(h)
            self.assertEqual(new["objects"], old["objects"])
            self.assertEqual(new["source_format"], "voc")
            self.assertEqual(new["image"]["file_name"], f"{os.path.splitext(old['image']['file_name'])[0]}-{h}.jpg")

    def test_coco_to_voc_reports_dropped_polygons(self):
        coco = os.path.join(self.data, "coco")
        content = data_bytes("coco-x")
        write_file(os.path.join(coco, "images", "x.jpg"), content)
        write_json(os.path.join(coco, "annotations.json"), {
            "images": [{"id": 1, "file_name": "x.jpg", "width": 64, "height": 48}],
            "annotations": [
                {"id": 1, "image_id": 1, "category_id": 6, "bbox": [1.5, 2, 30, 20],
                 "segmentation": [[1.5, 2, 31.5, 2, 31.5, 22]]},
                {"id": 2, "image_id": 1, "category_id": 6, "bbox": [0, 0, 10, 10],
                 "segmentation": {"counts": "a1", "size": [48, 64]}}],
            "categories": [{"id": 6, "name": "bus"}]})
        self.ok("index", "-m", "coco", coco)
        self.stage("ds:coco")
        self.ok("add", coco)
        r = self.ldb("instantiate", "-m", "voc")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("2 segmentation(s) (polygons or RLE) were dropped", r.out + r.err)
        h = md5(content)
        root = ET.parse(os.path.join(self.ws, "Annotations", f"x-{h}.xml")).getroot()
        self.assertEqual([o.findtext("bndbox/xmin") for o in root.iter("object")], ["2.5", "1"])

    def test_instantiate_voc_needs_a_box(self):
        write_file(os.path.join(self.data, "p", "a.png"), b"\x89PNG not really")
        write_file(os.path.join(self.data, "p", "a.json"),
                   '{"image": {"width": 4, "height": 4}, "objects": [{"category": "cat"}]}')
        self.ok("index", os.path.join(self.data, "p"))
        self.stage("ds:p")
        self.ok("add", os.path.join(self.data, "p"))
        self.fails("instantiate", "-m", "voc", contains=["objects[0] ('cat') has no \"bbox\"", "hint: "])


if __name__ == "__main__":
    main()
