"""--query's missing-key rule and --file attributes of file names that are not
UTF-8, through the real binary on real photos (tests/data/photos).

MissingKeyCasesTest runs every case of tests/unit/query/cases/ldb_missing_keys.json
(the same file the unit suite runs through Dialect::ldb) as
`ldb eval -j id:HASH --query EXPR` and `ldb list -s id:HASH --query EXPR`
against an object whose annotation is the group's `given` document: a
`result` must print exactly that JSON value and select the object exactly when
the value is truthy; `"error": "missing"` must drop the object silently (count
0, no warning) and make eval fail naming the key; any other error must be
reported as a skipped object by list and as an error by eval.
"""

import json
import os
import shutil
import subprocess
import unittest

from ldbtest import LDB_BIN, POSTGRES, LdbTestCase, main, md5, sqlite_only, write_json

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTDATA = os.environ.get("LDB_TESTDATA_DIR") or os.path.join(REPO, "tests", "data")
PHOTOS = os.path.join(TESTDATA, "photos")
CASES = os.path.join(REPO, "tests", "unit", "query", "cases", "ldb_missing_keys.json")


def truthy(value) -> bool:
    """JMESPath truthiness: false, null, "", [] and {} are false (0 is true)."""
    if value is None or value is False:
        return False
    return not (isinstance(value, (str, list, dict)) and len(value) == 0)


def add_photo(folder: str, stem: str, photo: str, annotation) -> str:
    """Copies a real photo to folder/stem.EXT with stem.json beside it; returns its MD5."""
    ext = os.path.splitext(photo)[1]
    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(os.path.join(PHOTOS, photo), os.path.join(folder, stem + ext))
    write_json(os.path.join(folder, stem + ".json"), annotation)
    with open(os.path.join(PHOTOS, photo), "rb") as f:
        return md5(f.read())


class MissingKeyCasesTest(LdbTestCase):
    def test_every_case_of_the_missing_key_file(self):
        with open(CASES, encoding="utf-8") as f:
            groups = json.load(f)
        self.use_init_instance()
        photos = ["dog.jpg", "kite.jpg", "horses.jpg", "eagle.jpg"]
        self.assertLessEqual(len(groups), len(photos))
        hashes = [add_photo(self.data, f"given{g}", photos[g], group["given"]) for g, group in enumerate(groups)]
        self.ok("index", self.data)
        checked = 0
        for g, group in enumerate(groups):
            obj = "id:" + hashes[g]
            for case in group["cases"]:
                expression = case["expression"]
                where = f"group {g + 1}: {expression!r}"
                evaluated = self.ldb("eval", "-j", obj, "--query", expression)
                listed = self.ldb("list", "-s", obj, "--query", expression)
                if "result" in case:
                    self.assertEqual(evaluated.rc, 0, where + "\n" + evaluated.describe())
                    self.assertEqual(json.loads(evaluated.out), case["result"], where)
                    self.assertEqual(evaluated.out.count("\n"), 1, where)
                    self.assertEqual((listed.rc, listed.err), (0, ""), where + "\n" + listed.describe())
                    self.assertEqual(listed.out, "1\n" if truthy(case["result"]) else "0\n", where)
                elif case["error"] == "missing":
                    self.assertEqual(evaluated.rc, 2, where + "\n" + evaluated.describe())
                    self.assertIn("which this document does not have", evaluated.err, where)
                    self.assertEqual((listed.rc, listed.out, listed.err), (0, "0\n", ""), where + "\n" + listed.describe())
                else:
                    self.assertEqual(evaluated.rc, 2, where + "\n" + evaluated.describe())
                    self.assertIn(case["error"], evaluated.err, where)
                    self.assertEqual((listed.rc, listed.out), (0, "0\n"), where + "\n" + listed.describe())
                    self.assertIn("1 object was skipped", listed.err, where)
                checked += 1
        self.assertGreaterEqual(checked, 60)


