#!/usr/bin/python3
"""Scale-out indexing benchmark (issue 21): one `ldb index` process against two
processes sharing one run (docs/team.md "Scale-out indexing") over the same
generated storage, into a PostgreSQL instance. Target: two processes in at
most 0.7x one process's time.

One ldb index already hashes on every core, so on a small machine a second
process has no core of its own. To model two machines each process is pinned
to one core with taskset (one pinned process vs two processes pinned to
different cores); the unpinned result (one process on every core vs two
processes on every core) is measured and reported too. The PostgreSQL server
runs unpinned on the same machine in both cases.

Run from the repository root after a Release build:

    cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLDB_BUILD_TESTS=OFF
    ninja -C build-release -j2 ldb
    /usr/bin/python3 bench/pg_scaleout_bench.py build-release/src/cli/ldb --count 20000 --out docs/benchmarks.md

The storage is bench/gen_data.py's pairs (--count pairs, 1-4 KB data files,
2% duplicates). Each measurement indexes into a new database (a fresh
instance), page cache warm, best of --repeat runs; every run is checked: the
objects stored equal the distinct objects generated, each with one annotation
version, and the workers' "new" counts add up to them. The throwaway server
is tests/support/postgres-cluster.sh's (fsync off, as in the tests). Results
go to WORK/pg_scaleout-results.json and, with --out, into the "pg_scaleout"
section of docs/benchmarks.md.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import doc_sections  # noqa: E402
from pg_cluster import Cluster, psql  # noqa: E402

SECTION = "pg_scaleout"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# The workloads: photo-sized files (hashing is most of a worker's own work,
# as with real images) and tiny files (the store's work is most of it).
WORKLOADS = {
    "photo-sized": {"min_size": 64 << 10, "max_size": 192 << 10, "batch_files": 500},
    "tiny": {"min_size": 1 << 10, "max_size": 4 << 10, "batch_files": 2000},
}


def storage_of(work: str, count: int, min_size: int, max_size: int) -> tuple:
    folder = os.path.join(work, f"data-{count}-{min_size}-{max_size}")
    summary = folder + ".summary.json"
    if not os.path.exists(summary):
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_data.py"), folder, "--count", str(count),
                        "--min-size", str(min_size), "--max-size", str(max_size), "--summary", summary],
                       check=True, stdout=subprocess.DEVNULL)
    with open(summary) as f:
        info = json.load(f)
    # Warm the page cache: every measurement reads the files from memory.
    subprocess.run(["bash", "-c", f"find '{folder}' -type f -print0 | xargs -0 cat > /dev/null"], check=True)
    return folder, info


class Bench:
    def __init__(self, ldb: str, work: str, cluster: Cluster, data: str, distinct: int, batch_files: int):
        self.ldb, self.work, self.cluster, self.data, self.distinct = ldb, work, cluster, data, distinct
        self.batch_files = batch_files

    def fresh_instance(self) -> tuple:
        name, url = self.cluster.new_database()
        inst = os.path.join(self.work, "instances", name)
        shutil.rmtree(inst, ignore_errors=True)
        os.makedirs(os.path.dirname(inst), exist_ok=True)
        env = dict(os.environ, LDB_DIR=inst, HOME=os.path.join(self.work, "home"),
                   LDB_INDEX_BATCH_FILES=str(self.batch_files))
        subprocess.run([self.ldb, "init", "--store", url, inst], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run([self.ldb, "add-storage", self.data], check=True, env=env, stdout=subprocess.DEVNULL)
        return name, url, env

    def index(self, cores: list) -> dict:
        """Seconds for len(cores) processes started at once to index the storage
        (each pinned to its core, or unpinned where the core is None)."""
        name, url, env = self.fresh_instance()
        procs = []
        start = time.monotonic()
        for core in cores:
            pin = ["taskset", "-c", str(core)] if core is not None else []
            procs.append(subprocess.Popen([*pin, self.ldb, "index", self.data], env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
        outputs = []
        for p in procs:
            out, err = p.communicate()
            if p.returncode != 0:
                raise SystemExit(f"ldb index failed ({p.returncode}): {err}")
            outputs.append(out)
        seconds = time.monotonic() - start
        new = [int(re.search(r"^Data objects: \d+ found, (\d+) new$", out, re.M).group(1)) for out in outputs]
        objects = int(psql(url, "SELECT count(*) FROM objects"))
        versions = int(psql(url, "SELECT count(*) FROM annotation_versions"))
        if objects != self.distinct or versions != self.distinct or sum(new) != self.distinct:
            raise SystemExit(f"wrong result: {objects} objects, {versions} annotation versions, new {new}; "
                             f"expected {self.distinct}")
        self.cluster.drop_database(name)
        return {"seconds": seconds, "new_per_process": new}

    def best(self, cores: list, repeat: int) -> dict:
        runs = [self.index(cores) for _ in range(repeat)]
        best = min(runs, key=lambda r: r["seconds"])
        log(f"  {len(cores)} process(es) on cores {cores}: best {best['seconds']:.2f} s of "
            f"{[round(r['seconds'], 2) for r in runs]}, new per process {best['new_per_process']}")
        return {"seconds": best["seconds"], "all": [r["seconds"] for r in runs],
                "new_per_process": best["new_per_process"]}


def render(results: dict) -> str:
    def ratio(case):
        return case["two"]["seconds"] / case["one"]["seconds"]

    lines = [doc_sections.begin_marker(SECTION), "## Scale-out indexing on PostgreSQL (two index processes)", "",
             "`ldb index` of generated pairs (bench/gen_data.py, 2% duplicates) into a new PostgreSQL instance, "
             "by one process and by two processes started at once that share the run (docs/team.md "
             "\"Scale-out indexing\"). Best of "
             f"{results['repeat']} runs each, page cache warm; every run checked (each object stored once with "
             "one annotation version, the processes' \"new\" counts add up). The PostgreSQL server "
             "(tests/support/postgres-cluster.sh, fsync off) runs on the same machine, unpinned. "
             f"Machine: {results['machine']}. ldb: {results['build']}.", "",
             f"This machine has {results['cores']} cores, and one `ldb index` already hashes on all of them, "
             "so a second process on the same machine has no core of its own. To model two machines, each "
             "process is pinned to one core with `taskset`: **one process pinned to core 0 against two "
             "processes pinned to cores 0 and 1** (target: two in at most 0.7x of one). The unpinned rows "
             "(one process on every core against two processes on every core) are what two workers on this "
             "one machine give.", "",
             "| files | batch | case | one process | two processes | two / one |",
             "|---|---|---|---|---|---|"]
    for w in results["workloads"]:
        files = f"{w['count']:,} × {w['min_size'] >> 10}–{w['max_size'] >> 10} KB ({w['name']})"
        for case, label in (("pinned", "pinned, one core each (models two machines)"),
                            ("unpinned", "unpinned, all cores (one machine)")):
            r = w[case]
            mark = "**" if case == "pinned" else ""
            lines.append(f"| {files} | {w['batch_files']} | {label} | {r['one']['seconds']:.2f} s | "
                         f"{r['two']['seconds']:.2f} s | {mark}{ratio(r):.2f}x{mark} |")
    lines += ["", "Objects indexed per process in the best two-process runs: " + "; ".join(
        f"{w['name']}: pinned {w['pinned']['two']['new_per_process']}, unpinned "
        f"{w['unpinned']['two']['new_per_process']}" for w in results["workloads"]) + ".", ""]
    lines += results.get("notes", [])
    lines += ["", "Reproduce:", "", "```sh",
              f"/usr/bin/python3 bench/pg_scaleout_bench.py build-release/src/cli/ldb --repeat {results['repeat']} "
              + " ".join(f"--{w['name']} {w['count']}" for w in results["workloads"]) + " --out docs/benchmarks.md",
              "```", doc_sections.end_marker(SECTION)]
    return "\n".join(lines)


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{model or 'unknown CPU'}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at start"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ldb", help="the ldb binary (a Release build)")
    parser.add_argument("--photo-sized", type=int, default=8_000, help="pairs of 64-192 KB files (0: skip)")
    parser.add_argument("--tiny", type=int, default=20_000, help="pairs of 1-4 KB files (0: skip)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--build", default="Release", help="how the ldb binary was built, for the doc")
    parser.add_argument("--note", action="append", default=[], help="a paragraph for the doc (repeatable)")
    parser.add_argument("--work", default=os.path.join(REPO, "build-bench-pg-scaleout"))
    parser.add_argument("--out", help="docs/benchmarks.md to write the 'pg_scaleout' section into")
    args = parser.parse_args(argv)
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs at least two cores")
    ldb = os.path.abspath(args.ldb)
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    cluster = Cluster("pg-scaleout-bench")
    results = {"repeat": args.repeat, "cores": os.cpu_count(), "machine": machine(), "build": args.build,
               "notes": args.note, "workloads": []}
    try:
        for name, count in (("photo-sized", args.photo_sized), ("tiny", args.tiny)):
            if count <= 0:
                continue
            shape = WORKLOADS[name]
            data, info = storage_of(work, count, shape["min_size"], shape["max_size"])
            distinct = info["distinct_objects"]
            log(f"{name}: {count} pairs, {distinct} distinct objects, batches of {shape['batch_files']}")
            bench = Bench(ldb, work, cluster, data, distinct, shape["batch_files"])
            w = {"name": name, "count": count, "distinct": distinct, **shape}
            w["pinned"] = {"one": bench.best([0], args.repeat), "two": bench.best([0, 1], args.repeat)}
            w["unpinned"] = {"one": bench.best([None], args.repeat), "two": bench.best([None, None], args.repeat)}
            results["workloads"].append(w)
            for case in ("pinned", "unpinned"):
                r = w[case]
                log(f"  {case}: one {r['one']['seconds']:.2f} s, two {r['two']['seconds']:.2f} s, "
                    f"ratio {r['two']['seconds'] / r['one']['seconds']:.2f}")
    finally:
        cluster.stop()
    doc_sections.save(results, work, SECTION, args.out, render, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
