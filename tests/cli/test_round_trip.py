"""End-to-end: the workspace round trip (instantiate, edit, delete, copy in,
ldb add ., ldb sync) and the read-add storage location."""

import os
import shutil

from ldbtest import LdbTestCase, data_bytes, files_under, main, make_pairs, md5, read_json, write_json, write_pair


class RoundTripTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.readadd = os.path.join(self.tmp, "readadd")
        os.makedirs(self.readadd)
        self.pets = os.path.join(self.data, "pets")
        self.hashes = make_pairs(self.pets, 4)
        self.ok("index", self.pets)
        self.stage("ds:rt")
        self.ok("add", self.pets)
        self.ok("commit", "-m", "first")
        self.ok("instantiate")
        self.names = {h: f"img{i}-{h}" for i, h in enumerate(self.hashes)}

    def edit_workspace(self):
        """Edits the annotations of objects 0 and 1, deletes the data file of
        object 3 and copies in a new image with its annotation."""
        for i in (0, 1):
            write_json(os.path.join(self.ws, self.names[self.hashes[i]] + ".json"), {"n": i, "fixed": True})
        os.remove(os.path.join(self.ws, self.names[self.hashes[3]] + ".png"))
        write_pair(self.ws, "new", data_bytes("brand new"), {"n": 99})
        self.new = md5(data_bytes("brand new"))

    def test_add_dot_records_edits_and_copies_new_files_then_sync_drops_deleted(self):
        self.ok("add-storage", "-a", "true", self.readadd)
        self.edit_workspace()
        before_data = files_under(self.data)
        out = self.ok("add", ".")
        copied = files_under(self.readadd)
        self.assertEqual(len(copied), 2, copied)
        folder = os.path.dirname(copied[0])
        self.assertTrue(folder.startswith("ldb-add/"), folder)
        self.assertEqual(sorted(copied), [folder + "/new.json", folder + "/new.png"])
        self.assertEqual(out, f"Copied 1 new data objects to '{os.path.join(self.readadd, folder)}'\n"
                              "Added 1 objects to ds:rt (4 selected, 2 with another annotation version)\n")
        self.assertEqual(files_under(self.data), before_data)
        v = self.versions()
        self.assertEqual([v[h] for h in self.hashes], [2, 2, 1, 1])
        self.assertEqual(v[self.new], 1)
        self.assertEqual(self.annotation(self.hashes[0]), {"n": 0, "fixed": True})
        # The workspace is a source, not storage: no workspace path is recorded.
        for h in self.hashes[:2]:
            for p in self.ok_json("show", "--json", "id:" + h)["paths"]:
                self.assertFalse(p.startswith(self.ws), p)
        self.assertEqual(self.ok_json("show", "--json", "id:" + self.new)["paths"],
                         [os.path.join(self.readadd, folder, "new.png")])
        # Adding again copies nothing more and changes nothing.
        self.assertEqual(self.ok("add", "."), "Added 0 objects to ds:rt (4 selected, 0 with another annotation version)\n")
        self.assertEqual(len(files_under(self.readadd)), 2)
        # sync also drops the object whose data file was deleted.
        out = self.ok("sync")
        self.assertEqual(out, "Synced ds:rt: 0 added, 1 deleted, 0 with another annotation version (0 edited annotations)\n")
        self.assertEqual(self.ok("commit", "-m", "round trip"), "Committed ds:rt.v2 (4 objects, 4 annotations)\n")
        self.assertEqual(self.ok_json("diff", "-s", "--json", "ds:rt.v1", "ds:rt.v2"),
                         {"added": 1, "deleted": 1, "modified": 2})

    def test_sync_alone_does_the_whole_round_trip(self):
        self.ok("add-storage", "-a", "true", self.readadd)
        self.edit_workspace()
        out = self.ok("sync")
        self.assertIn("Synced ds:rt: 1 added, 1 deleted, 2 with another annotation version (2 edited annotations)\n", out)
        self.assertEqual(sorted(self.ids()), sorted(self.hashes[:3] + [self.new]))

    def test_new_file_without_read_add_location_fails_and_records_nothing(self):
        self.edit_workspace()
        self.fails("add", ".", rc=2, contains=["new.png", "no read-add storage location", "add-storage -a true"])
        self.assertEqual(len(self.ok_json("show", "--json", "id:" + self.hashes[0])["annotation_versions"]), 1)
        self.assertEqual(set(self.versions().values()), {1})
        self.assertEqual(self.count("ds:root"), 4)
        # Without the new file, the edits alone go through.
        os.remove(os.path.join(self.ws, "new.png"))
        self.ok("add", ".")
        self.assertEqual(self.versions()[self.hashes[0]], 2)

    def test_adding_a_file_outside_storage(self):
        outside = os.path.join(self.tmp, "outside")
        write_pair(outside, "x", data_bytes("outside x"), {"x": 1})
        h = md5(data_bytes("outside x"))
        self.fails("add", os.path.join(outside, "x.png"), rc=2, contains=["not inside a registered storage location",
                                                                         "add-storage -a true"])
        self.ok("add-storage", "-a", "true", self.readadd)
        out = self.ok("add", outside)
        self.assertIn("Added 1 objects to ds:rt", out)
        copied = files_under(self.readadd)
        self.assertEqual([os.path.basename(p) for p in sorted(copied)], ["x.json", "x.png"])
        self.assertTrue(all(p.split("/")[2] == "outside" for p in copied), copied)
        self.assertEqual(self.annotation(h), {"x": 1})
        self.assertEqual(files_under(outside), ["x.json", "x.png"])


