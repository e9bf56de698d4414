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
        self.assertEqual(self.complete(["ldb", "log", ""]), ["ds:alpha", "ds:alpine", "ds:beta", "ds:root"])

    def test_files_are_completed_otherwise(self):
        os.makedirs(os.path.join(self.ws, "pictures"))
        self.assertEqual(self.complete(["ldb", "add", "pic"]), ["pictures"])

    def test_zsh_script(self):
        text = self.ok("completion", "-s", "zsh")
        self.assertTrue(text.startswith("#compdef ldb\n"), text[:40])
        self.assertIn("bashcompinit", text)
        zsh = shutil.which("zsh")
        if not zsh:
            self.skipTest("zsh is not installed")
        script = os.path.join(self.tmp, "ldb.zsh")
        with open(script, "w") as f:
            f.write(text)
        self.assertEqual(self.complete(["ldb", "ad"], shell=zsh, script=script), ["add", "add-storage"])

    def test_bad_shell(self):
        self.fails("completion", "-s", "fish", rc=2, contains=["fish", "bash|zsh"])
        self.fails("completion", rc=2, contains="needs a shell")


if __name__ == "__main__":
    main()
