"""End-to-end on the PostgreSQL store (SPEC section 12): `ldb init --store
postgresql://...` on the throwaway PostgreSQL test cluster (ldbtest.py: the
ctest fixture's, or one started for this file), the seed workflow on it,
concurrent commits from several processes, a second machine's folder joining
the team's instance, a role that may only read, and the errors for bad URLs,
servers, logins and databases (each one line and a hint, in under 15 s, no
instance folder left). The seed workflow's other tests run on PostgreSQL as
the cli_pg_* variants (LDB_TEST_STORE=postgresql). Skipped, saying why, when
the PostgreSQL server binaries are missing (failed under LDB_REQUIRE_POSTGRES=1)."""

import itertools
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from ldbtest import CLUSTER_SCRIPT, LdbTestCase, main, make_pairs, psql, require_postgres

ROLE_NUMBERS = itertools.count(1)
# tests/support/postgres-cluster.sh: this role logs in with this password only.
PASSWORD_ROLE, PASSWORD = "ldb_password", "ldb-test-password"
SLOW_LIMIT = 15.0


def database_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


class PostgresStoreTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.server = require_postgres(self)

    def init_on_postgres(self) -> str:
        url = self.new_store_url()
        inst = os.path.join(self.tmp, "instance")
        self.env["LDB_DIR"] = inst
        self.assertEqual(self.ok("init", "--store", url, inst), f"Initialized ldb instance at {inst}\n")
        self.ok("add-storage", self.data)
        self.instance = inst
        return url

    def populate(self):
        """Six objects indexed, ds:odd (3 objects) committed."""
        make_pairs(self.data, 6, annotation=lambda i: {"label": i % 2, "i": i})
        self.ok("index", self.data)
        self.stage("ds:odd")
        self.ok("add", "ds:root", "--query", "label == `1`")
        self.ok("commit", "-m", "odd ones")

    def fingerprint(self, url: str) -> dict:
        """Every table's row count and content digest: equal fingerprints mean
        nothing in the database changed."""
        tables = psql(url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1").split()
        query = " UNION ALL ".join(
            f"SELECT '{t}', count(*) || ' ' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') FROM {t} x"
            for t in tables)
        return dict(line.split("|", 1) for line in psql(url, query).splitlines())

    def role_url(self, url: str, role: str) -> str:
        return url.replace("postgresql://ldb@", f"postgresql://{role}@", 1)

    def fails_fast(self, *args, contains=(), env=None) -> float:
        """The error contract (fails()), in one error line and one hint, in
        under SLOW_LIMIT seconds; returns the seconds it took."""
        started = time.monotonic()
        r = self.fails(*args, contains=contains, env=env, timeout=60)
        seconds = time.monotonic() - started
        self.assertLess(seconds, SLOW_LIMIT, r.describe())
        self.assertEqual(len(r.err.strip().splitlines()), 2, r.describe())
        return seconds

    # ---- the seed workflow ------------------------------------------------------

    def test_seed_workflow(self):
        url = self.init_on_postgres()
        with open(os.path.join(self.instance, "config")) as f:
            self.assertIn(f"store = '{url}'", f.read())
        self.assertNotIn("ldb.sqlite", os.listdir(self.instance))
        self.populate()
        self.assertEqual(self.count("ds:root"), 6)
        self.assertEqual(self.count("ds:root", "--query", "label == `1`"), 3)
        self.assertEqual(self.count("ds:odd"), 3)
        self.assertIn("ds:odd", self.ok("ds", "list"))
        out_dir = os.path.join(self.tmp, "out")
        self.ok("instantiate", "ds:odd", "-t", out_dir)
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

    # ---- a second machine joins the team's instance ---------------------------------

    def test_init_on_a_database_holding_an_instance_joins_it(self):
        url = self.init_on_postgres()
        self.populate()
        before = self.fingerprint(url)
        second = os.path.join(self.tmp, "second")
        as_second = {"LDB_DIR": second}
        out = self.ok("init", "--store", url, second, env=as_second)
        self.assertEqual(out, f"Joined the existing ldb instance in {url} (6 objects, 1 datasets) at {second}\n")
        self.assertEqual(self.fingerprint(url), before)
        with open(os.path.join(second, "config")) as f:
            self.assertIn(f"store = '{url}'", f.read())
        self.assertNotIn("ldb.sqlite", os.listdir(second))
        # The second folder sees the team's data and its commits are the team's.
        ws2 = os.path.join(self.tmp, "ws2")
        os.makedirs(ws2)
        self.assertEqual(self.count("ds:odd", env=as_second), 3)
        self.assertIn("ds:odd", self.ok("ds", "list", env=as_second))
        self.ok("stage", "ds:even", cwd=ws2, env=as_second)
        self.ok("add", "ds:root", "--query", "label == `0`", cwd=ws2, env=as_second)
        self.ok("commit", "-m", "from the second machine", cwd=ws2, env=as_second)
        self.assertEqual(self.count("ds:even"), 3)
        # Again without -f: the folder is an instance already; the database is untouched.
        before = self.fingerprint(url)
        self.fails("init", "--store", url, second, env=as_second, contains="already an ldb instance")
        # -f replaces the folder's own files, never the team's data.
        out = self.ok("init", "-f", "--store", url, second, env=as_second)
        self.assertIn("Joined the existing ldb instance", out)
        self.assertIn("(6 objects, 2 datasets)", out)
        self.assertEqual(self.fingerprint(url), before)
        # -f over a SQLite instance folder: that folder joins; the database is untouched.
        third = os.path.join(self.tmp, "third")
        self.ok("init", third, env={"LDB_DIR": third})
        self.assertIn("ldb.sqlite", os.listdir(third))
        self.assertIn("Joined", self.ok("init", "-f", "--store", url, third, env={"LDB_DIR": third}))
        self.assertNotIn("ldb.sqlite", os.listdir(third))
        self.assertEqual(self.fingerprint(url), before)
        self.assertEqual(self.count("ds:even", env={"LDB_DIR": third}), 3)

    # ---- a role that may only read ----------------------------------------------------

    def test_a_role_that_may_only_select_reads_and_is_told_what_it_may_not_write(self):
        url = self.init_on_postgres()
        self.populate()
        role = f"reader_{os.getpid()}_{next(ROLE_NUMBERS)}"
        database = database_of(url)
        psql(f"{self.server}/postgres", f"CREATE ROLE {role} LOGIN")
        # After tearDown has dropped the database (and with it the grants).
        self.addCleanup(psql, f"{self.server}/postgres", f"DROP ROLE IF EXISTS {role}")
        psql(url, f"GRANT CONNECT ON DATABASE {database} TO {role}; GRANT USAGE ON SCHEMA public TO {role}; "
                  f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        before = self.fingerprint(url)
        reader = os.path.join(self.tmp, "reader")
        as_reader = {"LDB_DIR": reader}
        self.assertIn("Joined the existing ldb instance", self.ok("init", "--store", self.role_url(url, role), reader,
                                                                  env=as_reader))
        ws2 = os.path.join(self.tmp, "ws-reader")
        os.makedirs(ws2)
        # Reading commands work.
        self.assertEqual(self.count("ds:odd", env=as_reader), 3)
        self.assertEqual(self.count("ds:root", "--query", "label == `0`", env=as_reader), 3)
        self.assertIn("ds:odd", self.ok("ds", "list", env=as_reader))
        self.ok("stats", "ds:odd", env=as_reader)
        self.assertIn("3", self.ok("diff", "ds:odd", "ds:root", env=as_reader))
        out_dir = os.path.join(self.tmp, "out")
        self.ok("instantiate", "ds:odd", "-t", out_dir, env=as_reader)
        self.assertEqual(len([n for n in os.listdir(out_dir) if n.endswith(".json")]), 3)
        # Writing commands fail, each naming what it may not do and how to get the privilege.
        denied = ["lacks the", "privilege on table", "GRANT "]
        self.ok("stage", "ds:odd", cwd=ws2, env=as_reader)
        # Staging changes only the workspace (add of files nobody indexed is refused as on SQLite).
        self.ok("add", "ds:root", cwd=ws2, env=as_reader)
        r = self.fails("commit", "-m", "not allowed", cwd=ws2, env=as_reader, contains=denied + ["INSERT"])
        self.assertEqual(len(r.err.strip().splitlines()), 2, r.describe())
        os.makedirs(os.path.join(self.tmp, "elsewhere"))
        extra = os.path.join(self.data, "more")
        make_pairs(extra, 1, prefix="extra")
        self.fails("add", extra, cwd=ws2, env=as_reader, contains="is not indexed")
        for args in (("tag", "ds:root", "-a", "seen"), ("index", extra),
                     ("add-storage", os.path.join(self.tmp, "elsewhere"))):
            r = self.fails(*args, cwd=ws2, env=as_reader, contains=denied)
            self.assertEqual(len(r.err.strip().splitlines()), 2, r.describe())
        self.assertEqual(self.fingerprint(url), before)

    # ---- the test cluster itself ------------------------------------------------------

    def test_cluster_script_takes_a_deep_folder_under_a_private_one(self):
        # As CI has it (.ci/run): a build tree in a 0700 mktemp folder (the
        # server's user, when the tests run as root, cannot enter it), deeper
        # than a unix socket path may be (107 bytes).
        private = os.path.join(self.tmp, "private")
        os.makedirs(private, mode=0o700)
        deep = os.path.join(private, *(["a-rather-long-folder-name"] * 5), "postgres-cluster")
        self.assertGreater(len(deep), 120)
        started = subprocess.run([CLUSTER_SCRIPT, "start", deep], capture_output=True, text=True, timeout=120)
        try:
            self.assertEqual(started.returncode, 0, started.stderr)
            url = started.stdout.strip()
            self.assertEqual(psql(f"{url}/postgres", "SELECT 1").strip(), "1")
        finally:
            subprocess.run([CLUSTER_SCRIPT, "stop", deep], capture_output=True, timeout=120)
        self.assertFalse(os.path.exists(deep))

    # ---- bad input: one line and a hint, fast, nothing left -----------------------------

    def test_bad_urls_servers_logins_and_databases(self):
        inst = os.path.join(self.tmp, "instance")
        timings = {}

        def refused(label, url, contains, env=None):
            timings[label] = self.fails_fast("init", "--store", url, inst, contains=contains, env=env)
            self.assertFalse(os.path.exists(inst), label)

        refused("password in the URL", "postgresql://ldb:s3cret@127.0.0.1:1/x", ["carries a password", ".pgpass"])
        r = self.ldb("init", "--store", "postgresql://ldb:s3cret@127.0.0.1:1/x", inst)
        self.assertNotIn("s3cret", r.err)
        refused("closed port", "postgresql://ldb@127.0.0.1:1/x",
                ["cannot reach PostgreSQL server postgresql://ldb@127.0.0.1:1/x"])
        refused("non-routable address", "postgresql://ldb@10.255.255.1:5432/x",
                ["cannot reach PostgreSQL server postgresql://ldb@10.255.255.1:5432/x"])
        # A server that never answers (a firewall dropping packets looks the
        # same to the client): the connect timeout (10 s) ends the wait.
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            port = silent.getsockname()[1]
            refused("server that never answers", f"postgresql://ldb@127.0.0.1:{port}/x",
                    [f"cannot reach PostgreSQL server postgresql://ldb@127.0.0.1:{port}/x"])
        url = self.new_store_url()
        as_password_role = self.role_url(url, PASSWORD_ROLE)
        no_pgpass = {"PGPASSFILE": os.path.join(self.tmp, "no-pgpass")}
        refused("wrong password", as_password_role, [PASSWORD_ROLE, ".pgpass"],
                env=no_pgpass | {"PGPASSWORD": "wrong"})
        refused("no password", as_password_role, [PASSWORD_ROLE, ".pgpass"], env=no_pgpass)
        refused("unknown role", self.role_url(url, "nobody_here"), ["nobody_here"])
        refused("missing database", f"{self.server}/no_such_database", ["no_such_database", "createdb"])
        other = self.new_store_url()
        psql(other, "CREATE TABLE invoices(id int)")
        refused("another program's database", other, ["another program", "createdb"])
        # A newer ldb's instance: neither joined nor used.
        newer = self.new_store_url()
        self.ok("init", "--store", newer, os.path.join(self.tmp, "newer"), env={"LDB_DIR": os.path.join(self.tmp, "newer")})
        psql(newer, "INSERT INTO ldb_schema_migrations(version, description) VALUES (99, 'from the future')")
        refused("newer schema", newer, ["schema version 99, newer than this ldb", "upgrade ldb"])
        timings["newer schema, list"] = self.fails_fast("list", "ds:root", env={"LDB_DIR": os.path.join(self.tmp, "newer")},
                                                        contains="newer than this ldb")
        # The right password works (the role may not create the schema in a database it does not own, so
        # the error after the login is about privileges).
        r = self.ldb("init", "--store", as_password_role, inst, env={"PGPASSWORD": PASSWORD} | no_pgpass)
        self.assertNotIn(".pgpass", r.err, r.describe())
        sys.stderr.write("\n" + "\n".join(f"  {label}: {seconds:.2f} s" for label, seconds in timings.items()) + "\n")


if __name__ == "__main__":
    main()
