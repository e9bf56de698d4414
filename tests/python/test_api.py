"""The ldb Python API against the ldb command line: the same selections
(ids in the same order), the same stats and status documents, the same
errors with their hints; the GIL released during a long call; a Session
never used across fork()."""

import json
import os
import pickle
import sys
import threading
import time

import pytest

import ldb
from ldb import _ldb
from conftest import md5, write_file

# Sorting and balancing by a key the two unannotated objects lack warns;
# test_warnings_become_python_warnings checks that.
pytestmark = pytest.mark.filterwarnings("ignore::ldb.LdbWarning")

CLASSES = ["cat", "dog", "bird"]
PAIRS = 12


def img_bytes(i):
    return f"img {i}\n".encode() * (i + 1)


@pytest.fixture
def pets(tmp_path, ldb_cli, instance_dir):
    """ds:root of 12 pairs data/img{i}.png + .json ({"class", "n"}), two data
    files without an annotation (bare-pairs), tags red (n < 4) and blue
    (n >= 10). Returns the ldb.Instance."""
    data = tmp_path / "data"
    for i in range(PAIRS):
        write_file(str(data / f"img{i}.png"), img_bytes(i))
        write_file(str(data / f"img{i}.json"), json.dumps({"class": CLASSES[i % 3], "n": i}))
    for i in range(2):
        write_file(str(data / f"loose{i}.png"), f"loose {i}".encode())
    ldb_cli.run("index", "-m", "bare-pairs", str(data))
    ldb_cli.run("tag", "ds:root", "--query", "n < `4`", "-a", "red")
    ldb_cli.run("tag", "ds:root", "--query", "n >= `10`", "-a", "blue")
    return ldb.Instance()


def cli_ids(ldb_cli, *args):
    return [row["id"] for row in ldb_cli.json("list", *args, "--json")]


def ids(selection):
    return [m.id for m in selection]


# keyword arguments -> the same filters on the command line, in order.
FILTER_CASES = [
    (dict(), (), 14),
    (dict(query="class == 'cat'"), ("--query", "class == 'cat'"), 4),
    (dict(jquery="n > `8`"), ("--jquery", "n > `8`"), 3),
    (dict(file=f"fs.size > `{len(img_bytes(5))}`"), ("--file", f"fs.size > `{len(img_bytes(5))}`"), 6),
    (dict(path=r"img1[0-9]?\.png$"), ("--path", r"img1[0-9]?\.png$"), 3),
    (dict(tag="red"), ("--tag", "red"), 4),
    (dict(tags=["red", "blue"]), ("--tag", "red,blue"), 6),
    (dict(no_tag="red"), ("--no-tag", "red"), 10),
    (dict(limit=5), ("--limit", "5"), 5),
    (dict(sample=0.5, seed=1), ("--sample", "0.5", "--seed", "1"), None),
    (dict(sample_rate=50, seed=2), ("--sample-rate", "50", "--seed", "2"), None),
    (dict(shuffle=True, seed=3), ("--shuffle", "--seed", "3"), 14),
    (dict(query="n > `1`", sort_desc="n", limit=3), ("--query", "n > `1`", "--sort-desc", "n", "--limit", "3"), 3),
    (dict(limit=3, query="class == 'cat'"), ("--limit", "3", "--query", "class == 'cat'"), None),
    (dict(query="class == 'cat'", limit=3), ("--query", "class == 'cat'", "--limit", "3"), 3),
    (dict(balance="class", limit=6, seed=4), ("--balance", "class", "--limit", "6", "--seed", "4"), 6),
    (dict(stratify="class", limit=6, seed=4), ("--stratify", "class", "--limit", "6", "--seed", "4"), 6),
]


@pytest.mark.parametrize("kwargs,args,count", FILTER_CASES, ids=[repr(c[0]) for c in FILTER_CASES])
def test_select_filters_as_the_cli(pets, ldb_cli, kwargs, args, count):
    selection = pets.select("ds:root", **kwargs)
    expected = cli_ids(ldb_cli, "ds:root", *args)
    assert ids(selection) == expected
    if count is not None:
        assert len(selection) == count


