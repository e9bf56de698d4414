#!/usr/bin/env python3
"""ldb end-to-end benchmark harness.

For each size: generate (or reuse) deterministic strict-pairs data with
bench/gen_data.py, measure the plain-tool baselines (find, md5sum with xargs -P2,
cp -r) and the ldb workloads on a fresh instance in the same run, then check the
targets of issue C / docs DESIGN, profile every missed target with perf at the
profile size, run the Google Benchmark micro-benchmarks, print a table and write
docs/benchmarks.md.

    python3 bench/run_bench.py --sizes 10000,100000 --ldb build/src/cli/ldb --out docs/benchmarks.md
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_report  # noqa: E402
import bench_report_doc  # noqa: E402
import doc_sections  # noqa: E402
import gen_data  # noqa: E402
from measure import Measurement, measure, run_once  # noqa: E402

QUERY = "inference.confidence < 0.75"
DEL_QUERY = "inference.confidence < 0.1"
# Sizes above this are run only when the estimate from a smaller size fits the budget.
LARGE_SIZE = 100_000


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def read_loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine_info(ldb: str) -> dict:
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    version = run_once([ldb, "--version"]).stdout.strip()
    compiler = run_once(["sh", "-c", "c++ --version | head -1"]).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gib": mem_kb / 1024 / 1024,
            "kernel": os.uname().release, "ldb_version": version, "compiler": compiler,
            "filesystem": run_once(["sh", "-c", f"df -T {HERE} | awk 'NR==2{{print $2}}'"]).stdout.strip()}


def data_root(work: str, count: int, args) -> str:
    key = f"n{count}-f{args.folders}-d{args.dup_fraction}-s{args.seed}-a{args.annotation_bytes}"
    return os.path.join(work, "data", key)


def data_cached(work: str, count: int, args) -> bool:
    return os.path.exists(os.path.join(data_root(work, count, args), "summary.json"))


def generate(work: str, count: int, args) -> tuple:
    """Returns (data folder, summary dict, seconds spent generating; 0 when cached)."""
    root = data_root(work, count, args)
    data = os.path.join(root, "pairs")
    summary_path = os.path.join(root, "summary.json")
    if os.path.exists(summary_path):
        with open(summary_path) as f:
            summary = json.load(f)
        if summary.get("generator_version") == gen_data.GENERATOR_VERSION:
            log(f"reusing generated data {data}")
            return data, summary, 0.0
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    log(f"generating {count} pairs in {data}")
    start = time.perf_counter()
    summary = gen_data.generate(data, count, args.folders, args.dup_fraction, args.seed,
                                args.annotation_bytes, 1024, 4096)
    seconds = time.perf_counter() - start
    summary["generation_seconds"] = seconds
    with open(summary_path, "w") as f:
        json.dump(summary, f, indent=2)  # written last: marks the data complete
    return data, summary, seconds


def count_files(folder: str) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def du_bytes(folder: str) -> int:
    out = run_once(["du", "-sB1", folder]).stdout.split()
    return int(out[0]) if out else 0


# This machine's root file system is ext4 without a journal. There the inode
# allocator skips inodes freed recently (fs/ext4/ialloc.c, recently_deleted())
# as long as their inode table block is in the cache, so creating many files
# after deleting many scans past every freed one: a cp -r of 20,000 files took
# 13-15 s instead of 1.2-2 s here, depending only on what had been deleted
# before (the check uses the wall clock, which runs slow on this machine, so
# the "recent" window lasted tens of minutes). So a run deletes nothing while
# it measures (its own instances, workspaces and copies go at its end), and
# before each size it syncs and drops the page cache (root only; otherwise it
# waits SETTLE_SECONDS), then warms the data files again.
SETTLE_SECONDS = 65


def delete_trees(paths) -> bool:
    """Deletes the folders that exist; True when something was deleted."""
    deleted = False
    for path in paths:
        if os.path.lexists(path):
            shutil.rmtree(path, ignore_errors=True)
            deleted = True
    return deleted


def forget_deleted_inodes() -> str:
    """Syncs and drops the page cache, so that no freed inode counts as
    recently deleted; returns what was done, for the report."""
    run_once(["sync"])
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("1\n")
        return "synced and dropped the page cache"
    except OSError:
        time.sleep(SETTLE_SECONDS)
        return f"synced and waited {SETTLE_SECONDS} s (not allowed to drop the page cache)"


class Session:
    """One fresh ldb instance, its HOME and workspaces, for one size."""

    def __init__(self, ldb: str, work: str, count: int, data: str, timeout: float, wrap=None, skip=frozenset()):
        self.ldb = ldb
        self.skip = skip  # workload names not run at this size
        self.data = data
        self.count = count
        self.timeout = timeout
        self.wrap = wrap  # optional: (name, argv) -> argv, e.g. to run under perf
        self.root = os.path.join(work, f"run-{count}")
        delete_trees([self.root])
        self.instance = os.path.join(self.root, "instance")
        self.home = os.path.join(self.root, "home")
        self.ws = os.path.join(self.root, "ws")
        self.ws2 = os.path.join(self.root, "ws-instantiate")
        for folder in (self.home, self.ws, self.ws2):
            os.makedirs(folder)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LDB_")}
        self.env.update({"HOME": self.home, "LDB_DIR": self.instance, "LC_ALL": "C"})

    def run(self, name, args, cwd=None, repeat=1, note="", before_each=None) -> Measurement:
        argv = [self.ldb, *args]
        if self.wrap:
            argv = self.wrap(name, argv)
        result = measure(name, argv, repeat=repeat, cwd=cwd or self.root, env=self.env,
                         timeout=self.timeout, note=note, before_each=before_each)
        result.command = "ldb " + " ".join(_quote(a) for a in args)
        if cwd:
            result.command = f"(in {os.path.relpath(cwd, self.root)}/) " + result.command
        if not result.ok:
            log(f"  {name} FAILED: {result.error}")
        else:
            log(f"  {name}: {result.wall:.3f} s wall, {result.cpu:.3f} s CPU, {result.maxrss_mb:.0f} MB")
        return result


def _quote(arg: str) -> str:
    return f"'{arg}'" if any(c in arg for c in " <>*|&;") else arg


def warm_page_cache(data: str, timeout: float) -> None:
    log("warming the page cache (cat every file once, untimed)")
    run_once(["sh", "-c", f"find '{data}' -type f -print0 | xargs -0 cat > /dev/null"], timeout=timeout)


def baselines(data: str, work: str, count: int, repeat: int, timeout: float, skip=frozenset()) -> dict:
    warm_page_cache(data, timeout)
    results = {}
    results["find"] = measure("find", ["sh", "-c", f"find '{data}' -type f | wc -l"],
                              repeat=repeat, warmup=1, timeout=timeout)
    results["md5sum"] = measure(
        "md5sum", ["sh", "-c", f"find '{data}' -type f -name '*.jpg' -print0 | xargs -0 -P2 -n 1000 md5sum > /dev/null"],
        repeat=repeat, warmup=1, timeout=timeout, note="data files only, 2 processes")
    results["md5sum-all"] = measure(
        "md5sum-all", ["sh", "-c", f"find '{data}' -type f -print0 | xargs -0 -P2 -n 1000 md5sum > /dev/null"],
        repeat=repeat, warmup=1, timeout=timeout, note="every file index reads (data + annotations), 2 processes")
    if "cp" in skip:
        log("  baseline cp -r skipped at this size (--skip-large)")
        return _log_baselines(results)
    # Each repetition copies into a new folder: deleting the previous copy
    # would slow the next one down (see SETTLE_SECONDS).
    results["cp"] = measure("cp -r", lambda i: ["sh", "-c", f"cp -r '{data}' '{cp_target(work, count)}-{i + 1}'"],
                            repeat=repeat, timeout=timeout, note="data + annotation files")
    return _log_baselines(results)


def cp_target(work: str, count: int) -> str:
    """Prefix of the cp -r baseline's targets (one folder per repetition)."""
    return os.path.join(work, f"cp-{count}")


