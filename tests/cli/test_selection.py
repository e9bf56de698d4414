"""End-to-end: object lists (id:, paths, globs, ds:, ws:) and filters in command-line order."""

import json
import os

from ldbtest import (COLLIDING_CONTENTS, COLLIDING_PREFIX, LdbTestCase, main, make_numerals, make_pairs, md5,
                     write_file, write_json)


class ObjectListTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.a = make_pairs(os.path.join(self.data, "a"), 4, prefix="a")
        self.b = make_pairs(os.path.join(self.data, "b"), 3, prefix="b")
        self.stage("ds:x")
        self.ok("index", os.path.join(self.data, "a"), os.path.join(self.data, "b"))

    def test_id_full_and_prefix(self):
        h = self.a[1]
        self.assertEqual(self.ids("id:" + h), [h])
        self.assertEqual(self.ids("id:" + h[:8]), [h])
        self.assertEqual(self.ids("id:" + h[:12].upper()), [h])
        self.assertEqual(sorted(self.ids("id:" + self.a[0], "id:" + self.b[0][:10])), sorted([self.a[0], self.b[0]]))
        self.assertEqual(self.ok_json("show", "--json", "id:" + h[:9])["id"], "id:" + h)
        self.assertEqual(self.ok("add", "id:" + h[:8]), "Added 1 objects to ds:x (1 selected, 0 with another annotation version)\n")

    def test_id_errors(self):
        h = self.a[0]
        self.fails("list", "id:" + h[:7], rc=2, contains=["id:" + h[:7], "8 hex digits"])
        self.fails("list", "id:xyz12345", contains="id:xyz12345")
        self.fails("list", "id:" + "f" * 32, contains="f" * 32)
        self.fails("show", "id:" + "e" * 32, contains="e" * 32)
        self.fails("show", self.data, contains="object id")

    def test_ambiguous_prefix(self):
        for i, content in enumerate(COLLIDING_CONTENTS):
            write_file(os.path.join(self.data, "c", f"c{i}.png"), content)
            write_json(os.path.join(self.data, "c", f"c{i}.json"), {"c": i})
        self.ok("index", os.path.join(self.data, "c"))
        self.fails("list", "id:" + COLLIDING_PREFIX, contains=[COLLIDING_PREFIX, "more than one object"])
        # One more digit makes it unique.
        full = md5(COLLIDING_CONTENTS[0])
        self.assertEqual(self.ids("id:" + full[:10]), [full])

    def test_folder_file_glob(self):
        self.assertEqual(sorted(self.ids(os.path.join(self.data, "a"))), sorted(self.a))
        self.assertEqual(sorted(self.ids(self.data)), sorted(self.a + self.b))
        # Both files of a pair named explicitly.
        pair = [os.path.join(self.data, "a", "a2.png"), os.path.join(self.data, "a", "a2.json")]
        self.assertEqual(self.ids(*pair), [self.a[2]])
        # A quoted glob is expanded by ldb itself (no shell here).
        self.assertEqual(sorted(self.ids(os.path.join(self.data, "a", "a[01].*"))), sorted(self.a[:2]))
        self.assertEqual(sorted(self.ids(os.path.join(self.data, "*", "*1.*"))), sorted([self.a[1], self.b[1]]))
        self.assertEqual(sorted(self.ids(os.path.join(self.data, "?"))), sorted(self.a + self.b))
        self.fails("list", os.path.join(self.data, "nothing*"), contains="nothing*")
        self.fails("list", os.path.join(self.data, "missing"), contains="missing")
        # Relative paths resolve against the current folder.
        self.assertEqual(sorted(self.ids("a", cwd=self.data)), sorted(self.a))

    def test_datasets_root_and_versions(self):
        self.ok("add", os.path.join(self.data, "a"))
        self.ok("commit")
        self.ok("add", os.path.join(self.data, "b"))
        self.ok("commit")
        self.assertEqual(sorted(self.ids("ds:x.v1")), sorted(self.a))
        self.assertEqual(sorted(self.ids("ds:x.v2")), sorted(self.a + self.b))
        self.assertEqual(sorted(self.ids("ds:x")), sorted(self.a + self.b))
        self.assertEqual(self.count("ds:root"), 7)
        self.fails("list", "ds:x.v3", contains=["ds:x", "no version 3"])
        self.fails("list", "ds:x.v0", contains="ds:x.v0")
        self.assertEqual(self.count("ds:x.v1", "ds:x.v2"), 7)
        # The staged dataset is the default for list.
        self.ok("del", "ds:x.v1")
        self.assertEqual(sorted(self.ids()), sorted(self.b))
        ws2 = os.path.join(self.tmp, "ws2")
        os.makedirs(ws2)
        self.ok("stage", "ds:y", cwd=ws2)
        self.ok("add", "ws:" + self.ws, cwd=ws2)
        self.assertEqual(sorted(self.ids(cwd=ws2)), sorted(self.b))
        self.fails("list", "ws:" + self.data, contains=self.data)

    def test_add_or_del_without_objects_or_filter_is_an_error(self):
        self.fails("add", rc=2, contains="needs objects or a filter")
        self.fails("del", rc=2, contains="needs objects or a filter")
        # With only a filter, add works on ds:root.
        self.assertEqual(self.ok("add", "--path", "/b/"), "Added 3 objects to ds:x (3 selected, 0 with another annotation version)\n")
        self.assertEqual(self.ok("del", "--path", "b1"), "Deleted 1 objects from ds:x\n")
        self.assertEqual(sorted(self.ids()), sorted([self.b[0], self.b[2]]))


class FilterTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.hashes = make_pairs(os.path.join(self.data, "p"), 40, annotation=lambda i: {"n": i, "even": i % 2 == 0})
        self.by_n = {h: i for i, h in enumerate(self.hashes)}
        self.ok("index", os.path.join(self.data, "p"))
        self.in_order = self.ids("ds:root")

    def test_list_order_is_stable(self):
        self.assertEqual(len(self.in_order), 40)
        self.assertEqual(self.ids("ds:root"), self.in_order)

    def test_limit(self):
        self.assertEqual(self.ids("ds:root", "--limit", "5"), self.in_order[:5])
        self.assertEqual(self.count("ds:root", "--limit", "0"), 0)
        self.assertEqual(self.count("ds:root", "--limit", "100"), 40)
        self.fails("list", "ds:root", "--limit", "-1", contains="-1")
        self.fails("list", "ds:root", "--limit", "many", contains="many")

    def test_sample_with_seed_is_reproducible(self):
        first = self.ids("ds:root", "--seed", "7", "--sample", "0.5")
        self.assertEqual(self.ids("ds:root", "--seed", "7", "--sample", "0.5"), first)
        self.assertTrue(0 < len(first) < 40, len(first))
        self.assertTrue(set(first) <= set(self.in_order))
        other = self.ids("ds:root", "--seed", "8", "--sample", "0.5")
        self.assertNotEqual(other, first)
        self.assertEqual(self.count("ds:root", "--sample", "0"), 0)
        self.assertEqual(self.count("ds:root", "--sample", "1"), 40)
        self.assertEqual(self.count("ds:root", "--seed", "7", "--sample-rate", "50"), len(first))
        self.fails("list", "ds:root", "--sample", "1.5", contains="1.5")

    def test_shuffle_with_seed(self):
        shuffled = self.ids("ds:root", "--seed", "3", "--shuffle")
        self.assertEqual(sorted(shuffled), sorted(self.in_order))
        self.assertNotEqual(shuffled, self.in_order)
        self.assertEqual(self.ids("ds:root", "--seed", "3", "--shuffle"), shuffled)
        self.assertEqual(self.ids("ds:root", "--seed", "3", "--shuffle", "--limit", "4"), shuffled[:4])

    def test_path_regex(self):
        expected = sorted(self.hashes[i] for i in (1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19))
        self.assertEqual(sorted(self.ids("ds:root", "--path", r"img1\d?\.png$")), expected)
        self.assertEqual(self.count("ds:root", "--path", "nomatch"), 0)
        self.fails("list", "ds:root", "--path", "img(", contains="img(")

    def test_query_and_jquery(self):
        self.assertEqual(self.count("ds:root", "--query", "n < 10"), 10)
        self.assertEqual(self.count("ds:root", "--query", "even"), 20)
        self.assertEqual(self.count("ds:root", "--query", "n >= `35`"), 5)
        self.assertEqual(self.count("ds:root", "--jquery", "n >= `35`"), 5)
        # Missing keys: --query drops the object, --jquery reads null.
        self.assertEqual(self.count("ds:root", "--query", "missing == null"), 0)
        self.assertEqual(self.count("ds:root", "--jquery", "missing == null"), 40)
        self.assertEqual(self.count("ds:root", "--query", "missing == other"), 0)
        self.fails("list", "ds:root", "--jquery", "n < 10", contains="^")

    def test_filters_apply_in_command_line_order(self):
        low = {h for h, n in self.by_n.items() if n < 20}
        limit_then_query = [h for h in self.in_order[:10] if h in low]
        query_then_limit = [h for h in self.in_order if h in low][:10]
        self.assertNotEqual(limit_then_query, query_then_limit)
        self.assertEqual(self.ids("ds:root", "--limit", "10", "--query", "n < `20`"), limit_then_query)
        self.assertEqual(self.ids("ds:root", "--query", "n < `20`", "--limit", "10"), query_then_limit)
        self.assertEqual(len(query_then_limit), 10)

    def test_tag_filters(self):
        self.stage("ds:x")
        self.ok("index", "--add-tags", "hard", os.path.join(self.data, "p", "img3.png"), os.path.join(self.data, "p", "img3.json"))
        self.assertEqual(self.ids("ds:root", "--tag", "hard"), [self.hashes[3]])
        self.assertEqual(self.count("ds:root", "--no-tag", "hard"), 39)
        self.assertEqual(self.count("ds:root", "--no-tag", "hard,other"), 39)
        self.assertEqual(self.count("ds:root", "--tag", "other"), 0)
        out = self.ok("add", "--tag", "hard")
        self.assertEqual(out, "Added 1 objects to ds:x (1 selected, 0 with another annotation version)\n")

    def test_eval_prints_a_trailing_query(self):
        h = self.hashes[4]
        self.assertEqual(self.ok("eval", "id:" + h, "--query", "n"), f"id:{h}\n4\n")
        self.assertEqual(json.loads(self.ok("eval", "-j", "id:" + h, "--query", "{n: n, e: even}")), {"n": 4, "e": True})
        self.assertEqual(self.ok("eval", "-j", "id:" + h), '{"even":true,"n":4}\n')
        out = self.ok("eval", "-j", "ds:root", "--query", "n < `3`", "--query", "n")
        self.assertEqual(sorted(int(v) for v in out.split()), [0, 1, 2])


