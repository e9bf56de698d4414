"""Fixtures for the Python module's tests (run with Debian's pytest:
/usr/bin/python3 -m pytest tests/python).

`ldb` is imported from PYTHONPATH (ctest sets it to build/python) or from the
venv scripts/test-python.sh installs it into. The real ldb binary ($LDB_BIN,
else build/src/cli/ldb) makes the instances, as tests/cli do. Every test gets
its own HOME (so ~/.ldb/config and the object cache are its own) and no
LDB_DIR unless it sets one.
"""

import hashlib
import json
import os
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ldb_binary():
    path = os.environ.get("LDB_BIN") or os.path.join(REPO, "build", "src", "cli", "ldb")
    if not os.access(path, os.X_OK):
        pytest.fail(f"LDB_BIN must name the ldb executable (got {path!r})")
    return path


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def write_file(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


class Ldb:
    """Runs the ldb binary in the test's environment."""

    def __init__(self, root):
        self.bin = ldb_binary()
        self.root = root

    def run(self, *args, cwd=None, check=True):
        proc = subprocess.run([self.bin, *args], cwd=cwd or self.root, env=dict(os.environ), capture_output=True,
                              text=True, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"ldb {' '.join(args)} exited {proc.returncode}\n{proc.stderr}")
        return proc

    def json(self, *args, cwd=None):
        return json.loads(self.run(*args, cwd=cwd).stdout)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh HOME with nothing configured; the test's folder is the cwd."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("HOME", str(h))
    monkeypatch.delenv("LDB_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("LDB_AUTHOR", "python-test")
    monkeypatch.chdir(tmp_path)
    return h


@pytest.fixture
def ldb_cli(tmp_path, home):
    return Ldb(str(tmp_path))


@pytest.fixture
def instance_dir(tmp_path, ldb_cli, monkeypatch):
    """An instance made with `ldb init` (LDB_DIR names it) whose storage is
    tmp_path/data, registered and empty; returns the instance folder."""
    inst = tmp_path / "instance"
    data = tmp_path / "data"
    data.mkdir()
    ldb_cli.run("init", str(inst))
    monkeypatch.setenv("LDB_DIR", str(inst))
    ldb_cli.run("add-storage", str(data))
    return str(inst)
