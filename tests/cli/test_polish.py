"""End-to-end: polish users see — progress drawn once per phase on a terminal,
`ldb help COMMAND`, --sample-rate errors as written, index's own -m, `storage
rm` saying what it removed, `add-storage /`, the count of malformed files, and
`get` reporting in the order of its work."""

import os
import time

from ldbtest import LdbTestCase, main, make_pairs, write_file


def visible_lines(raw: bytes) -> list:
    """The lines a terminal keeps: what is left of each line after its last
    carriage return (each redraw starts with \\r and clears the rest with ESC[K)."""
    text = raw.decode(errors="replace").replace("\r\n", "\n").replace("\x1b[K", "")
    return [line.rsplit("\r", 1)[-1] for line in text.split("\n") if line.rsplit("\r", 1)[-1]]


class ProgressTest(LdbTestCase):
    def terminal_lines(self, *args):
        """(exit code, stdout, the lines the terminal keeps) of ldb ARGS with stderr on a terminal."""
        rc, out, shown = self.on_terminal(*args)
        return rc, out.decode(), visible_lines(shown)

    def test_each_phase_leaves_one_final_line(self):
        make_pairs(os.path.join(self.data, "a"), 5)
        self.use_init_instance()
        rc, out, shown = self.terminal_lines("index", os.path.join(self.data, "a"))
        self.assertEqual(rc, 0, shown)
        self.assertIn("Data objects: 5 found, 5 new", out)
        self.assertEqual(shown, ["scanning: 10", "indexing: 5/5 (100%)"])
        self.ok("stage", "ds:x")
        self.ok("add", os.path.join(self.data, "a"))
        rc, out, shown = self.terminal_lines("instantiate")
        self.assertEqual(rc, 0, shown)
        self.assertEqual(shown, ["instantiating: 10/10 (100%)"])

    def test_a_failing_command_ends_its_line_once(self):
        make_pairs(os.path.join(self.data, "a"), 2)
        write_file(os.path.join(self.data, "a", "bad.png"), b"bad")
        write_file(os.path.join(self.data, "a", "bad.json"), "{")
        self.use_init_instance()
        rc, _, shown = self.terminal_lines("index", os.path.join(self.data, "a"))
        self.assertEqual(rc, 2, shown)
        self.assertEqual([line for line in shown if not line.startswith(("ldb: error:", "hint:"))],
                         ["scanning: 6", "indexing: 3/3 (100%)"])


class HelpTest(LdbTestCase):
    def test_help_command_is_the_command_help(self):
        for name in ("stage", "list", "instantiate", "ds"):
            self.assertEqual(self.ok("help", name), self.ok(name, "--help"))
        self.assertTrue(self.ok("help", "stage").startswith("usage: ldb stage "))
        self.assertEqual(self.ok("help", "delete"), self.ok("del", "--help"))
        self.assertIn("usage: ldb COMMAND", self.ok("help"))

    def test_help_for_an_unknown_command(self):
        self.fails("help", "nope", rc=2, contains=["unknown command 'nope'", "ldb --help"])
        self.fails("help", "stgae", rc=2, contains=["unknown command 'stgae'", "did you mean 'ldb stage'?"])
        self.fails("help", "stage", "list", rc=2, contains="ldb help takes one command")


class SampleRateTest(LdbTestCase):
    def test_errors_speak_of_the_percentage_as_written(self):
        make_pairs(os.path.join(self.data, "a"), 4)
        self.use_init_instance()
        self.ok("index", os.path.join(self.data, "a"))
        for bad in ("150", "-5", "ten"):
            r = self.fails("list", "ds:root", "--sample-rate", bad, rc=2, contains=["--sample-rate", bad])
            self.assertNotIn("--sample ", r.err.splitlines()[0])
        r = self.fails("list", "ds:root", "--sample-rate", "150", rc=2)
        self.assertEqual(r.err.splitlines()[0], "ldb: error: --sample-rate expects a percentage from 0 to 100, got 150")
        self.assertNotIn("1.5", r.err)
        self.assertEqual(self.count("ds:root", "--sample-rate", "100"), 4)
        self.assertEqual(self.count("ds:root", "--sample-rate", "0"), 0)
        self.assertEqual(self.ids("ds:root", "--seed", "3", "--sample-rate", "50"),
                         self.ids("ds:root", "--seed", "3", "--sample", "0.5"))


