"""examples/: each runs to the end on the data it documents. The demo's
data (scripts/demo.sh) is made here with the demo's own commands, without
its build: make_numerals.py, index, commit ds:numerals, split it."""

import os
import subprocess
import sys

from conftest import REPO


def test_train_classifier_on_the_demos_split(tmp_path, ldb_cli, home, monkeypatch):
    storage = tmp_path / "storage"
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "make_numerals.py"), str(storage), "200"],
                   check=True)
    monkeypatch.setenv("LDB_DIR", str(tmp_path / "instance"))
    ldb_cli.run("init", str(tmp_path / "instance"))
    ldb_cli.run("add-storage", str(storage))
    ldb_cli.run("index", str(storage / "input"))
    ws = tmp_path / "workspace"
    ws.mkdir()
    ldb_cli.run("stage", "ds:numerals", cwd=str(ws))
    ldb_cli.run("add", str(storage / "input"), cwd=str(ws))
    ldb_cli.run("commit", "-m", "original inputs", cwd=str(ws))
    ldb_cli.run("split", "ds:numerals", "--into", "train=0.8,test=0.2", "--stratify", "class", "ds:numerals")

    run = subprocess.run([sys.executable, os.path.join(REPO, "examples", "train_classifier.py")],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("ds:numerals-train: ") and "of 10 classes" in lines[0], run.stdout
    assert any(line.startswith("epoch 0: ") and "mean loss" in line for line in lines), run.stdout
    assert lines[-1].startswith("ds:numerals-test: accuracy "), run.stdout
