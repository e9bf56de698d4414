"""Files ldb creates follow the user's umask and are never world-writable: the
instance folder, ldb.sqlite (and its -wal/-shm), config, the user config, the
workspace's .ldb_workspace files and instantiated files."""

import os
import stat
import subprocess

from ldbtest import LDB_BIN, LdbTestCase, main, make_pairs


class PermissionsTest(LdbTestCase):
    def run_with_umask(self, umask, *args, cwd=None):
        p = subprocess.run([LDB_BIN, *args], cwd=cwd or self.ws, env=self.env, capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL, umask=umask)
        self.assertEqual(p.returncode, 0, f"ldb {' '.join(args)}: {p.stderr}")
        return p.stdout

    def created_paths(self, instance, ws):
        """Every file and folder ldb made, by kind."""
        paths = [instance, os.path.join(self.home, ".ldb"), os.path.join(self.home, ".ldb", "config"),
                 os.path.join(ws, ".ldb_workspace")]
        for folder in (instance, os.path.join(ws, ".ldb_workspace")):
            for dirpath, dirnames, filenames in os.walk(folder):
                paths += [os.path.join(dirpath, n) for n in dirnames + filenames]
        for dirpath, dirnames, filenames in os.walk(ws):
            if ".ldb_workspace" in dirpath.split(os.sep):
                continue
            paths += [os.path.join(dirpath, n) for n in filenames]
        return sorted(set(paths))

    def check_umask(self, umask):
        instance = os.path.join(self.tmp, f"instance-{umask:03o}")
        ws = os.path.join(self.tmp, f"ws-{umask:03o}")
        self.env["LDB_DIR"] = instance
        data = os.path.join(self.data, f"{umask:03o}")
        make_pairs(data, 3)
        self.run_with_umask(umask, "init", instance)
        self.run_with_umask(umask, "add-storage", self.data)
        self.run_with_umask(umask, "index", data)
        self.run_with_umask(umask, "stage", "ds:perm", "-t", ws)
        self.run_with_umask(umask, "add", data, cwd=ws)
        self.run_with_umask(umask, "commit", cwd=ws)
        self.run_with_umask(umask, "instantiate", cwd=ws)
        self.run_with_umask(umask, "instantiate", "-m", "annotation-only", "-t", os.path.join(self.tmp, f"plain-{umask:03o}"),
                            cwd=ws)
        # Keep a connection's -wal/-shm around: a reader holds it while we look.
        paths = self.created_paths(instance, ws)
        names = {os.path.basename(p) for p in paths}
        for expected in ("ldb.sqlite", "config", "staged", "instantiated", "custom_code"):
            self.assertIn(expected, names)
        self.assertTrue(any(n.endswith(".png") for n in names), names)
        plain = os.path.join(self.tmp, f"plain-{umask:03o}")
        for dirpath, _, filenames in os.walk(plain):
            paths += [os.path.join(dirpath, n) for n in filenames]
        wal = [p for p in paths if p.endswith(("-wal", "-shm"))]
        for path in paths:
            mode = stat.S_IMODE(os.lstat(path).st_mode)
            self.assertEqual(mode & 0o002, 0, f"{path} is world-writable ({mode:03o})")
            self.assertEqual(mode & umask, 0, f"{path} ignores umask {umask:03o} ({mode:03o})")
        return paths, wal

    def test_umask_022_files_are_readable_by_others_not_writable(self):
        paths, _ = self.check_umask(0o022)
        for path in paths:
            mode = stat.S_IMODE(os.lstat(path).st_mode)
            self.assertEqual(mode & 0o044, 0o044, f"{path} is not group/other readable under umask 022 ({mode:03o})")

    def test_umask_077_files_are_private(self):
        paths, _ = self.check_umask(0o077)
        for path in paths:
            mode = stat.S_IMODE(os.lstat(path).st_mode)
            self.assertEqual(mode & 0o077, 0, f"{path} ({mode:03o})")

    def test_sqlite_side_files_follow_the_database(self):
        # -wal and -shm exist while a connection is open; a Python reader keeps
        # them while ldb writes.
        import sqlite3
        instance = os.path.join(self.tmp, "instance-side")
        self.env["LDB_DIR"] = instance
        self.run_with_umask(0o077, "init", instance)
        conn = sqlite3.connect(os.path.join(instance, "ldb.sqlite"))
        try:
            conn.execute("SELECT COUNT(*) FROM objects").fetchall()
            self.run_with_umask(0o077, "add-storage", self.data)
            for suffix in ("-wal", "-shm"):
                path = os.path.join(instance, "ldb.sqlite" + suffix)
                self.assertTrue(os.path.exists(path), path)
                mode = stat.S_IMODE(os.lstat(path).st_mode)
                self.assertEqual(mode & 0o077, 0, f"{path} ({mode:03o})")
        finally:
            conn.close()


if __name__ == "__main__":
    main()
