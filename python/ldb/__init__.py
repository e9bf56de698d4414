"""ldb for Python: select the members of datasets and train on them.

    import ldb

    inst = ldb.Instance()                  # LDB_DIR, else core.ldb_dir in ~/.ldb/config
    cats = inst.select("ds:root", query="class == 'cat'", limit=100)
    for m in cats:
        print(m.id, m.path, m.annotation)  # annotation: a dict (None when there is none)
    v2 = inst.dataset("ds:pets.v2")
    print(inst.stats("ds:pets", by="class")["keys"][0]["top"])

    ws = ldb.Workspace("work")
    ws.stage("ds:cats")
    ws.add("ds:root", query="class == 'cat'")
    ws.commit("cats")

Filters are keyword arguments applied in the order given, as the command
line applies its options: ``select("ds:root", query=..., limit=10)`` keeps
the first 10 that match. Their names are the command line's with ``_`` for
``-`` (``sort_desc``, ``no_tag``); see ``ldb.FILTERS``. Errors are
``ldb.Error`` subclasses carrying the message and the hint ``ldb`` prints.
"""

import getpass
import json
import os
from collections.abc import Sequence

from . import _ldb
from .errors import (AlreadyExistsError, ConflictError, CorruptionError, Error, InternalError, InvalidArgumentError,
                     IoError, LdbWarning, NotFoundError, UnsupportedError)

__version__ = "0.1.0"

__all__ = [
    "Instance", "Workspace", "Selection", "Member", "FILTERS", "Error", "NotFoundError", "InvalidArgumentError",
    "AlreadyExistsError", "ConflictError", "CorruptionError", "IoError", "UnsupportedError", "InternalError",
    "LdbWarning"
]

for _cls in (Error, NotFoundError, InvalidArgumentError, AlreadyExistsError, ConflictError, CorruptionError, IoError,
             UnsupportedError, InternalError, LdbWarning):
    _cls.__module__ = "ldb"

# The filters as the command line names them ("sort-desc"), in the order its
# help lists them; read from the C++ module, so they never drift from the CLI.
_FILTER_INFO = {f["name"]: f for f in _ldb.filters()}
FILTERS = tuple(_FILTER_INFO)
# Keyword argument -> filter name. `tags` is how the spec's examples spell --tag.
_KEYWORDS = {name.replace("-", "_"): name for name in FILTERS}
_KEYWORDS.setdefault("tags", "tag")


def _filter_tuples(filters):
    """Keyword arguments to (name, value, arguments) tuples, in order; None
    (and False for a flag) leaves a filter out."""
    out = []
    for keyword, value in filters.items():
        name = _KEYWORDS.get(keyword)
        if name is None:
            raise TypeError(f"unknown filter {keyword!r}; the filters are: {', '.join(sorted(_KEYWORDS))}")
        if value is None:
            continue
        info = _FILTER_INFO[name]
        args = []
        if not info["takes_value"]:
            if not isinstance(value, bool):
                raise TypeError(f"filter {keyword!r} is a flag: give True or False, not {value!r}")
            if value:
                out.append((name, "", []))
            continue
        if info["takes_args"] or info["takes_model"]:
            # pipe=["clip", "dog"]: the program and its arguments; similar=("id:…", "MODEL").
            if isinstance(value, (list, tuple)):
                if not value:
                    raise ValueError(f"filter {keyword!r} needs a value")
                value, args = value[0], [str(a) for a in value[1:]]
        elif isinstance(value, (list, tuple, set, frozenset)) and name in ("tag", "no-tag"):
            value = ",".join(value)
        if isinstance(value, bool):
            raise TypeError(f"filter {keyword!r} takes a value, not {value!r}")
        out.append((name, os.fspath(value) if isinstance(value, os.PathLike) else str(value), args))
    return out


def _object_list(objects):
    """None, one identifier (str or path) or several, as a list of str."""
    if objects is None:
        return []
    if isinstance(objects, (str, os.PathLike)):
        return [os.fspath(objects)]
    return [os.fspath(o) for o in objects]


