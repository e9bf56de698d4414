#!/usr/bin/python3
"""ldb.torch benchmark (issue N): images per second of ldb.torch against
torchvision.datasets.ImageFolder over the same JPEGs, through the S3 backend
against local files, and the time to the first batch of an epoch at 100k and
1M members.

Run from the repository root with Debian's /usr/bin/python3 (torch,
torchvision, PIL), after a build of `ldb` and the Python module (the numbers
in docs/benchmarks.md are of the default RelWithDebInfo build; the decoding
itself is the system's libjpeg-turbo):

    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build -j2 ldb ldb_python
    /usr/bin/python3 bench/torch_bench.py build --photos 5000 --out docs/benchmarks.md

The photos are bench/gen_photos.py's 640x480 JPEGs (q90), each with a strict-
pair annotation {"label": "cN"} (10 classes), indexed and committed as
ds:photos; ImageFolder reads the class folders `ldb instantiate -m infer`
writes from it (the same bytes). Every loader is
`DataLoader(batch_size=64, num_workers=2)` and every sample the same uint8
3x224x224 tensor of the photo's centre: ImageFolder decodes with PIL (its
default loader) and then applies CenterCrop(224) and PILToTensor();
ImageFolder with loader=torchvision.io.read_image (torchvision's libjpeg
decoder) and ldb.torch (ldb's, in C++ without the GIL) apply CenterCrop(224)
to the decoded tensor. The map-style loaders shuffle with the DataLoader's
sampler, ldb.torch.IterableDataset by itself.

Each workload runs in a child process measured by bench/measure.py (peak
RSS, CPU): one untimed epoch (page cache and forks warm), then --repeat timed
epochs; images/s is the photo count over the median epoch (from iter(loader)
to the last batch).

S3: the photos are uploaded to s3rver (the server the cloud CLI tests use;
scripts/install-deps.sh installs it; skipped when it is missing), a second
instance indexes s3://bucket/photos, and ldb.torch.IterableDataset reads it
(a) without the object cache (every read a GET), and (b) through a new cache:
its first epoch fills the cache, the later ones are read from it. s3rver is
a Node.js process on the same cores: it is slower than S3 and takes CPU from
decoding, so these numbers bound ldb's S3 path from below.

First batch: instances of 100k and 1M objects made as bench/stats_bench.py
makes them (rows inserted with sqlite3, ~300-byte annotations), their objects
small byte strings; the child selects ds:root (timed), then times
next(iter(DataLoader(IterableDataset(selection, decode=False), batch_size=64,
num_workers=2))) for --repeat epochs (each starts new workers and draws a new
permutation). Only the files those epochs can reach are written: the first
1000 of each worker's share of each epoch's order; the rest exist only in the
index, which the first batch never reads.

The results go to WORK/torch-results.json and, with --out, into the "torch"
section of docs/benchmarks.md.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import doc_sections  # noqa: E402
import stats_bench  # noqa: E402
from measure import measure  # noqa: E402
from ops_bench import photos_of  # noqa: E402
from run_bench import machine_info, read_loadavg  # noqa: E402

SECTION = "torch"
BATCH = 64
WORKERS = 2
CROP = 224
CLASSES = 10
SERVERS_DIR = os.environ.get("LDB_TEST_SERVERS_DIR", os.path.expanduser("~/.cache/ldb-test-servers"))
S3RVER = os.path.join(SERVERS_DIR, "node_modules", ".bin", "s3rver")


def log(message: str) -> None:
    print(f"[torch_bench] {message}", file=sys.stderr, flush=True)


# --- the child: one workload in a fresh process ------------------------------------------------------------------


def child(spec: dict) -> dict:
    import torch
    import torchvision
    from torch.utils.data import DataLoader

    import ldb
    import ldb.torch

    kind = spec["kind"]
    if kind == "decode":
        return decode_costs(spec["paths"])
    crop = torchvision.transforms.CenterCrop(CROP)
    loader_args = dict(batch_size=BATCH, num_workers=WORKERS)
    out = {}
    if kind == "first-batch":
        start = time.perf_counter()
        selection = ldb.Instance().select("ds:root")
        out["select_seconds"] = time.perf_counter() - start
        out["members"] = len(selection)
        dataset = ldb.torch.IterableDataset(selection, seed=0, decode=False)
        materialize(selection, dataset, spec["epochs"])
        loader = DataLoader(dataset, **loader_args)
        firsts = []
        for _ in range(spec["epochs"]):
            start = time.perf_counter()
            batch = next(iter(loader))
            firsts.append(time.perf_counter() - start)
            assert len(batch[0]) == BATCH
        out["first_batch_seconds"] = firsts
        return out
    if kind == "imagefolder":
        dataset = torchvision.datasets.ImageFolder(
            spec["source"], transform=torchvision.transforms.Compose([crop, torchvision.transforms.PILToTensor()]))
        loader = DataLoader(dataset, shuffle=True, **loader_args)
    elif kind == "imagefolder-read_image":
        dataset = torchvision.datasets.ImageFolder(spec["source"], loader=torchvision.io.read_image, transform=crop)
        loader = DataLoader(dataset, shuffle=True, **loader_args)
    elif kind == "ldb-map":
        dataset = ldb.torch.Dataset(spec["source"], transform=crop)
        loader = DataLoader(dataset, shuffle=True, **loader_args)
    elif kind == "ldb-iterable":
        dataset = ldb.torch.IterableDataset(spec["source"], transform=crop)
        loader = DataLoader(dataset, **loader_args)
    else:
        raise ValueError(kind)
    epochs = []
    for epoch in range(spec["warmup"] + spec["epochs"]):
        images = 0
        start = time.perf_counter()
        for batch, _ in loader:
            assert batch.shape[1:] == (3, CROP, CROP) and batch.dtype == torch.uint8
            images += len(batch)
        seconds = time.perf_counter() - start
        if epoch >= spec["warmup"]:
            epochs.append(seconds)
        out["images"] = images
    out["epoch_seconds"] = epochs
    return out


def decode_costs(paths: list) -> dict:
    """Milliseconds per photo on one thread (the best of 5 passes over `paths`): each decoder from bytes in
    memory to a uint8 array of RGB pixels, and what ldb adds before decoding (reading the file, MD5)."""
    import hashlib
    import io

    import numpy as np
    import torch
    import torchvision
    from PIL import Image

    from ldb import _ldb

    torch.set_num_threads(1)
    blobs = []
    for path in paths:
        with open(path, "rb") as f:
            blobs.append(f.read())
    tensors = [torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in blobs]

    def best(fn, items):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            for item in items:
                fn(item)
            times.append((time.perf_counter() - start) / len(items) * 1000)
        return min(times)

    return {"decode_ms": {
        "ldb (_ldb.decode_image, C++, GIL released)": best(lambda b: _ldb.decode_image(b), blobs),
        "torchvision.io.decode_jpeg": best(torchvision.io.decode_jpeg, tensors),
        "PIL (Image.open, convert('RGB'), numpy)": best(
            lambda b: np.asarray(Image.open(io.BytesIO(b)).convert("RGB")), blobs),
        "reading the file (open, read)": best(lambda p: open(p, "rb").read(), paths),
        "MD5 of the bytes (ldb's check)": best(lambda b: hashlib.md5(b).digest(), blobs),
    }}


def materialize(selection, dataset, epochs: int) -> None:
    """Writes the files (b"stats-I" at each path, as stats_bench's ids expect) of the first 1000 members of
    each worker's share of each epoch's order, where they are missing."""
    for epoch in range(epochs):
        order = dataset.order(epoch)
        for worker in range(WORKERS):
            for index in order[worker::WORKERS][:1000]:
                path = selection[int(index)].path
                if os.path.exists(path):
                    continue
                os.makedirs(os.path.dirname(path), exist_ok=True)
                number = int(os.path.splitext(os.path.basename(path))[0])
                with open(path, "wb") as f:
                    f.write(f"stats-{number}".encode())


# --- the parent: data, instances, servers, measurements ---------------------------------------------------------


def run(cmd, env, cwd=None):
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def base_env(build: str, home: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LDB_", "AWS_"))}
    env.update({"HOME": home, "PYTHONPATH": os.path.join(build, "python"), "PYTHONDONTWRITEBYTECODE": "1"})
    return env


def annotate(paths: list) -> None:
    """Photo i's strict-pair annotation: {"label": "cN"}, N = i mod 10 (the key `-m infer` reads)."""
    for i, path in enumerate(paths):
        with open(os.path.splitext(path)[0] + ".json", "w") as f:
            json.dump({"label": f"c{i % CLASSES}"}, f)


def commit_photos(ldb: str, env: dict, location: str, ws: str, extra=()) -> None:
    """init, add-storage, index, then ds:photos.v1 of every photo (in the instance env["LDB_DIR"])."""
    run([ldb, "init", env["LDB_DIR"]], env)
    run([ldb, "add-storage", location, *extra], env)
    run([ldb, "index", "--no-features", location], env)
    shutil.rmtree(ws, ignore_errors=True)
    os.makedirs(ws)
    run([ldb, "stage", "ds:photos"], env, cwd=ws)
    run([ldb, "add", location], env, cwd=ws)
    run([ldb, "commit", "-m", "photos"], env, cwd=ws)


def local_instance(ldb: str, env: dict, work: str, folder: str, count: int) -> str:
    """The local instance (LDB_DIR) and the ImageFolder folder; made once per photo count."""
    instance = os.path.join(work, f"instance-{count}")
    imagefolder = os.path.join(work, f"imagefolder-{count}")
    env["LDB_DIR"] = instance
    if not os.path.exists(os.path.join(imagefolder, ".done")):
        shutil.rmtree(instance, ignore_errors=True)
        shutil.rmtree(imagefolder, ignore_errors=True)
        log(f"indexing {count} photos into {instance}")
        commit_photos(ldb, env, folder, os.path.join(work, "ws"))
        run([ldb, "instantiate", "ds:photos", "-m", "infer", "-t", imagefolder], env)
        open(os.path.join(imagefolder, ".done"), "w").close()
    return imagefolder


class S3rver:
    def __init__(self, folder: str):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        shutil.rmtree(folder, ignore_errors=True)
        # s3rver signs the continuation token of a listing of more than 1000
        # keys with a cipher Node 18's OpenSSL 3 leaves out by default.
        env = dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider")
        self.proc = subprocess.Popen([S3RVER, "-d", folder, "-a", "127.0.0.1", "-p", str(self.port),
                                      "--configure-bucket", "bucket", "--silent"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("s3rver did not start")

    def put(self, key: str, data: bytes) -> None:
        request = urllib.request.Request(f"{self.endpoint}/bucket/{key}", data=data, method="PUT")
        with urllib.request.urlopen(request, timeout=30) as answer:
            if answer.status != 200:
                raise RuntimeError(f"PUT {key}: HTTP {answer.status}")

    def cpu_seconds(self) -> float:
        """CPU time the server has used (user + system)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def s3_instance(ldb: str, env: dict, work: str, folder: str, paths: list, server: S3rver) -> None:
    log(f"uploading {len(paths)} photos and annotations to s3rver")
    for path in paths:
        for file in (path, os.path.splitext(path)[0] + ".json"):
            with open(file, "rb") as f:
                server.put("photos/" + os.path.relpath(file, folder), f.read())
    env.update({"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_REGION": "us-east-1",
                "LDB_DIR": os.path.join(work, "instance-s3"), "LDB_CACHE_DIR": "none"})
    shutil.rmtree(env["LDB_DIR"], ignore_errors=True)
    log("indexing s3://bucket/photos")
    commit_photos(ldb, env, "s3://bucket/photos", os.path.join(work, "ws-s3"), ("-o", "endpoint", server.endpoint))


def workload(name: str, spec: dict, env: dict, timeout: float = 3600, server=None) -> dict:
    load_before = read_loadavg()
    server_before = server.cpu_seconds() if server else None
    m = measure(name, [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)], env=env,
                timeout=timeout)
    result = {"name": name, "spec": spec, "ok": m.ok, "error": m.error, "process_wall": m.wall if m.runs else None,
              "process_cpu": m.cpu if m.runs else None, "maxrss_mb": m.maxrss_mb if m.runs else None,
              "load_before": load_before, "load_after": read_loadavg()}
    if server:
        result["server_cpu"] = server.cpu_seconds() - server_before
    if m.ok:
        result.update(json.loads(m.runs[-1].stdout.strip().splitlines()[-1]))
    else:
        log(f"{name} failed: {m.error}")
    if "epoch_seconds" in result:
        result["median_epoch"] = statistics.median(result["epoch_seconds"])
        result["images_per_second"] = result["images"] / result["median_epoch"]
        log(f"{name}: {result['images_per_second']:.0f} images/s (epochs {result['epoch_seconds']})")
    if "first_batch_seconds" in result:
        log(f"{name}: select {result['select_seconds']:.2f} s, first batch {result['first_batch_seconds']}")
    return result


def render(results: dict) -> str:
    m = results["machine"]
    rows = {r["name"]: r for r in results["workloads"]}
    lines = [doc_sections.begin_marker(SECTION), "## ldb.torch: training throughput and the first batch", "",
             f"{results['photos']} photos 640x480 JPEG q90 (bench/gen_photos.py), "
             f"`DataLoader(batch_size={BATCH}, num_workers={WORKERS})`, each sample the uint8 3x{CROP}x{CROP} "
             f"centre of its photo. {m['nproc']} cores ({m['cpu']}), shared with other work: the load average "
             "before and after each workload is in the table. Reproduce with:", "",
             "    " + results["command"], "",
             "| loader | images/s | vs ImageFolder (PIL) | median epoch | epochs (s) | CPU s (whole process) "
             "| peak RSS | load before → after |",
             "|---|---:|---:|---:|---|---:|---:|---|"]
    base = rows.get("imagefolder", {}).get("images_per_second")
    for r in results["workloads"]:
        if "epoch_seconds" not in r:
            if r["name"].startswith("first-batch") or r["name"] == "decode":
                continue
            lines.append(f"| {r['name']} | failed: {r['error']} | | | | | | |")
            continue
        ratio = f"{r['images_per_second'] / base:.2f}x" if base else ""
        lines.append(f"| {r['name']} | {r['images_per_second']:.0f} | {ratio} | {r['median_epoch']:.2f} s "
                     f"| {', '.join(f'{s:.2f}' for s in r['epoch_seconds'])} | {r['process_cpu']:.1f} "
                     f"| {r['maxrss_mb']:.0f} MB | {r['load_before']} → {r['load_after']} |")
    lines += ["", "Loaders: `imagefolder` is torchvision.datasets.ImageFolder with PIL (its default loader), "
              "`imagefolder-read_image` the same with loader=torchvision.io.read_image; `ldb-map` is "
              "ldb.torch.Dataset (shuffled by the sampler), `ldb-iterable` ldb.torch.IterableDataset "
              "(read_ahead=16). `s3-nocache` reads every object from s3rver (LDB_CACHE_DIR=none); "
              "`s3-cache-cold` is the first epoch through a new object cache (each object fetched, verified, "
              "written to the cache), `s3-cache-warm` the epochs after it (read from the cache).", ""]
    local = rows.get("ldb-iterable", {}).get("median_epoch")
    for r in results["workloads"]:
        if r.get("server_cpu") is None or r["name"] == "s3-cache-warm":
            continue
        epochs = r["spec"]["warmup"] + r["spec"]["epochs"]
        if r["name"] == "s3-cache-cold":
            lines.append(f"- `s3-cache`: s3rver itself used {r['server_cpu']:.1f} CPU-seconds over the "
                         f"{epochs} epochs (the first filled the cache; the others sent no request).")
            continue
        per_epoch = r["server_cpu"] / epochs
        line = (f"- `{r['name']}`: s3rver itself used {r['server_cpu']:.1f} CPU-seconds over the {epochs} epochs, "
                f"{per_epoch:.1f} s an epoch on the same {m['nproc']} cores")
        if local and "median_epoch" in r:
            line += (f": {per_epoch / m['nproc']:.1f} s of the {r['median_epoch'] - local:.1f} s its epoch takes "
                     "beyond the local one, since decoding keeps every core busy. A real S3 endpoint spends no CPU "
                     "here; what ldb adds per GET is in the CPU column (this process against ldb-iterable's)")
        lines.append(line + ".")
    if any(r.get("server_cpu") is not None for r in results["workloads"]):
        lines.append("")
    read_image = rows.get("imagefolder-read_image", {}).get("images_per_second")
    if read_image and ips_of(rows, "ldb-map"):
        lines += [f"Against ImageFolder with torchvision's own decoder (`imagefolder-read_image`), ldb.torch "
                  f"reaches {ips_of(rows, 'ldb-map') / read_image:.2f}x (map-style) and "
                  f"{ips_of(rows, 'ldb-iterable') / read_image:.2f}x (iterable): the two decoders cost the same "
                  "(the table below), and ldb spends more a photo on checking its MD5 and on the target (the "
                  "annotation parsed into a dict, where ImageFolder gives a class number).", ""]
    if results.get("decode_ms"):
        lines += ["Decoding one photo on one thread (best of 5 passes over 300 of them), from bytes in memory "
                  "to RGB pixels, and what ldb does before it:", "", "| step | ms a photo |", "|---|---:|"]
        lines += [f"| {name} | {ms:.2f} |" for name, ms in results["decode_ms"].items()]
        lines.append("")
    firsts = [r for r in results["workloads"] if "first_batch_seconds" in r]
    if firsts:
        lines += ["| members | select ds:root | first batch (each epoch) | median | peak RSS |",
                  "|---:|---:|---|---:|---:|"]
        for r in firsts:
            lines.append(f"| {r['members']} | {r['select_seconds']:.2f} s "
                         f"| {', '.join(f'{s:.3f}' for s in r['first_batch_seconds'])} s "
                         f"| {statistics.median(r['first_batch_seconds']):.3f} s | {r['maxrss_mb']:.0f} MB |")
        lines += ["", "The first batch is next(iter(loader)) of an ldb.torch.IterableDataset (decode=False) with "
                  "2 workers: the workers start (fork), each draws the epoch's permutation of every member and "
                  "reads its first members; no shuffle buffer is filled. `select ds:root` (loading the member "
                  "table: ids, paths, annotations) is paid once per process, before the first epoch.", ""]
    lines += results.get("verdicts", []) + [doc_sections.end_marker(SECTION)]
    return "\n".join(lines)


def ips_of(rows: dict, name: str):
    return rows.get(name, {}).get("images_per_second")


def verdicts(results: dict) -> list:
    rows = {r["name"]: r for r in results["workloads"]}
    ips = {name: r.get("images_per_second") for name, r in rows.items()}
    out = ["Targets (issue N):", ""]
    base = ips.get("imagefolder")
    for name in ("ldb-map", "ldb-iterable"):
        if base and ips.get(name):
            ratio = ips[name] / base
            out.append(f"- {name} vs ImageFolder: {ratio:.2f}x (target at least 1.0x): "
                       f"{'met' if ratio >= 1.0 else 'missed'}.")
    local = ips.get("ldb-iterable")
    for name in ("s3-nocache", "s3-cache-cold", "s3-cache-warm"):
        if local and ips.get(name):
            ratio = ips[name] / local
            out.append(f"- {name} vs local ldb-iterable: {ratio:.2f}x (target at least 0.8x): "
                       f"{'met' if ratio >= 0.8 else 'missed'}.")
    for r in results["workloads"]:
        if "first_batch_seconds" in r:
            worst = max(r["first_batch_seconds"])
            out.append(f"- first batch at {r['members']} members: at most {worst:.3f} s over "
                       f"{len(r['first_batch_seconds'])} epochs (target under 1 s): "
                       f"{'met' if worst < 1.0 else 'missed'}.")
    return out + [""]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", nargs="?", help="the build folder (its src/cli/ldb and python/)")
    parser.add_argument("--photos", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="timed epochs per workload")
    parser.add_argument("--first-batch-counts", default="100000,1000000",
                        help="member counts to time the first batch at (comma-separated; empty: none)")
    parser.add_argument("--no-s3", action="store_true", help="skip the S3 workloads")
    parser.add_argument("--work", default=os.path.join(REPO, "build-bench-torch"))
    parser.add_argument("--out", help="docs/benchmarks.md to write the 'torch' section into")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    if not args.build:
        parser.error("the build folder is needed")
    build = os.path.abspath(args.build)
    ldb = os.path.join(build, "src", "cli", "ldb")
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    home = os.path.join(work, "home")
    os.makedirs(home, exist_ok=True)
    folder, paths = photos_of(work, args.photos, os.cpu_count())
    annotate(paths)
    env = base_env(build, home)
    env["LDB_CACHE_DIR"] = "none"
    imagefolder = local_instance(ldb, env, work, folder, args.photos)

    results = {"photos": len(paths), "machine": machine_info(ldb), "workloads": [],
               "command": "/usr/bin/python3 bench/torch_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    decode = workload("decode", dict(kind="decode", paths=paths[:300]), env)
    results["decode_ms"] = decode.get("decode_ms", {})
    timed = dict(warmup=1, epochs=args.repeat)
    for name, spec in (("imagefolder", dict(kind="imagefolder", source=imagefolder)),
                       ("imagefolder-read_image", dict(kind="imagefolder-read_image", source=imagefolder)),
                       ("ldb-map", dict(kind="ldb-map", source="ds:photos")),
                       ("ldb-iterable", dict(kind="ldb-iterable", source="ds:photos"))):
        results["workloads"].append(workload(name, {**spec, **timed}, env))

    if not args.no_s3 and os.access(S3RVER, os.X_OK):
        server = S3rver(os.path.join(work, "s3rver"))
        try:
            s3_env = dict(env)
            s3_instance(ldb, s3_env, work, folder, paths, server)
            spec = dict(kind="ldb-iterable", source="ds:photos")
            results["workloads"].append(workload("s3-nocache", {**spec, **timed}, s3_env, server=server))
            cache = os.path.join(work, "s3-cache")
            shutil.rmtree(cache, ignore_errors=True)
            cold = workload("s3-cache", {**spec, "warmup": 0, "epochs": 1 + args.repeat},
                            {**s3_env, "LDB_CACHE_DIR": cache}, server=server)
            if "epoch_seconds" in cold:
                first, rest = cold["epoch_seconds"][0], cold["epoch_seconds"][1:]
                results["workloads"].append({**cold, "name": "s3-cache-cold", "epoch_seconds": [first],
                                             "median_epoch": first, "images_per_second": cold["images"] / first})
                warm = statistics.median(rest)
                results["workloads"].append({**cold, "name": "s3-cache-warm", "epoch_seconds": rest,
                                             "median_epoch": warm, "images_per_second": cold["images"] / warm})
            else:
                results["workloads"].append(cold)
        finally:
            server.stop()
    elif not args.no_s3:
        log(f"s3rver is not installed ({S3RVER}): the S3 workloads are skipped")

    for count in [int(c) for c in args.first_batch_counts.split(",") if c]:
        files = os.path.join(work, f"synthetic-{count}-files")
        meta = stats_bench.build_instance(ldb, work, count, 1, paths_root=files)
        synthetic_env = {**env, "LDB_DIR": meta["instance"], "HOME": meta["home"]}
        results["workloads"].append(workload(f"first-batch-{count}", dict(kind="first-batch", epochs=args.repeat),
                                             synthetic_env))

    results["verdicts"] = verdicts(results)
    with open(os.path.join(work, "torch-results.json"), "w") as f:
        json.dump(results, f, indent=2)
    markdown = render(results)
    print(markdown)
    if args.out:
        with open(args.out) as f:
            text = f.read()
        with open(args.out, "w") as f:
            f.write(doc_sections.splice(text, SECTION, markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