def run_outputs(work: str, count: int) -> list:
    """Every folder a size's run creates besides the cached data."""
    copies = [os.path.join(work, name) for name in os.listdir(work) if name.startswith(f"cp-{count}-")] \
        if os.path.isdir(work) else []
    return [os.path.join(work, f"run-{count}"), os.path.join(work, f"cp-{count}"), *copies]


def _log_baselines(results: dict) -> dict:
    for m in results.values():
        log(f"  baseline {m.name}: {m.wall:.3f} s wall, {m.cpu:.3f} s CPU" if m.ok else f"  {m.name} FAILED {m.error}")
    return results


class _Done(Exception):
    pass


def ldb_workloads(session: Session, repeat: int, until=None) -> dict:
    """The ldb workloads in order on a fresh instance. Returns name ->
    Measurement plus extra facts under '_facts'. With `until` (a set of names),
    stops as soon as all of them have run (for the profile pass)."""
    s = session
    r = _Tracked(until)
    try:
        return _workloads(s, repeat, r)
    except _Done:
        return dict(r)


class _Tracked(dict):
    """A dict that raises _Done once every name in `until` has been stored."""

    def __init__(self, until):
        super().__init__()
        self.until = set(until) if until else None

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        if self.until is not None and self.until <= set(self):
            raise _Done()


