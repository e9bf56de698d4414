"""`ldb instance migrate --to postgresql://...` (SPEC section 12) end to end:
the seed workflow on SQLite (tags, datasets with several versions), then the
migration, after which list / ds list / log / diff / instantiate say exactly
what they said before, and new indexing and commits work on PostgreSQL. The
refusals (a database holding an instance, a bad URL, an unreachable server, a
password in the URL) are one error line and a hint, and change nothing.
Runs on the ctest fixture's PostgreSQL cluster (LDB_TEST_POSTGRES_DIR), or on
one started for this file (tests/support/postgres-cluster.sh); skipped, saying
why, without the server binaries."""

import atexit
import glob
import os
import signal
import subprocess
import tempfile
import time
import unittest

from ldbtest import LDB_BIN, LdbTestCase, main, make_pairs

try:
    # The shared helpers of the PostgreSQL CLI tests (branch pg-cli): the ctest
    # fixture's cluster, or one started for this process.
    from ldbtest import new_postgres_database, psql, require_postgres
except ImportError:  # before those helpers: the same, here
    CLUSTER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support", "postgres-cluster.sh")
    _SERVER = {}

    def require_postgres(test: unittest.TestCase) -> str:
        if "url" not in _SERVER:
            fixture = os.environ.get("LDB_TEST_POSTGRES_DIR", "")
            if fixture and os.path.exists(os.path.join(fixture, "url")):
                with open(os.path.join(fixture, "url")) as f:
                    _SERVER["url"] = f.read().strip()
            else:
                # Directly under /tmp: as root the cluster runs as the postgres user.
                folder = tempfile.mkdtemp(prefix="ldb-pg-migrate-", dir="/tmp")
                r = subprocess.run([CLUSTER_SCRIPT, "start", folder], capture_output=True, text=True)
                if r.returncode != 0:
                    raise unittest.SkipTest(f"no PostgreSQL test cluster: {(r.stderr.strip() or '?').splitlines()[0]}")
                _SERVER["url"] = r.stdout.strip()
                atexit.register(lambda: subprocess.run([CLUSTER_SCRIPT, "stop", folder], capture_output=True))
        return _SERVER["url"]

    def psql(url: str, statement: str) -> str:
        r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", statement],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"psql {statement!r} on {url}: {r.stderr.strip()}")
        return r.stdout

    def new_postgres_database() -> str:
        _SERVER["count"] = _SERVER.get("count", 0) + 1
        name = f"ldb_migrate_{os.getpid()}_{_SERVER['count']}"
        psql(_SERVER["url"] + "/postgres", f"CREATE DATABASE {name}")
        return f"{_SERVER['url']}/{name}"


class InstanceMigrateTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        require_postgres(self)

    def new_database(self) -> str:
        return new_postgres_database()

    def seed(self):
        """The seed workflow on a SQLite instance: index, tags, two datasets,
        one with three versions."""
        self.use_init_instance()
        make_pairs(self.data, 8, annotation=lambda i: {"label": i % 2, "i": i})
        self.ok("index", self.data)
        self.ok("tag", "ds:root", "--query", "label == `1`", "-a", "odd,reviewed")
        self.stage("ds:cats")
        self.ok("add", "ds:root", "--query", "label == `1`")
        self.ok("commit", "-m", "odd ones")
        self.ok("add", "ds:root", "--limit", "6")
        self.ok("commit", "-m", "more")
        self.ok("del", "ds:root", "--query", "i == `1`")
        self.ok("commit", "-m", "one less")
        dogs = os.path.join(self.tmp, "ws-dogs")
        os.makedirs(dogs)
        self.ok("stage", "ds:dogs", cwd=dogs)
        self.ok("add", "ds:root", "--tag", "odd", cwd=dogs)
        self.ok("commit", "-m", "tagged", cwd=dogs)

    def views(self) -> dict:
        """What the commands show, to compare before and after."""
        out = {
            "list": self.ok("list", "ds:root"),
            "list_json": self.ok("list", "--json", "ds:root"),
            "tagged": self.ok("list", "ds:root", "--tag", "odd"),
            "query": self.ok("list", "ds:root", "--query", "i > `3`"),
            "ds_list": self.ok("ds", "list"),
            "log": self.ok("log", "ds:cats"),
            "diff": self.ok("diff", "ds:cats.v1", "ds:cats.v3"),
            "show_v2": self.ok("list", "ds:cats.v2"),
            "dogs": self.ok("list", "ds:dogs"),
        }
        target = os.path.join(self.tmp, f"out-{len(glob.glob(os.path.join(self.tmp, 'out-*')))}")
        self.ok("instantiate", "ds:cats.v3", "-t", target)
        files = {}
        for name in sorted(os.listdir(target)):
            if name.startswith("."):  # instantiate's own record holds the times it wrote the files
                continue
            with open(os.path.join(target, name), "rb") as f:
                files[name] = f.read()
        out["instantiate"] = files
        return out

    def config_text(self) -> str:
        with open(os.path.join(self.instance, "config")) as f:
            return f.read()

    def test_migrated_instance_shows_the_same_and_keeps_working(self):
        self.seed()
        before = self.views()
        url = self.new_database()
        out = self.ok("instance", "migrate", "--to", url)
        lines = out.splitlines()
        self.assertEqual(len(lines), 2, out)
        self.assertTrue(lines[0].startswith(f"Migrated instance {self.instance} to {url}: 16 tables, "), out)
        self.assertIn("4 dataset versions verified", lines[0])
        kept = glob.glob(os.path.join(self.instance, "ldb.sqlite.migrated-*"))
        self.assertEqual(len(kept), 1, os.listdir(self.instance))
        self.assertIn(f"The SQLite store is kept at {kept[0]}; nothing uses it any more", lines[1])
        self.assertFalse(os.path.exists(os.path.join(self.instance, "ldb.sqlite")))
        self.assertIn(f"store = '{url}'", self.config_text())
        self.assertIn("auto_index = false", self.config_text())  # the rest of the config is kept

        self.assertEqual(self.views(), before)
        self.assertIn("ok (schema 6, 8 objects", self.ok("fsck"))
        # New ids on PostgreSQL follow the copied ones: index, commit.
        make_pairs(self.data, 3, prefix="new", annotation=lambda i: {"label": 1, "i": 100 + i})
        self.ok("index", self.data)
        self.assertEqual(self.count("ds:root"), 11)
        self.ok("add", "ds:root", "--query", "i >= `100`")
        self.ok("commit", "-m", "after the move")
        self.assertIn("ds:cats.v4", self.ok("log", "ds:cats"))
        self.assertEqual(psql(url, "SELECT count(*) FROM dataset_versions").strip(), "5")

        # Done: a second run says so and changes nothing.
        self.fails("instance", "migrate", "--to", url, contains=["already keeps its store in", "needs no migration"])

    def test_json_and_a_run_interrupted_after_the_copy(self):
        self.seed()
        cats = self.count("ds:cats")
        url = self.new_database()
        config_before = self.config_text()
        report = self.ok_json("instance", "migrate", "--to", url, "--json")
        self.assertEqual(report["store"], url)
        self.assertEqual([t["table"] for t in report["tables"]][:3], ["objects", "paths", "annotation_contents"])
        self.assertEqual(sum(t["rows"] for t in report["tables"]), report["rows"])
        self.assertIsNone(report["resumed"])
        self.assertEqual(report["dataset_versions"], 4)
        # As if killed between COMMIT and the config's rename: the old config
        # and the SQLite file back. The next run verifies and finishes.
        with open(os.path.join(self.instance, "config"), "w") as f:
            f.write(config_before)
        os.rename(report["sqlite_kept_at"], os.path.join(self.instance, "ldb.sqlite"))
        again = self.ok_json("instance", "migrate", "--to", url, "--json")
        self.assertEqual(again["resumed"], "copied")
        self.assertEqual(again["rows"], report["rows"])
        self.assertIn(f"store = '{url}'", self.config_text())
        # Killed between the config's rename and setting the SQLite file aside.
        os.rename(again["sqlite_kept_at"], os.path.join(self.instance, "ldb.sqlite"))
        out = self.ok("instance", "migrate", "--to", url)
        self.assertIn("already uses", out)
        self.assertFalse(os.path.exists(os.path.join(self.instance, "ldb.sqlite")))
        self.assertEqual(self.count("ds:cats"), cats)

    def test_killed_during_the_copy_leaves_the_database_empty(self):
        self.use_init_instance()
        for folder in range(20):  # 20,000 objects: the copy runs long enough to be caught
            make_pairs(os.path.join(self.data, f"d{folder}"), 1000, prefix=f"f{folder}_")
        self.ok("index", self.data)
        config = self.config_text()
        url = self.new_database()
        proc = subprocess.Popen([LDB_BIN, "instance", "migrate", "--to", url], env=self.env, cwd=self.ws,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # SIGKILL once PostgreSQL is receiving rows: inside the one transaction.
        database = url.rsplit("/", 1)[1]
        watch = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' AND query LIKE 'COPY%'"
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if psql(url.rsplit("/", 1)[0] + "/postgres", watch).strip() != "0":
                break
        landed = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not landed:
            self.skipTest("the migration finished before the kill (a very fast machine)")
        # The server rolls back the dead client's transaction: no table is left.
        deadline = time.monotonic() + 30
        while psql(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").strip() != "0":
            self.assertLess(time.monotonic(), deadline, "tables left behind after the kill")
            time.sleep(0.1)
        self.assertEqual(self.config_text(), config)
        self.assertTrue(os.path.exists(os.path.join(self.instance, "ldb.sqlite")))
        self.assertEqual(self.count("ds:root"), 20000)
        # And a second run does the whole migration.
        self.assertIn("Migrated instance", self.ok("instance", "migrate", "--to", url))
        self.assertEqual(self.count("ds:root"), 20000)

    def test_refusals_change_nothing(self):
        self.seed()
        before = self.ok("list", "ds:root")
        config = self.config_text()
        listing = sorted(os.listdir(self.instance))

        def unchanged():
            self.assertEqual(self.config_text(), config)
            self.assertEqual(sorted(os.listdir(self.instance)), listing)
            self.assertEqual(self.ok("list", "ds:root"), before)

        r = self.fails("instance", "migrate", "--to", "postgresql://ldb:s3cret@127.0.0.1:1/x", rc=2,
                       contains=["carries a password", ".pgpass"])
        self.assertNotIn("s3cret", r.err)
        unchanged()
        r = self.fails("instance", "migrate", "--to", "postgresql://ldb@127.0.0.1:1/x",
                       contains=["cannot reach PostgreSQL server postgresql://ldb@127.0.0.1:1/x"])
        self.assertEqual(len(r.err.strip().splitlines()), 2, r.err)
        unchanged()
        self.fails("instance", "migrate", "--to", "mysql://host/db", rc=2, contains=["'mysql'", "postgresql://"])
        self.fails("instance", "migrate", "--to", "not a url", rc=2, contains=["not a store URL"])
        self.fails("instance", "migrate", rc=2, contains=["needs --to URL"])
        self.fails("instance", "migrat", rc=2, contains=["did you mean 'ldb instance migrate'"])
        unchanged()
        # A database that holds another instance, or another program's tables.
        taken = self.new_database()
        self.assertEqual(self.ldb("init", "--store", taken, os.path.join(self.tmp, "other")).rc, 0)
        r = self.fails("instance", "migrate", "--to", taken,
                       contains=["already holds an ldb instance", "not a copy of this instance", "createdb"])
        self.assertEqual(len(r.err.strip().splitlines()), 2, r.err)
        unchanged()
        other = self.new_database()
        psql(other, "CREATE TABLE invoices(id int)")
        self.fails("instance", "migrate", "--to", other, contains=["another program", "createdb"])
        self.assertEqual(psql(other, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").strip(), "1")
        unchanged()


if __name__ == "__main__":
    main()
