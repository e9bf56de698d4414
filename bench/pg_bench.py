#!/usr/bin/python3
"""PostgreSQL store benchmark (issue 21): `ldb index` and `ldb list ds:root
--query ... -s` on an instance whose store is PostgreSQL, against the same
commands on a SQLite instance over the same files, in one run.

Run from the repository root after a build of `ldb` (Release or RelWithDebInfo);
the PostgreSQL server binaries come from scripts/install-deps.sh (`postgresql`):

    /usr/bin/python3 bench/pg_bench.py build/src/cli/ldb --index-count 100000 \\
        --list-count 1000000 --out docs/benchmarks.md

What it does:
1. starts a throwaway PostgreSQL cluster (tests/support/postgres-cluster.sh,
   fsync off, on this machine: client and server share its cores) and stops it
   at the end;
2. generates --index-count data + annotation pairs (bench/gen_data.py: 1-4 KB
   data files, ~300-byte JSON annotations shaped like the seed's), then for
   each backend: `ldb init` (SQLite) or `ldb init --store URL` (PostgreSQL,
   a fresh database), `ldb add-storage`, and the timed `ldb index` of them
   all (one run each: a second run would be a re-index);
3. the same for --list-count pairs (untimed index), then times `ldb list
   ds:root --query QUERY -s` on each backend, the median of --repeat runs.

Times are wall clock (the server's CPU is not the ldb process's). The machine
may be shared: the load average before and after each part is reported beside
the numbers. Generated data is kept under --work and reused by later runs. The
results go to WORK/postgres-results.json and, with --out, into the "postgres"
section of docs/benchmarks.md.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import doc_sections  # noqa: E402
from pg_cluster import Cluster  # noqa: E402
import gen_data  # noqa: E402
from measure import measure  # noqa: E402

SECTION = "postgres"
QUERY = "inference.confidence < 0.75"
# Targets of issue 21: PostgreSQL within this factor of SQLite.
INDEX_TARGET = 3.0
LIST_TARGET = 2.0


def log(message: str) -> None:
    print(f"[pg-bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def data_of(work: str, count: int) -> str:
    """The generated pairs for `count` (made once, reused)."""
    root = os.path.join(work, "data", f"n{count}")
    done = os.path.join(root, "done")
    pairs = os.path.join(root, "pairs")
    if not os.path.exists(done):
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        log(f"generating {count} pairs in {pairs}")
        start = time.perf_counter()
        gen_data.generate(pairs, count, max(1, min(count, count // 1000 or 1)), 0.02, 1, 300, 1024, 4096)
        log(f"  generated in {time.perf_counter() - start:.0f} s")
        with open(done, "w") as f:
            f.write("1\n")
    return pairs


class Instance:
    """One ldb instance (SQLite or PostgreSQL store) with its own HOME."""

    def __init__(self, ldb: str, root: str, store_url: str | None, timeout: float):
        self.ldb, self.timeout = ldb, timeout
        shutil.rmtree(root, ignore_errors=True)
        self.path = os.path.join(root, "instance")
        home = os.path.join(root, "home")
        os.makedirs(home)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LDB_")}
        self.env.update({"HOME": home, "LDB_DIR": self.path, "LC_ALL": "C"})
        self.root = root
        init = ["init", *(["--store", store_url] if store_url else []), self.path]
        self.must(init)

    def must(self, args):
        r = subprocess.run([self.ldb, *args], env=self.env, cwd=self.root, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"pg_bench: ldb {' '.join(args)} failed: {r.stderr.strip()}")
        return r.stdout

    def timed(self, name: str, args, repeat: int = 1):
        m = measure(name, [self.ldb, *args], repeat=repeat, cwd=self.root, env=self.env, timeout=self.timeout)
        if not m.ok:
            raise SystemExit(f"pg_bench: ldb {' '.join(args)} failed: {m.error}")
        return m


def index_part(ldb: str, cluster: Cluster, work: str, count: int, timeout: float) -> dict:
    data = data_of(work, count)
    out = {"count": count, "load_before": loadavg()}
    for backend in ("sqlite", "postgresql"):
        url = cluster.new_database()[1] if backend == "postgresql" else None
        inst = Instance(ldb, os.path.join(work, f"index-{backend}-{count}"), url, timeout)
        inst.must(["add-storage", data])
        m = inst.timed(f"index-{backend}", ["index", data])
        out[backend] = m.wall
        log(f"  index {count} on {backend}: {m.wall:.2f} s")
        shutil.rmtree(inst.root, ignore_errors=True)
    out["ratio"] = out["postgresql"] / out["sqlite"]
    out["load_after"] = loadavg()
    return out


def list_part(ldb: str, cluster: Cluster, work: str, count: int, repeat: int, timeout: float) -> dict:
    data = data_of(work, count)
    out = {"count": count, "query": QUERY, "repeat": repeat}
    instances = {}
    for backend in ("sqlite", "postgresql"):
        url = cluster.new_database()[1] if backend == "postgresql" else None
        inst = Instance(ldb, os.path.join(work, f"list-{backend}-{count}"), url, timeout)
        inst.must(["add-storage", data])
        start = time.perf_counter()
        inst.must(["index", data])
        out[f"index_{backend}"] = time.perf_counter() - start
        log(f"  indexed {count} on {backend} in {out[f'index_{backend}']:.1f} s (untimed part)")
        instances[backend] = inst
    out["load_before"] = loadavg()
    outputs = {}
    # Alternating backends, one run at a time, so a change of the machine's
    # load falls on both alike.
    runs = {"sqlite": [], "postgresql": []}
    for _ in range(repeat):
        for backend, inst in instances.items():
            m = inst.timed(f"list-{backend}", ["list", "ds:root", "--query", QUERY, "-s"])
            runs[backend].append(m.wall)
            outputs[backend] = m.runs[-1].stdout.strip()
    for backend in instances:
        values = sorted(runs[backend])
        out[backend] = values[len(values) // 2]
        out[f"{backend}_runs"] = runs[backend]
        log(f"  list {count} on {backend}: median {out[backend]:.3f} s of {runs[backend]}")
    if outputs["sqlite"] != outputs["postgresql"]:
        raise SystemExit(f"pg_bench: the backends disagree: sqlite {outputs['sqlite']!r}, "
                         f"postgresql {outputs['postgresql']!r}")
    out["output"] = outputs["sqlite"]
    out["ratio"] = out["postgresql"] / out["sqlite"]
    out["load_after"] = loadavg()
    for inst in instances.values():
        shutil.rmtree(inst.root, ignore_errors=True)
    return out


def render(results: dict) -> str:
    index, listing = results.get("index"), results.get("list")
    lines = [doc_sections.begin_marker(SECTION), "## PostgreSQL store (issue 21)", "",
             f"Measured {results['date']} on {results['machine']}, {results['ldb_version']}. "
             "The PostgreSQL server is a throwaway cluster on the same machine (fsync off), so client and "
             "server share its cores; times are wall clock, each pair measured in the same run. The machine is "
             "shared: the load average (1, 5, 15 min) is given before and after each part.", "",
             "| workload | N | SQLite | PostgreSQL | ratio | target | load before → after |",
             "|---|---:|---:|---:|---:|---:|---|"]
    if index:
        lines.append(f"| `ldb index` (new instance) | {index['count']:,} | {index['sqlite']:.2f} s | "
                     f"{index['postgresql']:.2f} s | {index['ratio']:.2f}× | ≤ {INDEX_TARGET:g}× | "
                     f"{index['load_before']} → {index['load_after']} |")
    if listing:
        lines.append(f"| `ldb list ds:root --query '{listing['query']}' -s` (median of {listing['repeat']}) | "
                     f"{listing['count']:,} | {listing['sqlite']:.3f} s | {listing['postgresql']:.3f} s | "
                     f"{listing['ratio']:.2f}× | ≤ {LIST_TARGET:g}× | "
                     f"{listing['load_before']} → {listing['load_after']} |")
    lines.append("")
    if listing:
        lines.append(f"The list instances were indexed (untimed) in {listing['index_sqlite']:.0f} s (SQLite) and "
                     f"{listing['index_postgresql']:.0f} s (PostgreSQL); both printed `{listing['output']}`.")
        lines.append("")
    if results.get("note"):
        lines += [results["note"], ""]
    lines += ["Reproduce (the data is generated by bench/gen_data.py under --work and kept):", "", "```sh",
              results["command"], "```", doc_sections.end_marker(SECTION)]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ldb", help="the ldb binary")
    parser.add_argument("--index-count", type=int, default=100_000, help="pairs indexed by the index part (0: skip)")
    parser.add_argument("--list-count", type=int, default=1_000_000, help="pairs of the list part (0: skip)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each list (the median is reported)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds one ldb command may take")
    parser.add_argument("--work", default=os.path.join(REPO, "build-bench-pg"))
    parser.add_argument("--note", default="", help="a sentence added to the section (e.g. what was not run)")
    parser.add_argument("--out", help="docs/benchmarks.md to write the 'postgres' section into")
    args = parser.parse_args(argv)
    ldb = os.path.abspath(args.ldb)
    os.makedirs(args.work, exist_ok=True)
    version = subprocess.run([ldb, "--version"], capture_output=True, text=True).stdout.strip()
    results = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "ldb_version": version,
               "machine": f"{os.cpu_count()} cores", "note": args.note,
               "command": "/usr/bin/python3 bench/pg_bench.py build/src/cli/ldb "
                          f"--index-count {args.index_count} --list-count {args.list_count} "
                          f"--repeat {args.repeat}" + (f" --out {args.out}" if args.out else "")}
    cluster = Cluster("pg-bench")
    try:
        if args.index_count:
            results["index"] = index_part(ldb, cluster, args.work, args.index_count, args.timeout)
        if args.list_count:
            results["list"] = list_part(ldb, cluster, args.work, args.list_count, args.repeat, args.timeout)
    finally:
        cluster.stop()
    doc_sections.save(results, args.work, SECTION, args.out, render, log)
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
