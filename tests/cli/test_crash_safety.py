"""Crash safety: ldb is killed with SIGKILL at random moments while it runs
index, add, del, commit, a merging commit, instantiate, instantiate -f and ds del.
After every kill:

- `ldb fsck` passes (the instance and the workspace are readable and
  consistent), except that after instantiate it may report that run as not
  finished, and nothing else;
- what the command changes is exactly as before it or as after it
  (`list --json`, `log --json`, `ds list --json`), never in between;
- for instantiate, every file in the folder is one the manifest accounts for;
- for instantiate -f, every file of the user's is either in place or moved
  aside into .ldb_workspace/removed/, with its bytes;
- running the command again completes it, and then the state is the "after" one.

With LDB_TEST_STORE=postgresql (ctest cli_pg_crash_safety) the instances
live on the PostgreSQL test cluster (see ldbtest.py) and the families that
write the store run: index, add/del, commit, merge commit, tag and ds del
(instantiate writes only the workspace, the same on both stores).

The kill delays come from a seeded random generator (LDB_CRASH_SEED), so a run
can be repeated; where in the program a delay lands also depends on the
machine's speed. Each command family runs in its own instance; two families run
at a time. LDB_CRASH_KILLS (per command, default 40) and LDB_CRASH_FILES
(workload size, default 1200) scale the test. The figures are printed at the
end (docs/reliability.md records them).
"""

import concurrent.futures
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from ldbtest import (LDB_BIN, POSTGRES, data_bytes, files_under, md5, new_postgres_database, postgres_server,
                     write_file, drop_postgres_database, PostgresUnavailable)

SEED = int(os.environ.get("LDB_CRASH_SEED", "20261121"))
KILLS = int(os.environ.get("LDB_CRASH_KILLS", "40"))
FILES = int(os.environ.get("LDB_CRASH_FILES", "1200"))
TIMEOUT = 120


class Failure(Exception):
    pass


