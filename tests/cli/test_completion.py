"""End-to-end: ldb completion -s bash|zsh, exercised in a real shell."""

import os
import shutil
import subprocess

from ldbtest import LDB_BIN, LdbTestCase, main


class CompletionTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.script = os.path.join(self.tmp, "ldb.bash")
        with open(self.script, "w") as f:
            f.write(self.ok("completion", "-s", "bash"))
        # `ldb` must be on PATH for the dataset names.
        self.env["PATH"] = os.path.dirname(os.path.abspath(LDB_BIN)) + os.pathsep + self.env.get("PATH", "")

    def complete(self, words, shell="bash", script=None):
        """COMPREPLY of _ldb for the words (the last one is being completed)."""
        quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
        code = (f"source '{script or self.script}'; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
                "_ldb; printf '%s\\n' \"${COMPREPLY[@]}\"")
        proc = subprocess.run([shell, "-c", code], cwd=self.ws, env=self.env, capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return sorted(line for line in proc.stdout.splitlines() if line)

    def test_commands_and_flags_come_from_the_command_table(self):
        self.assertEqual(self.complete(["ldb", "ad"]), ["add", "add-storage"])
        self.assertEqual(self.complete(["ldb", "un"]), ["unindex"])
        self.assertIn("completion", self.complete(["ldb", ""]))
        tag_flags = self.complete(["ldb", "tag", "--"])
        for flag in ("--add", "--remove", "--query", "--limit", "--target", "--help"):
            self.assertIn(flag, tag_flags)
        self.assertEqual(self.complete(["ldb", "pull", "-"]), sorted(["-v", "--version", "-t", "--target", "-q", "--quiet",
                                                                       "-h", "--help"] + self.filter_flags()))
        self.assertEqual(self.complete(["ldb", "completion", "-s", ""]), ["bash", "zsh"])
        self.assertEqual(self.complete(["ldb", "init", "--f"]), ["--force"])

    def filter_flags(self):
        listed = self.complete(["ldb", "list", "-"])
        return [f for f in listed if f not in ("-s", "--summary", "-j", "--json", "-t", "--target", "-q", "--quiet",
                                              "-v", "--verbose", "-h", "--help")]

    def test_dataset_names_are_asked_of_ldb(self):
        for name in ("alpha", "alpine", "beta"):
            self.stage("ds:" + name)
            self.ok("commit", "-m", name)
        # Bash splits "ds:al" at the colon.
        self.assertEqual(self.complete(["ldb", "add", "ds", ":", "al"]), ["alpha", "alpine"])
        self.assertEqual(self.complete(["ldb", "add", "ds", ":"]), ["alpha", "alpine", "beta", "root"])
        # Unsplit (zsh's emulation, or a COMP_WORDBREAKS without ':').
        self.assertEqual(self.complete(["ldb", "diff", "ds:b"]), ["ds:beta"])
        self.assertEqual(self.complete(["ldb", "log", ""]), ["ds:alpha", "ds:alpine", "ds:beta"])

    def test_sub_commands(self):
        self.assertEqual(self.complete(["ldb", "ds", ""]), ["del", "list"])
        self.assertEqual(self.complete(["ldb", "ds", "-j", "l"]), ["list"])
        self.assertEqual(self.complete(["ldb", "storage", ""]), ["list", "rm"])
        self.assertEqual(self.complete(["ldb", "help", "st"]), ["stage", "stats", "status", "storage"])
        # Past the sub-command: files again (storage rm PATH).
        os.makedirs(os.path.join(self.ws, "pictures"))
        self.assertEqual(self.complete(["ldb", "storage", "rm", "pic"]), ["pictures"])

    def test_option_values_come_from_their_choices(self):
        index_formats = ["annotation-only", "auto", "bare-pairs", "coco", "label-studio", "strict-pairs",
                         "tensorflow-inferred", "voc", "yolo"]
        self.assertEqual(self.complete(["ldb", "index", "-m", ""]), index_formats)
        self.assertEqual(self.complete(["ldb", "add", "--format", ""]), index_formats)
        instantiate_formats = [f for f in index_formats if f != "auto"]
        self.assertEqual(self.complete(["ldb", "instantiate", "-m", ""]), instantiate_formats)
        self.assertEqual(self.complete(["ldb", "get", "--output-format", "c"]), ["coco"])
        self.assertEqual(self.complete(["ldb", "index", "--annotation-update", ""]), ["merge", "replace"])
        self.assertEqual(self.complete(["ldb", "add-storage", "-a", ""]), ["false", "true"])
        # commit -m is a message: nothing to offer, and no files.
        self.assertEqual(self.complete(["ldb", "commit", "-m", ""]), [])

    def commit_versions(self):
        for name, versions in (("alpha", 2), ("alpine", 1), ("beta", 1)):
            self.stage("ds:" + name)
            for v in range(versions):
                os.makedirs(os.path.join(self.data, f"{name}{v}"))
                with open(os.path.join(self.data, f"{name}{v}", "x.png"), "wb") as f:
                    f.write(f"{name} {v}".encode())
                self.ok("add", os.path.join(self.data, f"{name}{v}"))
                self.ok("commit", "-m", f"{name} {v}")

    def test_dataset_versions_and_no_root_where_it_cannot_go(self):
        self.commit_versions()
        self.assertEqual(self.complete(["ldb", "list", "ds:alpha."]), ["ds:alpha.v1", "ds:alpha.v2"])
        self.assertEqual(self.complete(["ldb", "list", "ds:alpha.v"]), ["ds:alpha.v1", "ds:alpha.v2"])
        self.assertEqual(self.complete(["ldb", "list", "ds", ":", "alpha."]), ["alpha.v1", "alpha.v2"])
        self.assertEqual(self.complete(["ldb", "stage", "ds:beta."]), ["ds:beta.v1"])
        self.assertEqual(self.complete(["ldb", "list", "ds:r"]), ["ds:root"])
        # ds:root is the whole index, not a dataset: it cannot be staged,
        # committed, logged or deleted.
        for cmd in ("stage", "commit", "log", "status"):
            self.assertEqual(self.complete(["ldb", cmd, ""]), ["ds:alpha", "ds:alpine", "ds:beta"], cmd)
            self.assertEqual(self.complete(["ldb", cmd, "ds:r"]), [], cmd)
        self.assertEqual(self.complete(["ldb", "stage", "ds", ":"]), ["alpha", "alpine", "beta"])
        self.assertEqual(self.complete(["ldb", "ds", "del", ""]), ["ds:alpha", "ds:alpine", "ds:beta"])
        self.assertEqual(self.complete(["ldb", "ds", "del", "ds:alpha", "ds:b"]), ["ds:beta"])
        # Whole datasets only, where a version makes no sense.
        self.assertEqual(self.complete(["ldb", "log", "ds:alpha."]), [])
        self.assertEqual(self.complete(["ldb", "ds", "del", "ds:alpha."]), [])

    def test_files_are_completed_otherwise(self):
        os.makedirs(os.path.join(self.ws, "pictures"))
        self.assertEqual(self.complete(["ldb", "add", "pic"]), ["pictures"])

    def complete_zsh(self, words):
        """The candidates zsh offers for the words: the script loaded as a
        user's ~/.zshrc would (compinit, then the script), and _ldb called as
        zsh's bash emulation calls it (bashcompinit's compgen -F, which runs
        it with sh options: arrays from 0). That compgen leaves matching the
        word to zsh, so candidates are filtered by prefix here."""
        zsh = shutil.which("zsh")
        if not zsh:
            self.skipTest("zsh is not installed (scripts/install-deps.sh installs it)")
        script = os.path.join(self.tmp, "ldb.zsh")
        with open(script, "w") as f:
            f.write(self.ok("completion", "-s", "zsh"))
        quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
        code = (f"autoload -U compinit && compinit -u -D; source '{script}'; words=({quoted}); CURRENT={len(words)}; "
                "COMP_WORDS=(\"${words[@]}\"); COMP_CWORD=$((CURRENT - 1)); compgen -F _ldb -- \"${words[CURRENT]}\"")
        proc = subprocess.run([zsh, "-f", "-c", code], cwd=self.ws, env=self.env, capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        return sorted(line for line in proc.stdout.splitlines() if line and line.startswith(words[-1]))

    def test_zsh_script(self):
        text = self.ok("completion", "-s", "zsh")
        self.assertTrue(text.startswith("#compdef ldb\n"), text[:40])
        self.assertIn("bashcompinit", text)
        self.assertEqual(self.complete_zsh(["ldb", "ad"]), ["add", "add-storage"])
        self.assertEqual(self.complete_zsh(["ldb", "ds", ""]), ["del", "list"])
        self.assertEqual(self.complete_zsh(["ldb", "instantiate", "-m", "c"]), ["coco"])
        self.assertEqual(self.complete_zsh(["ldb", "pull", "--v"]), ["--version"])
        self.commit_versions()
        self.assertEqual(self.complete_zsh(["ldb", "stage", ""]), ["ds:alpha", "ds:alpine", "ds:beta"])
        self.assertEqual(self.complete_zsh(["ldb", "list", "ds:r"]), ["ds:root"])
        self.assertEqual(self.complete_zsh(["ldb", "list", "ds:alpha."]), ["ds:alpha.v1", "ds:alpha.v2"])

    def test_bad_shell(self):
        self.fails("completion", "-s", "fish", rc=2, contains=["fish", "bash|zsh"])
        self.fails("completion", rc=2, contains="needs a shell")


if __name__ == "__main__":
    main()
