"""End-to-end: the official JMESPath compliance suite through the real CLI.

Every case of testdata/jmespath-compliance/*.json runs as
`ldb eval id:HASH --jquery EXPR -j` against an instance where HASH's current
annotation is the case's `given` document. A case with a `result` must exit 0
with an empty stderr and print exactly one line holding that JSON value
(compared as JSON: numbers numerically, object key order ignored, booleans
distinct from numbers). A case with an `error` must exit non-zero (not by a
signal), print nothing on stdout and report `ldb: error: ...` with a hint.
The six parse-only benchmark cases are valid expressions and must succeed.

The suite folder comes from $LDB_TESTDATA_DIR (set by CMake), else
tests/data in the repository. Cases run in parallel (4 workers).
AnnotationTypesTest checks that annotations of every JSON type index and
evaluate, and pins how numbers simdjson cannot parse are reported by index.
"""

import concurrent.futures
import json
import os
import sys
from dataclasses import dataclass

from ldbtest import LdbTestCase, data_bytes, main, md5, write_file

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTDATA = os.environ.get("LDB_TESTDATA_DIR") or os.path.join(REPO, "tests", "data")
SUITE_DIR = os.path.join(TESTDATA, "jmespath-compliance")

EXPECTED_FILES = 16
EXPECTED_CASES = 908
EXPECTED_CHECKED = 902  # cases with a "result" or an "error"
WORKERS = 4
CASE_TIMEOUT = 30
# Every Nth case (and given document) runs: the default test run (CMake sets
# 4) samples the suite, whose every case the in-process unit test
# JmespathCompliance.AllCasesPass runs anyway; cli_jmespath_compliance_full
# (label `long`) and a run by hand take all of them.
EVERY = int(os.environ.get("LDB_JMESPATH_EVERY", "1"))

# (file name, group number from 1, expression) -> why the case cannot run
# through the CLI. Every skip is printed with its reason, and the test asserts
# exactly EXPECTED_SKIPS skips, so a new one fails the test. Empty: every case
# runs (all 199 distinct `given` documents index as annotations).
SKIPPED_CASES = {}
EXPECTED_SKIPS = 0


@dataclass
class Case:
    file: str
    group: int
    expression: str
    document: int  # index into the list of distinct given documents
    kind: str  # "result", "error" or "parse" (parse-only benchmark: must succeed)
    expected: object

    def key(self) -> tuple:
        return (self.file, self.group, self.expression)

    def where(self) -> str:
        return f"{self.file} group {self.group}: {self.expression!r}"


def load_suite():
    """Returns (documents, cases, file_count): the distinct `given` documents
    as JSON text (key order and number spelling kept as parsed) and every case."""
    documents, doc_index, cases = [], {}, []
    names = sorted(n for n in os.listdir(SUITE_DIR) if n.endswith(".json"))
    for name in names:
        with open(os.path.join(SUITE_DIR, name), encoding="utf-8") as f:
            groups = json.load(f)
        for g, group in enumerate(groups, start=1):
            text = json.dumps(group["given"], ensure_ascii=False)
            if text not in doc_index:
                doc_index[text] = len(documents)
                documents.append(text)
            for case in group["cases"]:
                if "result" in case:
                    kind, expected = "result", case["result"]
                elif "error" in case:
                    kind, expected = "error", case["error"]
                else:
                    kind, expected = "parse", None
                cases.append(Case(name, g, case["expression"], doc_index[text], kind, expected))
    return documents, cases, len(names)


