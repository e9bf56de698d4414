"""End-to-end: ldb instantiate in each format, and keeping the workspace equal to the dataset."""

import os

from ldbtest import (LdbTestCase, data_bytes, files_under, main, make_class_folders, make_pairs, md5, read_json,
                     write_file, write_json)


def file_md5(path):
    with open(path, "rb") as f:
        return md5(f.read())


class InstantiateTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.pairs = make_pairs(os.path.join(self.data, "a"), 3, annotation=lambda i: {"n": i, "tag": f"t{i}"})
        self.ok("index", os.path.join(self.data, "a"))
        self.stage("ds:x")

    def expected_pair_names(self, hashes=None):
        names = []
        for i, h in enumerate(self.pairs):
            if hashes is None or h in hashes:
                names += [f"img{i}-{h}.json", f"img{i}-{h}.png"]
        return sorted(names)

    def test_strict_pairs_default(self):
        self.ok("add", os.path.join(self.data, "a"))
        out = self.ok("instantiate")
        self.assertEqual(out, f"Instantiated 3 data objects and 3 annotation files in '{self.ws}' "
                              "(6 written, 0 unchanged, 0 removed)\n")
        self.assertEqual(files_under(self.ws), self.expected_pair_names())
        for i, h in enumerate(self.pairs):
            self.assertEqual(file_md5(os.path.join(self.ws, f"img{i}-{h}.png")), h)
            self.assertEqual(read_json(os.path.join(self.ws, f"img{i}-{h}.json")), {"n": i, "tag": f"t{i}"})
        # Data files are copies, not links into storage.
        self.assertFalse(os.path.islink(os.path.join(self.ws, f"img0-{self.pairs[0]}.png")))
        with open(os.path.join(self.ws, f"img0-{self.pairs[0]}.png"), "ab") as f:
            f.write(b"edit")
        self.assertEqual(file_md5(os.path.join(self.data, "a", "img0.png")), self.pairs[0])
        # Instantiating again rewrites only what differs.
        out = self.ok("instantiate", "-f")
        self.assertIn("(1 written, 5 unchanged, 0 removed)", out)
        self.assertEqual(file_md5(os.path.join(self.ws, f"img0-{self.pairs[0]}.png")), self.pairs[0])

    def test_reinstantiate_after_del_removes_stale_files(self):
        self.ok("add", os.path.join(self.data, "a"))
        self.ok("instantiate")
        self.ok("del", "id:" + self.pairs[1])
        out = self.ok("instantiate")
        self.assertEqual(out, f"Instantiated 2 data objects and 2 annotation files in '{self.ws}' "
                              "(0 written, 4 unchanged, 2 removed)\n")
        self.assertEqual(files_under(self.ws), self.expected_pair_names({self.pairs[0], self.pairs[2]}))

    def test_unknown_user_file_stops_unless_forced(self):
        self.ok("add", os.path.join(self.data, "a"))
        self.ok("instantiate")
        write_file(os.path.join(self.ws, "notes.txt"), "my notes")
        self.ok("del", "id:" + self.pairs[0])
        self.fails("instantiate", contains=["notes.txt", "-f"])
        self.assertIn("notes.txt", files_under(self.ws))
        # Nothing was removed by the refused run.
        self.assertEqual(len(files_under(self.ws)), 7)
        out = self.ok("instantiate", "-f")
        self.assertIn("2 data objects and 2 annotation files", out)
        self.assertEqual(files_under(self.ws), self.expected_pair_names({self.pairs[1], self.pairs[2]}))

    def test_user_file_before_first_instantiate_is_refused(self):
        self.ok("add", os.path.join(self.data, "a"))
        write_file(os.path.join(self.ws, "sub", "mine.png"), b"mine")
        self.fails("instantiate", contains="mine.png")
        self.assertEqual(files_under(self.ws), ["sub/mine.png"])

    def test_bare_pairs_writes_data_without_annotation(self):
        lonely = data_bytes("lonely")
        write_file(os.path.join(self.data, "b", "lonely.png"), lonely)
        self.ok("index", "-m", "bare", os.path.join(self.data, "b"))
        self.ok("add", os.path.join(self.data, "a"), "ds:root")
        self.assertEqual(self.count(), 4)
        self.ok("instantiate", "-m", "bare-pairs")
        expected = self.expected_pair_names() + [f"lonely-{md5(lonely)}.png"]
        self.assertEqual(files_under(self.ws), sorted(expected))
        # Strict pairs cannot write an object without an annotation.
        # Strict pairs leave out an object without an annotation, with a warning.
        r = self.ldb("instantiate", "-m", "strict-pairs")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("Instantiated 3 data objects and 3 annotation files", r.out)
        self.assertIn("ldb: warning: 1 object(s) without an annotation were not instantiated", r.err)
        self.assertEqual(files_under(self.ws), self.expected_pair_names())

    def test_annotations_only(self):
        self.ok("add", os.path.join(self.data, "a"))
        out = self.ok("instantiate", "--annotations-only")
        self.assertIn("0 data objects and 3 annotation files", out)
        self.assertEqual(files_under(self.ws), [n for n in self.expected_pair_names() if n.endswith(".json")])

    def test_preserve_paths(self):
        self.ok("add", os.path.join(self.data, "a"))
        self.ok("instantiate", "--preserve-paths")
        self.assertEqual(files_under(self.ws), sorted([f"a/img{i}.{ext}" for i in range(3) for ext in ("png", "json")]))
        self.assertEqual(read_json(os.path.join(self.ws, "a", "img2.json")), {"n": 2, "tag": "t2"})
        # Switching layouts removes the previous files.
        self.ok("instantiate")
        self.assertEqual(files_under(self.ws), self.expected_pair_names())

    def test_annotation_only_format_and_single_file(self):
        self.ok("add", os.path.join(self.data, "a"))
        out = self.ok("instantiate", "-m", "annot")
        self.assertIn("0 data objects and 3 annotation files", out)
        names = files_under(self.ws)
        self.assertEqual(len(names), 3)
        docs = sorted((read_json(os.path.join(self.ws, n)) for n in names), key=lambda d: d["annotation"]["n"])
        for i, doc in enumerate(docs):
            self.assertEqual(doc, {"annotation": {"n": i, "tag": f"t{i}"}, "ldb_meta": {"data_object_id": self.pairs[i]}})
        out = self.ok("instantiate", "-m", "annotation-only", "-p", "single-file=true")
        self.assertIn("1 annotation files", out)
        self.assertEqual(files_under(self.ws), ["dataset.json"])
        whole = read_json(os.path.join(self.ws, "dataset.json"))
        self.assertEqual(sorted(d["ldb_meta"]["data_object_id"] for d in whole), sorted(self.pairs))
        self.fails("instantiate", "-m", "annot", "-p", "single-file", contains="single-file")

    def test_target_folder_and_object_list(self):
        self.ok("add", os.path.join(self.data, "a"))
        target = os.path.join(self.tmp, "export")
        out = self.ok("instantiate", "-t", target, "id:" + self.pairs[2])
        self.assertIn(f"in '{target}'", out)
        self.assertEqual(files_under(target), self.expected_pair_names({self.pairs[2]}))
        self.assertEqual(files_under(self.ws), [])
        # Filters narrow the staged dataset.
        self.ok("instantiate", "--query", "n < `2`")
        self.assertEqual(files_under(self.ws), self.expected_pair_names(set(self.pairs[:2])))

    def test_a_failed_run_leaves_no_folder_it_made(self):
        # tensorflow-inferred needs a label: the run fails while planning, and
        # the -t folders it made for the output (parents included) are gone.
        self.ok("add", os.path.join(self.data, "a"))
        target = os.path.join(self.tmp, "new", "export")
        self.fails("instantiate", "-m", "tensorflow-inferred", "-t", target, rc=2, contains="no label at key 'label'")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "new")))
        # A folder that was there stays, with what it held.
        kept = os.path.join(self.tmp, "kept")
        os.makedirs(kept)
        self.fails("instantiate", "-m", "tensorflow-inferred", "-t", kept, rc=2)
        self.assertTrue(os.path.isdir(kept))

    def test_outside_a_workspace(self):
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(elsewhere)
        self.fails("instantiate", cwd=elsewhere, contains=["no workspace", elsewhere])