def _workloads(s: Session, repeat: int, r: dict) -> dict:
    facts = {}
    r["startup"] = s.run("startup", ["--version"], repeat=repeat, note="process start-up and exit only")
    r["init"] = s.run("init", ["init", s.instance])
    r["add-storage"] = s.run("add-storage", ["add-storage", s.data])
    r["index"] = s.run("index", ["index", s.data])
    r["reindex"] = s.run("reindex", ["index", s.data], repeat=repeat, note="unchanged files")
    r["stage"] = s.run("stage", ["stage", "ds:bench", s.ws])
    r["add"] = s.run("add", ["add", s.data], cwd=s.ws, note="the whole data folder")
    r["status-staged"] = s.run("status-staged", ["status"], cwd=s.ws, repeat=repeat,
                               note="all objects staged, uncommitted")
    r["commit"] = s.run("commit", ["commit", "-m", "all"], cwd=s.ws)
    r["status"] = s.run("status", ["status"], cwd=s.ws, repeat=repeat, note="clean workspace")
    r["query"] = s.run("query", ["list", "ds:root", "--query", QUERY, "-s"], repeat=repeat)
    if r["query"].ok:
        facts["query_output"] = r["query"].runs[-1].stdout.strip()
    r["del"] = s.run("del", ["del", "--query", DEL_QUERY], cwd=s.ws, note="about 10% of the objects")
    r["commit2"] = s.run("commit2", ["commit", "-m", "drop low confidence"], cwd=s.ws)
    r["diff"] = s.run("diff", ["diff", "ds:bench.v1", "ds:bench.v2"], repeat=repeat)
    if r["diff"].ok:
        facts["diff_lines"] = len(r["diff"].runs[-1].stdout.splitlines())
    r["stage2"] = s.run("stage2", ["stage", "ds:bench.v1", s.ws2])
    if "instantiate" not in s.skip:
        r["instantiate"] = s.run("instantiate", ["instantiate"], cwd=s.ws2, note="into an empty workspace")
        facts["instantiated_files"] = sum(
            len(files) for top, dirs, files in os.walk(s.ws2) if ".ldb_workspace" not in top)
    if "reinstantiate" not in s.skip and "instantiate" not in s.skip:
        r["reinstantiate"] = s.run("reinstantiate", ["instantiate"], cwd=s.ws2, note="again, nothing changed")
    if "status-instantiated" not in s.skip and "instantiate" not in s.skip:
        r["status-instantiated"] = s.run("status-instantiated", ["status"], cwd=s.ws2, repeat=repeat,
                                         note="every file of the instantiated workspace checked against the manifest")
        if r["status-instantiated"].ok and shutil.which("git"):
            # The baseline: git status over the same files, tracked by an
            # index kept outside the folder (git add, untimed, first).
            git_env = dict(s.env, GIT_DIR=os.path.join(s.root, "git-baseline"), GIT_WORK_TREE=s.ws2)
            run_once(["git", "init", "-q"], cwd=s.ws2, env=git_env)
            with open(os.path.join(s.root, "git-baseline", "info", "exclude"), "a") as f:
                f.write(".ldb_workspace/\n")
            run_once(["git", "add", "-A"], cwd=s.ws2, env=git_env, timeout=s.timeout)
            git = measure("git-status", ["git", "status", "--porcelain"], repeat=repeat, warmup=1, cwd=s.ws2,
                          env=git_env, timeout=s.timeout, note="the same files, tracked by git")
            log(f"  baseline git status: {git.wall:.3f} s wall" if git.ok else f"  git status FAILED {git.error}")
            facts["git_status"] = git.to_json()
    help_text = run_once([s.ldb, "instantiate", "--help"], env=s.env)
    facts["link_mode"] = "--link" in (help_text.stdout + help_text.stderr)
    if facts["link_mode"] and "instantiate-link" not in s.skip:
        ws3 = os.path.join(s.root, "ws-link")
        os.makedirs(ws3)
        s.run("stage3", ["stage", "ds:bench.v1", ws3])
        r["instantiate-link"] = s.run("instantiate-link", ["instantiate", "--link"], cwd=ws3,
                                      note="hard links (read-only) into an empty workspace")
        facts["linked_files"] = sum(len(files) for top, dirs, files in os.walk(ws3) if ".ldb_workspace" not in top)
        # Link mode made the storage files read-only (shared inodes); give the
        # cached data back its write permission so later runs can regenerate it.
        run_once(["chmod", "-R", "u+w", s.data])
    facts["instance_bytes"] = du_bytes(s.instance)
    facts["instance_files"] = count_files(s.instance) if os.path.isdir(s.instance) else 0
    facts["instance_breakdown"] = sorted(
        ((name, du_bytes(os.path.join(s.instance, name))) for name in os.listdir(s.instance)),
        key=lambda item: -item[1])[:6] if os.path.isdir(s.instance) else []
    dict.__setitem__(r, "_facts", facts)
    return dict(r)