class CocoMissingKeysTest(LdbTestCase):
    """The issue's case: boxes of a COCO-shaped annotation where only some have iscrowd."""

    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.crowd = add_photo(self.data, "crowd", "person.jpg",
                               {"objects": [{"category": "person", "iscrowd": 1}, {"category": "person"}]})
        self.plain = add_photo(self.data, "plain", "dog.jpg",
                               {"objects": [{"category": "dog"}, {"category": "person"}]})
        self.zero = add_photo(self.data, "zero", "kite.jpg", {"objects": [{"category": "kite", "iscrowd": 0}]})
        self.bare = add_photo(self.data, "bare", "horses.jpg", {"image": {"width": 1352}})
        self.ok("index", self.data)

    def test_a_filter_reads_a_missing_key_per_box(self):
        self.assertEqual(self.ids("ds:root", "--query", "objects[?iscrowd == `1`]"), [self.crowd])
        self.assertEqual(self.ids("ds:root", "--jquery", "objects[?iscrowd == `1`]"), [self.crowd])
        self.assertEqual(sorted(self.ids("ds:root", "--query", "objects[?iscrowd != `1`]")),
                         sorted([self.crowd, self.plain, self.zero]))
        self.assertEqual(self.ids("ds:root", "--query", "objects[?iscrowd == `1`] && objects[?category == 'person']"),
                         [self.crowd])

    def test_a_top_level_comparison_with_a_missing_key_does_not_match(self):
        self.assertEqual(self.count("ds:root", "--query", "iscrowd == `1`"), 0)
        self.assertEqual(self.count("ds:root", "--query", "absent == other"), 0)
        self.assertEqual(self.count("ds:root", "--jquery", "absent == other"), 4)
        self.assertEqual(self.count("ds:root", "--query", "!(absent == other)"), 0)
        # unknown || true keeps the object; unknown && false is false, so ! of it keeps it.
        self.assertEqual(self.ids("ds:root", "--query", "image.width > `1000` || absent == `1`"), [self.bare])
        self.assertEqual(self.count("ds:root", "--query", "!(absent == `1` && image.width > `2000`)"), 1)

    def test_a_missing_function_argument_drops_the_object_quietly(self):
        # `objects` is missing on the bare image: --jquery evaluates
        # length(null), a type error, and warns; --query drops it quietly.
        self.assertEqual(sorted(self.ids("ds:root", "--query", "length(objects) > `1`")), sorted([self.crowd, self.plain]))
        r = self.ldb("list", "-s", "ds:root", "--jquery", "length(objects) > `1`")
        self.assertEqual((r.rc, r.out), (0, "2\n"), r.describe())
        self.assertEqual(r.err, "ldb: warning: 1 object was skipped: 'length(objects) > `1`' could not be evaluated on "
                                "them (invalid-type: length() argument 1 must be string, array or object, got null)\n")
        self.assertEqual(sorted(self.ids("ds:root", "--query", "!has_keys(@, 'objects') || length(objects) < `2`")),
                         sorted([self.zero, self.bare]))
        # Defaults: not_null() passes over a missing key; || takes a truthy default.
        self.assertEqual(self.ok("eval", "-j", "id:" + self.bare, "--query", "not_null(objects[0].iscrowd, `-1`)"), "-1\n")
        self.assertEqual(self.ok("eval", "-j", "id:" + self.bare, "--query", "objects[0].iscrowd || `-1`"), "-1\n")
        # Per box, through an expression reference: null.
        self.assertEqual(self.ok("eval", "-j", "id:" + self.plain, "--query", "map(&not_null(iscrowd, `0`), objects)"),
                         "[0,0]\n")


@unittest.skipUnless(POSTGRES, "the PostgreSQL store's answer to a file name that is not UTF-8")
class NonUtf8FileNameOnPostgresTest(LdbTestCase):
    """A PostgreSQL database stores paths as UTF-8 text: a name that is not
    UTF-8 is refused in one line with a hint, and nothing of the run lands."""

    def test_indexing_it_is_refused_and_nothing_is_written(self):
        self.use_init_instance()
        folder = os.fsencode(os.path.join(self.data, "odd"))
        os.makedirs(folder)
        with open(os.path.join(PHOTOS, "chelsea.png"), "rb") as f:
            content = f.read()
        with open(os.path.join(folder, b"\xff\xfe.png"), "wb") as f:
            f.write(content)
        with open(os.path.join(folder, b"\xff\xfe.json"), "wb") as f:
            f.write(b'{"class": "cat"}')
        add_photo(os.path.join(self.data, "odd"), "plain", "coffee.png", {"class": "cup"})
        r = self.fails("index", self.data, contains=("odd/\\xff\\xfe.", "is not a valid UTF-8 name"))
        self.assertEqual(len([line for line in r.err.splitlines() if not line.startswith("hint: ")]), 1, r.describe())
        self.assertEqual(self.count("ds:root"), 0)


