"""Concurrent users of one instance: writers committing at once (to one dataset,
where each commit merges what the others committed, and to different
datasets, each from its own workspace), readers running through it, and a
writer held up by another process's lock."""

import os
import sqlite3
import threading
import time

from ldbtest import LdbTestCase, main, make_pairs

WRITERS = 4
COMMITS = 25


class ConcurrencyTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.use_init_instance()
        self.hashes = make_pairs(os.path.join(self.data, "pairs"), WRITERS * COMMITS)
        self.ok("index", os.path.join(self.data, "pairs"))

    def writer(self, p, dataset, errors):
        """Stages `dataset` in its own workspace and commits COMMITS times,
        adding one object of its own before each commit."""
        ws = os.path.join(self.tmp, f"ws-{dataset}-{p}")
        os.makedirs(ws)
        try:
            self.ok("stage", f"ds:{dataset}", cwd=ws, timeout=120)
            for k in range(COMMITS):
                self.ok("add", "id:" + self.hashes[p * COMMITS + k], cwd=ws, timeout=120)
                out = self.ok("commit", "-m", f"p{p}-k{k}", cwd=ws, timeout=120)
                # Preceded by a "Merged ..." line when another writer committed since.
                self.assertTrue(out.splitlines()[-1].startswith(f"Committed ds:{dataset}.v"), out)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(f"writer {p} of ds:{dataset}: {e}")

    def reader(self, stop, errors, workspaces, datasets, most_staged):
        """Lists and checks what the writers are doing until told to stop: every
        version of a dataset in `datasets` holds as many objects as its number,
        and no workspace stages more than `most_staged`."""
        reads = 0
        try:
            while not stop.is_set():
                for d in self.ok_json("ds", "list", "--json"):
                    if d["name"] in datasets and d["objects"] != d["version"]:
                        errors.append(f"reader: ds:{d['name']} v{d['version']} has {d['objects']} objects")
                for ws in workspaces:
                    if not os.path.isdir(os.path.join(ws, ".ldb_workspace")):
                        continue
                    status = self.ok_json("status", "--json", "-t", ws)
                    listed = self.listing("-t", ws)
                    if status["objects"] > most_staged or len(listed) > most_staged:
                        errors.append(f"reader: {ws} stages {status['objects']}/{len(listed)} objects")
                reads += 1
        except Exception as e:  # noqa: BLE001
            errors.append(f"reader: {e}")
        self.reads = reads

    def run_writers(self, targets, readers_for=(), most_staged=COMMITS):
        errors = []
        stop = threading.Event()
        threads = [threading.Thread(target=self.writer, args=(p, d, errors)) for p, d in targets]
        workspaces = [os.path.join(self.tmp, f"ws-{d}-{p}") for p, d in targets]
        reader = threading.Thread(target=self.reader,
                                  args=(stop, errors, workspaces, set(readers_for), most_staged))
        reader.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        reader.join()
        self.assertEqual(errors, [])
        self.assertGreater(self.reads, 0)

    def test_writers_to_one_dataset_merge_and_lose_nothing(self):
        """4 workspaces x 25 commits to ds:shared, each adding one object of its
        own before each commit. Every commit adds an object the latest version
        lacks, so none is "nothing to commit": exactly 100 versions land, each
        the one before it plus one object (a merge when another writer
        committed since), and the last holds all 100 objects."""
        total = WRITERS * COMMITS
        self.run_writers([(p, "shared") for p in range(WRITERS)], readers_for=["shared"], most_staged=total)
        log = self.ok_json("log", "--json", "ds:shared")
        self.assertEqual(sorted(e["version"] for e in log), list(range(1, total + 1)))
        messages = [e["message"] for e in log]
        expected = {f"p{p}-k{k}" for p in range(WRITERS) for k in range(COMMITS)}
        self.assertEqual(len(messages), len(set(messages)), "a commit landed twice")
        self.assertEqual(set(messages), expected, "a commit was lost")
        for e in log:
            # Version n holds n objects: what was there plus this writer's one.
            self.assertEqual((e["objects"], e["added"], e["deleted"]), (e["version"], 1, 0), e)
            # Built on the version before it: staged from it, or merged with it.
            if e["version"] > 1:
                self.assertIn(e["version"] - 1, (e["parent"], e.get("merge_parent")), e)
        merges = sum(1 for e in log if "merge_parent" in e)
        self.assertGreater(merges, 0, "the writers never overlapped")
        # Every object any writer added is in the final version.
        self.assertEqual(sorted(self.ids("ds:shared")), sorted(self.hashes))
        # Each writer's commits are in its own order, and its workspace stages
        # the version of its last commit or a later one, all its objects included.
        for p in range(WRITERS):
            mine = sorted((e["version"], int(e["message"].split("-k")[1])) for e in log if e["message"].startswith(f"p{p}-"))
            self.assertEqual([k for _, k in mine], list(range(COMMITS)))
            ws = os.path.join(self.tmp, f"ws-shared-{p}")
            status = self.ok_json("status", "--json", "-t", ws)
            self.assertGreaterEqual(status["version"], mine[-1][0])
            self.assertEqual(status["objects"], status["version"])
            own = set(self.hashes[p * COMMITS:(p + 1) * COMMITS])
            self.assertLessEqual(own, set(self.ids("-t", ws)))
        self.ok("fsck")

    def test_writers_to_different_datasets_and_readers(self):
        names = [f"d{p}" for p in range(WRITERS)]
        self.run_writers(list(enumerate(names)), readers_for=names)
        for p, name in enumerate(names):
            log = self.ok_json("log", "--json", f"ds:{name}")
            self.assertEqual([e["version"] for e in log], list(range(COMMITS, 0, -1)))
            self.assertEqual([e["message"] for e in log], [f"p{p}-k{k}" for k in range(COMMITS - 1, -1, -1)])
            self.assertEqual(sorted(self.ids(f"ds:{name}")), sorted(self.hashes[p * COMMITS:(p + 1) * COMMITS]))
        self.ok("fsck")

    def test_locked_instance_waits_then_fails_clearly(self):
        self.stage("ds:locked")
        self.ok("add", "id:" + self.hashes[0])
        holder = sqlite3.connect(os.path.join(self.instance, "ldb.sqlite"), isolation_level=None, timeout=0)
        holder.execute("BEGIN IMMEDIATE")
        try:
            env = {"LDB_BUSY_TIMEOUT_MS": "1500"}
            # Readers are not blocked by a writer (WAL).
            self.assertEqual(self.count("ds:root", env=env), WRITERS * COMMITS)
            other = os.path.join(self.tmp, "other-storage")
            os.makedirs(other)
            for args in (("commit", "-m", "blocked"), ("add-storage", other)):
                started = time.monotonic()
                r = self.fails(*args, rc=4, env=env, contains=("the instance is busy", "1.5 s"))
                waited = time.monotonic() - started
                self.assertGreaterEqual(waited, 1.4, r.describe())
                self.assertLess(waited, 10, r.describe())
                self.assertIn("hint: wait for the other command to finish", r.err)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        # Nothing was half-done: the commit goes through now, as version 1.
        self.assertEqual(self.ok("commit", "-m", "after"), "Committed ds:locked.v1 (1 objects, 1 annotations)\n")
        self.ok("fsck")

    def test_zero_busy_timeout_fails_at_once(self):
        holder = sqlite3.connect(os.path.join(self.instance, "ldb.sqlite"), isolation_level=None, timeout=0)
        holder.execute("BEGIN IMMEDIATE")
        try:
            self.stage("ds:locked")
            self.ok("add", "id:" + self.hashes[0])
            started = time.monotonic()
            self.fails("commit", rc=4, env={"LDB_BUSY_TIMEOUT_MS": "0"}, contains="over 0 s")
            self.assertLess(time.monotonic() - started, 5)
        finally:
            holder.execute("ROLLBACK")
            holder.close()


if __name__ == "__main__":
    main()