def _user():
    try:
        return getpass.getuser()
    except Exception:  # no name for this uid (a container); the commit author falls back to $USER
        return ""


class _Front:
    """What opens a Session: the environment, folder, user and thread count.
    A Session is opened on first use and again in another process (a
    DataLoader worker after fork) or after os.chdir(): its threads do not
    survive a fork, and relative paths are taken from the current folder."""

    def __init__(self, env, threads):
        self._env = env
        self._user = _user()
        self._threads = threads
        self._opened = None  # (pid, cwd, _ldb.Session)

    def _session(self):
        """The _ldb.Session for this process and folder."""
        pid, cwd = os.getpid(), os.getcwd()
        if self._opened is None or self._opened[0] != pid or self._opened[1] != cwd:
            env = {os.fsencode(k): os.fsencode(v) for k, v in self._env.items()}
            self._opened = (pid, cwd, _ldb.Session(env, os.fsencode(cwd), self._user, self._threads))
        return self._opened[2]

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_opened"] = None
        return state


class Instance(_Front):
    """An ldb instance: its index, annotations and datasets.

    Found as the ``ldb`` command finds it: ``path`` when given, else
    ``$LDB_DIR``, else ``core.ldb_dir`` in ``~/.ldb/config``; NotFoundError
    when there is none. ``threads``: worker threads (0: one per core).
    """

    def __init__(self, path=None, *, threads=0):
        env = dict(os.environ)
        if path is not None:
            env["LDB_DIR"] = os.path.abspath(os.fspath(path))
        super().__init__(env, threads)
        self.path = self._session().instance_dir()
        # Sessions opened later (in DataLoader workers) open this same one.
        self._env["LDB_DIR"] = self.path

    def __repr__(self):
        return f"ldb.Instance({self.path!r})"

    def select(self, objects=None, **filters):
        """The members of ``objects`` (identifiers: ``ds:NAME[.vN]``,
        ``ds:root``, ``id:HASH``, paths, ``ws:DIR``; a str or a list; None:
        the staged dataset of the workspace in the current folder, as
        ``ldb list``) through the filters, in the order given."""
        return Selection(self, self._session().select(_object_list(objects), _filter_tuples(filters)))

    def dataset(self, name, **filters):
        """The members of a dataset version: ``ds:NAME`` (the latest) or
        ``ds:NAME.vN`` (``ds:`` may be left out)."""
        name = os.fspath(name)
        return self.select(name if name.startswith("ds:") else "ds:" + name, **filters)

    def stats(self, objects=None, *, by=(), file_by=(), bins=None, top=None, **filters):
        """What ``ldb stats --json`` prints, as a dict: without keys, object
        and annotation counts, annotation key coverage and image sizes; with
        ``by`` (JMESPath over annotations) or ``file_by`` (over file
        attributes), each key's values and counts, or number statistics."""
        return self._session().stats(_object_list(objects), _filter_tuples(filters), _keys(by), _keys(file_by),
                                     None if bins is None else str(bins), None if top is None else str(top))


def _keys(keys):
    return [keys] if isinstance(keys, str) else list(keys)


