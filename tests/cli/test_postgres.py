"""End-to-end on the PostgreSQL store (SPEC section 12): `ldb init --store
postgresql://...` on a throwaway PostgreSQL cluster (tests/support/postgres-cluster.sh,
started once for this file and stopped at its end), the seed workflow on it, the
errors for bad URLs and servers, and concurrent commits from several processes.
Skipped, saying why, when the PostgreSQL server binaries are missing."""

import os
import subprocess
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor

from ldbtest import LdbTestCase, main, make_pairs

CLUSTER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support", "postgres-cluster.sh")
SERVER = {}


def setUpModule():
    # Directly under /tmp: as root the cluster runs as the postgres user, which must reach it.
    folder = tempfile.mkdtemp(prefix="ldb-pg-cli-", dir="/tmp")
    os.rmdir(folder)
    r = subprocess.run([CLUSTER_SCRIPT, "start", folder], capture_output=True, text=True)
    if r.returncode != 0:
        raise unittest.SkipTest(f"no PostgreSQL test cluster: {r.stderr.strip().splitlines()[0] if r.stderr else ''}")
    SERVER["dir"] = folder
    SERVER["url"] = r.stdout.strip()
    SERVER["count"] = 0


def tearDownModule():
    if "dir" in SERVER:
        subprocess.run([CLUSTER_SCRIPT, "stop", SERVER["dir"]], capture_output=True)


def sql(database: str, statement: str):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", f"{SERVER['url']}/{database}", "-c", statement],
                   check=True, capture_output=True)


class PostgresStoreTest(LdbTestCase):
    def new_database(self) -> str:
        SERVER["count"] += 1
        name = f"cli_{os.getpid()}_{SERVER['count']}"
        sql("postgres", f"CREATE DATABASE {name}")
        return f"{SERVER['url']}/{name}"

    def init_on_postgres(self) -> str:
        url = self.new_database()
        inst = os.path.join(self.tmp, "instance")
        self.env["LDB_DIR"] = inst
        self.assertEqual(self.ok("init", "--store", url, inst), f"Initialized ldb instance at {inst}\n")
        self.ok("add-storage", self.data)
        self.instance = inst
        return url

    def test_seed_workflow(self):
        url = self.init_on_postgres()
        with open(os.path.join(self.instance, "config")) as f:
            self.assertIn(f"store = '{url}'", f.read())
        self.assertNotIn("ldb.sqlite", os.listdir(self.instance))
        make_pairs(self.data, 6, annotation=lambda i: {"label": i % 2, "i": i})
        self.ok("index", self.data)
        self.assertEqual(self.count("ds:root"), 6)
        self.assertEqual(self.count("ds:root", "--query", "label == `1`"), 3)
        self.stage("ds:odd")
        self.ok("add", "ds:root", "--query", "label == `1`", cwd=self.ws)
        self.ok("commit", "-m", "odd ones", cwd=self.ws)
        self.assertEqual(self.count("ds:odd"), 3)
        self.assertIn("ds:odd", self.ok("ds", "list"))
        out_dir = os.path.join(self.tmp, "out")
        self.ok("instantiate", "ds:odd", "-t", out_dir, cwd=self.ws)
        self.assertEqual(len([n for n in os.listdir(out_dir) if n.endswith(".json")]), 3)
        self.assertIn("ok (schema 6, 6 objects", self.ok("fsck"))

    def test_processes_committing_at_once_lose_nothing(self):
        # Four processes, each committing five versions of its own dataset at
        # the same time (the store's own tests commit 4 x 25 versions of one
        # dataset from four clients).
        self.init_on_postgres()
        hashes = make_pairs(self.data, 2)
        self.ok("index", self.data)
        workspaces = []
        for w in range(4):
            ws = os.path.join(self.tmp, f"ws{w}")
            os.makedirs(ws)
            self.ok("stage", f"ds:team{w}", cwd=ws)
            workspaces.append(ws)

        def commit_five(ws):
            codes = []
            for i in range(5):
                change = ("add", "ds:root") if i % 2 == 0 else ("del", "id:" + hashes[0])
                codes.append(self.ldb(*change, cwd=ws).rc)
                codes.append(self.ldb("commit", "-m", f"step {i}", cwd=ws).rc)
            return codes

        with ThreadPoolExecutor(4) as pool:
            codes = [rc for codes in pool.map(commit_five, workspaces) for rc in codes]
        self.assertEqual(codes, [0] * 40)
        for w in range(4):
            log = self.ok("log", f"ds:team{w}")
            self.assertIn(f"ds:team{w}.v5", log)
            self.assertNotIn(f"ds:team{w}.v6", log)

    def test_bad_urls_and_servers(self):
        inst = os.path.join(self.tmp, "instance")
        r = self.fails("init", "--store", "postgresql://ldb:s3cret@127.0.0.1:1/x", inst, rc=2,
                       contains=["carries a password", ".pgpass"])
        self.assertNotIn("s3cret", r.err)
        self.assertFalse(os.path.exists(inst))
        r = self.fails("init", "--store", "postgresql://ldb@127.0.0.1:1/x", inst,
                       contains=["cannot reach PostgreSQL server postgresql://ldb@127.0.0.1:1/x", "hint:"])
        self.assertEqual(len(r.err.strip().splitlines()), 2, r.err)
        self.assertFalse(os.path.exists(inst))
        other = self.new_database()
        sql(other.rsplit("/", 1)[1], "CREATE TABLE invoices(id int)")
        self.fails("init", "--store", other, inst, contains=["another program", "createdb"])
        self.assertFalse(os.path.exists(inst))


if __name__ == "__main__":
    main()