@sqlite_only("a PostgreSQL UTF8 database refuses file names that are not UTF-8 (pg-progress.md)")
class NonUtf8FileNameTest(LdbTestCase):
    """A file whose name is not UTF-8: indexed, listed, and seen by --file and --path."""

    NAME = b"\xff\xfe"

    def setUp(self):
        super().setUp()
        self.use_init_instance()
        folder = os.fsencode(os.path.join(self.data, "odd"))
        os.makedirs(folder)
        with open(os.path.join(PHOTOS, "chelsea.png"), "rb") as f:
            content = f.read()
        with open(os.path.join(folder, self.NAME + b".png"), "wb") as f:
            f.write(content)
        with open(os.path.join(folder, self.NAME + b".json"), "wb") as f:
            f.write(b'{"class": "cat"}')
        self.odd = md5(content)
        self.plain = add_photo(os.path.join(self.data, "odd"), "plain", "coffee.png", {"class": "cup"})
        self.raw_path = os.path.join(folder, self.NAME + b".png")
        self.shown_path = os.path.join(self.data, "odd", "\\xff\\xfe.png")
        counts = self.index_counts(self.ok("index", self.data))
        self.assertEqual((counts["objects_new"], counts["annotations_new"]), (2, 2))

    def test_file_attributes_escape_the_bytes_that_are_not_utf8(self):
        values = [json.loads(line) for line in self.ok("eval", "-j", "ds:root", "--file", "fs").splitlines()]
        by_path = {v["path"]: v for v in values}
        self.assertEqual(sorted(by_path), sorted([self.shown_path, os.path.join(self.data, "odd", "plain.png")]))
        self.assertIs(by_path[self.shown_path]["path_escaped"], True)
        self.assertIs(by_path[os.path.join(self.data, "odd", "plain.png")]["path_escaped"], False)
        self.assertEqual(by_path[self.shown_path]["protocol"], "file")
        self.assertEqual(by_path[self.shown_path]["size"], os.path.getsize(os.path.join(PHOTOS, "chelsea.png")))

    def test_file_queries_match_it(self):
        self.assertEqual(self.ids("ds:root", "--file", "fs.path_escaped"), [self.odd])
        self.assertEqual(self.ids("ds:root", "--file", "fs.path == '" + self.shown_path + "'"), [self.odd])
        self.assertEqual(self.ids("ds:root", "--file", "ends_with(fs.path, '\\xff\\xfe.png')"), [self.odd])
        self.assertEqual(self.count("ds:root", "--file", "ends_with(fs.path, '.png')"), 2)
        self.assertEqual(self.ids("ds:root", "--file", "!fs.path_escaped"), [self.plain])
        # The annotation is there too.
        self.assertEqual(self.ids("ds:root", "--query", "class == 'cat'"), [self.odd])

    def test_path_regex_matches_the_name_as_file_queries_show_it(self):
        self.assertEqual(self.count("ds:root", "--path", "/odd/"), 2)
        self.assertEqual(self.count("ds:root", "--path", "/odd/.*\\.png$"), 2)
        self.assertEqual(self.ids("ds:root", "--path", "/odd/\\\\xff\\\\xfe\\.png$"), [self.odd])
        self.assertEqual(self.ids("ds:root", "--path", "/odd/[^/]{8}\\.png$"), [self.odd])
        self.assertEqual(self.ids("ds:root", "--path", "/odd/p"), [self.plain])

    def test_list_shows_it(self):
        listing = self.listing("ds:root", "--file", "fs.path_escaped")
        self.assertEqual([(e["id"], e["path"], e["paths"]) for e in listing],
                         [("id:" + self.odd, self.shown_path, [self.shown_path])])
        # The plain listing prints the name's own bytes, as ls does into a pipe.
        proc = subprocess.run([LDB_BIN, "list", "ds:root", "--file", "fs.path_escaped"], cwd=self.ws, env=self.env,
                              capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual((proc.returncode, proc.stderr), (0, b""))
        lines = proc.stdout.splitlines()
        self.assertEqual(len(lines), 2, proc.stdout)
        self.assertTrue(lines[1].startswith(b"id:" + self.odd.encode()), proc.stdout)
        self.assertIn(self.raw_path, lines[1])


if __name__ == "__main__":
    main()
