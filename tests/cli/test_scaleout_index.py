"""Scale-out indexing on PostgreSQL (SPEC section 12, docs/team.md "Scale-out
indexing"): several `ldb index` processes on one storage share one run
through the store's work queue, each batch leased with SKIP LOCKED and
ingested once; a worker killed in the middle loses nothing, because another
takes its expired lease over. Runs on the PostgreSQL test cluster
(ldbtest.py: the ctest fixture's, or one started for this file); skipped,
saying why, without the PostgreSQL server binaries.

LDB_INDEX_BATCH_FILES makes batches small, LDB_INDEX_LEASE_MS leases short
and LDB_INDEX_BATCH_PAUSE_MS (tests only) stretches each batch, so that the
workers overlap and one can be killed while it holds a lease."""

import os
import re
import signal
import subprocess
import time

from ldbtest import LDB_BIN, LdbTestCase, main, make_pairs, psql, require_postgres

def query(url: str, statement: str) -> str:
    """One value (or rows joined by newlines) that `statement` returns."""
    return psql(url, statement).strip()


def counts(out: str) -> tuple:
    """(found, new) of an index summary's "Data objects:" line."""
    m = re.search(r"^Data objects: (\d+) found, (\d+) new$", out, re.M)
    assert m, out
    return int(m.group(1)), int(m.group(2))


class ScaleOutIndexTest(LdbTestCase):
    def init_on_postgres(self) -> str:
        require_postgres(self)
        url = self.new_store_url()
        inst = os.path.join(self.tmp, "instance")
        self.env["LDB_DIR"] = inst
        self.ok("init", "--store", url, inst)
        self.ok("add-storage", self.data)
        self.instance = inst
        return url

    def start_index(self, **env) -> subprocess.Popen:
        run_env = dict(self.env)
        run_env.update({k: str(v) for k, v in env.items()})
        return subprocess.Popen([LDB_BIN, "index", self.data], cwd=self.ws, env=run_env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)

    def assert_each_object_once(self, url: str, total: int):
        self.assertEqual(query(url, "SELECT count(*) FROM objects"), str(total))
        self.assertEqual(query(url, "SELECT count(*) FROM paths"), str(total))
        # Exactly one annotation version per object, and it is current.
        self.assertEqual(query(url, "SELECT count(*) FROM annotation_versions"), str(total))
        self.assertEqual(query(url, "SELECT count(*) FROM objects WHERE current_version = 1"), str(total))
        self.assertEqual(query(url, "SELECT count(*) FROM index_batches WHERE state <> 'done'"), "0")
        self.assertEqual(self.count("ds:root"), total)

    def test_processes_started_at_once_index_each_object_once(self):
        url = self.init_on_postgres()
        total = 3000
        make_pairs(self.data, total, annotation=lambda i: {"label": i % 7})
        # 30 batches of 100, each stretched by 30 ms so that all three workers
        # take part even on a busy machine.
        workers = [self.start_index(LDB_INDEX_BATCH_FILES=100, LDB_INDEX_BATCH_PAUSE_MS=30) for _ in range(3)]
        outputs = []
        for w in workers:
            out, err = w.communicate(timeout=300)
            self.assertEqual(w.returncode, 0, err)
            self.assertEqual(err, "")
            outputs.append(out)
        found = [counts(out)[0] for out in outputs]
        new = [counts(out)[1] for out in outputs]
        # Every batch was committed by exactly one worker: the workers' counts
        # add up to the storage.
        self.assertEqual(sum(new), total, outputs)
        self.assertEqual(sum(found), total, outputs)
        self.assertGreaterEqual(sum(1 for n in new if n > 0), 2, outputs)
        for out, n in zip(outputs, new):
            if n < total:
                self.assertRegex(out, r"Shared run: +\d+ of 30 batches indexed by this process")
        self.assert_each_object_once(url, total)
        self.assertEqual(query(url, "SELECT count(*) FROM index_runs"), "1")
        self.assertEqual(query(url, "SELECT count(DISTINCT owner) FROM index_batches"),
                         str(sum(1 for n in new if n > 0)))

        # A later index of the same storage starts a new run and finds nothing new.
        out = self.ok("index", self.data, env={"LDB_INDEX_BATCH_FILES": "100"})
        self.assertEqual(counts(out), (total, 0))
        self.assertNotIn("Shared run", out)
        self.assert_each_object_once(url, total)

    def test_a_killed_workers_batch_is_taken_over(self):
        url = self.init_on_postgres()
        total = 1500
        make_pairs(self.data, total)
        tuning = {"LDB_INDEX_BATCH_FILES": 100, "LDB_INDEX_LEASE_MS": 1500}
        victim = self.start_index(LDB_INDEX_BATCH_PAUSE_MS=400, **tuning)
        owner = f"%:{victim.pid}:%"
        deadline = time.monotonic() + 120
        done = 0
        while done < 2 and time.monotonic() < deadline and victim.poll() is None:
            time.sleep(0.05)
            done = int(query(url, f"SELECT count(*) FROM index_batches WHERE owner LIKE '{owner}' AND state = 'done'")
                       or 0)
        # It holds the lease of its next batch (paused in it) when it dies.
        time.sleep(0.2)
        victim.send_signal(signal.SIGKILL)
        victim.communicate()
        self.assertEqual(victim.returncode, -signal.SIGKILL)
        done_by_victim = int(query(url, f"SELECT count(*) FROM index_batches WHERE owner LIKE '{owner}' "
                                        "AND state = 'done'"))
        self.assertGreaterEqual(done_by_victim, 2)
        self.assertEqual(query(url, f"SELECT count(*) FROM index_batches WHERE owner LIKE '{owner}' "
                                    "AND state = 'leased'"), "1")

        # Another worker joins the run, does the rest and takes the dead
        # worker's batch over (at once: its owner is a process of this host
        # that is gone; on another host, once the 1.5 s lease has expired).
        out = self.ok("index", self.data, env={k: str(v) for k, v in tuning.items()})
        found, new = counts(out)
        self.assertEqual(new, total - 100 * done_by_victim)
        self.assertEqual(found, total - 100 * done_by_victim)
        self.assertRegex(out, rf"Shared run: +{15 - done_by_victim} of 15 batches indexed by this process, "
                              r"1 taken over from a worker whose lease expired")
        self.assert_each_object_once(url, total)
        self.assertEqual(query(url, "SELECT count(*) FROM index_runs"), "1")
        self.assertEqual(query(url, "SELECT count(*) FROM index_batches WHERE attempt = 2"), "1")

    def test_sqlite_instances_index_in_one_transaction_as_before(self):
        self.use_init_instance()
        make_pairs(self.data, 30)
        out = self.ok("index", self.data, env={"LDB_INDEX_BATCH_FILES": "5"})
        self.assertEqual(counts(out), (30, 30))
        self.assertNotIn("Shared run", out)

    def test_bad_tuning_is_one_error(self):
        self.use_init_instance()
        make_pairs(self.data, 1)
        self.fails("index", self.data, env={"LDB_INDEX_BATCH_FILES": "0"},
                   contains=["LDB_INDEX_BATCH_FILES='0' is not a whole number of at least 1"])


if __name__ == "__main__":
    main()