def test_filters_are_generated_from_the_module():
    assert ldb.FILTERS == tuple(f["name"] for f in _ldb.filters())
    assert {"query", "jquery", "file", "path", "tag", "no-tag", "limit", "sort-desc", "pipe"} <= set(ldb.FILTERS)


def test_objects_a_string_a_path_or_a_list(pets, tmp_path):
    data = tmp_path / "data"
    assert len(pets.select(str(data))) == 14
    assert len(pets.select(data / "img1.png")) == 1
    two = [f"id:{md5(img_bytes(1))}", f"id:{md5(img_bytes(2))}"]
    assert sorted(ids(pets.select(two))) == sorted(two)
    # A relative path is taken from the current folder.
    os.chdir(data)
    assert len(pets.select("img3.png")) == 1


def test_bad_keyword_arguments(pets):
    with pytest.raises(TypeError, match="unknown filter 'qurey'"):
        pets.select("ds:root", qurey="class == 'cat'")
    with pytest.raises(TypeError, match="flag"):
        pets.select("ds:root", shuffle="yes")
    # None leaves a filter out.
    assert len(pets.select("ds:root", query=None, limit=None)) == 14


def test_members_paths_sizes_annotations(pets, tmp_path):
    members = {m.hash: m for m in pets.select("ds:root")}
    for i in range(PAIRS):
        m = members[md5(img_bytes(i))]
        assert m.id == "id:" + md5(img_bytes(i))
        assert m.paths == [str(tmp_path / "data" / f"img{i}.png")]
        assert m.path == m.paths[0]
        assert m.size == len(img_bytes(i))
        assert m.annotation == {"class": CLASSES[i % 3], "n": i}
        assert m.annotation_version == 1
    loose = members[md5(b"loose 0")]
    assert loose.annotation is None
    assert loose.annotation_version == 0


def test_selection_is_a_sequence(pets):
    selection = pets.select("ds:root", sort="n")
    all_ids = ids(selection)
    assert len(all_ids) == 14
    assert selection[0].annotation["n"] == 0
    assert selection[-1].id == all_ids[-1]
    assert ids(selection[2:5]) == all_ids[2:5]
    assert ids(selection[::-3]) == all_ids[::-3]
    assert isinstance(selection[1:3], ldb.Selection)
    with pytest.raises(IndexError):
        selection[14]
    with pytest.raises(IndexError):
        selection[-15]
    assert selection[3] == selection[3] and selection[3] in selection
    assert ids(ldb.Selection(selection._front, selection.members.subset([4, 1]))) == [all_ids[4], all_ids[1]]


def test_warnings_become_python_warnings(pets):
    # The two objects without an annotation have no sort key: a warning, as ldb list gives.
    with pytest.warns(ldb.LdbWarning, match="no sort key"):
        selection = pets.select("ds:root", sort="n")
    assert [m.annotation_version for m in selection][-2:] == [0, 0]