class SeedNumeralsQueryTest(LdbTestCase):
    def test_bare_number_in_query(self):
        numerals = make_numerals(self.data, 10)
        self.use_init_instance()
        self.ok("index", os.path.join(self.data, "output"))
        self.assertEqual(sorted(self.ids("ds:root", "--query", "inference.confidence < 0.75")), sorted(numerals["wrong"]))
        self.assertEqual(sorted(self.ids("ds:root", "--query", "class != inference.class")), sorted(numerals["wrong"]))
        self.assertEqual(self.count("ds:root", "--query", "inference.confidence > 0.75"), 5)


class LargeSelectionQueryTest(LdbTestCase):
    """A query over 24,000 objects: past the store's scan threshold (20,000),
    so the annotations are read by a scan split over parallel connections and
    evaluated by both workers. Every count is checked against Python."""

    N = 24000

    def setUp(self):
        super().setUp()
        folder = os.path.join(self.data, "many")
        os.makedirs(folder)
        self.values = {}
        for i in range(self.N):
            content = f"large selection object {i}".encode()
            annotation = {"n": i, "even": i % 2 == 0} if i % 7 else {"other": i}
            with open(os.path.join(folder, f"o{i}.png"), "wb") as f:
                f.write(content)
            with open(os.path.join(folder, f"o{i}.json"), "w") as f:
                json.dump(annotation, f)
            self.values[md5(content)] = annotation
        self.stage("ds:big")
        self.ok("index", folder, timeout=600)

    def test_counts_and_members_match(self):
        below = {h for h, a in self.values.items() if a.get("n", self.N) < 9000}
        self.assertEqual(self.count("ds:root", "--query", "n < 9000"), len(below))
        self.assertEqual(set(self.ids("ds:root", "--query", "n < 9000")), below)
        with_even = {h for h, a in self.values.items() if a.get("even") is True}
        self.assertEqual(self.count("ds:root", "--query", "even"), len(with_even))
        # --jquery: objects without the key are tested against null, not dropped.
        without_n = sum(1 for a in self.values.values() if "n" not in a)
        self.assertEqual(self.count("ds:root", "--jquery", "n == null"), without_n)
        # The same scan behind add: the staged dataset gets exactly those objects.
        self.ok("add", "ds:root", "--query", "n < 9000", cwd=self.ws)
        self.assertEqual(set(self.ids(cwd=self.ws)), below)


if __name__ == "__main__":
    main()
