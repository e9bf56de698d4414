"""Shared helpers for the ldb end-to-end tests.

Every test gets its own temporary folder holding a fake HOME, a data folder and
a workspace folder, so test files (and tests) can run in parallel. The binary
comes from $LDB_BIN (CMake passes $<TARGET_FILE:ldb>). LDB_DIR is removed from
the environment unless a test sets it (see LdbTestCase.use_init_instance).
Set LDB_KEEP_TMP=1 to keep the temporary folders for a look.

LDB_TEST_STORE=postgresql runs the same tests on the PostgreSQL store (SPEC
section 12; the ctest variants cli_pg_<file>): every instance a test makes
(use_init_instance, and the private instance of QuickStart) is made with
`ldb init --store URL` on a database of its own on the test cluster — the ctest
fixture's (LDB_TEST_POSTGRES_DIR) or, run by hand, one this process starts and
stops. Without PostgreSQL server binaries such a run skips, saying why, unless
LDB_REQUIRE_POSTGRES=1 (scripts/test.sh), which makes it fail. Tests that are
about SQLite's own files are marked @sqlite_only(why).
"""

import atexit
import itertools
import re

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
POSTGRES = os.environ.get("LDB_TEST_STORE", "sqlite") == "postgresql"
CLUSTER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support", "postgres-cluster.sh")

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


def sqlite_only(why: str):
    """Marks a test that is about the SQLite store's own files or behaviour:
    skipped in the PostgreSQL runs (LDB_TEST_STORE=postgresql)."""
    return unittest.skipIf(POSTGRES, f"SQLite store only: {why}")


# ---- the PostgreSQL test cluster ---------------------------------------------

_SERVER = {}
_DATABASE_NUMBERS = itertools.count(1)


class PostgresUnavailable(Exception):
    pass


def postgres_server() -> str:
    """The test cluster's URL without a database (postgresql://ldb@127.0.0.1:PORT):
    the ctest fixture's cluster (LDB_TEST_POSTGRES_DIR) or one started for
    this process (stopped at its exit). Raises PostgresUnavailable, saying why."""
    if "url" in _SERVER:
        return _SERVER["url"]
    if "unavailable" in _SERVER:
        raise PostgresUnavailable(_SERVER["unavailable"])
    fixture = os.environ.get("LDB_TEST_POSTGRES_DIR", "")
    if fixture:
        try:
            with open(os.path.join(fixture, "url")) as f:
                _SERVER["url"] = f.read().strip()
        except OSError:
            _SERVER["unavailable"] = (f"the PostgreSQL test cluster in {fixture} did not start "
                                      "(see the ctest fixture store_postgres_cluster_start)")
    else:
        # Directly under /tmp: as root the cluster runs as the postgres user.
        folder = tempfile.mkdtemp(prefix="ldb-pg-cli-", dir="/tmp")
        r = subprocess.run([CLUSTER_SCRIPT, "start", folder], capture_output=True, text=True)
        if r.returncode == 0:
            _SERVER["url"] = r.stdout.strip()
            atexit.register(lambda: subprocess.run([CLUSTER_SCRIPT, "stop", folder], capture_output=True))
        else:
            first = r.stderr.strip().splitlines()[0] if r.stderr.strip() else f"exit {r.returncode}"
            _SERVER["unavailable"] = f"no PostgreSQL test cluster: {first}"
            shutil.rmtree(folder, ignore_errors=True)
    return postgres_server()


def require_postgres(test: unittest.TestCase) -> str:
    """postgres_server(), or the test skips (fails under LDB_REQUIRE_POSTGRES=1:
    CI must not pass by skipping)."""
    try:
        return postgres_server()
    except PostgresUnavailable as why:
        if os.environ.get("LDB_REQUIRE_POSTGRES") == "1":
            test.fail(f"{why} (LDB_REQUIRE_POSTGRES=1: no skipping)")
        raise unittest.SkipTest(str(why))


def psql(url: str, statement: str) -> str:
    """Runs one SQL statement with the psql client on the database URL names; returns its output."""
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", statement],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"psql {statement!r} on {url}: {r.stderr.strip()}")
    return r.stdout


def new_postgres_database() -> str:
    """A new, empty database on the test cluster; returns its URL."""
    name = f"ldb_cli_{os.getpid()}_{next(_DATABASE_NUMBERS)}"
    psql(postgres_server() + "/postgres", f"CREATE DATABASE {name}")
    return f"{postgres_server()}/{name}"


def drop_postgres_database(url: str):
    name = url.rsplit("/", 1)[1]
    psql(postgres_server() + "/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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
        self.databases = []  # PostgreSQL databases this test made (dropped at its end)
        self.private_instance_ready = not POSTGRES
        if POSTGRES:
            require_postgres(self)

    def tearDown(self):
        if os.environ.get("LDB_KEEP_TMP"):
            sys.stderr.write(f"\nkept {self.tmp}\n")
            return
        for url in self.databases:
            drop_postgres_database(url)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- the store under test ---------------------------------------------------

    def new_store_url(self) -> str:
        """A new database on the PostgreSQL test cluster, dropped at the test's end."""
        url = new_postgres_database()
        self.databases.append(url)
        return url

    def init_args(self, folder: str) -> list:
        """`ldb init` arguments making an instance at folder on the store under test."""
        return ["init", "--store", self.new_store_url(), folder] if POSTGRES else ["init", folder]

    def _prepare_private_instance(self, args, env):
        """On PostgreSQL, the private instance QuickStart would make in
        SQLite is made on a database of its own first, before the test's first
        command that would use it (not when the test names its own instance)."""
        if self.private_instance_ready:
            return
        if env.get("LDB_DIR") or (args and args[0] == "init") or env.get("HOME") != self.home:
            if args and args[0] == "init":
                self.private_instance_ready = True
            return
        self.private_instance_ready = True
        if os.path.exists(os.path.join(self.home, ".ldb", "config")):
            return
        proc = subprocess.run([LDB_BIN, *self.init_args(self.instance)], cwd=self.ws, env=env, capture_output=True,
                              text=True, timeout=DEFAULT_TIMEOUT, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        # As QuickStart makes it: indexes what is added, reads any location.
        config_file = os.path.join(self.instance, "config")
        with open(config_file) as f:
            config = f.read()
        config = re.sub(r"(auto_index|read_any_location) = false", r"\1 = true", config)
        with open(config_file, "w") as f:
            f.write(config)

    # ---- running the binary -------------------------------------------------

    def ldb(self, *args, cwd=None, env=None, timeout=DEFAULT_TIMEOUT, stdin=None) -> Run:
        """Runs ldb with args in cwd (default: the workspace folder)."""
        run_env = dict(self.env)
        if env:
            run_env.update(env)
        self._prepare_private_instance(args, run_env)
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
        self._prepare_private_instance(args, self.env)
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
        out = self.ok(*self.init_args(inst))
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
