"""End-to-end: the layouts and setups real users bring.

- Class folders of real photos: a folder remembers the format (and -p
  parameters) it was indexed with, so `add`/`index` of a sub-folder keep the
  labels; moving a file between class folders of an instantiated workspace is
  a relabel for `add .` and `sync`.
- `sync OBJECTS FILTERS`.
- `init` when another instance is configured; `ldb instance [show]`.
- `fsck -t DIR` on a folder that is not a workspace.
"""

import json
import os
import shutil

from ldbtest import LdbTestCase, main, md5

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")

# Real photos (tests/data/photos), three per class folder.
CLASSES = {
    "bag": ["astronaut.png", "chelsea.png", "coffee.png"],
    "coat": ["dog.jpg", "eagle.jpg", "giraffe.jpg"],
    "shirt": ["horses.jpg", "kite.jpg", "person.jpg"],
}


def photo(name: str) -> bytes:
    with open(os.path.join(TESTDATA, "photos", name), "rb") as f:
        return f.read()


class SetupsTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(os.path.isdir(os.path.join(TESTDATA, "photos")), "LDB_TESTDATA_DIR must hold photos/")
        self.classes = os.path.join(self.data, "classes")
        self.label_of = {}  # md5 -> class
        for label, names in CLASSES.items():
            os.makedirs(os.path.join(self.classes, label))
            for name in names:
                shutil.copy(os.path.join(TESTDATA, "photos", name), os.path.join(self.classes, label, name))
                self.label_of[md5(photo(name))] = label

    def staged_annotations(self, ws=None) -> dict:
        """{md5: (annotation version, annotation JSON)} of the staged members
        (the annotation of the version each is pinned to)."""
        versions = self.versions(cwd=ws)
        out, current, text = {}, None, []
        for line in self.ok("eval", cwd=ws).splitlines() + ["id:end"]:
            if line.startswith("id:"):
                if current:
                    out[current] = (versions[current], json.loads("\n".join(text)))
                current, text = line[3:], []
            else:
                text.append(line)
        self.assertEqual(set(out), set(versions))
        return out

    def ids_of(self, label: str) -> set:
        return {h for h, l in self.label_of.items() if l == label}

    # ---- remembered formats -------------------------------------------------

    def test_add_and_index_of_a_class_folder_keep_the_labels(self):
        self.use_init_instance()  # auto-index off: `add` checks what was indexed
        out = self.ok("index", "-m", "tensorflow-inferred", self.classes)
        self.assertEqual(self.index_counts(out), {"format": "tensorflow-inferred", "objects_found": 9,
                                                  "objects_new": 9, "annotations_found": 9, "annotations_new": 9})
        self.stage("ds:bags")
        bag = os.path.join(self.classes, "bag")
        out = self.ok("add", bag)
        self.assertEqual(out, "Added 3 objects to ds:bags (3 selected, 0 with another annotation version)\n")
        # Before, `add` failed here and its hint, `ldb index DIR/bag`, re-indexed
        # as bare-pairs and stripped the labels. Now it keeps them.
        out = self.ok("index", bag)
        self.assertEqual(self.index_counts(out), {"format": "tensorflow-inferred", "objects_found": 3,
                                                  "objects_new": 0, "annotations_found": 3, "annotations_new": 0})
        self.assertEqual(self.staged_annotations(), {h: (1, {"label": "bag"}) for h in self.ids_of("bag")})
        # A new photo in the folder gets the folder's label; so does a file added by name.
        shutil.copy(os.path.join(TESTDATA, "photos", "rocket.jpg"), os.path.join(bag, "rocket.jpg"))
        out = self.ok("index", bag)
        self.assertEqual(self.index_counts(out)["annotations_new"], 1)
        self.ok("add", os.path.join(self.classes, "coat", "dog.jpg"))
        self.ok("add", os.path.join(bag, "rocket.jpg"))
        self.assertEqual(self.annotation(md5(photo("rocket.jpg"))), {"label": "bag"})
        self.assertEqual(self.annotation(md5(photo("dog.jpg"))), {"label": "coat"})
        self.assertEqual(self.count(), 5)
        # The same folder again, and the root, are unchanged: nothing new.
        out = self.ok("index", self.classes)
        self.assertEqual(self.index_counts(out), {"format": "tensorflow-inferred", "objects_found": 10,
                                                  "objects_new": 0, "annotations_found": 10, "annotations_new": 0})

    def test_parameters_are_remembered_and_an_explicit_format_wins(self):
        self.use_init_instance()
        self.ok("index", "-m", "infer", "-p", "label-key=meta.class", self.classes)
        self.stage("ds:x")
        self.ok("add", os.path.join(self.classes, "coat"))
        self.assertEqual({h: a for h, (v, a) in self.staged_annotations().items()},
                         {h: {"meta": {"class": "coat"}} for h in self.ids_of("coat")})
        # -m bare-pairs on a sub-folder overrides, and is remembered there.
        shirt = os.path.join(self.classes, "shirt")
        out = self.ok("index", "-m", "bare-pairs", shirt)
        self.assertEqual(self.index_counts(out)["format"], "bare-pairs")
        out = self.ok("index", shirt)
        self.assertEqual(self.index_counts(out)["format"], "bare-pairs")
        self.ok("add", shirt)
        versions = self.versions()
        self.assertEqual({h: versions[h] for h in self.ids_of("shirt")}, {h: 0 for h in self.ids_of("shirt")})
        # Folders remembered with different formats share a run, each read its way;
        # so does their parent without -m (the longest prefix wins).
        self.ok("add", shirt, os.path.join(self.classes, "bag"))
        staged = self.staged_annotations()
        self.assertEqual(len(staged), 9)
        for h in self.ids_of("shirt"):
            self.assertEqual(staged[h], (0, None))
        for h in self.ids_of("bag"):
            self.assertEqual(staged[h], (1, {"meta": {"class": "bag"}}))
        shutil.copy(os.path.join(TESTDATA, "photos", "rocket.jpg"), os.path.join(shirt, "rocket.jpg"))
        shutil.copy(os.path.join(TESTDATA, "photos", "scream.jpg"), os.path.join(self.classes, "coat", "scream.jpg"))
        out = self.ok("index", self.classes)
        self.assertEqual(self.index_counts(out), {"format": "tensorflow-inferred, bare-pairs", "objects_found": 11,
                                                  "objects_new": 2, "annotations_found": 7, "annotations_new": 1})
        self.assertEqual(self.annotation(md5(photo("scream.jpg"))), {"meta": {"class": "coat"}})
        self.ok("add", self.classes)
        self.assertEqual(self.versions()[md5(photo("rocket.jpg"))], 0)
        # -m on the parent applies to all of it, and the sub-folder's format is forgotten.
        out = self.ok("index", "-m", "infer", "-p", "label-key=meta.class", self.classes)
        self.assertEqual(self.index_counts(out)["format"], "tensorflow-inferred")
        self.assertEqual(self.annotation(md5(photo("rocket.jpg"))), {"meta": {"class": "shirt"}})
        self.assertEqual(self.index_counts(self.ok("index", shirt))["format"], "tensorflow-inferred")

    def test_quickstart_auto_detected_class_folders_are_remembered(self):
        self.stage("ds:x")  # QuickStart: add indexes on the fly
        out = self.ok("add", self.classes)
        self.assertEqual(out, "Added 9 objects to ds:x (9 selected, 0 with another annotation version)\n")
        self.ok("commit", "-m", "all")
        self.stage("ds:y", ws=self.data)
        self.ok("add", os.path.join(self.classes, "shirt"), cwd=self.data)
        self.assertEqual(self.staged_annotations(ws=self.data),
                         {h: (1, {"label": "shirt"}) for h in self.ids_of("shirt")})



if __name__ == "__main__":
    main()
