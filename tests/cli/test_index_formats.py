"""End-to-end: init, storage locations and ldb index in every local format."""

import os

from ldbtest import (LdbTestCase, data_bytes, files_under, main, make_class_folders, make_pairs, md5, read_json,
                     write_file, write_json)


class InitAndStorageTest(LdbTestCase):
    def test_init_creates_instance_and_user_config(self):
        inst = os.path.join(self.tmp, "inst")
        self.env["LDB_DIR"] = inst
        self.assertEqual(self.ok("init", inst), f"Initialized ldb instance at {inst}\n")
        self.assertTrue(os.path.isfile(os.path.join(inst, "ldb.sqlite")))
        with open(os.path.join(inst, "config")) as f:
            self.assertRegex(f.read(), r"auto_index\s*=\s*false")
        with open(os.path.join(self.home, ".ldb", "config")) as f:
            self.assertIn(inst, f.read())
        self.assertEqual(self.count("ds:root"), 0)

    def test_init_refuses_non_empty_folder_and_existing_instance_without_force(self):
        busy = os.path.join(self.tmp, "busy")
        write_file(os.path.join(busy, "notes.txt"), "mine")
        self.fails("init", busy, contains=[busy, "not empty"])
        self.assertEqual(os.listdir(busy), ["notes.txt"])
        inst = self.use_init_instance()
        make_pairs(os.path.join(self.data, "a"), 3)
        self.ok("index", os.path.join(self.data, "a"))
        self.assertEqual(self.count("ds:root"), 3)
        self.fails("init", inst, contains=["already an ldb instance"])
        self.assertEqual(self.count("ds:root"), 3)
        self.ok("init", "-f", inst)
        self.assertEqual(self.count("ds:root"), 0)
        self.assertEqual(self.ok("storage", "list"), "")

    def test_add_storage_and_storage_list(self):
        self.use_init_instance(register_data=False)
        self.assertEqual(self.ok("storage", "list"), "")
        out = self.ok("add-storage", self.data)
        self.assertEqual(out, f"Added storage location {self.data}\n")
        readadd = os.path.join(self.tmp, "readadd")
        os.makedirs(readadd)
        self.assertEqual(self.ok("add-storage", "-a", "true", readadd), f"Added storage location {readadd} (read-add)\n")
        self.assertEqual(self.ok("storage", "list"), f"{self.data}\n{readadd}  (read-add)\n")
        listed = self.ok_json("storage", "list", "--json")
        self.assertEqual(listed, [{"path": self.data, "read_add": False, "options": {}},
                                  {"path": readadd, "read_add": True, "options": {}}])
        nested = os.path.join(self.data, "sub")
        os.makedirs(nested)
        self.fails("add-storage", nested, contains=[nested, self.data])
        self.fails("add-storage", self.data, contains="already registered")
        self.fails("add-storage", os.path.join(self.tmp, "missing"), contains="missing")
        self.assertEqual(len(self.ok_json("storage", "list", "--json")), 2)

    def test_index_outside_registered_storage_fails_with_hint(self):
        self.use_init_instance()
        outside = os.path.join(self.tmp, "outside")
        make_pairs(outside, 2)
        r = self.fails("index", outside, contains=[outside, "registered storage"])
        self.assertIn("add-storage", r.err)
        self.assertEqual(self.count("ds:root"), 0)


class IndexTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()

    def test_index_counts_reindex_and_new_annotation_version(self):
        folder = os.path.join(self.data, "a")
        hashes = make_pairs(folder, 4)
        out = self.ok("index", folder)
        self.assertEqual(out, "Format: strict-pairs\nData objects: 4 found, 4 new\nAnnotations:  4 found, 4 new\n")
        out = self.ok("index", folder)
        self.assertEqual(self.index_counts(out)["objects_new"], 0)
        self.assertEqual(self.index_counts(out)["annotations_new"], 0)
        self.assertIn("Unchanged files not re-read: 4", self.ok("index", "-v", folder))
        write_json(os.path.join(folder, "img2.json"), {"n": 2, "fixed": True})
        out = self.ok("index", folder)
        self.assertEqual(self.index_counts(out), {"format": "strict-pairs", "objects_found": 4, "objects_new": 0,
                                                  "annotations_found": 4, "annotations_new": 1})
        shown = self.ok_json("show", "--json", "id:" + hashes[2])
        self.assertEqual(shown["current_annotation_version"], 2)
        self.assertEqual(len(shown["annotation_versions"]), 2)
        self.assertEqual(self.annotation(hashes[2]), {"n": 2, "fixed": True})
        self.assertEqual(self.versions("ds:root")[hashes[2]], 2)
        # Going back to the first content creates no new version.
        write_json(os.path.join(folder, "img2.json"), {"n": 2})
        out = self.ok("index", folder)
        self.assertEqual(self.index_counts(out)["annotations_new"], 0)
        self.assertEqual(self.quiet_index(folder), "")

    def quiet_index(self, folder):
        return self.ok("index", "-q", folder)

    def test_duplicates_record_every_path(self):
        content = data_bytes("dup")
        write_file(os.path.join(self.data, "one", "x.png"), content)
        write_json(os.path.join(self.data, "one", "x.json"), {"where": "one"})
        write_file(os.path.join(self.data, "two", "y.png"), content)
        write_json(os.path.join(self.data, "two", "y.json"), {"where": "two"})
        out = self.ok("index", os.path.join(self.data, "one"), os.path.join(self.data, "two"))
        counts = self.index_counts(out)
        self.assertEqual(counts["objects_found"], 2)
        self.assertEqual(counts["objects_new"], 1)
        self.assertEqual(self.count("ds:root"), 1)
        shown = self.ok_json("show", "--json", "id:" + md5(content))
        self.assertEqual(sorted(shown["paths"]), [os.path.join(self.data, "one", "x.png"),
                                                  os.path.join(self.data, "two", "y.png")])
        self.assertEqual(len(shown["annotation_versions"]), 2)

    def test_hidden_paths_are_skipped(self):
        make_pairs(os.path.join(self.data, "a"), 2)
        make_pairs(os.path.join(self.data, "a", ".cache"), 3, prefix="hidden")
        write_file(os.path.join(self.data, "a", ".secret.png"), b"s")
        write_json(os.path.join(self.data, "a", ".secret.json"), {})
        out = self.ok("index", os.path.join(self.data, "a"))
        self.assertEqual(self.index_counts(out)["objects_found"], 2)
        self.assertEqual(self.count("ds:root"), 2)

    def test_strict_pairs_indexes_only_pairs(self):
        folder = os.path.join(self.data, "mixed")
        paired = make_pairs(folder, 2)
        write_file(os.path.join(folder, "lonely.png"), data_bytes("lonely"))
        write_json(os.path.join(folder, "orphan.json"), {"orphan": True})
        out = self.ok("index", "-m", "strict-pairs", folder)
        self.assertEqual(out, "Format: strict-pairs\nData objects: 2 found, 2 new\nAnnotations:  2 found, 2 new\n")
        self.assertEqual(sorted(self.ids("ds:root")), sorted(paired))

    def test_bare_pairs_indexes_data_without_annotation(self):
        folder = os.path.join(self.data, "mixed")
        paired = make_pairs(folder, 2)
        write_file(os.path.join(folder, "lonely.png"), data_bytes("lonely"))
        write_json(os.path.join(folder, "orphan.json"), {"orphan": True})
        out = self.ok("index", "-m", "bare", folder)
        self.assertEqual(out, "Format: bare-pairs\nData objects: 3 found, 3 new\nAnnotations:  2 found, 2 new\n")
        versions = self.versions("ds:root")
        self.assertEqual(set(versions), set(paired) | {md5(data_bytes("lonely"))})
        self.assertEqual(versions[md5(data_bytes("lonely"))], 0)
        human = self.ok("list", "ds:root", "--path", "lonely")
        self.assertRegex(human.splitlines()[1], r"^id:[0-9a-f]{32}\s+-\s+/")
        self.assertEqual(self.annotation(md5(data_bytes("lonely"))), None)

    def test_tensorflow_inferred_with_label_key(self):
        root = os.path.join(self.data, "classes")
        labels = make_class_folders(root, {"cat": 2, "dog": 3, "bird/small": 1})
        out = self.ok("index", "-m", "tensorflow-inferred", "-p", "label-key=animal", root)
        self.assertEqual(out, "Format: tensorflow-inferred\nData objects: 6 found, 6 new\n"
                              "Annotations:  6 found, 6 new\n")
        for h, label in labels.items():
            expected = {"animal": {"bird": "small"}} if label == "bird/small" else {"animal": label}
            self.assertEqual(self.annotation(h), expected, label)
        dogs = self.ok("list", "-s", "ds:root", "--query", "animal == 'dog'")
        self.assertEqual(dogs, "3\n")

    def test_tensorflow_inferred_default_key_nested_key_and_base_label(self):
        root = os.path.join(self.data, "classes")
        labels = make_class_folders(root, {"cat": 1, "dog": 1})
        in_root = data_bytes("in-root")
        write_file(os.path.join(root, "top.png"), in_root)
        out = self.ok("index", "-m", "infer", root)
        self.assertEqual(self.index_counts(out)["objects_found"], 2)
        for h, label in labels.items():
            self.assertEqual(self.annotation(h), {"label": label})
        out = self.ok("index", "-m", "infer", "-p", "label-key=meta.kind", "-p", "base-label=unknown", root)
        self.assertEqual(self.index_counts(out)["objects_new"], 1)
        self.assertEqual(self.annotation(md5(in_root)), {"meta": {"kind": "unknown"}})
        for h, label in labels.items():
            self.assertEqual(self.annotation(h), {"meta": {"kind": label}})
            self.assertEqual(self.ok_json("show", "--json", "id:" + h)["current_annotation_version"], 2)

    def test_auto_detects_class_folders(self):
        root = os.path.join(self.data, "classes")
        make_class_folders(root, {"cat": 2, "dog": 2})
        out = self.ok("index", root)
        self.assertEqual(self.index_counts(out)["format"], "tensorflow-inferred")
        self.assertEqual(self.count("ds:root", "--query", "label == 'cat'"), 2)

    def test_annotation_only_from_instantiated_annotations(self):
        folder = os.path.join(self.data, "a")
        hashes = make_pairs(folder, 3)
        self.ok("index", folder)
        self.stage("ds:x")
        self.ok("add", "ds:root")
        exported = os.path.join(self.data, "exported")
        self.ok("instantiate", "-m", "annot", "-t", exported, "ds:root")
        names = files_under(exported)
        self.assertEqual(len(names), 3)
        for name in names:
            path = os.path.join(exported, name)
            doc = read_json(path)
            self.assertIn(doc["ldb_meta"]["data_object_id"], hashes)
            doc["annotation"]["reviewed"] = True
            write_json(path, doc)
        out = self.ok("index", exported)
        self.assertEqual(out, "Format: annotation-only\nData objects: 0 found, 0 new\nAnnotations:  3 found, 3 new\n")
        for i, h in enumerate(hashes):
            self.assertEqual(self.annotation(h), {"n": i, "reviewed": True})
        out = self.ok("index", "-m", "annotation-only", exported)
        self.assertEqual(self.index_counts(out)["annotations_new"], 0)
        self.assertEqual(self.count("ds:root"), 3)

    def test_annotation_only_single_file(self):
        hashes = make_pairs(os.path.join(self.data, "a"), 2)
        self.ok("index", os.path.join(self.data, "a"))
        write_json(os.path.join(self.data, "ann", "all.json"),
                   [{"annotation": {"k": i}, "ldb_meta": {"data_object_id": h}} for i, h in enumerate(hashes)])
        out = self.ok("index", "-m", "annot", os.path.join(self.data, "ann"))
        self.assertEqual(self.index_counts(out)["annotations_new"], 2)
        self.assertEqual(self.annotation(hashes[1]), {"k": 1})

    def test_annotation_only_for_unknown_object_fails(self):
        write_json(os.path.join(self.data, "ann", "x.json"),
                   {"annotation": {"k": 1}, "ldb_meta": {"data_object_id": "0" * 32}})
        self.fails("index", "-m", "annot", os.path.join(self.data, "ann"), contains="0" * 32)
        self.assertEqual(self.count("ds:root"), 0)

    def test_add_tags_then_list_by_tag(self):
        make_pairs(os.path.join(self.data, "a"), 3, prefix="a")
        tagged = make_pairs(os.path.join(self.data, "b"), 2, prefix="b")
        self.ok("index", os.path.join(self.data, "a"))
        self.ok("index", "--add-tags", "red,blue", os.path.join(self.data, "b"))
        self.assertEqual(sorted(self.ids("ds:root", "--tag", "red")), sorted(tagged))
        self.assertEqual(sorted(self.ids("ds:root", "--tag", "blue,green")), sorted(tagged))
        self.assertEqual(self.count("ds:root", "--no-tag", "red"), 3)
        self.assertEqual(self.listing("id:" + tagged[0])[0]["tags"], ["blue", "red"])
        self.assertEqual(self.ok_json("show", "--json", "id:" + tagged[0])["tags"], ["blue", "red"])
        self.fails("index", "--add-tags", "bad tag", os.path.join(self.data, "a"), contains="bad tag")

    def test_annotation_update_merge(self):
        folder = os.path.join(self.data, "m")
        content = data_bytes("merge")
        write_file(os.path.join(folder, "m.png"), content)
        write_json(os.path.join(folder, "m.json"), {"a": 1, "b": 2})
        self.ok("index", folder)
        write_json(os.path.join(folder, "m.json"), {"b": 3, "c": 4})
        out = self.ok("index", "--annotation-update", "merge", folder)
        self.assertEqual(self.index_counts(out)["annotations_new"], 1)
        self.assertEqual(self.annotation(md5(content)), {"a": 1, "b": 3, "c": 4})
        write_json(os.path.join(folder, "m.json"), {"d": 5})
        self.ok("index", "--annotation-update", "replace", folder)
        self.assertEqual(self.annotation(md5(content)), {"d": 5})
        self.assertEqual(self.ok_json("show", "--json", "id:" + md5(content))["current_annotation_version"], 3)
        self.fails("index", "--annotation-update", "mix", folder, contains="mix")

    def test_unknown_format_is_refused(self):
        make_pairs(os.path.join(self.data, "a"), 1)
        self.fails("index", "-m", "pairs-ish", os.path.join(self.data, "a"), contains="pairs-ish")


class AutoIndexOffTest(LdbTestCase):
    def test_add_of_unindexed_path_fails_with_hint_to_index(self):
        self.use_init_instance()
        folder = os.path.join(self.data, "new")
        hashes = make_pairs(folder, 2)
        self.stage("ds:x")
        r = self.fails("add", folder, contains="not indexed")
        self.assertIn("ldb index", r.err)
        self.assertEqual(self.count(), 0)
        self.assertEqual(self.count("ds:root"), 0)
        self.ok("index", folder)
        self.assertEqual(self.ok("add", folder), "Added 2 objects to ds:x (2 selected, 0 with another annotation version)\n")
        # A changed annotation must be indexed first, too.
        write_json(os.path.join(folder, "img0.json"), {"n": "changed"})
        r = self.fails("add", folder, contains="changed since it was indexed")
        self.assertIn("ldb index", r.err)
        self.assertEqual(self.versions()[hashes[0]], 1)


if __name__ == "__main__":
    main()