def same_json(a, b) -> bool:
    """JSON equality: numbers compare numerically, bools are not numbers,
    arrays in order, objects by key set."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return a == b


def document_name(i: int) -> str:
    return f"given{i:03d}"


def document_content(i: int) -> bytes:
    return data_bytes(f"jmespath-given-{i}")


class JmespathComplianceTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(os.path.isdir(SUITE_DIR), f"compliance suite not found at {SUITE_DIR}")
        self.documents, self.cases, files = load_suite()
        self.assertEqual(files, EXPECTED_FILES)
        self.assertEqual(len(self.cases), EXPECTED_CASES)
        self.assertEqual(sum(c.kind != "parse" for c in self.cases), EXPECTED_CHECKED)
        self.use_init_instance()
        folder = os.path.join(self.data, "given")
        self.hashes = []
        for i, text in enumerate(self.documents):
            content = document_content(i)
            write_file(os.path.join(folder, document_name(i) + ".png"), content)
            write_file(os.path.join(folder, document_name(i) + ".json"), text.encode("utf-8"))
            self.hashes.append(md5(content))
        self.assertEqual(len(set(self.hashes)), len(self.hashes))
        counts = self.index_counts(self.ok("index", "-m", "strict-pairs", folder))
        n = len(self.documents)
        self.assertEqual(counts, {"format": "strict-pairs", "objects_found": n, "objects_new": n,
                                  "annotations_found": n, "annotations_new": n})

    def run_parallel(self, jobs):
        """Runs ldb for each args tuple of jobs on WORKERS threads; returns the Runs in order."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            return list(pool.map(lambda args: self.ldb(*args, timeout=CASE_TIMEOUT), jobs))

    def test_every_given_document_is_the_annotation(self):
        jobs = []
        sampled = list(range(0, len(self.hashes), EVERY))
        for i in sampled:
            jobs.append(("eval", "-j", "id:" + self.hashes[i]))
            jobs.append(("eval", "id:" + self.hashes[i], "--jquery", "@", "-j"))
        runs = self.run_parallel(jobs)
        failures = []
        for k, i in enumerate(sampled):
            text = self.documents[i]
            expected = json.loads(text)
            for r in runs[2 * k:2 * k + 2]:
                why = self.check(Case("given", i, "@", i, "result", expected), r)
                if why:
                    failures.append(f"given #{i} {text[:200]}: {why}\n{r.describe()}")
        if failures:
            self.fail(f"{len(failures)} given documents differ:\n\n" + "\n\n".join(failures))

    def check(self, case: Case, r) -> str:
        """Returns why the run of case is wrong, or '' when it is right."""
        if r.rc < 0:
            return f"killed by signal {-r.rc}"
        if case.kind == "error":
            if r.rc == 0:
                return f"expected error {case.expected!r}, got exit 0"
            if not r.err.startswith("ldb: error: "):
                return f"expected error {case.expected!r}: stderr does not start with 'ldb: error: '"
            if not any(line.startswith("hint: ") for line in r.err.splitlines()[1:]):
                return f"expected error {case.expected!r}: stderr has no 'hint: ' line"
            if r.out:
                return f"expected error {case.expected!r}: stdout is not empty"
            return ""
        if r.rc != 0:
            return f"expected {json.dumps(case.expected)}, got exit {r.rc}"
        if r.err:
            return "stderr is not empty"
        if r.out.count("\n") != 1 or not r.out.endswith("\n"):
            return "stdout is not exactly one line"
        try:
            actual = json.loads(r.out)
        except ValueError as e:
            return f"stdout is not JSON ({e})"
        if case.kind == "result" and not same_json(actual, case.expected):
            return f"expected {json.dumps(case.expected)}"
        return ""

    def test_compliance_cases(self):
        to_run = [c for i, c in enumerate(self.cases) if c.key() not in SKIPPED_CASES and i % EVERY == 0]
        skipped = [c for c in self.cases if c.key() in SKIPPED_CASES]
        jobs = [("eval", "id:" + self.hashes[c.document], "--jquery", c.expression, "-j") for c in to_run]
        runs = self.run_parallel(jobs)
        failures = []
        for case, r in zip(to_run, runs):
            why = self.check(case, r)
            if why:
                failures.append(f"{case.where()}\n  {why}\n  given: {self.documents[case.document][:300]}\n"
                                f"  exit {r.rc}\n  stdout: {r.out!r}\n  stderr: {r.err!r}")
        report = [f"jmespath compliance via CLI: {len(self.cases)} cases, {len(to_run)} run (every {EVERY}), "
                  f"{len(to_run) - len(failures)} passed, {len(skipped)} skipped, {len(failures)} failed"]
        report += [f"  skipped {c.where()}: {SKIPPED_CASES[c.key()]}" for c in skipped]
        sys.stderr.write("\n" + "\n".join(report) + "\n")
        self.assertEqual(len(skipped), len(SKIPPED_CASES), "a SKIPPED_CASES entry matches no case or several")
        self.assertEqual(len(skipped), EXPECTED_SKIPS, "the number of skipped cases changed")
        if failures:
            self.fail(f"{len(failures)} failing cases:\n\n" + "\n\n".join(failures))