class InstantiateClassFoldersTest(LdbTestCase):
    def test_tensorflow_inferred_round_trip(self):
        self.use_init_instance()
        root = os.path.join(self.data, "classes")
        labels = make_class_folders(root, {"cat": 2, "dog": 1, "bird/small": 1})
        self.ok("index", "-m", "infer", "-p", "label-key=animal", root)
        self.stage("ds:pets")
        self.ok("add", "ds:root")
        out = self.ok("instantiate", "-m", "tensorflow-inferred", "-p", "label-key=animal")
        self.assertIn("4 data objects and 0 annotation files", out)
        expected = sorted(f"{label}/{k}-{h}.png" for h, label in labels.items()
                          for k in [int(os.path.basename(p).split(".")[0]) for p in
                                    self.ok_json("show", "--json", "id:" + h)["paths"]])
        self.assertEqual(files_under(self.ws), expected)
        for rel in expected:
            self.assertIn(file_md5(os.path.join(self.ws, rel)), labels)
        # The default key 'label' is missing: a clear error, nothing written.
        self.fails("instantiate", "-m", "infer", "-f", contains=["label"])
        self.assertEqual(files_under(self.ws), expected)
        # The instantiated class folders index back to the same labels.
        copy = os.path.join(self.data, "copy")
        os.makedirs(copy)
        self.ok("instantiate", "-m", "infer", "-p", "label-key=animal", "-t", copy, "ds:root")
        out = self.ok("index", "-m", "infer", "-p", "label-key=animal", copy)
        self.assertEqual(self.index_counts(out), {"format": "tensorflow-inferred", "objects_found": 4, "objects_new": 0,
                                                  "annotations_found": 4, "annotations_new": 0})

    def test_quickstart_add_workspace_records_edited_annotation(self):
        pairs = make_pairs(os.path.join(self.data, "a"), 3)
        self.stage("ds:x")
        self.ok("add", os.path.join(self.data, "a"))
        self.ok("instantiate")
        write_json(os.path.join(self.ws, f"img1-{pairs[1]}.json"), {"n": 1, "tag": "edited"})
        out = self.ok("add", ".")
        self.assertEqual(out, "Added 0 objects to ds:x (3 selected, 1 with another annotation version)\n")
        self.assertEqual(self.versions(), {pairs[0]: 1, pairs[1]: 2, pairs[2]: 1})
        self.assertEqual(self.annotation(pairs[1]), {"n": 1, "tag": "edited"})
        self.assertEqual(self.ok_json("show", "--json", "id:" + pairs[1])["current_annotation_version"], 2)

    def test_quickstart_instantiate_preserve_paths_uses_full_path(self):
        hashes = make_pairs(os.path.join(self.data, "q"), 2)
        self.stage("ds:q")
        self.ok("add", os.path.join(self.data, "q"))
        self.ok("instantiate", "--preserve-paths")
        rel = os.path.join(self.data, "q").lstrip("/")
        self.assertEqual(files_under(self.ws), sorted(f"{rel}/img{i}.{e}" for i in range(2) for e in ("json", "png")))
        self.assertEqual(file_md5(os.path.join(self.ws, rel, "img1.png")), hashes[1])



