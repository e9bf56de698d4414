"""Regression tests for bugs found by the end-to-end suite: --seed placement,
a single data file path taking its annotation, read-only commands not
re-indexing folders, the caret under a query error, and command suggestions."""

import os

from ldbtest import LdbTestCase, main, make_class_folders, make_pairs, write_json


class SeedPosition(LdbTestCase):
    """`--sample P --seed S` (seed written after the sample, as users type it)
    is not reproducible: --seed only affects filters after it."""

    def test_sample_then_seed_is_reproducible(self):
        self.use_init_instance()
        make_pairs(os.path.join(self.data, "p"), 40)
        self.ok("index", os.path.join(self.data, "p"))
        runs = [self.ids("ds:root", "--sample", "0.5", "--seed", "7") for _ in range(4)]
        for r in runs[1:]:
            self.assertEqual(r, runs[0])

    def test_shuffle_then_seed_is_reproducible(self):
        self.use_init_instance()
        make_pairs(os.path.join(self.data, "p"), 40)
        self.ok("index", os.path.join(self.data, "p"))
        runs = [self.ids("ds:root", "--shuffle", "--seed", "3") for _ in range(4)]
        for r in runs[1:]:
            self.assertEqual(r, runs[0])


class SingleDataFilePath(LdbTestCase):
    """A path naming one data file (`x.png`) ignores its sibling `x.json`."""

    def test_quickstart_add_of_one_file_takes_its_annotation(self):
        hashes = make_pairs(os.path.join(self.data, "a"), 2)
        self.stage("ds:x")
        self.ok("add", os.path.join(self.data, "a", "img1.png"))
        self.assertEqual(self.versions(), {hashes[1]: 1})
        self.assertEqual(self.annotation(hashes[1]), {"n": 1})

    def test_init_instance_list_of_one_indexed_file(self):
        self.use_init_instance()
        hashes = make_pairs(os.path.join(self.data, "a"), 2)
        self.ok("index", os.path.join(self.data, "a"))
        self.assertEqual(self.versions(os.path.join(self.data, "a", "img1.png")), {hashes[1]: 1})
        self.assertEqual(sorted(self.ids(os.path.join(self.data, "a", "*.png"))), sorted(hashes))


class ReadCommandsDoNotReindex(LdbTestCase):
    """In a QuickStart instance, `ldb list FOLDER` re-indexes FOLDER with the
    auto format and default parameters: after `add -m infer -p label-key=animal`,
    a plain `list` of the folder writes annotation version 2 {"label": ...}
    and the objects' current annotation changes. list/eval/instantiate also
    accept no -m/-p, so such a folder cannot be named by path at all."""

    def test_list_of_folder_does_not_change_annotations(self):
        root = os.path.join(self.data, "classes")
        labels = make_class_folders(root, {"cat": 1, "dog": 1})
        self.stage("ds:x")
        self.ok("add", "-m", "infer", "-p", "label-key=animal", root)
        self.assertEqual(self.count(root), 2)
        for h, label in labels.items():
            self.assertEqual(self.annotation(h), {"animal": label})
            self.assertEqual(self.ok_json("show", "--json", "id:" + h)["current_annotation_version"], 1)

    def test_init_instance_list_of_folder_indexed_with_label_key(self):
        self.use_init_instance()
        root = os.path.join(self.data, "classes")
        make_class_folders(root, {"cat": 1, "dog": 1})
        self.ok("index", "-m", "infer", "-p", "label-key=animal", root)
        self.assertEqual(self.count(root), 2)


class CaretAlignment(LdbTestCase):
    """The caret under a query syntax error is 6 columns left of the error:
    the hint's second line is printed without the width of 'hint: '."""

    def test_caret_sits_under_the_error_column(self):
        make_pairs(os.path.join(self.data, "a"), 1)
        self.stage("ds:x")
        self.ok("add", os.path.join(self.data, "a"))
        expression = "a == b ]"
        r = self.fails("list", "--query", expression, contains="column 8")
        lines = r.err.splitlines()
        expr_line = next(line for line in lines if line.rstrip().endswith(expression))
        caret_line = next(line for line in lines if line.strip() == "^")
        expr_start = expr_line.index(expression)
        self.assertEqual(caret_line.index("^") - expr_start, 7, r.describe())


class TransposedCommandSuggestion(LdbTestCase):
    """`ldb lsit` suggests 'ldb init' (edit distance ties at 2); a swapped pair
    of letters should count as one edit (Damerau), suggesting 'ldb list'."""

    def test_transposition_suggests_list(self):
        self.fails("lsit", contains="did you mean 'ldb list'?")
        self.fails("stauts", contains="did you mean 'ldb status'?")


if __name__ == "__main__":
    main()
