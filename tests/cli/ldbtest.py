"""Shared helpers for the ldb end-to-end tests.

Every test gets its own temporary folder holding a fake HOME, a data folder and
a workspace folder, so test files (and tests) can run in parallel. The binary
comes from $LDB_BIN (CMake passes $<TARGET_FILE:ldb>). LDB_DIR is removed from
the environment unless a test sets it (see LdbTestCase.use_init_instance).
Set LDB_KEEP_TMP=1 to keep the temporary folders for a look.
"""

import hashlib
import json
import os
import pty
import shutil
import subprocess
import sys
import tempfile
import unittest
from dataclasses import dataclass

LDB_BIN = os.environ.get("LDB_BIN", "")
DEFAULT_TIMEOUT = 30

# Two byte strings whose MD5 digests share their first 8 hex digits
# ("bce97118"), found once by a birthday search; they make an ambiguous id: prefix.
COLLIDING_CONTENTS = (b"ldb-collide-8458", b"ldb-collide-8930")
COLLIDING_PREFIX = "bce97118"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def write_file(path: str, data) -> str:
    """Writes bytes or text to path, creating parent folders; returns path."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, (bytes, bytearray)) else "w"
    with open(path, mode) as f:
        f.write(data)
    return path


def write_json(path: str, value) -> str:
    return write_file(path, json.dumps(value))


def read_json(path: str):
    with open(path) as f:
        return json.load(f)


def data_bytes(tag: str) -> bytes:
    """Deterministic, distinct content for a fake image named by tag."""
    return ("\x89PNG fake image " + tag + "\n").encode() * 3


def write_pair(folder: str, name: str, content: bytes, annotation) -> str:
    """Writes the strict pair NAME.png + NAME.json; returns the data path."""
    path = write_file(os.path.join(folder, name + ".png"), content)
    write_json(os.path.join(folder, name + ".json"), annotation)
    return path


def make_pairs(folder: str, count: int, prefix: str = "img", annotation=None) -> list:
    """count strict pairs prefix0.png/json ...; annotation(i) gives each JSON
    (default {"n": i}). Returns the MD5s, in index order."""
    hashes = []
    for i in range(count):
        content = data_bytes(f"{prefix}{i}")
        ann = annotation(i) if annotation else {"n": i}
        write_pair(folder, f"{prefix}{i}", content, ann)
        hashes.append(md5(content))
    return hashes


def make_numerals(root: str, count: int = 6) -> dict:
    """The seed's roman-numerals layout: input/ pairs annotated {"class": C}
    and output/ holding the SAME data files annotated with a model's
    inference. Objects with odd i are misclassified (inference.class differs,
    confidence 0.2); even i are right (confidence 0.9).
    Returns {"hashes": [...], "wrong": set, "right": set}."""
    classes = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
    hashes, wrong, right = [], set(), set()
    for i in range(count):
        content = data_bytes(f"numeral{i}")
        cls = classes[i % len(classes)]
        write_pair(os.path.join(root, "input"), f"{i:03d}", content, {"class": cls})
        if i % 2:
            inference = {"class": classes[(i + 1) % len(classes)], "confidence": 0.2}
        else:
            inference = {"class": cls, "confidence": 0.9}
        write_pair(os.path.join(root, "output"), f"{i:03d}", content, {"class": cls, "inference": inference})
        h = md5(content)
        hashes.append(h)
        (wrong if i % 2 else right).add(h)
    return {"hashes": hashes, "wrong": wrong, "right": right}


def make_class_folders(root: str, counts: dict) -> dict:
    """Class folders for tensorflow-inferred: root/LABEL/k.png. counts maps a
    label (may contain '/' for nesting) to a number of files. Returns
    {md5: label}."""
    out = {}
    for label, n in counts.items():
        for k in range(n):
            content = data_bytes(f"class-{label}-{k}")
            write_file(os.path.join(root, *label.split("/"), f"{k}.png"), content)
            out[md5(content)] = label
    return out


def files_under(folder: str, skip_hidden: bool = True) -> list:
    """Relative paths of the regular files under folder, sorted ('/'-separated)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        if skip_hidden:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if skip_hidden and name.startswith("."):
                continue
            out.append(os.path.relpath(os.path.join(dirpath, name), folder).replace(os.sep, "/"))
    return sorted(out)


def folder_size(folder: str) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            total += os.path.getsize(os.path.join(dirpath, name))
    return total


@dataclass
class Run:
    args: tuple
    rc: int
    out: str
    err: str

    def describe(self) -> str:
        return f"ldb {' '.join(self.args)}\n  exit {self.rc}\n  stdout: {self.out!r}\n  stderr: {self.err!r}"