def test_datasets_and_their_versions(pets, tmp_path, ldb_cli):
    ws = ldb.Workspace(tmp_path / "ws")
    assert ws.stage("ds:pets") == {"dataset": "pets", "version": 0, "objects": 0, "workspace": str(tmp_path / "ws")}
    assert ws.add("ds:root", query="class == 'cat'") == {"dataset": "pets", "added": 4, "selected": 4, "modified": 0}
    first = ws.commit("cats")
    assert (first["dataset"], first["version"], first["objects"], first["committed"]) == ("pets", 1, 4, True)
    assert ws.add("ds:root", query="class == 'dog'")["added"] == 4
    assert ws.delete(query="n == `0`") == {"dataset": "pets", "deleted": 1}
    assert ws.status() == ldb_cli.json("status", "--json", cwd=str(tmp_path / "ws"))
    assert len(ws.select()) == 7
    assert len(ws.select(query="class == 'dog'")) == 4
    second = ws.commit("cats and dogs")
    assert (second["version"], second["objects"], second["annotations"]) == (2, 7, 7)
    assert ws.commit("again")["committed"] is False

    assert len(pets.dataset("ds:pets.v1")) == 4
    assert len(pets.dataset("pets")) == 7
    assert ids(pets.dataset("ds:pets.v2")) == cli_ids(ldb_cli, "ds:pets.v2")
    assert len(pets.dataset("ds:pets.v2", query="class == 'dog'")) == 4

    # A new annotation for img3 (a cat): the index moves on, v1 keeps its version.
    write_file(str(tmp_path / "data" / "img3.json"), json.dumps({"class": "lion", "n": 3}))
    ldb_cli.run("index", "-m", "bare-pairs", str(tmp_path / "data"))
    pinned = {m.hash: m for m in pets.dataset("ds:pets.v1")}[md5(img_bytes(3))]
    assert (pinned.annotation_version, pinned.annotation["class"]) == (1, "cat")
    (lion,) = pets.select("ds:root", query="class == 'lion'")
    assert (lion.annotation_version, lion.hash) == (2, md5(img_bytes(3)))


@pytest.mark.parametrize("kwargs,args", [
    (dict(), ()),
    (dict(by="class"), ("--by", "class")),
    (dict(by=["class", "n"], bins=4, top=2), ("--by", "class", "--by", "n", "--bins", "4", "--top", "2")),
    (dict(file_by="fs.size", query="n > `2`"), ("--query", "n > `2`", "--file-by", "fs.size")),
])
def test_stats_as_the_cli(pets, ldb_cli, kwargs, args):
    assert pets.stats("ds:root", **kwargs) == ldb_cli.json("stats", "ds:root", *args, "--json")


def cli_error(ldb_cli, *args, cwd=None):
    """(message, hint) as the command line prints them."""
    err = ldb_cli.run(*args, check=False, cwd=cwd).stderr
    assert err.startswith("ldb: error: "), err
    message, _, hint = err[len("ldb: error: "):].partition("\nhint: ")
    return message, hint.rstrip("\n").replace("\n      ", "\n")


def test_an_unknown_dataset(pets, ldb_cli):
    with pytest.raises(ldb.NotFoundError) as caught:
        pets.dataset("ds:nope")
    e = caught.value
    assert isinstance(e, LookupError) and isinstance(e, ldb.Error)
    assert e.code == "not_found"
    assert (e.message, e.hint) == cli_error(ldb_cli, "list", "ds:nope")
    assert "nope" in e.message and e.hint
    assert str(e) == f"{e.message}\nhint: {e.hint}"


def test_a_malformed_query_shows_its_caret(pets, ldb_cli):
    with pytest.raises(ldb.InvalidArgumentError) as caught:
        pets.select("ds:root", query="class == ")
    e = caught.value
    assert isinstance(e, ValueError)
    assert (e.message, e.hint) == cli_error(ldb_cli, "list", "ds:root", "--query", "class == ")
    assert "^" in str(e)
    # The caret's line lines up under the expression, as the CLI prints it.
    assert "\n      " in str(e) or "\n" not in e.hint


def test_no_instance_configured(home):
    with pytest.raises(ldb.NotFoundError) as caught:
        ldb.Instance()
    assert "no ldb instance is configured" in caught.value.message
    assert "ldb init" in caught.value.hint


def test_instance_by_path(pets, instance_dir, monkeypatch):
    monkeypatch.delenv("LDB_DIR")
    inst = ldb.Instance(instance_dir)
    assert inst.path == instance_dir
    assert len(inst.select("ds:root")) == 14


def test_a_conflict(pets, tmp_path, ldb_cli):
    ws = ldb.Workspace(tmp_path / "ws")
    ws.stage("ds:pets")
    ws.add("ds:root", limit=2)
    # Staging over uncommitted changes.
    with pytest.raises(ldb.ConflictError) as caught:
        ws.stage("ds:other")
    assert isinstance(caught.value, RuntimeError)
    assert (caught.value.message, caught.value.hint) == cli_error(ldb_cli, "stage", "ds:other", cwd=ws.path)
    assert ws.stage("ds:other", force=True)["dataset"] == "other"