class InstantiateLinkTest(LdbTestCase):
    """instantiate --link: hard links to storage, read-only, with the manifest logic of copies."""

    expected_pair_names = InstantiateTest.expected_pair_names

    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.pairs = make_pairs(os.path.join(self.data, "a"), 3, annotation=lambda i: {"n": i, "tag": f"t{i}"})
        self.ok("index", os.path.join(self.data, "a"))
        self.stage("ds:x")

    def test_link_mode_hard_links_read_only_files(self):
        self.ok("add", os.path.join(self.data, "a"))
        out = self.ok("instantiate", "--link")
        self.assertEqual(out, f"Instantiated 3 data objects and 3 annotation files in '{self.ws}' "
                              "(6 written, 0 unchanged, 0 removed)\n")
        self.assertEqual(files_under(self.ws), self.expected_pair_names())
        for i, h in enumerate(self.pairs):
            linked = os.path.join(self.ws, f"img{i}-{h}.png")
            source = os.path.join(self.data, "a", f"img{i}.png")
            self.assertTrue(os.path.samefile(linked, source))
            self.assertEqual(os.stat(linked).st_mode & 0o222, 0, "the link is read-only")
            self.assertEqual(os.stat(source).st_mode & 0o222, 0, "so is storage: the inode is shared")
            annotation = os.path.join(self.ws, f"img{i}-{h}.json")
            self.assertEqual(os.stat(annotation).st_nlink, 1)
        # A re-run links nothing; a deleted member's link goes, storage stays.
        self.assertIn("(0 written, 6 unchanged, 0 removed)", self.ok("instantiate", "--link"))
        self.ok("del", "id:" + self.pairs[1])
        self.assertIn("(0 written, 4 unchanged, 2 removed)", self.ok("instantiate", "--link"))
        self.assertEqual(file_md5(os.path.join(self.data, "a", "img1.png")), self.pairs[1])
        # -f replaces a user's file at a planned name with the link.
        victim = os.path.join(self.ws, f"img0-{self.pairs[0]}.png")
        os.unlink(victim)
        write_file(victim, b"user bytes")
        self.fails("instantiate", "--link", contains="changed since ldb wrote them")
        self.assertIn("(1 written, 3 unchanged, 0 removed)", self.ok("instantiate", "--link", "-f"))
        self.assertTrue(os.path.samefile(victim, os.path.join(self.data, "a", "img0.png")))

    def test_link_mode_help_documents_read_only_storage(self):
        out = self.ok("instantiate", "--help")
        self.assertIn("--link", out)
        self.assertIn("storage files", out)

    def test_link_mode_across_file_systems_fails_cleanly(self):
        shm = "/dev/shm"
        if not os.path.isdir(shm) or not os.access(shm, os.W_OK) or os.stat(shm).st_dev == os.stat(self.ws).st_dev:
            self.skipTest("no writable second file system at /dev/shm")
        far = os.path.join(shm, f"ldb-cli-link-{os.getpid()}")
        os.makedirs(far, exist_ok=True)
        self.addCleanup(lambda: __import__("shutil").rmtree(far, ignore_errors=True))
        make_pairs(far, 1, prefix="far", annotation=lambda i: {"far": i})
        self.ok("add-storage", far)
        self.ok("index", far)
        self.ok("add", far)
        r = self.fails("instantiate", "--link", contains=("cannot hard-link", "far0.png", "another file system",
                                                          "without --link"))
        self.assertEqual(files_under(self.ws), [], r.describe())
        self.assertIn("written", self.ok("instantiate"))


if __name__ == "__main__":
    main()
