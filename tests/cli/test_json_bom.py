"""End-to-end: JSON files that start with a UTF-8 byte order mark (EF BB BF,
what Windows editors and PowerShell write) are read like any other, by every
reader of JSON in storage: pair annotations, COCO files, Label Studio exports
and annotation-only files. The data files are real photos of tests/data/photos."""

import json
import os

from ldbtest import LdbTestCase, main, md5, write_file

PHOTOS = os.path.join(os.environ.get("LDB_TESTDATA_DIR", ""), "photos")
BOM = b"\xef\xbb\xbf"


def write_bom_json(path: str, value) -> str:
    """value as JSON after a byte order mark, with Windows line ends."""
    return write_file(path, BOM + json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\r\n").encode())


class JsonByteOrderMarkTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()

    def photo(self, name: str, dest: str) -> str:
        """Copies a real photo to dest; returns its md5."""
        with open(os.path.join(PHOTOS, name), "rb") as f:
            content = f.read()
        write_file(dest, content)
        return md5(content)

    def test_pair_annotations_and_annotation_only(self):
        folder = os.path.join(self.data, "pairs")
        dog = self.photo("dog.jpg", os.path.join(folder, "dog.jpg"))
        eagle = self.photo("eagle.jpg", os.path.join(folder, "eagle.jpg"))
        write_bom_json(os.path.join(folder, "dog.json"), {"label": "chien", "note": "caf\u00e9"})
        write_bom_json(os.path.join(folder, "eagle.json"), {"label": "aigle"})
        counts = self.index_counts(self.ok("index", folder))
        self.assertEqual(counts, {"format": "strict-pairs", "objects_found": 2, "objects_new": 2,
                                  "annotations_found": 2, "annotations_new": 2})
        self.assertEqual(self.annotation(dog), {"label": "chien", "note": "caf\u00e9"})
        self.assertEqual(self.annotation(eagle), {"label": "aigle"})

        updates = os.path.join(self.data, "updates")
        write_bom_json(os.path.join(updates, "all.json"),
                       [{"annotation": {"label": "dog"}, "ldb_meta": {"data_object_id": dog}},
                        {"annotation": {"label": "eagle"}, "ldb_meta": {"data_object_id": eagle}}])
        out = self.ok("index", updates)
        self.assertEqual(out, "Format: annotation-only\nData objects: 0 found, 0 new\nAnnotations:  2 found, 2 new\n")
        self.assertEqual(self.annotation(dog), {"label": "dog"})
        self.assertEqual(self.versions("ds:root"), {dog: 2, eagle: 2})

    def test_coco_file(self):
        folder = os.path.join(self.data, "coco")
        kite = self.photo("kite.jpg", os.path.join(folder, "images", "kite.jpg"))
        write_bom_json(os.path.join(folder, "instances.json"), {
            "images": [{"id": 7, "file_name": "kite.jpg", "width": 1352, "height": 900}],
            "annotations": [{"id": 70, "image_id": 7, "category_id": 38, "bbox": [600, 100, 80, 60]}],
            "categories": [{"id": 38, "name": "kite", "supercategory": "sports"}]})
        counts = self.index_counts(self.ok("index", folder))  # auto-detected through the mark
        self.assertEqual(counts, {"format": "coco", "objects_found": 1, "objects_new": 1,
                                  "annotations_found": 1, "annotations_new": 1})
        self.assertEqual(self.annotation(kite), {
            "source_format": "coco", "image": {"id": 7, "file_name": "kite.jpg", "width": 1352, "height": 900},
            "objects": [{"id": 70, "category": "kite", "category_id": 38, "supercategory": "sports",
                         "bbox": [600, 100, 80, 60]}]})

    def test_label_studio_export(self):
        folder = os.path.join(self.data, "ls")
        horses = self.photo("horses.jpg", os.path.join(folder, "horses.jpg"))
        write_bom_json(os.path.join(folder, "export.json"), [
            {"id": 3, "data": {"image": "horses.jpg"},
             "annotations": [{"result": [{"type": "rectanglelabels", "original_width": 773, "original_height": 512,
                                          "value": {"x": 0, "y": 25, "width": 50, "height": 50,
                                                    "rectanglelabels": ["horse"]}}]}]}])
        counts = self.index_counts(self.ok("index", folder))  # auto-detected through the mark
        self.assertEqual(counts, {"format": "label-studio", "objects_found": 1, "objects_new": 1,
                                  "annotations_found": 1, "annotations_new": 1})
        annotation = self.annotation(horses)
        self.assertEqual(annotation["image"], {"file_name": "horses.jpg", "width": 773, "height": 512})
        self.assertEqual(annotation["objects"], [{"category": "horse", "bbox": [0, 128, 386.5, 256]}])


if __name__ == "__main__":
    main()
