"""End-to-end: ldb as an installed tool (issue Q) — `ldb --version` with the
git commit it was built from, the manual page `ldb help --man` (a section per
command, rendered by man without a warning), and `cmake --install` of this
build tree into a temporary prefix: the files land where bash-completion,
zsh, man and a user look for them, and the installed binary finds its
shipped plugins next to it. The Debian package itself is checked by
scripts/test-package.sh."""

import filecmp
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time

from ldbtest import LDB_BIN, LdbTestCase, main

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_DIR = os.environ.get("LDB_BUILD_DIR", "")
CMAKE = os.environ.get("CMAKE_COMMAND", "cmake")
VERSION_LINE = re.compile(r"^ldb (\d+\.\d+\.\d+) \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)\n$")


def project_version() -> str:
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
        return re.search(r"project\(ldb VERSION ([0-9.]+)", f.read()).group(1)


def command_names(help_text: str) -> list:
    """The commands `ldb --help` lists."""
    block = help_text.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines()]


def option_names(help_text: str) -> list:
    """The option names (-s, --summary ...) `ldb COMMAND --help` lists under options:."""
    block = help_text.split("options:\n", 1)[1].split("\n\n", 1)[0]
    names = []
    for line in block.splitlines():
        names += re.match(r"  (-[-\w]+(?:, -[-\w]+)*)(?: |$)", line).group(1).split(", ")
    return names


def git(*args, cwd=SOURCE_DIR):
    return subprocess.run(["git", "-C", cwd, *args], capture_output=True, text=True, timeout=60)