class ReadAnyLocationTest(LdbTestCase):
    def test_quickstart_keeps_new_workspace_files_in_the_instance(self):
        pets = os.path.join(self.data, "pets")
        make_pairs(pets, 2)
        self.stage("ds:q")
        self.ok("add", pets)
        self.ok("instantiate")
        write_pair(self.ws, "new", data_bytes("qs new"), {"n": 5})
        h = md5(data_bytes("qs new"))
        out = self.ok("add", ".")
        self.assertIn("Added 1 objects to ds:q (3 selected, 0 with another annotation version)\n", out)
        paths = self.ok_json("show", "--json", "id:" + h)["paths"]
        self.assertEqual(len(paths), 1)
        kept = os.path.join(self.instance, "read-add", "ldb-add")
        self.assertTrue(paths[0].startswith(kept + os.sep), paths)
        self.assertEqual(os.path.basename(paths[0]), "new.png")
        self.ok("commit")
        # add . took the user's copy in: instantiate (no -f needed) replaces it
        # with its own name for the object; the object itself is safe in the instance.
        self.assertIn("(2 written, 4 unchanged, 2 removed)", self.ok("instantiate"))
        self.assertFalse(os.path.exists(os.path.join(self.ws, "new.png")))
        self.assertIn(f"new-{h}.png", files_under(self.ws))
        with open(paths[0], "rb") as f:
            self.assertEqual(f.read(), data_bytes("qs new"))
        self.assertEqual(self.annotation(h), {"n": 5})

    def test_instantiate_never_deletes_a_storage_path(self):
        pets = os.path.join(self.data, "pets")
        make_pairs(pets, 1)
        self.stage("ds:q")
        self.ok("add", pets)
        # A file indexed where it lies, inside the workspace.
        inside = write_pair(self.ws, "mine", data_bytes("indexed in the workspace"), {"n": 9})
        self.ok("index", inside)
        self.fails("instantiate", rc=4, contains="2 file(s) that ldb did not write")
        self.fails("instantiate", "-f", rc=4, contains=[f"'{inside}' is an indexed object's storage path",
                                                        "would move it aside"])
        self.assertTrue(os.path.exists(inside))
        self.assertEqual(files_under(self.ws), ["mine.json", "mine.png"])
        # Instantiated files that are also storage paths (the workspace indexed
        # as storage) are kept, and a re-run is fine.
        os.remove(inside)
        os.remove(inside[:-4] + ".json")
        self.ok("instantiate")
        self.ok("index", self.ws)
        self.assertIn("0 written", self.ok("instantiate"))

class AddStorageTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance(register_data=False)
        self.a = os.path.join(self.tmp, "a")
        self.b = os.path.join(self.tmp, "b")
        for d in (self.a, self.b):
            os.makedirs(d)

    def test_one_read_add_location_and_force_moves_it(self):
        self.ok("add-storage", "-a", "true", self.a)
        self.fails("add-storage", "-a", "true", self.b, rc=4, contains=[self.a, "already the read-add location", "-f"])
        self.assertEqual(self.ok("add-storage", "-f", "-a", "true", self.b), f"Added storage location {self.b} (read-add)\n")
        self.assertEqual(self.ok("storage", "list"), f"{self.a}\n{self.b}  (read-add)\n")
        # Re-registering a location changes its mark.
        self.ok("add-storage", "-a", "false", self.b)
        self.assertEqual(self.ok("storage", "list"), f"{self.a}\n{self.b}\n")
        self.fails("add-storage", self.b, rc=8, contains="already registered")

    def test_nested_locations_and_normalized_paths(self):
        inner = os.path.join(self.data, "inner")
        os.makedirs(inner)
        self.ok("add-storage", inner + "/./")
        self.assertEqual(self.ok("storage", "list"), f"{inner}\n")
        self.fails("add-storage", self.data, rc=4, contains=["contains the registered storage location", "-f"])
        out = self.ok("add-storage", "-f", os.path.join(self.data, "..", "data"))
        self.assertEqual(out, f"Replaced nested storage location {inner}\nAdded storage location {self.data}\n")
        self.assertEqual(self.ok("storage", "list"), f"{self.data}\n")
        self.fails("add-storage", inner, rc=4, contains="inside the registered storage location")

    def test_unreadable_location_is_refused(self):
        if os.geteuid() == 0:
            self.skipTest("root reads every file")
        secret = os.path.join(self.a, "secret.png")
        with open(secret, "wb") as f:
            f.write(b"x")
        os.chmod(secret, 0)
        try:
            self.fails("add-storage", self.a, rc=5, contains=["cannot read", "secret.png"])
        finally:
            os.chmod(secret, 0o644)
        self.assertEqual(self.ok("storage", "list"), "")


if __name__ == "__main__":
    main()
