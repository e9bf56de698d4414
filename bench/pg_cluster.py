"""A throwaway PostgreSQL cluster for the PostgreSQL benchmarks
(tests/support/postgres-cluster.sh: initdb in a folder under /tmp, a free
port, fsync off), one new database per instance, and psql for a statement."""

import os
import subprocess
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, "tests", "support", "postgres-cluster.sh")


def psql(url: str, statement: str) -> str:
    """Runs one statement; its rows as psql -tA prints them."""
    r = subprocess.run(["psql", "-qtA", "-v", "ON_ERROR_STOP=1", url, "-c", statement], check=True,
                       capture_output=True, text=True)
    return r.stdout.strip()


class Cluster:
    def __init__(self, prefix: str):
        # Directly under /tmp: as root the server runs as the postgres user, which must reach it.
        self.dir = tempfile.mkdtemp(prefix=f"ldb-{prefix}-", dir="/tmp")
        os.rmdir(self.dir)
        r = subprocess.run([SCRIPT, "start", self.dir], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"{prefix}: cannot start a PostgreSQL cluster: {r.stderr.strip()}")
        self.url = r.stdout.strip()
        self.prefix = prefix
        self.count = 0

    def new_database(self) -> tuple:
        """A new empty database: (its name, its URL)."""
        self.count += 1
        name = f"{self.prefix.replace('-', '_')}_{os.getpid()}_{self.count}"
        psql(f"{self.url}/postgres", f"CREATE DATABASE {name}")
        return name, f"{self.url}/{name}"

    def drop_database(self, name: str) -> None:
        psql(f"{self.url}/postgres", f"DROP DATABASE {name}")

    def stop(self) -> None:
        subprocess.run([SCRIPT, "stop", self.dir], capture_output=True)