class AnnotationTypesTest(LdbTestCase):
    """A `given` may be any JSON value: annotations of every JSON type index
    and evaluate, and numbers simdjson cannot represent fail clearly."""

    # annotation text -> JMESPath type(@)
    TYPES = {
        "null": "null", "true": "boolean", "false": "boolean", "0": "number", "-1": "number", "1.5": "number",
        "-0.0": "number", "1e300": "number", "1E2": "number", "0.1e-400": "number",
        "9223372036854775807": "number", "-9223372036854775808": "number", "18446744073709551615": "number",
        '"\\u00e9\\ud83d\\ude00 s"': "string", "[]": "array", '[null, 1, "x", [], {}]': "array", "{}": "object",
        ' {"a" : [1, {"b": null}]} ': "object",
    }
    # simdjson 3.0 (Debian 12) rejects integers outside [-2^63, 2^64) and
    # numbers beyond the double range with NUMBER_ERROR ("Problem while parsing
    # a number"), though JSON's grammar allows them: ldb index leaves such a
    # pair out, indexes the rest and exits non-zero naming the file.
    OUT_OF_RANGE = ["18446744073709551616", "-9223372036854775809", "123456789012345678901234567890", "1e400",
                    '{"big": [1, 18446744073709551616]}']

    def test_every_json_type_is_an_annotation(self):
        self.use_init_instance()
        folder = os.path.join(self.data, "types")
        hashes = []
        for i, text in enumerate(self.TYPES):
            content = document_content(1000 + i)
            write_file(os.path.join(folder, f"t{i}.png"), content)
            write_file(os.path.join(folder, f"t{i}.json"), text)
            hashes.append(md5(content))
        counts = self.index_counts(self.ok("index", "-m", "strict-pairs", folder))
        self.assertEqual((counts["objects_new"], counts["annotations_new"]), (len(self.TYPES), len(self.TYPES)))
        for h, (text, type_name) in zip(hashes, self.TYPES.items()):
            with self.subTest(annotation=text):
                self.assertTrue(same_json(json.loads(self.ok("eval", "-j", "id:" + h)), json.loads(text)))
                self.assertTrue(same_json(self.ok_json("eval", "id:" + h, "--jquery", "@", "-j"), json.loads(text)))
                self.assertEqual(self.ok_json("eval", "id:" + h, "--jquery", "type(@)", "-j"), type_name)

    def test_numbers_outside_simdjson_range_are_reported_by_index(self):
        self.use_init_instance()
        for i, text in enumerate(self.OUT_OF_RANGE):
            with self.subTest(annotation=text):
                folder = os.path.join(self.data, f"big{i}")
                bad, good = document_content(2000 + i), document_content(3000 + i)
                write_file(os.path.join(folder, "bad.png"), bad)
                path = write_file(os.path.join(folder, "bad.json"), text)
                write_file(os.path.join(folder, "good.png"), good)
                write_file(os.path.join(folder, "good.json"), '{"ok": true}')
                r = self.ldb("index", "-m", "strict-pairs", folder)
                self.assertGreater(r.rc, 0, r.describe())
                self.assertTrue(r.err.startswith(f"ldb: error: malformed JSON in '{path}': "), r.describe())
                self.assertIn("number", r.err, r.describe())
                self.assertIn("Skipped:      1 malformed annotation file\n", r.out, r.describe())
                self.assertEqual(self.ok_json("eval", "id:" + md5(good), "--jquery", "ok", "-j"), True)
                # The pair is left out as a whole (strict pairs need both files).
                self.fails("eval", "id:" + md5(bad), contains="no indexed object")

if __name__ == "__main__":
    main()