class FormatOptionTest(LdbTestCase):
    def test_index_and_add_take_ingest_formats_only(self):
        for command in ("index", "add"):
            out = self.ok(command, "--help")
            self.assertNotIn("--output-format", out)
            self.assertRegex(out, r"-m, --format +.*auto, strict-pairs, .*label-studio")
        self.use_init_instance()
        self.fails("index", "--output-format", "coco", self.data, rc=2, contains="unknown option '--output-format'")
        for command in ("instantiate", "get"):
            out = self.ok(command, "--help")
            self.assertRegex(out, r"-m, --format, --output-format +format to write: strict-pairs, .*voc \(default: strict-pairs\)")
            self.assertNotRegex(out, r"--output-format .*\bauto\b")

    def test_help_lists_each_formats_parameters_from_the_registry(self):
        # index reads COCO with -p images=DIR; instantiate writes class folders with -p label-key.
        index_help = self.ok("index", "--help")
        self.assertIn("format parameters (-p KEY=VALUE):", index_help)
        self.assertRegex(index_help, r"-m coco -p images=DIR +the image folder")
        self.assertRegex(index_help, r"-m label-studio -p data-key=KEY")
        write_help = self.ok("instantiate", "--help")
        self.assertRegex(write_help, r"-m tensorflow-inferred -p label-key=KEY")
        self.assertNotIn("-m coco -p images", write_help)
        # Every parameter listed is one the command accepts (an unknown one is refused by name).
        self.use_init_instance()
        self.fails("index", "-m", "coco", "-p", "no-such-key=1", self.data, rc=2, contains="no-such-key")
        self.assertEqual(self.ok("list", "--help").count("format parameters"), 0)


class StorageTest(LdbTestCase):
    def test_rm_says_what_it_removed(self):
        self.use_init_instance()
        other = os.path.join(self.tmp, "other")
        os.makedirs(other)
        self.ok("add-storage", other)
        self.assertEqual(self.ok("storage", "rm", other + "/"), f"Removed storage location {other}\n")
        self.assertEqual(self.ok("storage", "list"), f"{self.data}\n")
        self.assertEqual(self.ok("storage", "rm", "-q", self.data), "")
        self.assertEqual(self.ok("storage", "list"), "")

    def test_rm_of_a_path_that_is_not_registered(self):
        self.use_init_instance()
        nowhere = os.path.join(self.tmp, "nowhere")
        r = self.fails("storage", "rm", nowhere, rc=3, contains=f"storage location '{nowhere}' is not registered")
        self.assertIn("hint: see them with: ldb storage list", r.err)
        inside = os.path.join(self.data, "sub")
        self.fails("storage", "rm", inside, rc=3,
                   contains=[f"'{inside}' is not a registered storage location; it is inside '{self.data}'",
                             f"hint: to remove that location: ldb storage rm {self.data}"])
        self.assertEqual(self.ok("storage", "list"), f"{self.data}\n")

    def test_the_root_of_the_file_system_can_be_registered(self):
        # Checking that / can be listed must not walk all of it (through
        # /proc, where /proc/1/cwd cannot be read even by root in a container).
        self.use_init_instance(register_data=False)
        started = time.monotonic()
        self.assertEqual(self.ok("add-storage", "/"), "Added storage location /\n")
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(self.ok("storage", "list"), "/\n")
        self.assertEqual(self.ok("storage", "rm", "/"), "Removed storage location /\n")


class MalformedCountTest(LdbTestCase):
    def index_with_bad(self, n):
        folder = os.path.join(self.data, f"bad{n}")
        make_pairs(folder, 2, prefix="good")
        for i in range(n):
            write_file(os.path.join(folder, f"bad{i}.png"), f"bad data {n} {i}".encode())
            write_file(os.path.join(folder, f"bad{i}.json"), '{"class": ')
        return self.ldb("index", folder)

    def test_the_count_of_malformed_files(self):
        self.use_init_instance()
        expected = {
            1: "",
            2: " (2 malformed annotation files in all, the other one above)",
            5: " (5 malformed annotation files in all, the other 4 above)",
        }
        for n, suffix in expected.items():
            r = self.index_with_bad(n)
            self.assertEqual(r.rc, 2, r.describe())
            errors = [line for line in r.err.splitlines() if line.startswith("ldb: error: ")]
            self.assertEqual(len(errors), n, r.describe())
            if suffix:
                self.assertTrue(errors[-1].endswith(suffix), r.describe())
            else:
                self.assertNotIn("in all", r.err, r.describe())
                self.assertNotIn("more", r.err, r.describe())
            self.assertIn(f"Skipped:      {n} malformed annotation file{'' if n == 1 else 's'}\n", r.out)


class GetOrderTest(LdbTestCase):
    def test_added_is_reported_before_instantiated(self):
        make_pairs(os.path.join(self.data, "a"), 3)
        target = os.path.join(self.tmp, "got")
        out = self.ok("get", os.path.join(self.data, "a"), "-t", target)
        self.assertEqual(out.splitlines(), [
            f"Added 3 objects to the unnamed dataset in '{target}' (3 selected)",
            f"Instantiated 3 data objects and 3 annotation files in '{target}' (6 written, 0 unchanged, 0 removed)",
        ])


if __name__ == "__main__":
    main()