EXPECTED_BASES = {
    "not_found": LookupError,
    "invalid_argument": ValueError,
    "already_exists": FileExistsError,
    "conflict": RuntimeError,
    "corruption": RuntimeError,
    "io": OSError,
    "unsupported": NotImplementedError,
    "internal": RuntimeError,
}


@pytest.mark.parametrize("code", _ldb.error_codes())
def test_every_error_code_has_its_class(code):
    cls = ldb.errors.BY_CODE[code]
    assert issubclass(cls, ldb.Error) and issubclass(cls, EXPECTED_BASES[code])
    assert cls.code == code and cls.__module__ == "ldb" and getattr(ldb, cls.__name__) is cls
    e = ldb.errors.from_code(code, "what failed", "what to do\n^ there")
    assert type(e) is cls
    assert str(e) == "what failed\nhint: what to do\n      ^ there"
    # Pickled (DataLoader workers send their errors to the main process).
    back = pickle.loads(pickle.dumps(e))
    assert (type(back), back.message, back.hint, back.code) == (cls, e.message, e.hint, code)
    # As torch re-raises a worker's error: the type called with one text.
    assert cls("text").message == "text"


def test_the_gil_is_released_during_a_long_call(pets, tmp_path):
    # A --pipe plugin that takes a second: select() waits for it without the GIL.
    slow = write_file(str(tmp_path / "slow-filter"),
                      f"#!{sys.executable}\nimport json, sys, time\nrows = json.load(sys.stdin)\ntime.sleep(1.0)\n"
                      "print('\\n'.join(r[0] for r in rows))\n")
    os.chmod(slow, 0o755)
    ticks = 0
    stop = threading.Event()

    def tick():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.005)

    thread = threading.Thread(target=tick)
    thread.start()
    try:
        time.sleep(0.05)
        before = ticks
        started = time.monotonic()
        selection = pets.select("ds:root", pipe=[slow])
        elapsed = time.monotonic() - started
        during = ticks - before
    finally:
        stop.set()
        thread.join()
    assert len(selection) == 14
    assert elapsed >= 1.0
    # The ticker ran all along (about 200 ticks a second when it can).
    assert during >= 50, (during, elapsed)


def test_a_session_is_not_used_across_fork(pets):
    selection = pets.select("ds:root")
    session = pets._session()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            try:
                session.select(["ds:root"], [])
                code = 1
            except ldb.Error as e:
                code = 0 if "another process" in e.message else 2
            if code == 0 and selection._session() is session:
                code = 3
            if code == 0 and len(pets.select("ds:root")) != 14:
                code = 4
        except BaseException:
            code = 5
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert selection._session() is session


def test_a_selection_pickles(pets):
    selection = pets.select("ds:root", sort="n")
    part = selection[2:6]
    back = pickle.loads(pickle.dumps(part))
    assert ids(back) == ids(part)
    assert [m.annotation for m in back] == [m.annotation for m in part]
    assert [m.paths for m in back] == [m.paths for m in part]
    assert back._front._opened is None
    assert len(back._front._session().select(["ds:root"], [])) == 14


def test_quickstart_from_a_workspace(home, tmp_path):
    # No instance configured: stage makes the QuickStart one, whose add indexes on the fly.
    data = tmp_path / "pairs"
    for i in range(3):
        write_file(str(data / f"{i}.png"), img_bytes(i))
        write_file(str(data / f"{i}.json"), json.dumps({"class": CLASSES[i], "n": i}))
    ws = ldb.Workspace(tmp_path / "ws", threads=1)
    assert ws.stage("ds:numbers")["version"] == 0
    assert ws.add(str(data))["added"] == 3
    assert ws.commit("three")["version"] == 1
    inst = ldb.Instance()
    assert inst.path == str(home / ".ldb" / "private_instance")
    assert [m.annotation["n"] for m in inst.dataset("numbers", sort="n")] == [0, 1, 2]