def run_size(count: int, args, work: str) -> dict:
    load_start = read_loadavg()
    started = time.perf_counter()
    data, summary, gen_seconds = generate(work, count, args)
    delete_trees(run_outputs(work, count))
    settled = forget_deleted_inodes()
    log(f"size {count}: {settled}; baselines (load {load_start})")
    skip = frozenset(w for w in args.skip_large.split(",") if w) if count > LARGE_SIZE else frozenset()
    base = baselines(data, work, count, args.repeat, args.timeout, skip)
    log(f"size {count}: ldb workloads")
    session = Session(args.ldb, work, count, data, args.timeout, skip=skip)
    workloads = ldb_workloads(session, args.repeat)
    facts = workloads.pop("_facts")
    elapsed = time.perf_counter() - started
    result = {"count": count, "data": data, "run_root": session.root, "summary": summary, "generation_seconds": gen_seconds,
              "baselines": {**{k: v.to_json() for k, v in base.items()},
                            **({"git-status": facts.pop("git_status")} if "git_status" in facts else {})},
              "ldb": {k: v.to_json() for k, v in workloads.items()}, "facts": facts,
              "seconds": elapsed, "load_start": load_start, "load_end": read_loadavg(),
              "skipped_workloads": sorted(skip), "settled": settled}
    return result


