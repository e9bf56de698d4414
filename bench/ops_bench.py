#!/usr/bin/python3
"""Image-ops benchmark (issue M): photos per second of `ldb instantiate` with a
built-in `resize 224x224 fit` transform, against vipsthumbnail and
ImageMagick's mogrify over the same files in the same run, every tool on all
cores (ldb's thread pool; the others through xargs -P N).

Run from the repository root with Debian's /usr/bin/python3 (PIL for the
photos), after a Release build; the baselines come from
`scripts/install-deps.sh --with-bench` (libvips-tools, imagemagick), which
this script runs when they are missing:

    cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLDB_BUILD_TESTS=OFF
    ninja -C build-release -j2 ldb
    /usr/bin/python3 bench/ops_bench.py build-release/src/cli/ldb --photos 10000 --out docs/benchmarks.md

The photos are bench/gen_photos.py's 640x480 JPEGs (q90). ldb's time is the
`instantiate -m bare-pairs` of a dataset whose members have only the
transform (so it decodes, resizes, encodes and writes each photo once, and
copies nothing else), into an empty folder. All outputs are JPEG q90, 224 px
on the longer side. Each workload is timed best of --repeat runs (default 3)
with the page cache warm. The results go to WORK/ops-results.json and, with
--out, into the "ops" section of docs/benchmarks.md.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import doc_sections  # noqa: E402

SECTION = "ops"


def ensure_tools():
    if shutil.which("vipsthumbnail") and shutil.which("mogrify"):
        return
    subprocess.run(["bash", os.path.join(REPO, "scripts", "install-deps.sh"), "--build-only", "--with-bench"],
                   check=True)


def photos_of(work: str, count: int, processes: int) -> list:
    folder = os.path.join(work, f"photos-{count}")
    if not os.path.isdir(folder):
        tmp = folder + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_photos.py"), tmp, "--jpegs", str(count),
                        "--pngs", "0", "--processes", str(processes)], check=True)
        os.rename(tmp, folder)
    paths = []
    for root, _, files in os.walk(folder):
        paths += [os.path.join(root, f) for f in files if f.endswith(".jpg")]
    return folder, sorted(paths)


def timed(fn, repeat: int) -> float:
    best = None
    for _ in range(repeat):
        seconds = fn()
        best = seconds if best is None else min(best, seconds)
    return best


def fresh(folder: str) -> str:
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


def xargs_time(paths: list, cmd: list, cores: int, per_call: int) -> float:
    data = "\0".join(paths).encode()
    start = time.perf_counter()
    subprocess.run(["xargs", "-0", "-P", str(cores), "-n", str(per_call), *cmd], input=data, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ldb", help="the ldb binary (a Release build)")
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument("--work", default=os.path.join(REPO, "build-bench-ops"))
    parser.add_argument("--out", help="docs/benchmarks.md to write the 'ops' section into")
    args = parser.parse_args(argv)
    ldb = os.path.abspath(args.ldb)
    ensure_tools()
    os.makedirs(args.work, exist_ok=True)
    folder, paths = photos_of(args.work, args.photos, args.cores)

    env = dict(os.environ)
    instance = os.path.join(args.work, f"instance-{args.photos}")
    env["LDB_DIR"] = instance
    ws = os.path.join(args.work, "ws")
    if not os.path.isdir(instance):
        run([ldb, "init", instance], env=env)
        run([ldb, "add-storage", folder], env=env)
        run([ldb, "index", "--no-features", folder], env=env)
    config = os.path.join(instance, "config")
    with open(config) as f:
        text = f.read().split("\n[transform.small]")[0]
    with open(config, "w") as f:
        f.write(text + '\n[transform.small]\nops = ["resize 224x224 fit", "format jpeg 90"]\n')
    fresh(ws)
    run([ldb, "stage", "ds:photos"], env=env, cwd=ws)
    run([ldb, "add", os.path.join(folder, "jpeg")], env=env, cwd=ws)
    run([ldb, "transform", "-s", "small"], env=env, cwd=ws)
    out = os.path.join(args.work, "out")

    def ldb_run():
        fresh(out)
        start = time.perf_counter()
        run([ldb, "instantiate", "-m", "bare-pairs", "-t", out], env=env, cwd=ws)
        return time.perf_counter() - start

    def vips_run():
        fresh(out)
        return xargs_time(paths, ["vipsthumbnail", "--size", "224x224", "-o", os.path.join(out, "%s.jpg[Q=90]")],
                          args.cores, 100)

    def magick_run():
        fresh(out)
        return xargs_time(paths, ["mogrify", "-path", out, "-resize", "224x224", "-quality", "90", "-format", "jpg"],
                          args.cores, 100)

    n = len(paths)
    results = {"photos": n, "cores": args.cores, "source": "640x480 JPEG q90 (bench/gen_photos.py)",
               "seconds": {}, "photos_per_second": {}}
    for name, fn in [("ldb instantiate (resize 224x224 fit)", ldb_run), ("vipsthumbnail --size 224x224", vips_run),
                     ("ImageMagick mogrify -resize 224x224", magick_run)]:
        seconds = timed(fn, args.repeat)
        results["seconds"][name] = round(seconds, 3)
        results["photos_per_second"][name] = round(n / seconds, 1)
        print(f"{name}: {seconds:.2f} s, {n / seconds:.0f} photos/s", flush=True)
    versions = {}
    for tool, flag in [("vipsthumbnail", "--vips-version"), ("mogrify", "-version")]:
        proc = subprocess.run([tool, flag], capture_output=True, text=True)
        versions[tool] = (proc.stdout or proc.stderr).splitlines()[0] if (proc.stdout or proc.stderr) else ""
    results["versions"] = versions
    with open(os.path.join(args.work, "ops-results.json"), "w") as f:
        json.dump(results, f, indent=2)
    if args.out:
        write_section(args.out, results, args)
    return 0


def write_section(path: str, results: dict, args) -> None:
    ldb_rate = results["photos_per_second"]["ldb instantiate (resize 224x224 fit)"]
    lines = [doc_sections.begin_marker(SECTION), "## Image ops: instantiate with a resize transform", "",
             f"{results['photos']} photos ({results['source']}) resized to fit 224x224 and written as JPEG q90, "
             f"{results['cores']} cores for every tool, best of {args.repeat} runs, page cache warm:", "",
             "| tool | seconds | photos/s | vs ldb |", "| --- | ---: | ---: | ---: |"]
    for name, seconds in results["seconds"].items():
        rate = results["photos_per_second"][name]
        lines.append(f"| {name} | {seconds:.2f} | {rate:.0f} | {rate / ldb_rate:.2f}x |")
    lines += ["", "Versions: " + "; ".join(f"{k}: {v}" for k, v in results["versions"].items()), "",
              "ldb decodes with libjpeg-turbo's scaled DCT at the smallest scale that leaves at least twice the "
              "output size (for 640x480 to 224 px that is full size: 1/2 would leave less than twice), box-shrinks to that, then resamples with Lanczos-3 and encodes; "
              "vipsthumbnail shrinks on load the same way. Reproduce:", "", "```sh",
              "cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLDB_BUILD_TESTS=OFF",
              "ninja -C build-release -j2 ldb",
              f"/usr/bin/python3 bench/ops_bench.py build-release/src/cli/ldb --photos {results['photos']} "
              "--out docs/benchmarks.md", "```", doc_sections.end_marker(SECTION)]
    text = open(path).read() if os.path.exists(path) else ""
    with open(path, "w") as f:
        f.write(doc_sections.splice(text, SECTION, "\n".join(lines)))


if __name__ == "__main__":
    sys.exit(main())