class Family:
    """One command's kill loop in its own HOME, instance, data and workspace."""

    name = ""

    def __init__(self, root: str, seed: int):
        self.root = os.path.join(root, self.name.replace(" ", "_"))
        self.home = os.path.join(self.root, "home")
        self.data = os.path.join(self.root, "data")
        self.ws = os.path.join(self.root, "ws")
        self.inst = os.path.join(self.root, "instance")
        for d in (self.home, self.data, self.ws):
            os.makedirs(d)
        self.env = {k: v for k, v in os.environ.items() if k != "LDB_DIR"}
        self.env.update({"HOME": self.home, "LDB_DIR": self.inst})
        self.rng = random.Random(seed)
        self.kills = {}          # command -> kills that landed while it ran
        self.completed = {}      # command -> runs that finished before their kill time
        self.duration = {}       # command -> seconds of the last uninterrupted run

    # ---- running ldb ------------------------------------------------------------

    def run(self, *args, cwd=None, expect=0):
        t0 = time.monotonic()
        p = subprocess.run([LDB_BIN, *args], cwd=cwd or self.ws, env=self.env, capture_output=True, text=True,
                           timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        if expect is not None and p.returncode != expect:
            raise Failure(f"ldb {' '.join(args)} exited {p.returncode}\nstdout: {p.stdout[-2000:]}\n"
                          f"stderr: {p.stderr[-2000:]}")
        return p.stdout, time.monotonic() - t0

    def out(self, *args, **kw):
        return self.run(*args, **kw)[0]

    def json(self, *args, **kw):
        return json.loads(self.out(*args, **kw))

    def timed(self, label, *args, **kw):
        """Runs to completion, remembering how long it took (the kill window)."""
        out, seconds = self.run(*args, **kw)
        self.duration[label] = seconds
        return out

    def kill_during(self, label, *args, cwd=None) -> bool:
        """Starts ldb and SIGKILLs it after a random part of its usual run time.
        True when the kill landed; False when it had already exited (it must
        then have succeeded)."""
        delay = self.rng.uniform(0.0, 0.95 * self.duration[label])
        p = subprocess.Popen([LDB_BIN, *args], cwd=cwd or self.ws, env=self.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.communicate(timeout=TIMEOUT)
            self.kills[label] = self.kills.get(label, 0) + 1
            return True
        _, err = p.communicate(timeout=TIMEOUT)
        if p.returncode != 0:
            raise Failure(f"ldb {' '.join(args)} (not killed) exited {p.returncode}: {err.decode(errors='replace')}")
        self.completed[label] = self.completed.get(label, 0) + 1
        return False

    def fsck(self, context, unfinished_instantiate_ok=False):
        """fsck passes; with unfinished_instantiate_ok, the one problem it may
        report is the instantiate that the kill cut short."""
        p = subprocess.run([LDB_BIN, "fsck", "--json"], cwd=self.ws, env=self.env, capture_output=True, text=True,
                           timeout=TIMEOUT)
        if p.returncode == 0:
            return
        try:
            problems = json.loads(p.stdout)["problems"]
        except (ValueError, KeyError):
            problems = None
        if (unfinished_instantiate_ok and p.returncode == 6 and problems and
                all("the last instantiate did not finish" in q["problem"] for q in problems)):
            return
        raise Failure(f"fsck failed after {context}:\n{p.stdout}{p.stderr}")

    def expect_one_of(self, observed, before, after, context):
        if observed == after:
            return "after"
        if observed == before:
            return "before"
        raise Failure(f"{context}: state is neither before nor after the command\n"
                      f"observed: {str(observed)[:600]}\nbefore: {str(before)[:600]}\nafter: {str(after)[:600]}")

    # ---- shared setup -------------------------------------------------------------

    def make_pairs(self, folder, count, round_=0):
        hashes = []
        for i in range(count):
            content = data_bytes(f"{self.name}{i}")
            write_file(os.path.join(folder, f"img{i}.png"), content)
            write_file(os.path.join(folder, f"img{i}.json"), json.dumps({"n": i, "round": round_}))
            hashes.append(md5(content))
        return hashes

    def init(self, files):
        if POSTGRES:
            self.database = new_postgres_database()
            self.out("init", "--store", self.database, self.inst)
        else:
            self.out("init", self.inst)
        self.out("add-storage", self.data)
        self.folder = os.path.join(self.data, "pairs")
        self.hashes = self.make_pairs(self.folder, files)
        self.timed("index", "index", self.folder)

    def root_versions(self):
        return {e["id"][3:]: e["annotation_version"] for e in self.json("list", "--json", "ds:root")}

    def staged(self):
        return {e["id"][3:]: e["annotation_version"] for e in self.json("list", "--json")}

    def loop(self, kills, step):
        """Calls step(i) until `kills` kills have landed for this family's main
        command (at most 4 * kills attempts)."""
        attempts = 0
        while sum(self.kills.values()) < kills and attempts < 4 * kills:
            step(attempts)
            attempts += 1


class IndexFamily(Family):
    name = "index"

    def go(self, kills):
        self.init(FILES)
        expected = {h: 1 for h in self.hashes}

        def step(i):
            # New annotation content everywhere: the run has every file to read.
            for k in range(len(self.hashes)):
                write_file(os.path.join(self.folder, f"img{k}.json"), json.dumps({"n": k, "round": i + 1}))
            before = dict(expected)
            after = {h: v + 1 for h, v in expected.items()}
            killed = self.kill_during("index", "index", self.folder)
            self.fsck(f"index kill {i}")
            seen = self.expect_one_of(self.root_versions(), before, after, f"index kill {i}")
            if seen == "before":
                self.assertion(killed, "index finished but changed nothing")
                self.timed("index", "index", self.folder)
                self.expect_one_of(self.root_versions(), after, after, f"index rerun {i}")
            expected.clear()
            expected.update(after)

        self.loop(kills, step)

    def assertion(self, ok, message):
        if not ok:
            raise Failure(message)


class AddDelFamily(Family):
    name = "add and del"

    def go(self, kills):
        self.init(FILES)
        self.out("stage", "ds:crash")
        everything = {h: 1 for h in self.hashes}
        self.timed("add", "add", self.folder)
        self.timed("del", "del", self.folder)

        def step(i):
            command = "add" if i % 2 == 0 else "del"
            before, after = ({}, everything) if command == "add" else (everything, {})
            self.kill_during(command, command, self.folder)
            self.fsck(f"{command} kill {i}")
            if self.expect_one_of(self.staged(), before, after, f"{command} kill {i}") == "before":
                self.out(command, self.folder)
                self.expect_one_of(self.staged(), after, after, f"{command} rerun {i}")

        self.loop(kills, step)


class CommitFamily(Family):
    name = "commit"

    def go(self, kills):
        self.init(FILES)
        self.out("stage", "ds:crash")
        self.out("add", self.folder)
        self.timed("commit", "commit", "-m", "v1")

        def log():
            return [(e["version"], e["message"]) for e in self.json("log", "--json", "ds:crash")]

        def step(i):
            # Toggle one object so there is something to commit.
            h = self.hashes[i % len(self.hashes)]
            self.out("del" if (i // len(self.hashes)) % 2 == 0 else "add", "id:" + h)
            before = log()
            after = [(before[0][0] + 1, f"kill {i}")] + before
            self.kill_during("commit", "commit", "-m", f"kill {i}")
            self.fsck(f"commit kill {i}")
            self.expect_one_of(log(), before, after, f"commit kill {i}")
            # Whether or not the version landed, running the command again
            # completes it: the workspace then tracks the new version.
            self.out("commit", "-m", f"kill {i}")
            self.expect_one_of(log(), after, after, f"commit rerun {i}")
            status = self.json("status", "--json")
            if status["version"] != after[0][0] or any(status["uncommitted"].values()):
                raise Failure(f"commit rerun {i}: workspace does not track v{after[0][0]}: {status}")

        self.loop(kills, step)


class MergeCommitFamily(Family):
    """Two workspaces on one dataset. Before each kill the other workspace
    commits a change of its own, so the killed commit is a three-way merge
    (read and decided inside the store's write transaction)."""

    name = "merge commit"

    def go(self, kills):
        self.init(FILES)
        self.other = os.path.join(self.root, "ws-other")
        os.makedirs(self.other)
        self.out("stage", "ds:crash")
        self.out("add", self.folder)
        self.out("commit", "-m", "v1")
        self.out("stage", "ds:crash", cwd=self.other)

        def log():
            return [(e["version"], e["message"]) for e in self.json("log", "--json", "ds:crash")]

        def latest_members():
            return sorted(e["id"][3:] for e in self.json("list", "--json", "ds:crash"))

        def toggle(h, cwd):
            staged = {e["id"][3:] for e in self.json("list", "--json", cwd=cwd)}
            self.out("del" if h in staged else "add", "id:" + h, cwd=cwd)

        def step(i):
            mine = self.hashes[(2 * i) % len(self.hashes)]
            theirs = self.hashes[(2 * i + 1) % len(self.hashes)]
            toggle(mine, self.ws)
            toggle(theirs, self.other)
            self.out("commit", "-m", f"other {i}", cwd=self.other)
            before = log()
            expected = sorted(set(latest_members()) ^ {mine})
            after = [(before[0][0] + 1, f"kill {i}")] + before
            if "merge commit" not in self.duration:
                self.timed("merge commit", "commit", "-m", f"kill {i}")
            else:
                self.kill_during("merge commit", "commit", "-m", f"kill {i}")
            self.fsck(f"merge commit kill {i}")
            if self.expect_one_of(log(), before, after, f"merge commit kill {i}") == "after":
                if latest_members() != expected:
                    raise Failure(f"merge commit kill {i}: the merged version lost or gained members")
            # Running it again completes it; after a landed merge it merges
            # nothing new and the workspace catches up.
            self.out("commit", "-m", f"kill {i}")
            self.expect_one_of(log(), after, after, f"merge commit rerun {i}")
            if latest_members() != expected:
                raise Failure(f"merge commit rerun {i}: the merged version lost or gained members")
            status = self.json("status", "--json")
            if status["version"] != after[0][0] or any(status["uncommitted"].values()) or "behind" in status:
                raise Failure(f"merge commit rerun {i}: workspace does not track v{after[0][0]}: {status}")

        self.loop(kills, step)


class InstantiateFamily(Family):
    name = "instantiate"

    def stage_and_instantiate(self, *args):
        """Stages ds:crash with all objects (fewer: each run copies two files
        per object) and times one full instantiate run. Returns the query
        that selects half of them."""
        files = max(FILES // 3, 20)
        self.init(files)
        self.out("stage", "ds:crash")
        self.out("add", self.folder)
        self.timed(self.name, *args)
        return "n < `%d`" % (files // 2)

    def go(self, kills):
        half = self.stage_and_instantiate("instantiate")

        def expected_files(hashes):
            names = []
            for i, h in enumerate(self.hashes):
                if h in hashes:
                    names += [f"img{i}-{h}.json", f"img{i}-{h}.png"]
            return sorted(names)

        def manifest_paths():
            path = os.path.join(self.ws, ".ldb_workspace", "instantiated")
            with open(path) as f:
                lines = f.read().splitlines()
            return {line.split(" ", 3)[3] for line in lines[1:] if line}

        def step(i):
            # Alternate between everything and half, so each run writes or removes files.
            if i % 2 == 0:
                self.out("del", "--query", half)
            else:
                self.out("add", self.folder)
            staged = set(self.staged())
            self.kill_during("instantiate", "instantiate")
            self.fsck(f"instantiate kill {i}", unfinished_instantiate_ok=True)
            # Every visible file is one ldb wrote or was about to write.
            stray = set(files_under(self.ws)) - manifest_paths()
            if stray:
                raise Failure(f"instantiate kill {i}: files the manifest does not account for: {sorted(stray)[:5]}")
            # Running it again (no -f: ldb must know its own partial files) completes it.
            self.out("instantiate")
            got = files_under(self.ws)
            if got != expected_files(staged):
                raise Failure(f"instantiate rerun {i}: folder differs from the dataset "
                              f"({len(got)} files, {len(expected_files(staged))} expected)")
            for name in got:
                if name.endswith(".png"):
                    with open(os.path.join(self.ws, name), "rb") as f:
                        if md5(f.read()) != name[-36:-4]:
                            raise Failure(f"instantiate rerun {i}: {name} is torn")
            leftovers = [n for n in os.listdir(self.ws) if ".ldb-tmp-" in n]
            if leftovers:
                raise Failure(f"instantiate rerun {i}: temporary files left behind: {leftovers[:3]}")

        self.loop(kills, step)


class InstantiateForceFamily(InstantiateFamily):
    """instantiate -f moves the user's files aside: killed at any moment, each
    is in place or in .ldb_workspace/removed/STAMP/ at its path, never lost."""

    name = "instantiate -f"

    def go(self, kills):
        half = self.stage_and_instantiate("instantiate", "-f")
        removed_root = os.path.join(self.ws, ".ldb_workspace", "removed")

        def plant(i):
            """The user's files: new ones in nested folders, and edits of files ldb wrote."""
            planted = {}
            for k in range(3):
                planted[f"mine{i}/deep{k % 2}/note{k}.txt"] = f"user file {i}.{k}\n".encode()
            ours = files_under(self.ws)
            ours = [name for name in ours if not name.startswith("mine")]
            for name in ours[i % 7::max(len(ours) // 3, 1)][:3]:
                planted[name] = f"user edit {i} of {name}\n".encode()
            for name, content in planted.items():
                path = os.path.join(self.ws, name)
                if os.path.exists(path):
                    os.chmod(path, 0o644)
                    os.remove(path)
                write_file(path, content)
            return planted

        def moved_copies(name, content):
            if not os.path.isdir(removed_root):
                return 0
            count = 0
            for stamp in os.listdir(removed_root):
                path = os.path.join(removed_root, stamp, name)
                if os.path.isfile(path):
                    with open(path, "rb") as f:
                        count += f.read() == content
            return count

        def check(planted, context, all_moved):
            for name, content in planted.items():
                path = os.path.join(self.ws, name)
                in_place = False
                if os.path.isfile(path):
                    with open(path, "rb") as f:
                        in_place = f.read() == content
                moved = moved_copies(name, content)
                if all_moved and (in_place or moved != 1):
                    raise Failure(f"{context}: {name} not moved aside exactly once (in place {in_place}, moved {moved})")
                if in_place + moved != 1:
                    raise Failure(f"{context}: the user's {name} is lost or doubled (in place {in_place}, "
                                  f"moved {moved})")

        def step(i):
            # Alternate between everything and half, so each run also writes or removes files.
            if i % 2 == 0:
                self.out("del", "--query", half)
            else:
                self.out("add", self.folder)
            planted = plant(i)
            self.kill_during("instantiate -f", "instantiate", "-f")
            self.fsck(f"instantiate -f kill {i}", unfinished_instantiate_ok=True)
            check(planted, f"instantiate -f kill {i}", all_moved=False)
            self.out("instantiate", "-f")
            check(planted, f"instantiate -f rerun {i}", all_moved=True)
            stray = [name for name in files_under(self.ws) if name.startswith("mine")]
            if stray:
                raise Failure(f"instantiate -f rerun {i}: user files left in the workspace: {stray[:3]}")

        self.loop(kills, step)


class TagFamily(Family):
    name = "tag"

    def go(self, kills):
        self.init(FILES)
        self.timed("tag", "tag", "ds:root", "-a", "probe")
        self.out("tag", "ds:root", "-r", "probe")

        def tagged(tag):
            return self.json("list", "--json", "ds:root", "--tag", tag)

        def step(i):
            # Add a tag to every object, or take it off again.
            tag = f"t{i // 2}"
            add = i % 2 == 0
            everything = sorted(e["id"] for e in self.json("list", "--json", "ds:root"))
            before, after = ([], everything) if add else (everything, [])
            self.kill_during("tag", "tag", "ds:root", "-a" if add else "-r", tag)
            self.fsck(f"tag kill {i}")
            seen = sorted(e["id"] for e in tagged(tag))
            if self.expect_one_of(seen, before, after, f"tag kill {i}") == "before":
                self.out("tag", "ds:root", "-a" if add else "-r", tag)
                self.expect_one_of(sorted(e["id"] for e in tagged(tag)), after, after, f"tag rerun {i}")

        self.loop(kills, step)


class DsDelFamily(Family):
    name = "ds del"

    def go(self, kills):
        self.init(max(FILES // 10, 20))
        self.out("stage", "ds:base")
        self.out("add", self.folder)
        self.out("commit", "-m", "base")

        def names():
            return sorted(d["name"] for d in self.json("ds", "list", "--json"))

        def step(i):
            name = f"gone{i}"
            self.out("commit", "-m", f"to delete {i}", f"ds:{name}")
            before = names()
            after = sorted(set(before) - {name})
            if "ds del" not in self.duration:
                self.timed("ds del", "ds", "del", f"ds:{name}")
                return
            self.kill_during("ds del", "ds", "del", f"ds:{name}")
            self.fsck(f"ds del kill {i}")
            if self.expect_one_of(names(), before, after, f"ds del kill {i}") == "before":
                self.out("ds", "del", f"ds:{name}")
                self.expect_one_of(names(), after, after, f"ds del rerun {i}")

        self.loop(kills, step)


class CrashSafetyTest(unittest.TestCase):
    def test_sigkill_at_random_moments(self):
        if not LDB_BIN or not os.access(LDB_BIN, os.X_OK):
            self.fail(f"LDB_BIN must name the ldb executable (got {LDB_BIN!r})")
        kinds = [IndexFamily, AddDelFamily, CommitFamily, MergeCommitFamily, InstantiateFamily, DsDelFamily,
                 InstantiateForceFamily, TagFamily]
        if POSTGRES:
            try:
                postgres_server()
            except PostgresUnavailable as why:
                if os.environ.get("LDB_REQUIRE_POSTGRES") == "1":
                    self.fail(f"{why} (LDB_REQUIRE_POSTGRES=1: no skipping)")
                self.skipTest(str(why))
            kinds = [k for k in kinds if k not in (InstantiateFamily, InstantiateForceFamily)]
        tmp = tempfile.mkdtemp(prefix="ldb-crash-")
        families = [cls(tmp, SEED + n) for n, cls in enumerate(kinds)]
        quotas = {"index": KILLS, "add and del": 2 * KILLS, "commit": KILLS, "merge commit": KILLS,
                  "instantiate": KILLS, "instantiate -f": max(KILLS // 2, 1), "ds del": KILLS, "tag": KILLS}
        started = time.monotonic()
        errors = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            futures = {pool.submit(f.go, quotas[f.name]): f for f in families}
            for future in concurrent.futures.as_completed(futures):
                family = futures[future]
                try:
                    future.result()
                except Exception as e:  # noqa: BLE001 - every family reports
                    errors[family.name] = f"{type(e).__name__}: {e}"
        elapsed = time.monotonic() - started
        total = 0
        report = [f"seed {SEED}, {FILES} files, {elapsed:.0f} s"]
        for f in families:
            for label in sorted(set(f.kills) | set(f.completed)):
                report.append(f"  {label:<14} kills {f.kills.get(label, 0):>4}   finished before the kill "
                              f"{f.completed.get(label, 0):>3}   usual run {f.duration.get(label, 0):.2f} s")
                total += f.kills.get(label, 0)
        report.append(f"  total kills {total}, failures {len(errors)}")
        sys.stderr.write("\n" + "\n".join(report) + "\n")
        if errors or os.environ.get("LDB_KEEP_TMP"):
            sys.stderr.write(f"kept {tmp}\n")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            for family in families:
                if getattr(family, "database", None):
                    drop_postgres_database(family.database)
        self.assertEqual(errors, {})
        self.assertGreaterEqual(total, (len(families) - 1) * KILLS)


if __name__ == "__main__":
    unittest.main(verbosity=2)