# Read-only workloads are repeated under one perf session so that short commands
# (status takes milliseconds) still give enough samples.
PERF_LOOPS = {"status": 50, "status-staged": 50, "status-instantiated": 10, "startup": 50, "query": 5, "diff": 5, "reindex": 3}
PERF_FREQUENCY = "4999"


def perf_wrapper(targets: set, out_dir: str):
    def wrap(name, argv):
        if name not in targets:
            return argv
        record = ["perf", "record", "-F", PERF_FREQUENCY, "-o", os.path.join(out_dir, f"{name}.perf.data"), "--"]
        loops = PERF_LOOPS.get(name, 1)
        if loops == 1:
            return [*record, *argv]
        return [*record, "sh", "-c", f'for i in $(seq {loops}); do "$@" > /dev/null || exit 1; done', "sh", *argv]
    return wrap


def perf_samples(path: str) -> int:
    """The number of samples in a perf.data file (from perf report's header)."""
    stats = run_once(["perf", "report", "-i", path, "--stdio", "--sort", "dso"], timeout=300)
    for line in stats.stdout.splitlines():
        if line.startswith("# Samples:"):
            token = line.split()[2]
            scale = {"K": 1e3, "M": 1e6}.get(token[-1], 1)
            return int(float(token.rstrip("KM")) * scale)
    return 0


def perf_dsos(path: str, limit: int = 5) -> list:
    """The top `limit` shared objects by self samples: [(percent, dso)]."""
    report = run_once(["perf", "report", "-i", path, "--stdio", "--no-children", "--sort", "dso"], timeout=300)
    rows = []
    for line in report.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.lstrip().startswith("#") and parts[0].endswith("%"):
            rows.append((float(parts[0].rstrip("%")), parts[1]))
        if len(rows) >= limit:
            break
    return rows


def perf_top(path: str, limit: int = 6) -> list:
    """The top `limit` symbols by self samples: [(percent, dso, symbol)]."""
    report = run_once(["perf", "report", "-i", path, "--stdio", "--no-children", "--sort", "dso,symbol"],
                      timeout=300)
    rows = []
    for line in report.stdout.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "%" not in line.split()[0]:
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            continue
        symbol = parts[2]
        for marker in ("[.] ", "[k] "):
            if marker in symbol:
                symbol = ("(kernel) " if marker == "[k] " else "") + symbol.split(marker, 1)[1]
        symbol = symbol.rstrip(" -").strip()
        rows.append((float(parts[0].rstrip("%")), parts[1], symbol))
        if len(rows) >= limit:
            break
    return rows


def profile(missed: set, size: int, args, work: str) -> dict:
    """Replays the workloads at `size` on a fresh instance with the missed ones under perf."""
    if not missed or shutil.which("perf") is None:
        return {}
    data, _, _ = generate(work, size, args)
    out_dir = os.path.join(work, f"perf-{size}")
    # As before each measured size: delete what the replay would (the measured
    # run's folders of this size, earlier profiles), then settle the file
    # system (deletions make file creation scan freed inodes) and warm this
    # size's data, which a larger size has dropped from the page cache;
    # otherwise the profiles show costs the measurements never had.
    delete_trees([out_dir, *run_outputs(work, size)])
    os.makedirs(out_dir)
    log(f"profile at {size}: {forget_deleted_inodes()}")
    warm_page_cache(data, args.timeout)
    log(f"profiling {sorted(missed)} at {size} objects with perf")
    session = Session(args.ldb, work, size, data, args.timeout, wrap=perf_wrapper(missed, out_dir))
    workloads = ldb_workloads(session, 1, until=missed)
    workloads.pop("_facts", None)
    profiles = {}
    for name in sorted(missed):
        path = os.path.join(out_dir, f"{name}.perf.data")
        m = workloads.get(name)
        if m is None or not os.path.exists(path):
            continue
        loops = PERF_LOOPS.get(name, 1)
        where, _, plain = m.command.rpartition(") ") if m.command.startswith("(in ") else ("", "", m.command)
        where = where + ") " if where else ""
        command = m.command if loops == 1 else f'{where}sh -c "for i in $(seq {loops}); do {plain}; done"'
        profiles[name] = {
            "command": f"perf record -F {PERF_FREQUENCY} -o {name}.perf.data -- {command}   (then: perf report -i "
                       f"{name}.perf.data --stdio --no-children --sort dso,symbol)",
            "samples": perf_samples(path), "loops": loops,
            "size": size, "wall": m.wall if m.runs else None, "top": perf_top(path),
            "dsos": perf_dsos(path)}
    if not args.keep:
        shutil.rmtree(session.root, ignore_errors=True)
    return profiles


