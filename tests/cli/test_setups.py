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

    # ---- relabel by moving files between class folders -----------------------

    def instantiate_classes(self, *params):
        self.stage("ds:x")
        self.ok("add", self.classes)
        self.ok("commit", "-m", "classes")
        self.ok("instantiate", "-m", "infer", *params)
        with open(os.path.join(self.ws, ".ldb_workspace", "layout")) as f:
            layout = json.loads(f.read())
        self.assertEqual(layout, {"format": "tensorflow-inferred", "params": [p.split("=", 1) for p in params[1::2]]})

    def file_of(self, name: str, folder: str) -> str:
        """The instantiated file of photo `name` in class folder `folder`."""
        wanted = md5(photo(name))
        for entry in os.listdir(os.path.join(self.ws, folder)):
            path = os.path.join(self.ws, folder, entry)
            with open(path, "rb") as f:
                if md5(f.read()) == wanted:
                    return path
        self.fail(f"{name} not found in {folder}/")

    def test_moving_a_file_to_another_class_folder_is_a_relabel(self):
        self.instantiate_classes()
        dog = md5(photo("dog.jpg"))
        moved = self.file_of("dog.jpg", "coat")
        shutil.move(moved, os.path.join(self.ws, "bag"))
        out = self.ok("add", ".")
        self.assertEqual(out, "Added 0 objects to ds:x (9 selected, 1 with another annotation version)\n")
        staged = self.staged_annotations()
        self.assertEqual(staged[dog], (2, {"label": "bag"}))
        for h, label in self.label_of.items():
            if h != dog:
                self.assertEqual(staged[h], (1, {"label": label}))
        status = self.ok("status")
        self.assertIn("Uncommitted changes: 0 added, 0 deleted, 1 annotation versions changed", status)
        # The move was taken in: neither its old path (deleted) nor its new
        # one (new) is a file change left to take in.
        self.assertEqual(self.ok_json("status", "--json")["files"], {"edited": [], "deleted": [], "new": []})
        self.assertNotIn("not taken in", status)
        self.ok("commit", "-m", "dog is a bag")
        # Instantiate takes the moved file as its own (its bytes are planned
        # there); moving it back records the old content again (version 1).
        self.assertIn("(0 written, 9 unchanged, 0 removed)", self.ok("instantiate", "-m", "infer"))
        shutil.move(os.path.join(self.ws, "bag", os.path.basename(moved)), os.path.join(self.ws, "coat"))
        out = self.ok("sync")
        self.assertEqual(out, "Synced ds:x: 0 added, 0 deleted, 1 with another annotation version "
                              "(1 edited annotations)\n")
        self.assertEqual(self.staged_annotations()[dog], (1, {"label": "coat"}))
        self.assertEqual(len(json.loads(self.ok("show", "--json", "id:" + dog))["annotation_versions"]), 2)

    def test_relabel_keeps_other_keys_and_uses_the_label_key(self):
        # Annotations with more than a label: pairs indexed first, then read as classes.
        self.use_init_instance()
        pairs = os.path.join(self.data, "pairs")
        os.makedirs(pairs)
        for label, names in CLASSES.items():
            for name in names:
                base = os.path.splitext(name)[0]
                shutil.copy(os.path.join(TESTDATA, "photos", name), os.path.join(pairs, name))
                with open(os.path.join(pairs, base + ".json"), "w") as f:
                    json.dump({"meta": {"kind": label, "source": name}, "score": 0.5}, f)
        self.ok("index", pairs)
        self.stage("ds:x")
        self.ok("add", pairs)
        self.ok("instantiate", "-m", "infer", "-p", "label-key=meta.kind")
        kite = md5(photo("kite.jpg"))
        shutil.move(self.file_of("kite.jpg", "shirt"), os.path.join(self.ws, "coat"))
        # A new photo dropped into a class folder gets that folder's label.
        shutil.copy(os.path.join(TESTDATA, "photos", "scream.jpg"), os.path.join(self.ws, "bag", "scream.jpg"))
        read_add = os.path.join(self.tmp, "read-add")
        os.makedirs(read_add)
        self.ok("add-storage", "-a", "true", read_add)
        out = self.ok("add", ".")
        self.assertEqual(out, f"Copied 1 new data objects to '{self.copied_folder(read_add)}'\n"
                              "Added 1 objects to ds:x (10 selected, 1 with another annotation version)\n")
        staged = self.staged_annotations()
        self.assertEqual(staged[kite], (2, {"meta": {"kind": "coat", "source": "kite.jpg"}, "score": 0.5}))
        self.assertEqual(staged[md5(photo("scream.jpg"))], (1, {"meta": {"kind": "bag"}}))

    def copied_folder(self, read_add: str) -> str:
        root = os.path.join(read_add, "ldb-add")
        entries = os.listdir(root)
        self.assertEqual(len(entries), 1)
        return os.path.join(root, entries[0])

    def test_untouched_class_folders_change_nothing(self):
        self.instantiate_classes("-p", "label-key=label")
        before = self.versions()
        out = self.ok("add", ".")
        self.assertEqual(out, "Added 0 objects to ds:x (9 selected, 0 with another annotation version)\n")
        self.assertEqual(self.versions(), before)
        out = self.ok("sync")
        self.assertEqual(out, "Synced ds:x: 0 added, 0 deleted, 0 with another annotation version (0 edited annotations)\n")
        self.assertEqual(self.versions(), before)

    # ---- sync with filters ---------------------------------------------------

    def test_sync_takes_filters(self):
        self.stage("ds:x")
        self.ok("add", self.classes)
        self.ok("commit", "-m", "all")
        out = self.ok("sync", "ds:x", "--query", "label == 'bag'")
        self.assertEqual(out, "Synced ds:x: 0 added, 6 deleted, 0 with another annotation version (0 edited annotations)\n")
        self.assertEqual(set(self.ids()), self.ids_of("bag"))
        out = self.ok("sync", "ds:x.v1", "--query", "label != 'bag'", "--limit", "4")
        self.assertEqual(out, "Synced ds:x: 4 added, 3 deleted, 0 with another annotation version (0 edited annotations)\n")
        ids = set(self.ids())
        self.assertEqual(len(ids), 4)
        self.assertTrue(ids <= self.ids_of("coat") | self.ids_of("shirt"))
        # Without objects: the workspace's own files, filtered.
        self.ok("sync", "ds:x.v1")
        self.ok("instantiate", "-m", "infer")
        out = self.ok("sync", "--query", "label == 'shirt'")
        self.assertEqual(out, "Synced ds:x: 0 added, 6 deleted, 0 with another annotation version (0 edited annotations)\n")
        self.assertEqual(set(self.ids()), self.ids_of("shirt"))
        self.fails("sync", "ds:x.v1", "--limit", "many", rc=2, contains="--limit")
        self.assertEqual(set(self.ids()), self.ids_of("shirt"))

    # ---- init and instance ----------------------------------------------------

    def test_init_keeps_the_configured_instance_and_says_how_to_switch(self):
        first = os.path.join(self.tmp, "first")
        second = os.path.join(self.tmp, "second")
        config = os.path.join(self.home, ".ldb", "config")
        self.assertEqual(self.ok("init", first), f"Initialized ldb instance at {first}\n")
        self.assertEqual(self.ok("instance"), f"Instance: {first}\nReason:   core.ldb_dir in {config}\n")
        r = self.ldb("init", second)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.out, f"Initialized ldb instance at {second}\n")
        self.assertEqual(r.err, f"ldb: warning: ldb still uses the instance {first} (core.ldb_dir in {config}); to use "
                                f"the new one, export LDB_DIR={second} or set core.ldb_dir = \"{second}\" in {config}\n")
        with open(config) as f:
            text = f.read()
        self.assertIn(first, text)
        self.assertNotIn(second, text)
        self.assertEqual(self.ok("instance", "show"), f"Instance: {first}\nReason:   core.ldb_dir in {config}\n")
        # LDB_DIR wins, and `instance` says what it overrides.
        env = {"LDB_DIR": second}
        self.assertEqual(self.ok("instance", env=env),
                         f"Instance: {second}\nReason:   LDB_DIR\n"
                         f"Note:     core.ldb_dir in {config} names {first}, which LDB_DIR overrides\n")
        self.assertEqual(self.ok_json("instance", "--json", env=env),
                         {"path": second, "source": "LDB_DIR", "reason": "LDB_DIR", "config_file": config,
                          "exists": True, "config_ldb_dir": first})
        third = os.path.join(self.tmp, "third")
        r = self.ldb("init", third, env=env)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.err, f"ldb: warning: ldb still uses the instance {second} (LDB_DIR); to use the new one, "
                                f"export LDB_DIR={third}\n")
        self.assertEqual(self.ldb("init", "-q", os.path.join(self.tmp, "fourth")).err, "")
        # A folder named by LDB_DIR that holds no instance yet.
        missing = os.path.join(self.tmp, "missing")
        self.assertEqual(self.ok("instance", env={"LDB_DIR": missing}),
                         f"Instance: {missing}\nReason:   LDB_DIR\nNote:     core.ldb_dir in {config} names {first}, "
                         f"which LDB_DIR overrides\nStatus:   no instance there yet (create it with: ldb init {missing})\n")

    def test_instance_without_configuration_and_quickstart(self):
        config = os.path.join(self.home, ".ldb", "config")
        self.fails("instance", rc=3, contains=["no ldb instance is configured", "hint: create one with ldb init"])
        self.stage("ds:x")  # QuickStart creates the private instance
        self.assertEqual(self.ok("instance"), f"Instance: {self.instance}\nReason:   private instance (QuickStart), "
                                              f"named by core.ldb_dir in {config}\n")
        self.assertEqual(self.ok_json("instance", "--json")["source"], "quickstart")
        self.fails("instance", "shwo", rc=2, contains=["unknown instance subcommand 'shwo'", "did you mean 'ldb instance show'"])
        self.fails("instance", "migrate", "x", rc=2, contains="usage: ldb instance [show]")
        self.assertIn("instance", self.ok("--help"))
        self.assertIn(" instance ", self.ok("completion", "-s", "bash"))

    # ---- fsck -t on a folder that is not a workspace ----------------------------

    def test_fsck_of_a_plain_folder_is_not_damage(self):
        self.stage("ds:x")
        self.ok("add", os.path.join(self.classes, "bag"))
        plain = os.path.join(self.tmp, "plain")
        self.ok("instantiate", "-m", "bare-pairs", "-t", plain)
        self.assertTrue(os.path.exists(os.path.join(plain, ".ldb_instantiated")))
        self.fails("fsck", "-t", plain, rc=3,
                   contains=[f"ldb: error: '{plain}' is not an ldb workspace (it holds files ldb instantiate -t "
                             "wrote, but no staged dataset to check)",
                             "hint: run ldb fsck without -t to check the instance"])
        r = self.fails("fsck", "-t", self.data, rc=3, contains=f"'{self.data}' is not an ldb workspace\n")
        self.fails("fsck", "-t", os.path.join(self.tmp, "nowhere"), rc=3, contains="is not a folder")
        self.assertIn(f"Workspace {self.ws}: ok", self.ok("fsck", "-t", self.ws))


if __name__ == "__main__":
    main()
