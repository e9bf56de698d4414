#!/usr/bin/python3
"""Image benchmarks (issue L): features at index time against the floor,
`ldb dups` over millions of pHashes, `--similar` over a million embeddings,
and `ldb embed` / `ldb features --force` throughput.

Run from the repository root with Debian's /usr/bin/python3 (PIL for the
photos, numpy for the hashes and vectors), after a Release build with
benchmarks (which builds bench/jpeg_floor.cpp):

    cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLDB_BUILD_TESTS=OFF -DLDB_BUILD_BENCHMARKS=ON
    ninja -C build-release -j2
    /usr/bin/python3 bench/images_bench.py build-release/src/cli/ldb build-release/bench/jpeg_floor \\
        --photos 10000 --pngs 2000 --hashes 1000000 --similar 1000000 --out docs/benchmarks.md

What it measures, each workload best of --repeat runs (default 3) with the
page cache warm, every ratio against a baseline of the same run:

  a. `ldb index` of the photos (bench/gen_photos.py: 640x480 JPEG q90, and a
     PNG set) into a fresh instance, features on (the default) and with
     --no-features, against bench/jpeg_floor (read + MD5 + libjpeg-turbo 1/8
     decoding on every core; libspng for PNG) and its read + MD5 mode.
  b. `ldb dups ds:root --json` over instances of generated pHashes (32 of 64
     bits set, as ldb's median-split pHashes have; 1% of the objects planted as
     near duplicates of another, 0-12 bits away), rows inserted with sqlite3
     into a fresh `ldb init` instance. Time and peak RSS; the planted pairs
     are checked to be found.
  c. `ldb list -s ds:root --similar id:X --limit 10` over random L2-normalised
     96-float vectors of the builtin model.
  d. `ldb embed` (builtin) and `ldb features --force` over the JPEG photos.

A missed target is profiled with perf (when installed). Generated photos and
instances are cached under --work by their parameters. The results go to
WORK/images-results.json and, with --out, into the "images" section of
docs/benchmarks.md (between marker comments; bench/run_bench.py keeps it).
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import doc_sections  # noqa: E402
from measure import helper, run_once  # noqa: E402
from run_bench import machine_info, perf_dsos, perf_samples, perf_top  # noqa: E402

SECTION = "images"
PHASH_BITS = 64
DUP_THRESHOLD = 12
PLANTED_FRACTION = 0.01
EMBED_DIMS = 96
PERF_FREQUENCY = "999"

TARGETS = {
    "photos_per_s": 2000.0,     # ldb index with features, JPEG 640x480 q90, 2 cores
    "floor_ratio": 1.3,         # ldb index wall / floor wall
    "dups_seconds": 10.0,       # ldb dups over 1M hashes
    "dups_rss_mb": 1024.0,
    "similar_seconds": 1.0,     # --similar over 1M embeddings
}


def log(message: str) -> None:
    print(f"[images-bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def quote(arg: str) -> str:
    return f"'{arg}'" if any(c in arg for c in " <>*|&;") else arg


class Runner:
    """Runs commands with a fresh HOME and LDB_DIR and keeps the best of several runs."""

    def __init__(self, ldb: str, repeat: int, timeout: float):
        self.ldb = ldb
        self.repeat = repeat
        self.timeout = timeout

    def env(self, instance: str, home: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LDB_")}
        env.update({"HOME": home, "LDB_DIR": instance, "LC_ALL": "C"})
        return env

    def once(self, argv, env=None, check=True):
        run = run_once(argv, env=env, timeout=self.timeout)
        if check and (run.returncode != 0 or run.timed_out):
            raise RuntimeError(f"{' '.join(argv)} failed (exit {run.returncode}): {run.stderr.strip()[-500:]}")
        return run

    def best(self, name, argv_of, shown, env_of=None, before_each=None, warmup=0, repeat=None) -> dict:
        """Runs argv_of(i) warmup times untimed, then `repeat` times; before_each(i) runs
        untimed before each. Returns the fastest run, the peak RSS of all runs and
        the load average before each run."""
        runs = []
        for i in range(warmup + (repeat or self.repeat)):
            if before_each:
                before_each(i)
            load = loadavg()
            run = self.once(argv_of(i), env=env_of(i) if env_of else None)
            if i >= warmup:
                runs.append((run, load))
        best_run, best_load = min(runs, key=lambda r: r[0].wall)
        result = {"name": name, "command": shown, "wall": best_run.wall, "cpu": best_run.user + best_run.sys,
                  "maxrss_mb": max(r.maxrss_kb for r, _ in runs) / 1024.0, "walls": [r.wall for r, _ in runs],
                  "loads": [load for _, load in runs], "load": best_load,
                  "stdout": best_run.stdout[-2000:], "stderr": best_run.stderr[-2000:]}
        log(f"  {name}: best {result['wall']:.3f} s of {', '.join(f'{w:.3f}' for w in result['walls'])} "
            f"(CPU {result['cpu']:.3f} s, {result['maxrss_mb']:.0f} MB; load {best_load})")
        return result


# ---------------------------------------------------------------------------
# a. Features at index time


def photos_root(work: str, args) -> str:
    return os.path.join(work, f"photos-j{args.photos}-p{args.pngs}-s{args.seed}")


def generate_photos(work: str, args) -> dict:
    root = photos_root(work, args)
    summary_path = os.path.join(root, "summary.json")
    if os.path.exists(summary_path):
        with open(summary_path) as f:
            summary = json.load(f)
        log(f"photos cached in {root} (generated in {summary['seconds']} s)")
        return {"root": root, "summary": summary, "cached": True}
    shutil.rmtree(root, ignore_errors=True)
    log(f"generating {args.photos} JPEGs and {args.pngs} PNGs into {root}")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_photos.py"), root, "--jpegs", str(args.photos),
                    "--pngs", str(args.pngs), "--seed", str(args.seed)], check=True, stdout=subprocess.DEVNULL)
    with open(summary_path) as f:
        summary = json.load(f)
    log(f"  generated in {summary['seconds']} s")
    return {"root": root, "summary": summary, "cached": False}


def warm(paths_file: str, runner: Runner) -> None:
    runner.once(["sh", "-c", f"xargs -d '\\n' cat < '{paths_file}' > /dev/null"])


def fresh_instance(runner: Runner, base: str, storage: str = "") -> tuple:
    """A new instance under `base` (deleted first); returns (instance, env)."""
    shutil.rmtree(base, ignore_errors=True)
    instance, home = os.path.join(base, "instance"), os.path.join(base, "home")
    os.makedirs(home)
    env = runner.env(instance, home)
    runner.once([runner.ldb, "init", instance], env=env)
    if storage:
        runner.once([runner.ldb, "add-storage", storage], env=env)
    return instance, env


def count_files(paths_file: str) -> int:
    with open(paths_file) as f:
        return sum(1 for line in f if line.strip())


def index_workloads(kind: str, photos: dict, runner: Runner, floor: str, work: str) -> dict:
    root = photos["root"]
    data = os.path.join(root, kind)
    listing = os.path.join(root, f"{kind}.list")
    files = count_files(listing)
    log(f"{kind}: {files} files, warming the page cache")
    warm(listing, runner)
    out = {"files": files, "data": data, "bytes": photos["summary"][f"{kind}_bytes"]}
    out["floor"] = runner.best(f"{kind} floor (read + MD5 + decode, all cores)", lambda i: [floor, "--list", listing],
                               f"jpeg_floor --list {kind}.list", warmup=1)
    out["floor_1"] = runner.best(f"{kind} floor on 1 thread", lambda i: [floor, "--threads", "1", "--list", listing],
                                 f"jpeg_floor --threads 1 --list {kind}.list")
    out["md5"] = runner.best(f"{kind} read + MD5 (all cores)", lambda i: [floor, "--md5-only", "--list", listing],
                             f"jpeg_floor --md5-only --list {kind}.list", warmup=1)
    # -m bare: the photos' folders would otherwise be taken for class labels
    # (tensorflow-inferred), and annotations are not what is measured here.
    for name, extra in (("index", ["-m", "bare"]), ("index_no_features", ["-m", "bare", "--no-features"])):
        envs = {}

        def setup(i, name=name):
            envs[i] = fresh_instance(runner, os.path.join(work, f"run-{kind}-{name}-{i}"), storage=root)[1]

        out[name] = runner.best(f"{kind} ldb index {' '.join(extra)}",
                                lambda i, extra=extra: [runner.ldb, "index", *extra, data],
                                f"ldb index {' '.join(extra + [data])}", env_of=lambda i: envs[i], before_each=setup)
        out[name]["summary_output"] = out[name]["stdout"].strip()
    return out


# ---------------------------------------------------------------------------
# b, c. Generated instances: pHashes and embeddings inserted with sqlite3


def balanced_hashes(rng, n: int) -> np.ndarray:
    """n random 64-bit hashes with exactly 32 bits set (as uint64), in chunks to bound memory."""
    out = np.empty(n, dtype=np.uint64)
    chunk = 500_000
    weights = np.left_shift(np.uint64(1), np.arange(PHASH_BITS, dtype=np.uint64))
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        keys = rng.random((m, PHASH_BITS), dtype=np.float32)
        chosen = np.argpartition(keys, PHASH_BITS // 2, axis=1)[:, :PHASH_BITS // 2]
        out[start:start + m] = np.bitwise_or.reduce(weights[chosen], axis=1)
    return out


def plant_near_duplicates(rng, hashes: np.ndarray) -> list:
    """Makes the last 1% of `hashes` near duplicates of random earlier ones: an even
    distance 0..12, half of the moved bits set and half cleared, so every hash
    keeps 32 bits set. Returns [(original index, duplicate index, distance)]."""
    n = len(hashes)
    planted = max(1, int(n * PLANTED_FRACTION))
    pairs = []
    for dup in range(n - planted, n):
        original = int(rng.integers(0, n - planted))
        distance = 2 * int(rng.integers(0, DUP_THRESHOLD // 2 + 1))
        h = int(hashes[original])
        ones = [b for b in range(PHASH_BITS) if h >> b & 1]
        zeros = [b for b in range(PHASH_BITS) if not h >> b & 1]
        for b in rng.choice(ones, distance // 2, replace=False):
            h &= ~(1 << int(b))
        for b in rng.choice(zeros, distance // 2, replace=False):
            h |= 1 << int(b)
        hashes[dup] = np.uint64(h)
        pairs.append((original, dup, distance))
    return pairs


def object_hash(kind: str, i: int) -> bytes:
    return hashlib.md5(f"{kind}-{i}".encode()).digest()


def object_path(kind: str, i: int) -> str:
    return f"/bench/{kind}/f{i // 1000:05d}/{i:08d}.jpg"


def insert_objects(db, kind: str, n: int, now: int) -> None:
    db.executemany(
        "INSERT INTO objects(id, hash, size, first_indexed, last_indexed, current_version, image_width, "
        "image_height, image_format) VALUES (?, ?, ?, ?, ?, 0, 640, 480, 'jpeg')",
        ((i + 1, object_hash(kind, i), 60_000 + i % 40_000, now, now) for i in range(n)))
    db.executemany("INSERT INTO paths(path, object_id, size, mtime_ns) VALUES (?, ?, ?, ?)",
                   ((object_path(kind, i), i + 1, 60_000 + i % 40_000, now * 1_000_000_000) for i in range(n)))


def open_for_loading(instance: str):
    db = sqlite3.connect(os.path.join(instance, "ldb.sqlite"), isolation_level=None)
    db.execute("PRAGMA cache_size = -1000000")  # 1 GB: the random hash index stays in memory
    db.execute("BEGIN")
    return db


def instance_database(instance: str) -> str:
    return os.path.join(instance, "ldb.sqlite")


def build_dups_instance(runner: Runner, work: str, n: int, seed: int) -> dict:
    base = os.path.join(work, f"dups-{n}-s{seed}")
    meta_path = os.path.join(base, "generated.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        log(f"dups instance of {n} cached in {base}")
        meta["cached"] = True
        return meta
    start = time.monotonic()
    instance, env = fresh_instance(runner, base)
    rng = np.random.default_rng([seed, n])
    hashes = balanced_hashes(rng, n)
    pairs = plant_near_duplicates(rng, hashes)
    dhashes = rng.integers(-2**63, 2**63 - 1, size=n, dtype=np.int64)
    stats = rng.random((n, 4))
    phashes = hashes.view(np.int64)
    log(f"  inserting {n} objects with pHashes into {instance}")
    db = open_for_loading(instance)
    now = int(time.time())
    insert_objects(db, "dups", n, now)
    db.executemany(
        "INSERT INTO image_features(object_id, phash, dhash, mean, std, sharpness, entropy, channels) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 3)",
        ((i + 1, int(phashes[i]), int(dhashes[i]), 40 + 160 * float(stats[i, 0]), 20 + 60 * float(stats[i, 1]),
          2000 * float(stats[i, 2]), 6 + 2 * float(stats[i, 3])) for i in range(n)))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    meta = {"instance": instance, "home": os.path.join(base, "home"), "count": n,
            "planted": [[object_hash("dups", a).hex(), object_hash("dups", b).hex(), d] for a, b, d in pairs],
            "generation_seconds": time.monotonic() - start,
            "database_bytes": os.path.getsize(instance_database(instance))}
    listed = runner.once([runner.ldb, "list", "-s", "ds:root"], env=env).stdout.strip()
    if listed != str(n):
        raise RuntimeError(f"ldb list -s ds:root printed {listed!r} for the {n}-object dups instance")
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    log(f"  built in {meta['generation_seconds']:.1f} s, database {meta['database_bytes'] / 2**20:.0f} MiB")
    meta["cached"] = False
    return meta


def chance_pairs(n: int) -> float:
    """Expected pairs within DUP_THRESHOLD among n random hashes with 32 of 64 bits set."""
    half = PHASH_BITS // 2
    p = sum(math.comb(half, j) ** 2 for j in range(DUP_THRESHOLD // 2 + 1)) / math.comb(PHASH_BITS, half)
    return p * n * (n - 1) / 2


def dups_workloads(runner: Runner, work: str, n: int, seed: int, repeat: int) -> dict:
    log(f"dups over {n} objects")
    meta = build_dups_instance(runner, work, n, seed)
    env = runner.env(meta["instance"], meta["home"])
    runner.once(["sh", "-c", f"cat '{instance_database(meta['instance'])}' > /dev/null"])
    out = {"count": n, "generation_seconds": meta["generation_seconds"], "cached": meta["cached"],
           "database_bytes": meta["database_bytes"], "planted": len(meta["planted"]),
           "chance_pairs_expected": chance_pairs(n)}
    out["list"] = runner.best(f"ldb list -s ds:root ({n})", lambda i: [runner.ldb, "list", "-s", "ds:root"],
                              "ldb list -s ds:root", env_of=lambda i: env, repeat=repeat)
    out["dups"] = runner.best(f"ldb dups ({n})",
                              lambda i: ["sh", "-c", f"'{runner.ldb}' dups ds:root --json > /dev/null"],
                              "ldb dups ds:root --json > /dev/null", env_of=lambda i: env, repeat=repeat)
    # Untimed: check that every planted pair is in one group.
    run = runner.once([runner.ldb, "dups", "ds:root", "--json"], env=env)
    result = json.loads(run.stdout)
    group_of = {}
    sizes = []
    for g, group in enumerate(result["groups"]):
        sizes.append(len(group["members"]))
        for member in group["members"]:
            group_of[member["id"][3:]] = g
    found = sum(1 for a, b, _ in meta["planted"] if a in group_of and group_of.get(a) == group_of.get(b))
    out.update({"groups": len(sizes), "objects_in_groups": sum(sizes), "largest_group": max(sizes, default=0),
                "planted_found": found, "objects_seen": result["objects"], "without_hash": result["without_hash"]})
    log(f"  {len(sizes)} groups of {sum(sizes)} objects; planted pairs found: {found} of {len(meta['planted'])}")
    return out


def build_similar_instance(runner: Runner, work: str, n: int, seed: int) -> dict:
    base = os.path.join(work, f"similar-{n}-s{seed}")
    meta_path = os.path.join(base, "generated.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        log(f"similar instance of {n} cached in {base}")
        meta["cached"] = True
        return meta
    start = time.monotonic()
    instance, env = fresh_instance(runner, base)
    rng = np.random.default_rng([seed, n, EMBED_DIMS])
    log(f"  inserting {n} objects with {EMBED_DIMS}-float builtin embeddings into {instance}")
    db = open_for_loading(instance)
    insert_objects(db, "similar", n, int(time.time()))
    db.execute("INSERT INTO embedding_models(id, model, dimensions) VALUES (1, 'builtin', ?)", (EMBED_DIMS,))
    chunk = 100_000
    for first in range(0, n, chunk):
        m = min(chunk, n - first)
        vectors = rng.standard_normal((m, EMBED_DIMS), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        blobs = vectors.astype("<f4")
        db.executemany("INSERT INTO embeddings(model_id, object_id, vector) VALUES (1, ?, ?)",
                       ((first + k + 1, blobs[k].tobytes()) for k in range(m)))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    meta = {"instance": instance, "home": os.path.join(base, "home"), "count": n,
            "query": object_hash("similar", n // 2).hex(), "generation_seconds": time.monotonic() - start,
            "database_bytes": os.path.getsize(instance_database(instance))}
    listed = runner.once([runner.ldb, "list", "-s", "ds:root"], env=env).stdout.strip()
    if listed != str(n):
        raise RuntimeError(f"ldb list -s ds:root printed {listed!r} for the {n}-object embeddings instance")
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    log(f"  built in {meta['generation_seconds']:.1f} s, database {meta['database_bytes'] / 2**20:.0f} MiB")
    meta["cached"] = False
    return meta


def similar_workloads(runner: Runner, work: str, n: int, seed: int) -> dict:
    log(f"--similar over {n} embeddings")
    meta = build_similar_instance(runner, work, n, seed)
    env = runner.env(meta["instance"], meta["home"])
    runner.once(["sh", "-c", f"cat '{instance_database(meta['instance'])}' > /dev/null"])
    query = f"id:{meta['query']}"
    out = {"count": n, "generation_seconds": meta["generation_seconds"], "cached": meta["cached"],
           "database_bytes": meta["database_bytes"], "query": query, "instance": meta["instance"],
           "home": meta["home"]}
    out["list"] = runner.best(f"ldb list -s ds:root ({n})", lambda i: [runner.ldb, "list", "-s", "ds:root"],
                              "ldb list -s ds:root", env_of=lambda i: env, warmup=1)
    similar = [runner.ldb, "list", "-s", "ds:root", "--similar", query, "--limit", "10"]
    out["similar"] = runner.best(f"--similar ({n}) -s", lambda i: similar,
                                 f"ldb list -s ds:root --similar {query} --limit 10", env_of=lambda i: env)
    out["similar_output"] = out["similar"]["stdout"].strip()
    listing = [runner.ldb, "list", "ds:root", "--similar", query, "--limit", "10"]
    out["similar_rows"] = runner.best(f"--similar ({n}), rows printed", lambda i: listing,
                                      f"ldb list ds:root --similar {query} --limit 10", env_of=lambda i: env)
    rows = out["similar_rows"]["stdout"].splitlines()  # a header line, then one row per object
    out["nearest_is_query"] = len(rows) > 1 and rows[1].split()[0] == query
    return out


# ---------------------------------------------------------------------------
# d. ldb embed and ldb features --force over the JPEG photos


def embed_workloads(runner: Runner, photos: dict, work: str) -> dict:
    data = os.path.join(photos["root"], "jpeg")
    source, source_env = fresh_instance(runner, os.path.join(work, "run-embed-source"), storage=photos["root"])
    runner.once([runner.ldb, "index", "-m", "bare", data], env=source_env)
    envs = {}

    def copy(i):
        base = os.path.join(work, f"run-embed-{i}")
        shutil.rmtree(base, ignore_errors=True)
        os.makedirs(os.path.join(base, "home"))
        shutil.copytree(source, os.path.join(base, "instance"))
        envs[i] = runner.env(os.path.join(base, "instance"), os.path.join(base, "home"))

    out = {"files": count_files(os.path.join(photos["root"], "jpeg.list"))}
    out["embed"] = runner.best("ldb embed (builtin)", lambda i: [runner.ldb, "embed", "ds:root", "--json"],
                               "ldb embed ds:root --json", env_of=lambda i: envs[i], before_each=copy)
    out["embedded"] = json.loads(out["embed"]["stdout"])["embedded"]
    out["features"] = runner.best("ldb features --force", lambda i: [runner.ldb, "features", "ds:root", "--force",
                                                                     "--json"],
                                  "ldb features ds:root --force --json", env_of=lambda i: source_env)
    out["computed"] = json.loads(out["features"]["stdout"])["computed"]
    return out


# ---------------------------------------------------------------------------
# Profiles of misses


def profile(key: str, name: str, argv: list, env: dict, out_dir: str, shown: str) -> dict:
    if shutil.which("perf") is None:
        return {"name": name, "error": "perf is not installed"}
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{key}.perf.data")
    log(f"profiling {name} with perf")
    run_once(["perf", "record", "-F", PERF_FREQUENCY, "-o", path, "--", *argv], env=env, timeout=1800)
    return {"name": name, "command": f"perf record -F {PERF_FREQUENCY} -o {key}.perf.data -- {shown}",
            "samples": perf_samples(path), "top": perf_top(path, limit=10), "dsos": perf_dsos(path)}


# ---------------------------------------------------------------------------
# Report


def rate(count: int, m: dict) -> float:
    return count / m["wall"] if m and m.get("wall") else 0.0


def evaluate(results: dict) -> list:
    targets = []
    jpeg = results.get("index", {}).get("jpeg")
    if jpeg:
        photos_per_s = rate(jpeg["files"], jpeg["index"])
        ratio = jpeg["index"]["wall"] / jpeg["floor"]["wall"]
        targets.append({"id": "photos_per_s", "target": f"ldb index with features >= {TARGETS['photos_per_s']:,.0f} "
                        "photos/s (640x480 JPEG q90, 2 cores)", "measured": f"{photos_per_s:,.0f} photos/s",
                        "met": photos_per_s >= TARGETS["photos_per_s"],
                        "by": f"{photos_per_s / TARGETS['photos_per_s']:.2f}x the target"})
        targets.append({"id": "floor_ratio", "target": f"within {TARGETS['floor_ratio']}x of the floor (read + MD5 + "
                        "1/8 decode, both cores)", "measured": f"{jpeg['index']['wall']:.3f} s / "
                        f"{jpeg['floor']['wall']:.3f} s = {ratio:.2f}x",
                        "met": ratio <= TARGETS["floor_ratio"], "by": f"{ratio / TARGETS['floor_ratio']:.2f}x the limit"})
    one_m = next((d for d in results.get("dups", []) if d["count"] == 1_000_000), None)
    dups = one_m or (results.get("dups") or [None])[0]
    if dups:
        at = f" at {dups['count']:,}" if dups["count"] != 1_000_000 else ""
        wall, rss = dups["dups"]["wall"], dups["dups"]["maxrss_mb"]
        targets.append({"id": "dups_seconds", "target": f"ldb dups over 1M hashes under {TARGETS['dups_seconds']:.0f} s"
                        + (f" (measured{at})" if at else ""), "measured": f"{wall:.2f} s",
                        "met": None if at else wall < TARGETS["dups_seconds"],
                        "by": f"{wall / TARGETS['dups_seconds']:.2f}x the limit"})
        targets.append({"id": "dups_rss_mb", "target": "ldb dups over 1M hashes under 1 GB peak RSS"
                        + (f" (measured{at})" if at else ""), "measured": f"{rss:.0f} MB",
                        "met": None if at else rss < TARGETS["dups_rss_mb"],
                        "by": f"{rss / TARGETS['dups_rss_mb']:.2f}x the limit"})
    similar = results.get("similar")
    if similar:
        wall = similar["similar"]["wall"]
        targets.append({"id": "similar_seconds", "target": f"--similar over {similar['count']:,} embeddings under "
                        f"{TARGETS['similar_seconds']:.0f} s", "measured": f"{wall:.2f} s",
                        "met": wall < TARGETS["similar_seconds"] if similar["count"] >= 1_000_000 else None,
                        "by": f"{wall / TARGETS['similar_seconds']:.2f}x the limit"})
    return targets


def fmt_run(m: dict) -> str:
    return f"{m['wall']:.3f} | {m['cpu']:.3f} | {m['cpu'] / m['wall']:.2f} | {m['maxrss_mb']:.0f}"


def index_table(kind: str, r: dict) -> list:
    files = r["files"]
    floor = r["floor"]["wall"]
    md5 = r["md5"]["wall"]
    rows = [("floor: read + MD5 + decode, all cores", r["floor"], ""),
            ("floor on 1 thread", r["floor_1"], ""),
            ("read + MD5, all cores", r["md5"], ""),
            ("**ldb index** (features on, the default)", r["index"], f"**{r['index']['wall'] / floor:.2f}x floor**"),
            ("ldb index --no-features", r["index_no_features"], f"{r['index_no_features']['wall'] / md5:.2f}x read + MD5")]
    out = ["| workload | wall s | CPU s | cores used | peak RSS MB | files/s | ratio | load (1, 5, 15 min) | runs (s) | "
           "command |", "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |"]
    for name, m, ratio in rows:
        out.append(f"| {name} | {fmt_run(m)} | {rate(files, m):,.0f} | {ratio} | {m['load']} | "
                   f"{' '.join(f'{w:.2f}' for w in m['walls'])} | `{m['command']}` |")
    return out


def render(results: dict) -> str:
    p = results["photos"]["summary"]
    machine = results["machine"]
    out = [doc_sections.begin_marker(SECTION), "## Images", "",
           "Issue L's image benchmarks, measured by `bench/images_bench.py` (photos from `bench/gen_photos.py`, the "
           "floor from `bench/jpeg_floor.cpp`). Reproduce from the repository root:", "", "```sh",
           "cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLDB_BUILD_TESTS=OFF "
           "-DLDB_BUILD_BENCHMARKS=ON && ninja -C build-release -j2",
           results["command"], "```", "",
           f"- Machine: {machine['cpu']}, {machine['nproc']} cores; RAM {machine['ram_gib']:.1f} GiB; "
           f"{machine['filesystem']}; `{machine['ldb_version']}` Release; run on "
           f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(results['started']))}, "
           f"{results['seconds'] / 60:.1f} min in all.",
           f"- Load average (1, 5, 15 min) at the start: {results['load_start']}; at the end: {results['load_end']}; "
           "each row gives it before its best run. Other sessions share these 2 cores: a load above 2 means the "
           "measured processes waited for a CPU, so wall times are upper bounds.",
           f"- Every workload ran {results['repeat']} times (the floor and read + MD5 once more first, untimed) with "
           "the page cache warm (every file read first, untimed); the table shows the fastest run, its CPU time "
           "(user + sys, from `wait4`, so including child processes) and the largest peak RSS of all runs. Ratios "
           "divide wall times of the same run. Each `ldb index` run gets a new instance (`ldb init`, "
           "`ldb add-storage`).", ""]
    out += ["### Data", "",
            f"`bench/gen_photos.py` (seed {p['seed']}): {p['jpegs']:,} JPEGs ({p['width']}×{p['height']}, quality "
            f"{p['jpeg_quality']}, {p['jpeg_bytes'] / max(1, p['jpegs']) / 1024:.0f} KiB on average) and {p['pngs']:,} "
            f"PNGs ({p['width']}×{p['height']}, PIL's default compression, "
            f"{p['png_bytes'] / max(1, p['pngs']) / 1024:.0f} KiB on average), each a random crop (40-100% of the "
            "area), flip and colour shift of one of the repository's 19 real photos (`tests/data/photos`, "
            "`tests/data/yolo-real/images`), all distinct bytes. Generating them took "
            f"{p['seconds']:.0f} s on {p['processes']} processes"
            + (" (cached from an earlier run)" if results["photos"]["cached"] else "") + ".", ""]
    out += ["### Features at index time", ""]
    for kind in ("jpeg", "png"):
        r = results["index"].get(kind)
        if not r:
            continue
        label = "JPEG" if kind == "jpeg" else "PNG"
        out += [f"{label}: {r['files']:,} files, {r['bytes'] / 2**20:.0f} MiB, in `{r['data']}`. The floor is "
                + ("libjpeg-turbo at 1/8 scale" if kind == "jpeg" else "libspng decoding every row (PNG has no scaled "
                   "decoding)") + ".", ""]
        out += index_table(kind, r)
        summary = " / ".join(line.strip() for line in r["index"]["summary_output"].splitlines())
        out += ["", f"`ldb index` printed: {summary}", ""]
    e = results.get("embed")
    if e:
        out += ["### ldb embed and ldb features", "",
                f"Over the {e['files']:,} JPEGs, in an instance indexed with features (`ldb embed` gets a fresh copy of "
                "it for each run, since objects with a vector are skipped).", "",
                "| workload | wall s | CPU s | cores used | peak RSS MB | objects/s | load (1, 5, 15 min) | runs (s) | "
                "command |", "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |"]
        for name, m, count in (("ldb embed (builtin)", e["embed"], e["embedded"]),
                               ("ldb features --force", e["features"], e["computed"])):
            out.append(f"| {name} | {fmt_run(m)} | {rate(count, m):,.0f} | {m['load']} | "
                       f"{' '.join(f'{w:.2f}' for w in m['walls'])} | `{m['command']}` |")
        out += ["", f"`ldb embed` embedded {e['embedded']:,} objects; `ldb features --force` computed "
                f"{e['computed']:,}.", ""]
    if results.get("dups"):
        out += ["### Near duplicates: ldb dups", "",
                f"Instances made by `ldb init` and rows inserted with Python's sqlite3 (`objects`, one `paths` row "
                f"each, `image_features`): random pHashes with 32 of 64 bits set (as ldb's median-split pHashes "
                f"have), and {PLANTED_FRACTION:.0%} of the objects planted as near duplicates of an earlier one, an "
                f"even 0-{DUP_THRESHOLD} bits away. Random hashes also fall within {DUP_THRESHOLD} bits of each other "
                "by chance (expected pairs below), so the groups are more than the planted pairs. "
                "`ldb list -s ds:root` is the cost of selecting the objects, for comparison.", "",
                "| objects | workload | wall s | CPU s | cores used | peak RSS MB | load (1, 5, 15 min) | runs (s) |",
                "| ---: | --- | ---: | ---: | ---: | ---: | --- | --- |"]
        for d in results["dups"]:
            for name, m in (("`ldb list -s ds:root`", d["list"]), ("**`ldb dups ds:root --json > /dev/null`**",
                                                                    d["dups"])):
                out.append(f"| {d['count']:,} | {name} | {fmt_run(m)} | {m['load']} | "
                           f"{' '.join(f'{w:.2f}' for w in m['walls'])} |")
        out += [""]
        for d in results["dups"]:
            out.append(f"- {d['count']:,} objects: {d['groups']:,} groups of {d['objects_in_groups']:,} objects "
                       f"(largest {d['largest_group']}); planted pairs found {d['planted_found']:,} of "
                       f"{d['planted']:,}; pairs expected by chance ≈ {d['chance_pairs_expected']:,.0f}. Instance "
                       f"built in {d['generation_seconds']:.0f} s"
                       + (" (earlier run, cached)" if d["cached"] else "")
                       + f", database {d['database_bytes'] / 2**20:,.0f} MiB.")
        if results.get("dups_note"):
            out += ["", results["dups_note"]]
        out += [""]
    s = results.get("similar")
    if s:
        out += ["### Similarity: --similar", "",
                f"{s['count']:,} random L2-normalised {EMBED_DIMS}-float vectors (little-endian float32 BLOBs) under "
                "the `builtin` model, inserted with sqlite3 like the pHashes. The query is one of them.", "",
                "| workload | wall s | CPU s | cores used | peak RSS MB | load (1, 5, 15 min) | runs (s) | command |",
                "| --- | ---: | ---: | ---: | ---: | --- | --- | --- |"]
        for name, m in (("`ldb list -s ds:root`", s["list"]), ("**--similar, count**", s["similar"]),
                        ("--similar, the 10 rows printed", s["similar_rows"])):
            out.append(f"| {name} | {fmt_run(m)} | {m['load']} | {' '.join(f'{w:.2f}' for w in m['walls'])} | "
                       f"`{m['command']}` |")
        out += ["", f"`-s` printed `{s['similar_output']}`; the nearest object printed is the query itself: "
                f"{'yes' if s['nearest_is_query'] else 'no'}. Instance built in {s['generation_seconds']:.0f} s"
                + (" (earlier run, cached)" if s["cached"] else "") + f", database "
                f"{s['database_bytes'] / 2**20:,.0f} MiB.", ""]
    out += ["### Targets", "", "| target | measured | result |", "| --- | --- | --- |"]
    for t in results["targets"]:
        verdict = ("not measured at 1M" if t["met"] is None
                   else "**PASS**" if t["met"] else f"**MISS** ({t['by']})")
        out.append(f"| {t['target']} | {t['measured']} | {verdict} |")
    if results.get("profiles"):
        out += ["", "### Profiles of the misses", "",
                "`perf record` (no call graphs) of one run each; self time by shared object, then by symbol."]
        for prof in results["profiles"]:
            out += ["", f"**{prof['name']}** — `{prof.get('command', '')}`, {prof.get('samples', 0):,} samples", ""]
            if prof.get("error"):
                out.append(prof["error"])
                continue
            out.append("By object file: " + ", ".join(f"{dso} {pct:.1f}%" for pct, dso in prof["dsos"]) + ".")
            out += ["", "| self % | object | symbol |", "| ---: | --- | --- |"]
            out += [f"| {pct:.1f} | {dso} | `{sym}` |" for pct, dso, sym in prof["top"]]
    if results.get("notes"):
        out += ["", "### Notes", ""] + [f"- {n}" for n in results["notes"]]
    out.append(doc_sections.end_marker(SECTION))
    return "\n".join(out)


def write_section(path: str, results: dict) -> None:
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = "# ldb benchmarks\n"
    with open(path, "w") as f:
        f.write(doc_sections.splice(text, SECTION, render(results)))
    log(f"wrote the {SECTION} section of {path}")


def shown_command(argv: list) -> str:
    words = ["/usr/bin/python3", "bench/images_bench.py"]
    for a in argv:
        a = os.path.relpath(a, REPO) if os.path.isabs(a) and a.startswith(REPO + "/") else a
        words.append(quote(a))
    return " ".join(words)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ldb", help="the ldb binary (a Release build)")
    parser.add_argument("floor", help="bench/jpeg_floor from the same build")
    parser.add_argument("--photos", type=int, default=10_000, help="JPEG photos (default 10000)")
    parser.add_argument("--pngs", type=int, default=2_000, help="PNG photos (default 2000; 0 skips the PNG set)")
    parser.add_argument("--hashes", default="1000000",
                        help="comma-separated instance sizes for ldb dups (default 1000000; empty skips)")
    parser.add_argument("--hashes-repeat", default="",
                        help="SIZE:RUNS,... fewer repeats for large dups sizes (e.g. 10000000:1)")
    parser.add_argument("--similar", type=int, default=1_000_000, help="embeddings for --similar (0 skips)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each workload (the fastest is kept)")
    parser.add_argument("--only", default="index,embed,dups,similar", help="which parts to run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", default="/tmp/ldb-imgbench", help="work folder (photos and instances are cached)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per command")
    parser.add_argument("--no-profile", action="store_true", help="do not profile missed targets")
    parser.add_argument("--out", help="write the images section into this markdown file (docs/benchmarks.md)")
    parser.add_argument("--render-only", metavar="RESULTS_JSON", help="only rewrite --out from earlier results")
    parser.add_argument("--note", action="append", default=[], help="a line for the Notes of the section")
    args = parser.parse_args(argv)

    if args.render_only:
        with open(args.render_only) as f:
            results = json.load(f)
        results["notes"] = results.get("notes", []) + args.note
        results["targets"] = evaluate(results)
        if args.out:
            write_section(args.out, results)
        return 0

    ldb, floor = os.path.abspath(args.ldb), os.path.abspath(args.floor)
    for binary in (ldb, floor):
        if not os.access(binary, os.X_OK):
            print(f"images_bench: error: no binary at {binary}\nhint: build Release with -DLDB_BUILD_BENCHMARKS=ON",
                  file=sys.stderr)
            return 2
    parts = set(args.only.split(","))
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    helper()  # compile bench/rusage_run.c before measuring
    runner = Runner(ldb, args.repeat, args.timeout)
    results = {"command": shown_command(argv if argv is not None else sys.argv[1:]), "machine": machine_info(ldb),
               "load_start": loadavg(), "started": time.time(), "repeat": args.repeat, "notes": list(args.note)}
    log(f"load average {results['load_start']}")
    photos = generate_photos(work, args)
    results["photos"] = {"summary": photos["summary"], "cached": photos["cached"]}
    results["index"] = {}
    if "index" in parts:
        results["index"]["jpeg"] = index_workloads("jpeg", photos, runner, floor, work)
        if args.pngs:
            results["index"]["png"] = index_workloads("png", photos, runner, floor, work)
    if "embed" in parts:
        results["embed"] = embed_workloads(runner, photos, work)
    repeats = {int(k): int(v) for k, v in (item.split(":") for item in args.hashes_repeat.split(",") if item)}
    if "dups" in parts:
        results["dups"] = [dups_workloads(runner, work, int(n), args.seed, repeats.get(int(n), args.repeat))
                           for n in args.hashes.split(",") if n.strip()]
    if "similar" in parts and args.similar:
        results["similar"] = similar_workloads(runner, work, args.similar, args.seed)
    results["targets"] = evaluate(results)

    profiles = []
    missed = {t["id"] for t in results["targets"] if t["met"] is False}
    perf_dir = os.path.join(work, "perf")
    if not args.no_profile:
        jpeg = results["index"].get("jpeg")
        if jpeg and missed & {"photos_per_s", "floor_ratio"}:
            instance, env = fresh_instance(runner, os.path.join(work, "run-profile-index"), storage=photos["root"])
            profiles.append(profile("index", "ldb index (JPEG, features on)", [ldb, "index", "-m", "bare",
                                                                                jpeg["data"]], env, perf_dir,
                                    "ldb index -m bare DATA/jpeg"))
        if missed & {"dups_seconds", "dups_rss_mb"}:
            d = next(d for d in results["dups"] if d["count"] == min(x["count"] for x in results["dups"]))
            meta = build_dups_instance(runner, work, d["count"], args.seed)
            profiles.append(profile("dups", f"ldb dups ({d['count']:,})", [ldb, "dups", "ds:root", "--json"],
                                    runner.env(meta["instance"], meta["home"]), perf_dir, "ldb dups ds:root --json"))
        if "similar_seconds" in missed:
            s = results["similar"]
            profiles.append(profile("similar", f"--similar ({s['count']:,})", [ldb, "list", "-s", "ds:root", "--similar",
                                                                     s["query"], "--limit", "10"],
                                    runner.env(s["instance"], s["home"]), perf_dir,
                                    f"ldb list -s ds:root --similar {s['query']} --limit 10"))
    results["profiles"] = profiles
    results["load_end"] = loadavg()
    results["seconds"] = time.time() - results["started"]
    for name in os.listdir(work):  # the index and embed runs' instances; the generated ones stay cached
        if name.startswith("run-"):
            shutil.rmtree(os.path.join(work, name), ignore_errors=True)
    json_path = os.path.join(work, "images-results.json")
    with open(json_path, "w") as f:
        json.dump(results, f, indent=2)
    for t in results["targets"]:
        log(f"{ {True: 'PASS', False: 'MISS', None: 'NOT AT 1M'}[t['met']] }: {t['target']}: {t['measured']}")
    if args.out:
        write_section(args.out, results)
    log(f"raw results in {json_path}; {results['seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
