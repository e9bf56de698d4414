"""Hostile input: what a careless or malicious file tree, annotation or command
line can throw at ldb. None of it may crash ldb, hang it (every run here has a
timeout), or make it write outside its target; each gets a clear message.
(test_errors.py covers plain malformed JSON and illegal dataset names in stage.)"""

import json
import os
import stat
import subprocess
import time

from ldbtest import LDB_BIN, LdbTestCase, data_bytes, files_under, main, make_pairs, md5, write_file, write_json


def snapshot(folder, skip=()):
    """{relative path: (size, mtime_ns)} of every file and link under folder,
    not descending into the folders in skip (absolute paths)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in skip]
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            out[os.path.relpath(p, folder)] = (st.st_size, st.st_mtime_ns)
    return out


class HostileTestCase(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()

    def assert_clear_error(self, r, *contains, rc=None):
        """A failed run: non-zero (rc), 'ldb: error:' naming the subject, a hint, no crash."""
        self.assertNotEqual(r.rc, 0, r.describe())
        self.assertLess(r.rc, 64 if rc is None else 128, r.describe())  # not a signal or an internal error
        if rc is not None:
            self.assertEqual(r.rc, rc, r.describe())
        self.assertIn("ldb: error: ", r.err, r.describe())
        self.assertIn("\nhint: ", r.err, r.describe())
        self.assertNotIn("AddressSanitizer", r.err)
        for text in contains:
            self.assertIn(text, r.err, r.describe())


class HostileJsonTest(HostileTestCase):
    def test_truncated_and_malformed_annotations_are_named(self):
        folder = os.path.join(self.data, "bad")
        bad = {
            "truncated": '{"class": "cat", "box": [1, 2',
            "trailing": '{"a": 1} {"b": 2}',
            "nan": '{"a": NaN}',
            "empty": "",
            "two-boms": "\ufeff\ufeff{}",
        }
        for name, text in bad.items():
            write_file(os.path.join(folder, name + ".png"), data_bytes(name))
            write_file(os.path.join(folder, name + ".json"), text)
        write_file(os.path.join(folder, "binary.png"), data_bytes("binary"))
        write_file(os.path.join(folder, "binary.json"), b"\xff\xfe\x00{\x80\x81")
        write_pair_ok = make_pairs(os.path.join(folder, "good"), 2)
        # One UTF-8 byte order mark is allowed (RFC 8259 lets parsers skip it).
        write_file(os.path.join(folder, "bom.png"), data_bytes("bom"))
        write_file(os.path.join(folder, "bom.json"), "\ufeff{}")
        r = self.ldb("index", folder)
        self.assert_clear_error(r, rc=2)
        for name in list(bad) + ["binary"]:
            self.assertIn(os.path.join(folder, name + ".json"), r.err + r.out, name)
        self.assertNotIn(os.path.join(folder, "bom.json"), r.err + r.out)
        # The good pairs landed; the bad ones did not.
        self.assertEqual(sorted(self.ids("ds:root")), sorted(write_pair_ok + [md5(data_bytes("bom"))]))

    def test_100000_levels_deep_annotation_is_refused_not_a_stack_overflow(self):
        folder = os.path.join(self.data, "deep")
        for name, text in (("arrays", "[" * 100000 + "]" * 100000),
                           ("objects", '{"a":' * 100000 + "1" + "}" * 100000),
                           ("unclosed", "[" * 100000)):
            write_file(os.path.join(folder, name + ".png"), data_bytes(name))
            write_file(os.path.join(folder, name + ".json"), text)
        r = self.ldb("index", folder, timeout=60)
        self.assert_clear_error(r, os.path.join(folder, "arrays.json"), os.path.join(folder, "objects.json"), rc=2)
        self.assertIn("deep", r.err)
        self.assertEqual(self.count("ds:root"), 0)
        # Annotation-only and query input take the same guard.
        deep_query = "a" + ".a" * 50000  # 100 KB: one argument can hold at most 128 KB
        r = self.ldb("list", "ds:root", "--query", deep_query, timeout=60)
        self.assertNotEqual(r.rc, 0)
        self.assertLess(r.rc, 64, r.describe())

    def test_50_megabyte_annotation_is_indexed_and_queried(self):
        folder = os.path.join(self.data, "big")
        boxes = [{"label": f"c{i % 10}", "box": [i, i + 1, i + 2, i + 3], "note": "x" * 40} for i in range(500000)]
        text = json.dumps({"boxes": boxes, "tail": "end"})
        self.assertGreater(len(text), 50 * 1000 * 1000)
        write_file(os.path.join(folder, "big.png"), data_bytes("big"))
        write_file(os.path.join(folder, "big.json"), text)
        self.ok("index", folder, timeout=170)
        self.assertEqual(self.ok("eval", "-j", folder, "--query", "tail", timeout=120), '"end"\n')
        self.assertEqual(self.ok("eval", "-j", folder, "--query", "length(boxes)", timeout=120), "500000\n")


class HostileNamesTest(HostileTestCase):
    def run_bytes(self, *args, timeout=30):
        """Runs ldb with byte arguments; returns (rc, stdout bytes, stderr bytes)."""
        p = subprocess.run([LDB_BIN.encode(), *args], cwd=self.ws, env=self.env, capture_output=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr

    def test_non_utf8_file_names(self):
        folder = os.path.join(self.data, "latin1").encode()
        os.makedirs(folder)
        name = b"caf\xe9-\xff"
        with open(os.path.join(folder, name + b".png"), "wb") as f:
            f.write(data_bytes("latin1"))
        with open(os.path.join(folder, name + b".json"), "wb") as f:
            f.write(b'{"n": 1}')
        rc, out, err = self.run_bytes(b"index", folder)
        self.assertEqual(rc, 0, err)
        h = md5(data_bytes("latin1"))
        # Human output carries the bytes; JSON output stays valid JSON.
        rc, out, err = self.run_bytes(b"list", b"ds:root")
        self.assertEqual(rc, 0, err)
        self.assertIn(name, out)
        rc, out, err = self.run_bytes(b"list", b"--json", b"ds:root")
        self.assertEqual(rc, 0, err)
        listed = json.loads(out.decode("utf-8"))
        self.assertEqual([e["id"] for e in listed], ["id:" + h])
        rc, out, err = self.run_bytes(b"show", b"--json", b"id:" + h.encode())
        self.assertEqual(rc, 0, err)
        json.loads(out.decode("utf-8"))
        # It can be staged, committed and instantiated under a name of its own.
        self.stage("ds:names")
        rc, _, err = self.run_bytes(b"add", folder)
        self.assertEqual(rc, 0, err)
        rc, _, err = self.run_bytes(b"instantiate", b"--preserve-paths")
        self.assertEqual(rc, 0, err)
        written = [p for p in os.listdir(os.fsencode(self.ws)) if not p.startswith(b".")]
        self.assertTrue(written)

    def test_component_longer_than_255_bytes(self):
        name = os.path.join(self.data, "x" * 300 + ".png")
        r = self.ldb("index", name)
        self.assert_clear_error(r, "x" * 300)

    def test_path_longer_than_4096_bytes(self):
        # Built one folder at a time: no single system call sees the whole path.
        top = os.path.join(self.data, "long")
        os.makedirs(top)
        fd = os.open(top, os.O_RDONLY)
        depth = 0
        try:
            for depth in range(1, 25):
                component = f"{depth:03d}" + "d" * 200
                os.mkdir(component, dir_fd=fd)
                nfd = os.open(component, os.O_RDONLY, dir_fd=fd)
                os.close(fd)
                fd = nfd
            leaf = os.open("deep.png", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(leaf, b"deep data")
            os.close(leaf)
        finally:
            os.close(fd)
        make_pairs(os.path.join(top, "shallow"), 1)
        r = self.ldb("index", top)
        # Either the long path is indexed or refused by name; never a crash.
        self.assertLess(r.rc, 64, r.describe())
        if r.rc != 0:
            self.assert_clear_error(r, top)
        self.assertNotIn("AddressSanitizer", r.err)
        self.ok("fsck")

    def test_illegal_dataset_names_and_tags(self):
        make_pairs(os.path.join(self.data, "a"), 1)
        self.ok("index", os.path.join(self.data, "a"))
        self.stage("ds:ok")
        self.ok("add", os.path.join(self.data, "a"))
        for name in ("ds:a/b", "ds:../up", "ds:a b", "ds:caf\u00e9", "ds:a;rm", "ds:", "ds:a\tb"):
            self.assert_clear_error(self.ldb("commit", name), "dataset name")
            self.assert_clear_error(self.ldb("log", name))
            self.assert_clear_error(self.ldb("ds", "del", name))
        for tags in ("a b", "x,../y", "t\u00e9", "a;b", "new\nline"):
            self.assert_clear_error(self.ldb("index", "--add-tags", tags, os.path.join(self.data, "a")), "tag")
        self.assertEqual(self.ok_json("ds", "list", "--json"), [])
        self.assertEqual(self.ok_json("show", "--json", "id:" + self.ids()[0])["tags"], [])


class HostileTreeTest(HostileTestCase):
    def test_symlink_loops_end(self):
        folder = os.path.join(self.data, "loops")
        make_pairs(folder, 2)
        os.symlink(folder, os.path.join(folder, "self"))
        os.symlink("..", os.path.join(folder, "parent"))
        os.symlink("b-link", os.path.join(folder, "a-link.png"))
        os.symlink("a-link.png", os.path.join(folder, "b-link"))
        os.symlink("missing-target", os.path.join(folder, "dangling.png"))
        out = self.ok("index", folder, timeout=30)
        self.assertEqual(self.index_counts(out)["objects_new"], 2)
        self.ok("fsck")

    def test_symlink_to_outside_storage_is_read_never_written(self):
        outside = os.path.join(self.tmp, "outside")
        make_pairs(outside, 2, prefix="out")
        before = snapshot(outside)
        os.makedirs(os.path.join(self.data, "in"))
        os.symlink(outside, os.path.join(self.data, "in", "elsewhere"))
        # Named directly, the outside folder is refused: it is not registered storage.
        self.assert_clear_error(self.ldb("index", outside), outside)
        self.ok("index", os.path.join(self.data, "in"))
        paths = sorted(p for e in self.ok_json("list", "--json", "ds:root") for p in [e["path"]])
        self.assertTrue(all(p.startswith(os.path.join(self.data, "in", "elsewhere")) for p in paths), paths)
        self.stage("ds:x")
        self.ok("add", os.path.join(self.data, "in"))
        self.ok("instantiate", "--preserve-paths")
        self.ok("instantiate", "-m", "annotation-only")
        self.assertEqual(snapshot(outside), before)

    def test_fifo_and_devices_in_a_scanned_folder_do_not_hang(self):
        folder = os.path.join(self.data, "special")
        make_pairs(folder, 2)
        os.mkfifo(os.path.join(folder, "fifo.png"))
        write_file(os.path.join(folder, "lonely.png"), data_bytes("lonely"))
        os.mkfifo(os.path.join(folder, "lonely.json"))  # an annotation that is a FIFO
        os.symlink("/dev/null", os.path.join(folder, "null.png"))
        os.symlink("/dev/zero", os.path.join(folder, "zero.png"))
        try:
            os.mknod(os.path.join(folder, "char.png"), stat.S_IFCHR | 0o600, os.makedev(1, 3))
        except (PermissionError, OSError):
            pass
        out = self.ok("index", folder, timeout=30)
        # A FIFO annotation is no annotation: strict pairs leave lonely.png out,
        # bare pairs take it without one.
        self.assertEqual(self.index_counts(out)["objects_new"], 2)
        out = self.ok("index", "-m", "bare-pairs", folder, timeout=30)
        self.assertEqual(self.index_counts(out)["objects_new"], 1)
        self.assertEqual(self.ok("eval", "-j", "id:" + md5(data_bytes("lonely"))), "null\n")
        # Named on the command line, each is refused by name.
        for name in ("fifo.png", "null.png", "zero.png"):
            self.assert_clear_error(self.ldb("index", os.path.join(folder, name), timeout=30), name)
        # COCO and annotation-only inputs naming a FIFO do not hang either.
        coco = os.path.join(self.data, "coco")
        os.makedirs(coco)
        os.mkfifo(os.path.join(coco, "fifo.jpg"))
        write_json(os.path.join(coco, "coco.json"), {
            "images": [{"id": 1, "file_name": "fifo.jpg", "width": 4, "height": 4}],
            "annotations": [], "categories": []})
        r = self.ldb("index", "-m", "coco", coco, timeout=30)
        self.assert_clear_error(r, "fifo.jpg")
        self.ok("fsck")


class EscapingPathsTest(HostileTestCase):
    """Annotation and format paths that point outside storage or the workspace."""

    def setUp(self):
        super().setUp()
        # A file just outside the storage location that paths try to reach.
        self.secret = write_file(os.path.join(self.tmp, "x.jpg"), b"outside the storage location")

    def assert_nothing_written_outside(self, action):
        before = snapshot(self.tmp, skip={self.ws, self.instance, self.home})
        action()
        self.assertEqual(snapshot(self.tmp, skip={self.ws, self.instance, self.home}), before)

    def test_coco_file_name_with_dot_dot(self):
        coco = os.path.join(self.data, "coco")
        write_file(os.path.join(coco, "images", "ok.jpg"), data_bytes("coco-ok"))
        write_json(os.path.join(coco, "coco.json"), {
            "images": [{"id": 1, "file_name": "../../x.jpg", "width": 4, "height": 4}],
            "annotations": [], "categories": []})
        r = self.ldb("index", "-m", "coco", coco)
        self.assert_clear_error(r, "../../x.jpg")
        self.assertEqual(self.count("ds:root"), 0)

    def test_voc_and_label_studio_paths_with_dot_dot(self):
        voc = os.path.join(self.data, "voc")
        write_file(os.path.join(voc, "JPEGImages", "a.jpg"), data_bytes("voc-a"))
        write_file(os.path.join(voc, "Annotations", "a.xml"),
                   "<annotation><filename>../../../x.jpg</filename><size><width>4</width><height>4</height>"
                   "<depth>3</depth></size><object><name>cat</name><bndbox><xmin>0</xmin><ymin>0</ymin>"
                   "<xmax>1</xmax><ymax>1</ymax></bndbox></object></annotation>")
        r = self.ldb("index", "-m", "voc", voc)
        if r.rc != 0:
            self.assert_clear_error(r)
        # Whatever was indexed is inside storage.
        for e in self.ok_json("list", "--json", "ds:root"):
            self.assertTrue(e["path"].startswith(self.data + os.sep), e)
        ls = os.path.join(self.data, "ls")
        write_file(os.path.join(ls, "img.jpg"), data_bytes("ls"))
        write_json(os.path.join(ls, "export.json"), [
            {"id": 1, "data": {"image": "/data/local-files/?d=../../x.jpg"}, "annotations": []},
            {"id": 2, "data": {"image": "file://" + self.secret}, "annotations": []}])
        r = self.ldb("index", "-m", "label-studio", ls)
        self.assert_clear_error(r)
        self.assertNotIn(md5(b"outside the storage location"), self.ids("ds:root"))

    def test_instantiate_never_writes_outside_the_workspace(self):
        # Annotations whose content names paths (as COCO/VOC/Label Studio
        # writers might use them) and a tampered manifest.
        folder = os.path.join(self.data, "p")
        make_pairs(folder, 3, annotation=lambda i: {"file_name": "../../evil.jpg", "path": "/etc/passwd",
                                                    "image": "../" * 10 + "x.jpg", "objects": [{"label": "a"}]})
        self.ok("index", folder)
        self.stage("ds:x")
        self.ok("add", folder)

        def instantiate_all():
            for fmt in ("strict-pairs", "bare-pairs", "annotation-only"):
                self.ok("instantiate", "-f", "-m", fmt)
            for fmt in ("coco", "voc", "label-studio", "yolo"):
                r = self.ldb("instantiate", "-f", "-m", fmt)
                if r.rc != 0:
                    self.assert_clear_error(r)
            self.ok("instantiate", "-f", "--preserve-paths")

        self.assert_nothing_written_outside(instantiate_all)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "evil.jpg")))
        # A manifest that names files outside the workspace is damage, and nothing
        # outside is deleted because of it.
        self.ok("instantiate", "-f")
        manifest = os.path.join(self.ws, ".ldb_workspace", "instantiated")
        with open(manifest, "a") as f:
            f.write(f"{md5(b'outside the storage location')} 28 1 ../x.jpg\n")
        self.assert_clear_error(self.ldb("instantiate", "-f"), "../x.jpg")
        self.assertTrue(os.path.exists(self.secret))
        r = self.ldb("fsck")
        self.assertEqual(r.rc, 6, r.describe())
        self.assertIn("../x.jpg", r.out)


class BacktrackingRegexTest(HostileTestCase):
    def test_catastrophic_patterns_run_in_linear_time(self):
        folder = os.path.join(self.data, "re")
        make_pairs(folder, 20, annotation=lambda i: {"text": "a" * 20000 + "!"})
        self.ok("index", folder)
        for pattern in ("(a+)+$", "(a|aa)+$", "(a*)*b", "^(a|a?)+$", "(.*a){20}$"):
            started = time.monotonic()
            out = self.ok("list", "-s", "ds:root", "--query", f"regex(text, '{pattern}')", timeout=60)
            self.assertLess(time.monotonic() - started, 30, pattern)
            self.assertIn(out.strip(), ("0", "20"))
        # Back-references (which need backtracking) are refused with the position.
        r = self.ldb("list", "ds:root", "--query", "regex(text, '(a)\\1')")
        self.assert_clear_error(r, "regex")


if __name__ == "__main__":
    main()