def micro_benchmarks(bench_dir: str, min_time: float) -> dict:
    results = {}
    for name in ("hash_bench", "json_bench", "query_bench"):
        binary = os.path.join(bench_dir, name)
        if not os.access(binary, os.X_OK):
            results[name] = {"error": f"{binary} not built (configure with -DLDB_BUILD_BENCHMARKS=ON)"}
            continue
        log(f"micro-benchmark {name}")
        run = run_once([binary, "--benchmark_format=json", f"--benchmark_min_time={min_time}"], timeout=600)
        try:
            results[name] = json.loads(run.stdout)
        except json.JSONDecodeError:
            results[name] = {"error": f"exit {run.returncode}: {run.stderr.strip()[-300:]}"}
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="ldb benchmark harness (see docs/benchmarks.md)")
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated object counts; sizes above 100000 run only when the "
                             "estimate from the previous size is under --max-minutes")
    parser.add_argument("--ldb", default=os.path.join(os.path.dirname(HERE), "build", "src", "cli", "ldb"),
                        help="the ldb binary (default build/src/cli/ldb)")
    parser.add_argument("--bench-dir", help="folder with hash_bench, json_bench, query_bench "
                                            "(default: BUILD/bench next to --ldb's BUILD/src/cli)")
    parser.add_argument("--out", help="write the markdown report here (e.g. docs/benchmarks.md)")
    parser.add_argument("--json", help="write the raw results as JSON here (default WORK/results.json)")
    parser.add_argument("--work", default="/tmp/ldb-bench", help="work folder (generated data is cached here)")
    parser.add_argument("--folders", type=int, default=100)
    parser.add_argument("--dup-fraction", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--annotation-bytes", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each repeatable workload (median)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per command")
    parser.add_argument("--max-minutes", type=float, default=15,
                        help="budget for one size above 100000, estimated from the previous size")
    parser.add_argument("--profile-size", type=int, default=0,
                        help="size at which misses are profiled (default: the size of the verdicts, 100000)")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--micro-min-time", type=float, default=0.2, help="--benchmark_min_time, seconds")
    parser.add_argument("--keep", action="store_true", help="keep instances and workspaces under --work")
    parser.add_argument("--skip-large", default="cp,instantiate,reinstantiate,instantiate-link,status-instantiated",
                        help="comma-separated baselines/workloads not run above 100000 objects (copying millions "
                             "of files takes tens of minutes; their targets are stated at 100k)")
    parser.add_argument("--analysis", metavar="MARKDOWN",
                        help="a markdown file included verbatim as the report's Analysis section")
    parser.add_argument("--render-only", metavar="RESULTS_JSON",
                        help="measure nothing: re-evaluate the targets and re-write --out from a results file")
    parser.add_argument("--profile", metavar="WORKLOADS",
                        help="with --render-only: also profile these workloads (comma-separated names, e.g. "
                             "reindex,status) at --profile-size and store them in the results file")
    args = parser.parse_args(argv)
    if args.render_only:
        with open(args.render_only) as f:
            report = json.load(f)
        report["targets"] = bench_report.evaluate(report)
        if args.analysis:
            report["analysis"] = read_analysis(args.analysis)
        if args.profile:
            size = args.profile_size or max(t["size"] for t in report["targets"] if t["size"] <= LARGE_SIZE)
            report.setdefault("profiles", {}).update(
                profile(set(args.profile.split(",")), size, args, os.path.abspath(args.work)))
            report.setdefault("supplementary", []).append(
                "python3 bench/run_bench.py " + " ".join(argv if argv is not None else sys.argv[1:]))
            with open(args.render_only, "w") as f:
                json.dump(report, f, indent=2)
        print(bench_report.render_tables(report))
        if args.out:
            doc_sections.write_keeping_sections(args.out, bench_report_doc.render(report))
        return 0

    args.ldb = os.path.abspath(args.ldb)
    if not os.access(args.ldb, os.X_OK):
        print(f"run_bench: error: no ldb binary at {args.ldb}\nhint: build it (see README) or pass --ldb PATH",
              file=sys.stderr)
        return 2
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        print(f"run_bench: error: --sizes must be comma-separated integers (got {args.sizes!r})", file=sys.stderr)
        return 2
    bench_dir = args.bench_dir or os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(args.ldb))), "bench")
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)

    report = {"command": "python3 bench/run_bench.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "machine": machine_info(args.ldb), "load_start": read_loadavg(), "started": time.time(),
              "parameters": {"folders": args.folders, "dup_fraction": args.dup_fraction, "seed": args.seed,
                             "annotation_bytes": args.annotation_bytes, "repeat": args.repeat,
                             "query": QUERY},
              "sizes": [], "skipped": []}
    previous = None
    for count in sizes:
        if count > LARGE_SIZE and previous is not None:
            scale = count / previous["count"]
            estimate = (previous["seconds"] - previous["generation_seconds"]) * scale
            if not data_cached(work, count, args):
                estimate += gen_estimate(previous, count)
            if estimate > args.max_minutes * 60:
                reason = (f"estimated {estimate / 60:.0f} min from the {previous['count']} run "
                          f"(linear scaling, data generation included when not cached), over the "
                          f"{args.max_minutes:.0f} min budget")
                log(f"skipping {count}: {reason}")
                report["skipped"].append({"count": count, "reason": reason})
                continue
        log(f"=== size {count} ===")
        previous = run_size(count, args, work)
        report["sizes"].append(previous)

    targets = bench_report.evaluate(report)
    report["targets"] = targets
    if args.analysis:
        report["analysis"] = read_analysis(args.analysis)
    missed = {w for t in targets for w in t.get("workloads", []) if t["result"] == "MISS"}
    profile_size = args.profile_size or max((t["size"] for t in targets if t["size"] <= LARGE_SIZE), default=0)
    report["profiles"] = {} if args.no_profile or not profile_size else profile(missed, profile_size, args, work)
    report["profiling_off"] = bool(args.no_profile)
    report["micro"] = micro_benchmarks(bench_dir, args.micro_min_time)
    if not args.keep:
        # Only now: deleting while measuring would slow the next file creations down.
        delete_trees([path for size in report["sizes"] for path in run_outputs(work, size["count"])])
    report["load_end"] = read_loadavg()
    report["seconds"] = time.time() - report["started"]

    json_path = args.json or os.path.join(work, "results.json")
    with open(json_path, "w") as f:
        json.dump(report, f, indent=2)
    markdown = bench_report_doc.render(report)
    print(bench_report.render_tables(report))
    if args.out:
        doc_sections.write_keeping_sections(args.out, markdown)
        log(f"wrote {args.out}")
    log(f"raw results in {json_path}; total {report['seconds'] / 60:.1f} min")
    return 0


def read_analysis(path: str) -> dict:
    with open(path) as f:
        return {"path": os.path.relpath(os.path.abspath(path), os.path.dirname(HERE)), "text": f.read()}


def gen_estimate(previous: dict, count: int) -> float:
    """Generation time for `count` pairs, scaled from the previous size's
    measured generation (or 1 ms a pair when that was cached)."""
    seconds = previous["summary"].get("generation_seconds") or previous["count"] * 0.001
    return seconds * count / previous["count"]


if __name__ == "__main__":
    sys.exit(main())
