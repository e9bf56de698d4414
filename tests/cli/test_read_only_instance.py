"""An instance the user can only read: a teammate's shared folder (files 0444,
folders 0555, owned by someone else). Reading commands work on it; writing
commands fail with one line naming the instance and saying it is read-only,
with a hint, and change nothing.

Permissions do not bind root, and these tests usually run as root: then the
reader is a real other user (uid/gid 65534, `nobody`), started through
setpriv(1), running its own copy of the binary. As any other user the tests
run ldb directly, since the modes then bind that user too.
"""

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import unittest

from ldbtest import LDB_BIN, LdbTestCase, Run, main, write_json

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTDATA = os.environ.get("LDB_TESTDATA_DIR") or os.path.join(REPO, "tests", "data")
PHOTOS = os.path.join(TESTDATA, "photos")
OTHER_UID = 65534
SETPRIV = shutil.which("setpriv")


def file_md5(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def make_read_only(folder: str):
    """Files 0444, folders 0555, as a shared folder others may only read."""
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o444)
    for dirpath, dirnames, _ in os.walk(folder, topdown=False):
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o555)
    os.chmod(folder, 0o555)


def make_writable(folder: str):
    for dirpath, dirnames, filenames in os.walk(folder):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)


@unittest.skipIf(os.geteuid() == 0 and not SETPRIV, "running as root needs setpriv(1) to act as another user")
class ReadOnlyInstanceTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.root = os.geteuid() == 0
        # The other user must reach the binary, the data and its own folders.
        os.chmod(self.tmp, 0o755)
        os.chmod(self.home, 0o755)
        self.bin = LDB_BIN
        if self.root:
            self.bin = os.path.join(self.tmp, "bin", "ldb")
            os.makedirs(os.path.dirname(self.bin))
            shutil.copy2(LDB_BIN, self.bin)
            os.chmod(self.bin, 0o755)
        self.inst = self.use_init_instance()
        self.hashes = []
        for stem, photo, cls in (("dog", "dog.jpg", "dog"), ("kite", "kite.jpg", "kite"), ("cat", "chelsea.png", "cat")):
            ext = os.path.splitext(photo)[1]
            shutil.copyfile(os.path.join(PHOTOS, photo), os.path.join(self.data, stem + ext))
            write_json(os.path.join(self.data, stem + ".json"), {"class": cls})
            self.hashes.append(file_md5(os.path.join(PHOTOS, photo)))
        for dirpath, _, filenames in os.walk(self.data):
            os.chmod(dirpath, 0o755)
        self.ok("index", self.data)
        owner_ws = os.path.join(self.tmp, "owner-ws")
        os.makedirs(owner_ws)
        self.ok("stage", "ds:shared", cwd=owner_ws)
        self.ok("add", os.path.join(self.data, "dog.jpg"), os.path.join(self.data, "kite.jpg"), cwd=owner_ws)
        self.ok("commit", "-m", "first", cwd=owner_ws)
        self.ok("tag", "id:" + self.hashes[0], "-a", "good")
        self.owner_ws = owner_ws
        # The reader's own folders.
        self.mine = os.path.join(self.tmp, "mine")
        os.makedirs(self.mine)
        if self.root:
            os.chown(self.mine, OTHER_UID, OTHER_UID)
        make_read_only(self.inst)
        self.before = self.snapshot()

    def tearDown(self):
        make_writable(self.inst)
        if os.path.isdir(self.mine):
            for dirpath, dirnames, filenames in os.walk(self.mine):
                os.chmod(dirpath, 0o755)
        super().tearDown()

    def snapshot(self) -> dict:
        return {name: file_md5(os.path.join(self.inst, name)) for name in sorted(os.listdir(self.inst))
                if os.path.isfile(os.path.join(self.inst, name))}

    @contextlib.contextmanager
    def owner_working(self):
        """The owner keeps a connection open (so -wal and -shm stay) and
        commits ds:shared.v2 ("second", adding the cat), which stays in the WAL."""
        owner = sqlite3.connect(os.path.join(self.inst, "ldb.sqlite"))
        try:
            owner.execute("SELECT count(*) FROM meta").fetchall()
            self.ok("add", os.path.join(self.data, "cat.png"), cwd=self.owner_ws)
            self.ok("commit", "-m", "second", cwd=self.owner_ws)
            yield
        finally:
            owner.close()

    def reader(self, *args, cwd=None) -> Run:
        """Runs ldb as the user who may only read the instance."""
        cmd = [self.bin, *args]
        if self.root:
            cmd = [SETPRIV, f"--reuid={OTHER_UID}", f"--regid={OTHER_UID}", "--clear-groups", *cmd]
        proc = subprocess.run(cmd, cwd=cwd or self.mine, env=self.env, capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        return Run(tuple(args), proc.returncode, proc.stdout, proc.stderr)

    def reads(self, *args, cwd=None) -> str:
        r = self.reader(*args, cwd=cwd)
        self.assertEqual((r.rc, r.err), (0, ""), r.describe())
        return r.out

    def refused(self, *args, cwd=None) -> Run:
        r = self.reader(*args, cwd=cwd)
        self.assertEqual(r.rc, 5, r.describe())
        self.assertEqual(r.out, "", r.describe())
        lines = r.err.splitlines()
        self.assertEqual(len(lines), 2, r.describe())
        self.assertEqual(lines[0], f"ldb: error: instance '{self.inst}' is read-only: this user cannot write its "
                                   "database ldb.sqlite or its folder", r.describe())
        self.assertTrue(lines[1].startswith("hint: commands that only read it work (list, eval, diff"), r.describe())
        self.assertIn(f"cp -r '{self.inst}' DIR", lines[1])
        return r

    def test_the_setup_really_is_read_only_for_the_reader(self):
        probe = os.path.join(self.inst, "probe")
        cmd = ["touch", probe]
        if self.root:
            cmd = [SETPRIV, f"--reuid={OTHER_UID}", f"--regid={OTHER_UID}", "--clear-groups", *cmd]
        self.assertNotEqual(subprocess.run(cmd, capture_output=True).returncode, 0)
        self.assertFalse(os.path.exists(probe))
        self.assertEqual(sorted(self.before), ["config", "ldb.sqlite"])
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.inst, "ldb.sqlite")).st_mode), 0o444)

    def test_reading_commands_work(self):
        dog, kite, cat = self.hashes
        datasets = json.loads(self.reads("ds", "list", "--json"))
        self.assertEqual([(d["name"], d["version"], d["objects"]) for d in datasets], [("shared", 1, 2)])
        self.assertEqual(sorted(e["id"][3:] for e in json.loads(self.reads("list", "--json", "ds:shared"))),
                         sorted([dog, kite]))
        self.assertEqual(self.reads("list", "-s", "ds:root"), "3\n")
        self.assertEqual(self.reads("list", "-s", "ds:root", "--tag", "good"), "1\n")
        self.assertEqual(self.reads("eval", "-j", "ds:root", "--query", "class == 'cat'", "--query", "class"), '"cat"\n')
        self.assertEqual([e["message"] for e in json.loads(self.reads("log", "--json", "ds:shared"))], ["first"])
        self.assertEqual(json.loads(self.reads("show", "--json", "id:" + dog))["datasets"], ["ds:shared.v1"])
        self.assertEqual(self.reads("diff", "-s", "ds:shared", "ds:root"), "Added: 1\nDeleted: 0\nModified: 0\n")
        # fsck reads the instance without a snag.
        report = json.loads(self.reads("fsck", "--json"))
        self.assertTrue(report["healthy"], report)
        self.assertEqual((report["objects"], report["datasets"]), (3, 1))
        # A workspace of the reader's own, and instantiating into it and elsewhere.
        ws = os.path.join(self.mine, "ws")
        self.reads("stage", "ds:shared", ws)
        self.reads("instantiate", cwd=ws)
        self.assertEqual(sorted(n for n in os.listdir(ws) if not n.startswith(".")),
                         [f"dog-{dog}.jpg", f"dog-{dog}.json", f"kite-{kite}.jpg", f"kite-{kite}.json"])
        self.assertEqual(file_md5(os.path.join(ws, f"dog-{dog}.jpg")), dog)
        out = os.path.join(self.mine, "out")
        self.reads("instantiate", "ds:root", "--query", "class == 'cat'", "-t", out)
        self.assertEqual(sorted(n for n in os.listdir(out) if not n.startswith(".")), [f"cat-{cat}.json", f"cat-{cat}.png"])
        self.assertEqual(self.snapshot(), self.before)

    def test_writing_commands_fail_in_one_line_and_change_nothing(self):
        dog, kite, cat = self.hashes
        self.refused("index", self.data)
        self.refused("tag", "id:" + dog, "-a", "mine")
        self.refused("ds", "del", "ds:shared")
        self.refused("unindex", "id:" + cat)
        self.refused("storage", "rm", self.data)
        # A commit from the reader's own workspace: refused, and the staged
        # change is still there to commit elsewhere.
        ws = os.path.join(self.mine, "ws")
        self.reads("stage", "ds:shared", ws)
        self.reads("add", "id:" + cat, cwd=ws)
        self.refused("commit", "-m", "mine", cwd=ws)
        self.assertEqual(self.reads("list", "-s", cwd=ws), "3\n")
        self.assertEqual([e["version"] for e in json.loads(self.reads("log", "--json", "ds:shared"))], [1])
        self.assertEqual(self.reads("list", "-s", "ds:root", "--tag", "mine"), "0\n")
        self.assertEqual(self.snapshot(), self.before)
        self.assertEqual(sorted(os.listdir(self.inst)), ["config", "custom_code", "ldb.sqlite"])

    def test_commits_still_in_the_owners_wal_are_seen(self):
        # The owner works on the instance while the reader reads: an open
        # connection keeps -wal and -shm, and the owner's second commit stays
        # in the WAL, which the reader must see.
        with self.owner_working():
            wal = os.path.join(self.inst, "ldb.sqlite-wal")
            self.assertGreater(os.path.getsize(wal), 0)
            self.assertTrue(os.path.exists(os.path.join(self.inst, "ldb.sqlite-shm")))
            for name in ("ldb.sqlite-wal", "ldb.sqlite-shm"):
                os.chmod(os.path.join(self.inst, name), 0o444)
            log = json.loads(self.reads("log", "--json", "ds:shared"))
            self.assertEqual([(e["version"], e["message"]) for e in log], [(2, "second"), (1, "first")])
            self.assertEqual(self.reads("list", "-s", "ds:shared"), "3\n")
            self.refused("tag", "id:" + self.hashes[0], "-a", "mine")

    def test_a_copy_with_a_wal_but_no_shm_is_a_clear_error(self):
        # A copy taken while the owner had the instance open: the database
        # file is stale without its WAL, which cannot be read without -shm.
        with self.owner_working():
            copy = os.path.join(self.tmp, "copy")
            os.makedirs(copy)
            for name in ("ldb.sqlite", "ldb.sqlite-wal", "config"):
                shutil.copyfile(os.path.join(self.inst, name), os.path.join(copy, name))
        make_read_only(copy)
        try:
            self.env["LDB_DIR"] = copy
            r = self.reader("ds", "list")
            self.assertEqual(r.rc, 5, r.describe())
            self.assertEqual(r.err.splitlines(), [
                f"ldb: error: cannot read instance database '{copy}/ldb.sqlite': its write-ahead log ldb.sqlite-wal "
                "holds changes, but there is no ldb.sqlite-shm and this user cannot create one in the read-only folder",
                "hint: ask the instance's owner to run any ldb command there (e.g. ldb ds list), which folds the log "
                "into the database"])
        finally:
            make_writable(copy)


if __name__ == "__main__":
    main()
