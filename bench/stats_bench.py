#!/usr/bin/python3
"""ldb stats at a million annotations (issue M), against `ldb list --query`
over the same instance in the same run.

Run from the repository root after a Release build:

    cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLDB_BUILD_TESTS=OFF && ninja -C build-release -j2
    python3 bench/stats_bench.py build-release/src/cli/ldb --count 1000000 --out docs/benchmarks.md

The instance: `ldb init`, then rows inserted with sqlite3 — one object per
annotation (an image 640x480), each annotation the one bench/gen_data.py
writes for that object (class, inference.class, inference.confidence, split,
size, labeler, tags, bbox, a padding note; about 300 bytes), stored compact.
Indexing a million files would measure the indexer, not stats; the rows are
what `ldb index` would have stored. The instance is cached under --work by its
parameters.

Workloads (median of --repeat runs, page cache warm after one untimed run):
the baseline `ldb list -s ds:root --query 'inference.confidence < 0.75'` (the
run_bench.py query), `ldb stats ds:root --by class --by inference.confidence`
(a string key and a numeric key: the target is under 1 s at 1M), the same with
--json, and `ldb stats ds:root --by 'tags[]'` (array elements). The results go
to WORK/stats-results.json and, with --out, into the "stats" section of
docs/benchmarks.md (between marker comments; bench/run_bench.py keeps it).
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import doc_sections  # noqa: E402
import gen_data  # noqa: E402
from measure import measure, run_once  # noqa: E402
from run_bench import machine_info, read_loadavg  # noqa: E402

SECTION = "stats"
TARGET_SECONDS = 1.0
QUERY = "inference.confidence < 0.75"


def log(message: str) -> None:
    print(f"[stats_bench] {message}", file=sys.stderr, flush=True)


def env_for(instance: str, home: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LDB_")}
    env.update({"HOME": home, "LDB_DIR": instance})
    return env


def build_instance(ldb: str, work: str, count: int, seed: int, paths_root: str = "/bench/stats") -> dict:
    """The instance of `count` objects, built once under `work`. Object i is
    at PATHS_ROOT/fNNN/IIIIIII.jpg (no file is written there) and its id is
    the MD5 of the bytes b"stats-I", so a reader that needs some of the files
    (bench/torch_bench.py) can write them."""
    suffix = "" if paths_root == "/bench/stats" else "-" + hashlib.md5(paths_root.encode()).hexdigest()[:8]
    base = os.path.join(work, f"stats-{count}-s{seed}{suffix}")
    meta_path = os.path.join(base, "generated.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        log(f"instance of {count} cached in {base}")
        return meta
    shutil.rmtree(base, ignore_errors=True)
    instance, home = os.path.join(base, "instance"), os.path.join(base, "home")
    os.makedirs(home)
    env = env_for(instance, home)
    subprocess.run([ldb, "init", instance], env=env, check=True, capture_output=True)
    start = time.monotonic()
    log(f"inserting {count} objects with annotations into {instance}")
    db = sqlite3.connect(os.path.join(instance, "ldb.sqlite"), isolation_level=None)
    db.execute("PRAGMA cache_size = -1000000")
    db.execute("BEGIN")
    now = int(time.time())
    rng = random.Random(seed)

    def rows():
        for i in range(count):
            rel = f"f{i * 100 // count:03d}/{i:07d}.jpg"
            text = gen_data.make_annotation(i, rel, rng, 300).decode()
            compact = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
            yield i, rel, compact

    batch = []
    for i, rel, compact in rows():
        batch.append((i, rel, compact))
        if len(batch) == 10000:
            insert(db, batch, now, paths_root)
            batch = []
    if batch:
        insert(db, batch, now, paths_root)
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    meta = {"instance": instance, "home": home, "count": count, "seed": seed,
            "generation_seconds": time.monotonic() - start,
            "database_bytes": os.path.getsize(os.path.join(instance, "ldb.sqlite"))}
    listed = subprocess.run([ldb, "list", "-s", "ds:root"], env=env, capture_output=True, text=True).stdout.strip()
    if listed != str(count):
        raise RuntimeError(f"ldb list -s ds:root printed {listed!r} for the {count}-object instance")
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    log(f"built in {meta['generation_seconds']:.1f} s, database {meta['database_bytes'] / 2**20:.0f} MiB")
    return meta


def insert(db, batch, now: int, paths_root: str) -> None:
    db.executemany(
        "INSERT INTO objects(id, hash, size, first_indexed, last_indexed, current_version, image_width, "
        "image_height, image_format) VALUES (?, ?, ?, ?, ?, 1, 640, 480, 'jpeg')",
        ((i + 1, hashlib.md5(f"stats-{i}".encode()).digest(), 2000 + i % 2000, now, now) for i, _, _ in batch))
    db.executemany("INSERT INTO paths(path, object_id, size, mtime_ns) VALUES (?, ?, ?, ?)",
                   ((f"{paths_root}/{rel}", i + 1, 2000 + i % 2000, now * 1_000_000_000) for i, rel, _ in batch))
    db.executemany("INSERT INTO annotation_contents(id, hash, json) VALUES (?, ?, ?)",
                   ((i + 1, hashlib.md5(text.encode()).digest(), text) for i, _, text in batch))
    db.executemany("INSERT INTO annotation_versions(object_id, version, content_id, indexed_at) VALUES (?, 1, ?, ?)",
                   ((i + 1, i + 1, now) for i, _, _ in batch))


def workloads(ldb: str, meta: dict, repeat: int) -> list:
    env = env_for(meta["instance"], meta["home"])
    run_once(["sh", "-c", f"cat '{meta['instance']}/ldb.sqlite' > /dev/null"])
    specs = [
        ("baseline: list --query", ["list", "-s", "ds:root", "--query", QUERY]),
        ("stats, a string and a numeric key", ["stats", "ds:root", "--by", "class", "--by", "inference.confidence"]),
        ("stats --json, the same keys", ["stats", "ds:root", "--by", "class", "--by", "inference.confidence", "--json"]),
        ("stats of array elements", ["stats", "ds:root", "--by", "tags[]"]),
    ]
    out = []
    for name, args in specs:
        log(f"{name}: ldb {' '.join(args)}")
        m = measure(name, [ldb, *args], repeat=repeat, warmup=1, env=env, timeout=600)
        if not m.ok:
            raise RuntimeError(f"{name} failed: {m.error}")
        out.append({"name": name, "command": "ldb " + " ".join(_quote(a) for a in args), "wall": m.wall, "cpu": m.cpu,
                    "maxrss_mb": m.maxrss_mb, "runs": [r.wall for r in m.runs]})
    return out


def _quote(arg: str) -> str:
    return arg if all(c.isalnum() or c in "-_.:/[]" for c in arg) else f"'{arg}'"


def render(results: dict) -> str:
    m = results["machine"]
    rows = results["workloads"]
    base = rows[0]["wall"]
    out = [doc_sections.begin_marker(SECTION), "## Stats", "",
           "`ldb stats` over one instance of generated annotations, with `ldb list --query` over the same instance "
           "in the same run as the baseline (`bench/stats_bench.py`). Reproduce from the repository root:", "",
           "```sh", "cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLDB_BUILD_TESTS=OFF && "
           "ninja -C build-release -j2", results["command"], "```", "",
           f"- Machine: {m['cpu']}, {m['nproc']} cores; RAM {m['ram_gib']:.1f} GiB; load average at the start "
           f"{results['load_start']}, at the end {results['load_end']} (the machine is shared).",
           f"- ldb: {results['ldb_build']}; {results['count']} objects, one annotation each (bench/gen_data.py's, "
           "about 300 bytes), rows inserted into a fresh instance with sqlite3.",
           f"- Median of {results['repeat']} runs after one untimed run; the page cache is warm.", "",
           "| workload | wall s | CPU s | peak RSS MB | ratio to list --query | command |",
           "| --- | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        out.append(f"| {r['name']} | {r['wall']:.3f} | {r['cpu']:.3f} | {r['maxrss_mb']:.0f} | "
                   f"{r['wall'] / base:.2f}x | `{r['command']}` |")
    stats = rows[1]
    verdict = "met" if stats["wall"] < TARGET_SECONDS else "missed"
    out += ["", f"Target: `ldb stats --by <string key> --by <numeric key>` over {results['count']} annotations under "
            f"{TARGET_SECONDS:.0f} s — {verdict} ({stats['wall']:.3f} s).", doc_sections.end_marker(SECTION)]
    return "\n".join(out)


def add_instance_arguments(parser) -> None:
    """What a benchmark over build_instance's instance takes: the ldb binary,
    the instance's size and seed, how many runs, and the work folder."""
    parser.add_argument("ldb")
    parser.add_argument("--count", type=int, default=1000000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", default="/tmp/ldb-bench")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_instance_arguments(parser)
    parser.add_argument("--out", help="docs/benchmarks.md: write the stats section there")
    args = parser.parse_args(argv)
    ldb = os.path.abspath(args.ldb)
    os.makedirs(args.work, exist_ok=True)
    meta = build_instance(ldb, args.work, args.count, args.seed)
    machine = machine_info(ldb)
    results = {"count": args.count, "repeat": args.repeat, "machine": machine,
               "command": f"python3 bench/stats_bench.py {args.ldb} --count {args.count} --out docs/benchmarks.md",
               "ldb_build": machine["ldb_version"], "load_start": read_loadavg()}
    results["workloads"] = workloads(ldb, meta, args.repeat)
    results["load_end"] = read_loadavg()
    for r in results["workloads"]:
        log(f"{r['name']}: {r['wall']:.3f} s wall, {r['cpu']:.3f} s CPU, {r['maxrss_mb']:.0f} MB")
    doc_sections.save(results, args.work, SECTION, args.out, render, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