class LdbTestCase(unittest.TestCase):
    """Base class: a fresh HOME, data folder and workspace folder per test."""

    maxDiff = None

    def setUp(self):
        if not LDB_BIN or not os.access(LDB_BIN, os.X_OK):
            self.fail(f"LDB_BIN must name the ldb executable (got {LDB_BIN!r})")
        self.tmp = tempfile.mkdtemp(prefix="ldb-cli-test-")
        self.home = os.path.join(self.tmp, "home")
        self.data = os.path.join(self.tmp, "data")
        self.ws = os.path.join(self.tmp, "ws")
        for d in (self.home, self.data, self.ws):
            os.makedirs(d)
        self.env = {k: v for k, v in os.environ.items() if k not in ("LDB_DIR",)}
        self.env["HOME"] = self.home
        self.instance = os.path.join(self.home, ".ldb", "private_instance")

    def tearDown(self):
        if os.environ.get("LDB_KEEP_TMP"):
            sys.stderr.write(f"\nkept {self.tmp}\n")
            return
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- running the binary -------------------------------------------------

    def ldb(self, *args, cwd=None, env=None, timeout=DEFAULT_TIMEOUT, stdin=None) -> Run:
        """Runs ldb with args in cwd (default: the workspace folder)."""
        run_env = dict(self.env)
        if env:
            run_env.update(env)
        proc = subprocess.run([LDB_BIN, *args], cwd=cwd or self.ws, env=run_env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL if stdin is None else stdin)
        return Run(tuple(args), proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args, **kw) -> str:
        """Runs ldb, asserts exit 0 and an empty stderr; returns stdout."""
        r = self.ldb(*args, **kw)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.err, "", r.describe())
        return r.out

    def fails(self, *args, rc=None, contains=(), **kw) -> Run:
        """Runs ldb and asserts the error contract: non-zero exit (rc when
        given), stderr starting with 'ldb: error: ' and holding a 'hint: '
        line, nothing on stdout, and each string of `contains` in stderr."""
        r = self.ldb(*args, **kw)
        self.assertNotEqual(r.rc, 0, r.describe())
        if rc is not None:
            self.assertEqual(r.rc, rc, r.describe())
        self.assertTrue(r.err.startswith("ldb: error: "), r.describe())
        lines = r.err.splitlines()
        self.assertTrue(any(line.startswith("hint: ") for line in lines[1:]), r.describe())
        self.assertEqual(r.out, "", r.describe())
        for text in ([contains] if isinstance(contains, str) else contains):
            self.assertIn(text, r.err, r.describe())
        return r

    def on_terminal(self, *args, cwd=None):
        """Runs ldb with stderr on a pseudo-terminal (so it draws progress);
        returns (exit code, stdout bytes, the bytes the terminal received)."""
        master, slave = pty.openpty()
        try:
            proc = subprocess.run([LDB_BIN, *args], cwd=cwd or self.ws, env=self.env, stdout=subprocess.PIPE,
                                  stderr=slave, stdin=subprocess.DEVNULL, timeout=60)
        finally:
            os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            shown += chunk
        os.close(master)
        return proc.returncode, proc.stdout, shown

    def ok_json(self, *args, **kw):
        return json.loads(self.ok(*args, **kw))

    # ---- common setups --------------------------------------------------------

    def use_init_instance(self, register_data=True) -> str:
        """Creates an instance with `ldb init` (auto-index off), points LDB_DIR
        at it and registers the data folder as storage."""
        inst = os.path.join(self.tmp, "instance")
        self.env["LDB_DIR"] = inst
        out = self.ok("init", inst)
        self.assertEqual(out, f"Initialized ldb instance at {inst}\n")
        if register_data:
            self.ok("add-storage", self.data)
        self.instance = inst
        return inst

    def stage(self, name="ds:test", ws=None):
        return self.ok("stage", name, cwd=ws or self.ws)

    def listing(self, *args, **kw) -> list:
        """`ldb list --json ARGS` parsed."""
        return self.ok_json("list", "--json", *args, **kw)

    def ids(self, *args, **kw) -> list:
        """Bare hashes of `ldb list --json ARGS`, in output order."""
        return [entry["id"][3:] for entry in self.listing(*args, **kw)]

    def versions(self, *args, **kw) -> dict:
        """{hash: annotation_version} of `ldb list --json ARGS`."""
        return {entry["id"][3:]: entry["annotation_version"] for entry in self.listing(*args, **kw)}

    def count(self, *args, **kw) -> int:
        out = self.ok("list", "-s", *args, **kw)
        return int(out.strip())

    def annotation(self, hash_or_prefix: str, **kw):
        """The current annotation of an object, via `ldb eval -j id:...`."""
        out = self.ok("eval", "-j", "id:" + hash_or_prefix, **kw)
        return json.loads(out)

    def index_counts(self, out: str) -> dict:
        """Parses index output into {"format", "objects_found", "objects_new",
        "annotations_found", "annotations_new"}."""
        result = {}
        for line in out.splitlines():
            if line.startswith("Format: "):
                result["format"] = line.split(": ", 1)[1]
            elif line.startswith("Data objects:"):
                nums = [int(w) for w in line.replace(",", " ").split() if w.isdigit()]
                result["objects_found"], result["objects_new"] = nums
            elif line.startswith("Annotations:"):
                nums = [int(w) for w in line.replace(",", " ").split() if w.isdigit()]
                result["annotations_found"], result["annotations_new"] = nums
        return result


def main():
    unittest.main(verbosity=2)