class VersionTest(LdbTestCase):
    def test_version_names_the_release_and_the_commit(self):
        out = self.ok("--version")
        self.assertEqual(self.ok("version"), out)
        m = VERSION_LINE.match(out)
        self.assertTrue(m, out)
        self.assertEqual(m.group(1), project_version())
        commit = m.group(2)
        if shutil.which("git") and git("rev-parse", "--show-toplevel").returncode == 0:
            # A commit of this repository (not necessarily HEAD: the build may
            # predate the last commit).
            self.assertNotEqual(commit, "unknown")
            self.assertEqual(git("cat-file", "-e", commit.removesuffix("-dirty") + "^{commit}").returncode, 0, commit)

    def generate(self, source_dir) -> str:
        """The source cmake/version.cmake writes for source_dir."""
        output = os.path.join(self.tmp, "version.cpp")
        proc = subprocess.run([CMAKE, f"-DSOURCE_DIR={source_dir}", f"-DOUTPUT={output}", "-DVERSION=9.8.7", "-P",
                               os.path.join(SOURCE_DIR, "cmake", "version.cmake")],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(output) as f:
            text = f.read()
        self.assertIn('version() { return "9.8.7"; }', text)
        return re.search(r'build_commit\(\) \{ return "([^"]*)"; \}', text).group(1)

    def test_the_commit_is_unknown_outside_a_git_checkout(self):
        self.assertEqual(self.generate(self.data), "unknown")
        if shutil.which("git"):
            # Inside a checkout but not its top (an unpacked tarball in some repository).
            self.assertEqual(git("init", "-q", cwd=self.tmp).returncode, 0)
            self.assertEqual(self.generate(self.data), "unknown")

    def test_the_commit_of_a_checkout_and_dirty_when_changed(self):
        if not shutil.which("git"):
            self.skipTest("git is not installed")
        repo = self.data
        with open(os.path.join(repo, "a.txt"), "w") as f:
            f.write("one\n")
        ident = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
        for args in (["init", "-q"], ["add", "a.txt"], [*ident, "commit", "-q", "-m", "one"]):
            self.assertEqual(git(*args, cwd=repo).returncode, 0, args)
        head = git("rev-parse", "--short=12", "HEAD", cwd=repo).stdout.strip()
        self.assertEqual(self.generate(repo), head)
        # Rewritten only when the text changes (so nothing recompiles).
        stamp = os.stat(os.path.join(self.tmp, "version.cpp")).st_mtime_ns
        time.sleep(0.01)
        self.generate(repo)
        self.assertEqual(os.stat(os.path.join(self.tmp, "version.cpp")).st_mtime_ns, stamp)
        with open(os.path.join(repo, "a.txt"), "w") as f:
            f.write("two\n")
        self.assertEqual(self.generate(repo), head + "-dirty")


class ManPageTest(LdbTestCase):
    def test_every_command_has_its_section_with_its_options(self):
        page = self.ok("help", "--man")
        self.assertTrue(page.startswith('.\\"'), page[:80])
        self.assertIn(f'\n.TH LDB 1 "" "ldb {project_version()}" "User Commands"\n', page)
        self.assertTrue(page.isascii())
        sections = re.split(r'^\.S[SH] ', page, flags=re.M)
        by_title = {s.split("\n", 1)[0]: s for s in sections}
        names = command_names(self.ok("--help"))
        self.assertIn("add-storage", names)
        for name in names + ["help"]:
            title = f'"ldb {name}"'.replace("-", "\\-")
            self.assertIn(title, by_title, name)
            if name == "help":
                continue
            for option in option_names(self.ok(name, "--help")):
                self.assertIn(f"\\fB{option}\\fR".replace("-", "\\-"), by_title[title], f"{name} {option}")
        for title in ("FILTERS", '"FORMAT PARAMETERS"', '"EXIT STATUS"', "ENVIRONMENT", "FILES"):
            self.assertIn(title, by_title)
        self.assertIn("\\fB\\-\\-query\\fR", by_title["FILTERS"])
        self.assertIn("\\-m coco \\-p images=DIR", by_title['"Reading"'])

    def test_the_build_made_the_page_and_man_renders_it_without_a_warning(self):
        page = self.ok("help", "--man")
        built = os.path.join(os.path.dirname(LDB_BIN), "ldb.1")
        with open(built) as f:
            self.assertEqual(f.read(), page)
        if not shutil.which("man"):
            self.skipTest("man is not installed (scripts/install-deps.sh installs man-db)")
        env = dict(self.env, LC_ALL="C.UTF-8", MANWIDTH="80")
        proc = subprocess.run(["man", "--warnings", "-l", built], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        self.assertIn("ldb - a label database for data-centric machine learning", proc.stdout)
        for name in command_names(self.ok("--help")):
            self.assertRegex(proc.stdout, rf"\n   ldb {re.escape(name)}\n")
        self.assertIn("--annotation-update replace|merge", proc.stdout)

    def test_the_man_flag_is_only_for_help(self):
        self.fails("list", "--man", rc=2, contains="--man")
        self.assertNotIn("--man", self.ok("--help"))


class InstallTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        if not BUILD_DIR:
            self.fail("LDB_BUILD_DIR must name the build folder (tests/cli/CMakeLists.txt sets it)")
        self.prefix = os.path.join(self.tmp, "prefix")
        proc = subprocess.run([CMAKE, "--install", BUILD_DIR, "--prefix", self.prefix], capture_output=True,
                              text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.installed = os.path.join(self.prefix, "bin", "ldb")

    def run_installed(self, *args, env=None):
        return subprocess.run([self.installed, *args], cwd=self.ws, env=env or self.env, capture_output=True,
                              text=True, timeout=120)

    def test_the_files_land_in_their_standard_places(self):
        def path(relative):
            return os.path.join(self.prefix, relative)

        self.assertTrue(os.access(self.installed, os.X_OK))
        self.assertTrue(os.access(path("lib/ldb/plugins/ldb-umap"), os.X_OK))
        self.assertTrue(filecmp.cmp(path("share/man/man1/ldb.1"), os.path.join(os.path.dirname(LDB_BIN), "ldb.1"),
                                    shallow=False))
        for shell, relative in (("bash", "share/bash-completion/completions/ldb"),
                                ("zsh", "share/zsh/vendor-completions/_ldb")):
            with open(path(relative)) as f:
                self.assertEqual(f.read(), self.ok("completion", "-s", shell), relative)
        self.assertTrue(filecmp.cmp(path("share/doc/ldb/README.md"), os.path.join(SOURCE_DIR, "README.md"),
                                    shallow=False))
        for name in os.listdir(os.path.join(SOURCE_DIR, "docs")):
            self.assertTrue(os.path.isfile(path(os.path.join("share/doc/ldb/docs", name))), name)
        installed = self.run_installed("--version")
        self.assertEqual(installed.stdout, self.ok("--version"))

    def test_the_installed_binary_finds_its_plugins_next_to_it(self):
        if subprocess.run(["/usr/bin/python3", "-c", "import numpy"], capture_output=True).returncode != 0:
            self.skipTest("Debian's python3-numpy is not installed (scripts/install-deps.sh installs it)")
        # No ldb-umap on PATH: only the installation's lib/ldb/plugins has it.
        env = dict(self.env, PATH="/usr/bin:/bin", LDB_DIR=os.path.join(self.tmp, "instance"))
        subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "scripts", "make_numerals.py"), self.data, "3"],
                       check=True, capture_output=True, timeout=60)
        for args in (("init", env["LDB_DIR"]), ("add-storage", self.data), ("index", self.data + "/input"),
                     ("embed", "ds:root")):
            r = self.run_installed(*args, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
        # Three vectors: the plugin projects them with PCA and says so, which
        # shows ldb found and ran the installed plugin.
        r = self.run_installed("project", "ds:root", "--method", "umap", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ldb-umap: UMAP needs at least 4 vectors, got 3", r.stderr)
        self.assertIn("Projected: 3 objects with umap", r.stdout)
        os.remove(os.path.join(self.prefix, "lib/ldb/plugins/ldb-umap"))
        r = self.run_installed("project", "ds:root", "--method", "umap", env=env)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("ldb-umap", r.stderr)

    def test_the_completion_scripts_load_where_the_shells_look(self):
        script = os.path.join(self.prefix, "share/bash-completion/completions/ldb")
        proc = subprocess.run(["bash", "-c", f"source '{script}' && complete -p ldb"], capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(proc.stdout, "complete -F _ldb ldb\n", proc.stderr)
        zsh = shutil.which("zsh")
        if not zsh:
            self.skipTest("zsh is not installed (scripts/install-deps.sh installs it)")
        folder = os.path.join(self.prefix, "share/zsh/vendor-completions")
        code = f"fpath=('{folder}' $fpath); autoload -U compinit && compinit -u -D; print -r -- $_comps[ldb]"
        proc = subprocess.run([zsh, "-f", "-c", code], capture_output=True, text=True, timeout=30, env=self.env)
        self.assertEqual(proc.stdout, "_ldb\n", proc.stderr)
        # The first TAB of an interactive zsh, which autoloads _ldb from the
        # file, completes already (it did not before the file handled that).
        shown = self.interactive_zsh(zsh, [f"fpath=('{folder}' $fpath); autoload -U compinit; compinit -u -D\n",
                                           "ldb add-st\t"], until=b"ldb add-storage ")
        self.assertIn(b"ldb add-storage ", shown)

    def interactive_zsh(self, zsh, inputs, until, timeout=20):
        """What an interactive zsh on a terminal shows for the inputs, typed
        one after the other; stops reading once `until` is shown."""
        master, slave = pty.openpty()
        env = dict(self.env, PATH=os.path.join(self.prefix, "bin") + ":/usr/bin:/bin", TERM="dumb")
        proc = subprocess.Popen([zsh, "-f", "-i"], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=self.ws)
        os.close(slave)
        shown = b""
        try:
            for text in inputs:
                os.write(master, text.encode())
            deadline = time.monotonic() + timeout
            while until not in shown and time.monotonic() < deadline:
                if select.select([master], [], [], 0.2)[0]:
                    try:
                        shown += os.read(master, 4096)
                    except OSError:  # EIO: zsh is gone
                        break
        finally:
            proc.kill()
            proc.wait()
            os.close(master)
        return shown


if __name__ == "__main__":
    main()