class Workspace(_Front):
    """A workspace folder and its staged dataset: ``stage``, ``add``,
    ``delete``, ``commit``, ``status``, as the ``ldb`` commands of those
    names run in that folder. The instance is found as ``ldb`` finds it
    (``stage`` makes the QuickStart instance when none is configured)."""

    def __init__(self, path=".", *, threads=0):
        super().__init__(dict(os.environ), threads)
        self.path = os.path.abspath(os.fspath(path))

    def __repr__(self):
        return f"ldb.Workspace({self.path!r})"

    def stage(self, dataset, force=False):
        """Makes the folder a workspace for ``ds:NAME[.vN]`` (a new dataset
        when NAME has none); ``force`` discards uncommitted changes. Returns
        {"dataset", "version" (0: new), "objects", "workspace"}."""
        return self._session().stage(os.fspath(dataset), self.path, force)

    def add(self, objects=None, **filters):
        """Adds objects (None: ``ds:root``, and a filter is then needed) to
        the staged dataset. Returns {"dataset", "added", "selected", "modified"}."""
        return self._session().add(_object_list(objects), _filter_tuples(filters), self.path)

    def delete(self, objects=None, **filters):
        """Removes objects from the staged dataset. Returns {"dataset", "deleted"}."""
        return self._session().delete(_object_list(objects), _filter_tuples(filters), self.path)

    def commit(self, message="", dataset=None, *, resolve=None):
        """Saves the staged dataset as its next version (or as ``dataset``,
        ``ds:NAME``); ``resolve`` ("ours" or "theirs") decides merge
        conflicts. Returns {"dataset", "version", "objects", "annotations",
        "committed" (False: nothing to commit), "staged_from", "merged_with",
        "conflicts_decided"}."""
        return self._session().commit(message, dataset, resolve, self.path)

    def status(self):
        """What ``ldb status --json`` prints, as a dict."""
        return self._session().status(self.path)

    def select(self, **filters):
        """The members of the staged dataset, through the filters."""
        return Selection(self, self._session().select([], _filter_tuples(filters), self.path))


class Selection(Sequence):
    """The members a selection made, in order: a sequence of Member (len,
    index, slice, iteration). It keeps what opens a Session, so that a
    DataLoader worker process can open its own."""

    def __init__(self, front, members):
        self._front = front
        self.members = members  # the _ldb.Members table

    def _session(self):
        """The _ldb.Session for this process (reopened after a fork)."""
        return self._front._session()

    def __len__(self):
        return len(self.members)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Selection(self._front, self.members.subset(index))
        n = len(self.members)
        index = index.__index__()
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"member index out of range ({n} members)")
        return Member(self._front, self.members, index)

    def __iter__(self):
        for i in range(len(self.members)):
            yield Member(self._front, self.members, i)

    def __repr__(self):
        return f"<ldb.Selection of {len(self)} members>"


class Member:
    """One member of a Selection: an object, its pinned annotation, its paths."""

    __slots__ = ("_front", "_table", "_index", "_annotation")

    def __init__(self, front, table, index):
        self._front = front
        self._table = table
        self._index = index

    @property
    def id(self):
        """``id:`` and the MD5 of the object's bytes, as ``ldb list`` prints it."""
        return self._table.id(self._index)

    @property
    def hash(self):
        """The MD5 of the object's bytes (32 hex digits)."""
        return self._table.hash(self._index)

    @property
    def paths(self):
        """Every path the object was seen at, sorted."""
        return self._table.paths(self._index)

    @property
    def path(self):
        """The first of ``paths`` (None when there is none)."""
        return self._table.path(self._index)

    @property
    def annotation(self):
        """The pinned annotation, parsed (a dict, or any JSON value); None when there is none."""
        try:
            return self._annotation
        except AttributeError:
            text = self._table.annotation(self._index)
            self._annotation = None if text is None else json.loads(text)
            return self._annotation

    @property
    def annotation_version(self):
        """The pinned annotation version (0: none)."""
        return self._table.annotation_version(self._index)

    @property
    def size(self):
        """The object's size in bytes."""
        return self._table.size(self._index)

    def read(self):
        """The object's bytes, read through the instance's storage backends
        (cloud objects through its object cache) and checked against its id.
        Raises NotFoundError when the file is gone, CorruptionError when it
        changed after it was indexed, naming the object and the path."""
        return _ldb.load(self._front._session(), self._table, self._index)

    def __repr__(self):
        return f"<ldb.Member {self.id} v{self.annotation_version} {self.path!r}>"

    def __eq__(self, other):
        return (isinstance(other, Member) and self.hash == other.hash and
                self.annotation_version == other.annotation_version)

    def __hash__(self):
        return hash((self.hash, self.annotation_version))
