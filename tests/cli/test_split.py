"""End-to-end: preparing a dataset for training (SPEC section 9) — the
--balance and --stratify filters with exact per-value counts, and `ldb split`
on the labelled near-duplicate set made from the repository's real photos
(tests/data/near_dups): every family of near duplicates in one part, sizes,
one transaction, later additions never moving earlier members, and the
errors (nothing committed)."""

import collections
import json
import os
import subprocess

from ldbtest import LdbTestCase, main, make_pairs, md5

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")
DEBIAN_PYTHON = "/usr/bin/python3"  # sees python3-pil, which the set's generator needs


def labels(counts: dict):
    """annotation(i) giving counts[label] objects of each label, in order."""
    sequence = [label for label, n in counts.items() for _ in range(n)]
    return lambda i: {"label": sequence[i]} if sequence[i] is not None else {"other": i}


class SamplingTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        counts = {"cat": 60, "dog": 30, "fox": 10}
        make_pairs(self.data, 100, annotation=labels(counts))
        self.ok("index", self.data)
        self.label_of = {}
        for line in self.ok("eval", "-i", "ds:root", "--query", "label").splitlines():
            entry = json.loads(line)
            self.label_of[entry["id"][3:]] = entry["value"]

    def label_counts(self, *args) -> dict:
        return dict(collections.Counter(self.label_of[h] for h in self.ids("ds:root", *args)))

    def test_balance_gives_each_value_an_equal_share(self):
        got = self.label_counts("--seed", "3", "--balance", "label", "--limit", "45")
        self.assertEqual(got["fox"], 10)  # fewer than its share: all of them
        self.assertEqual(sorted([got["cat"], got["dog"]]), [17, 18])
        self.assertEqual(self.label_counts("--balance", "label", "--limit", "30"), {"cat": 10, "dog": 10, "fox": 10})
        # Reproducible with --seed, different without the same one.
        a = self.ids("ds:root", "--seed", "3", "--balance", "label", "--limit", "45")
        self.assertEqual(a, self.ids("ds:root", "--seed", "3", "--balance", "label", "--limit", "45"))
        self.assertNotEqual(a, self.ids("ds:root", "--seed", "4", "--balance", "label", "--limit", "45"))

    def test_stratify_keeps_each_values_share(self):
        self.assertEqual(self.label_counts("--stratify", "label", "--sample", "0.5"), {"cat": 30, "dog": 15, "fox": 5})
        self.assertEqual(self.label_counts("--stratify", "label", "--limit", "20"), {"cat": 12, "dog": 6, "fox": 2})
        self.assertEqual(self.count("ds:root", "--stratify", "label", "--sample-rate", "10"), 10)

    def test_split_of_a_stratified_sample(self):
        # --stratify followed by --limit is the filter (a stratified sample of
        # 20), the later --stratify the split's option.
        out = self.ok_json("split", "ds:root", "--stratify", "label", "--limit", "20", "--into", "a=0.5,b=0.5",
                           "--stratify", "label", "ds:pre", "--json")
        self.assertEqual(out["objects"], 20)
        for part in ("a", "b"):
            got = collections.Counter(self.label_of[h] for h in self.ids(f"ds:pre-{part}"))
            self.assertEqual(dict(got), {"cat": 6, "dog": 3, "fox": 1}, part)

    def test_split_says_what_it_split(self):
        self.ok("split", "ds:root", "--into", "a=0.5,b=0.5", "ds:pets")
        # Only a prefix that names a dataset: ds:root is split, and a warning
        # says how to split that dataset instead.
        r = self.ldb("split", "--into", "a=0.5,b=0.5", "ds:pets-a")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("Split 100 objects of ds:root (seed 0):", r.out)
        self.assertIn("ldb split ds:pets-a --into a=0.5,b=0.5 ds:pets-a", r.err)
        out = self.ok_json("split", "ds:pets-a", "--into", "a=0.5,b=0.5", "ds:pets-a", "--json")
        self.assertEqual(out["source"], ["ds:pets-a"])
        self.assertEqual(out["objects"], 50)

    def test_bad_input(self):
        self.fails("list", "ds:root", "--balance", "label", rc=2,
                   contains="--balance 'label' needs --limit N or --sample P right after it")
        self.fails("list", "ds:root", "--stratify", "label", "--shuffle", "--limit", "5", rc=2,
                   contains="--stratify 'label' needs --limit N or --sample P right after it")
        self.fails("list", "ds:root", "--balance", "klass", "--limit", "5", rc=2,
                   contains="--balance 'klass' has no value for any of the 100 selected objects")
        self.fails("list", "ds:root", "--balance", "label ==", "--limit", "5", rc=2)


class SplitTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.folder = os.path.join(self.data, "near")
        script = os.path.join(TESTDATA, "near_dups", "make_near_dups.py")
        out = subprocess.run([DEBIAN_PYTHON, script, self.folder], capture_output=True, text=True, timeout=300)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.ok("index", self.folder)
        self.family = {}
        for name in os.listdir(self.folder):
            with open(os.path.join(self.folder, name), "rb") as f:
                self.family[md5(f.read())] = name.split("__")[0]

    def members(self, dataset: str) -> list:
        return self.ids(dataset)

    def test_families_of_near_duplicates_stay_in_one_part(self):
        out = self.ok("split", "ds:root", "--into", "train=0.6,val=0.2,test=0.2", "ds:near")
        self.assertIn("Split 95 objects of ds:root (seed 0):", out)
        self.assertIn("Near duplicates: 95 objects in groups, each group in one part (pHash distance <= 12 bits)", out)
        parts = {p: set(self.members(f"ds:near-{p}")) for p in ("train", "val", "test")}
        self.assertEqual(sum(len(m) for m in parts.values()), 95)
        self.assertEqual(set().union(*parts.values()), set(self.family))
        where = collections.defaultdict(set)
        for part, members in parts.items():
            for h in members:
                where[self.family[h]].add(part)
        self.assertEqual(len(where), 19)
        for family, in_parts in where.items():
            self.assertEqual(len(in_parts), 1, f"{family} is in {in_parts}")
        # dups --against finds no pair across the parts.
        report = self.ok_json("dups", "ds:near-train", "--against", "ds:near-test", "--json")
        self.assertEqual(report["pairs"], [])
        # One version each, the message saying how they were made.
        log = self.ok("log", "ds:near-val")
        self.assertIn("split into train=0.6,val=0.2,test=0.2 (seed 0)", log)
        # The same split again commits nothing new.
        again = self.ok_json("split", "ds:root", "--into", "train=0.6,val=0.2,test=0.2", "ds:near", "--json")
        self.assertEqual([p["committed"] for p in again["parts"]], [False, False, False])
        self.assertEqual([p["version"] for p in again["parts"]], [1, 1, 1])
        # Without near-duplicate grouping (threshold 0) families may straddle;
        # with a seed the split is another one.
        other = self.ok_json("split", "ds:root", "--seed", "9", "--into", "a=0.5,b=0.5", "ds:other", "--json")
        self.assertEqual(other["seed"], 9)
        self.assertEqual(sum(p["objects"] for p in other["parts"]), 95)

    def test_later_additions_never_move_earlier_members(self):
        first = sorted(self.family)[:50]
        self.ok("split", *[f"id:{h}" for h in first], "--into", "train=0.5,test=0.5", "ds:s")
        before = {p: set(self.members(f"ds:s-{p}")) for p in ("train", "test")}
        out = self.ok_json("split", "ds:root", "--into", "train=0.5,test=0.5", "ds:s", "--json")
        after = {p: set(self.members(f"ds:s-{p}")) for p in ("train", "test")}
        self.assertTrue(before["train"] <= after["train"])
        self.assertTrue(before["test"] <= after["test"])
        self.assertEqual(sum(p["kept"] for p in out["parts"]), 50)
        self.assertEqual(len(after["train"]) + len(after["test"]), 95)

    def test_bad_input_commits_nothing(self):
        self.fails("split", "ds:root", "--into", "train=0.8,test=0.1", "ds:x", rc=2,
                   contains="--into: the fractions of 'train=0.8,test=0.1' sum to 0.9, not 1")
        self.fails("split", "ds:root", "--into", "train=0.8", "ds:x", rc=2, contains="at least two parts")
        self.fails("split", "ds:root", "--into", "train=0.5,test=0.5", rc=2,
                   contains="ldb split takes a dataset name prefix, got 'ds:root'")
        self.fails("split", "--into", "train=0.5,test=0.5", rc=2, contains="needs the datasets' prefix last, as ds:PREFIX")
        self.fails("split", "ds:root", "ds:x", rc=2, contains="needs --into")
        self.fails("split", "ds:root", "--into", "train=0.5,test=0.5", "--stratify", "nothing.here", "ds:x", rc=2,
                   contains="--stratify 'nothing.here' has no value for any of the 95 selected objects")
        self.fails("split", "ds:root", "--into", "train=0.5,test=0.5", "--threshold", "99", "ds:x", rc=2)
        self.fails("split", "ds:root", "--into", "train=0.5,test=0.5", "ds:x.v2", rc=2)
        self.assertNotIn("x-", self.ok("ds", "list"))


if __name__ == "__main__":
    main()
