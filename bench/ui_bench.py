#!/usr/bin/python3
"""ldb ui at a million objects (issue 20): server start, the first grid page,
a query's count, and the embedding view's million points loaded and drawn
in headless Chromium; also `ldb project` (PCA) over a million embeddings.

Run from the repository root after a build (needs /usr/bin/python3 with
numpy, node and playwright-core as scripts/install-deps.sh installs them):

    python3 bench/ui_bench.py build/src/cli/ldb --count 1000000 --out docs/benchmarks.md

The instance is bench/stats_bench.py's (rows inserted with sqlite3: one
object and one ~300-byte annotation each, cached under --work), plus one
96-number `builtin` embedding per object inserted the same way (the builtin
model needs real images, and decoding a million photos would measure the
decoder): 16 clusters with noise, so that the projection has a shape. Then
`ldb project` (timed, once: it replaces the projection) makes the points the
view draws.

Measured, each --repeat times on a fresh `ldb ui --no-browser --port 0`:
- start: from exec to the URL line on stdout;
- first page: GET /api/objects?objects=ds:root&limit=500 (makes the selection);
- query count: GET /api/count?query=inference.confidence < 0.75 (a new selection);
- points: GET /api/points of ds:root (the selection kept), and its bytes;
- in Chromium (1280x800, WebGL on SwiftShader): the page loaded and its
  first grid count shown, its thumbnails settled (they fail: the generated
  objects have no files), then a click on the Embedding tab until the canvas
  says drawn: the points fetched, parsed, uploaded in one buffer and drawn
  (gl.finish), and the same from goto.
"""

import argparse
import http.client
import json
import os
import re
import select
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import doc_sections  # noqa: E402
import stats_bench  # noqa: E402
from measure import run_once  # noqa: E402
from run_bench import machine_info, read_loadavg  # noqa: E402

SECTION = "ui"
DIMENSIONS = 96
QUERY = "inference.confidence < 0.75"
URL_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{64})$")
NODE_MODULES = os.path.join(os.environ.get("LDB_TEST_SERVERS_DIR", os.path.expanduser("~/.cache/ldb-test-servers")),
                            "node_modules")
TARGETS = {"start": 1.0, "first_page": 0.5, "query_count": 1.0, "points_drawn": 3.0}


def log(message: str) -> None:
    print(f"[ui_bench] {message}", file=sys.stderr, flush=True)


def add_embeddings(meta: dict, seed: int) -> float:
    """One builtin-model vector per object, inserted once (cached); the seconds that took."""
    import sqlite3

    import numpy as np
    marker = os.path.join(os.path.dirname(meta["instance"]), "embedded.json")
    if os.path.exists(marker):
        with open(marker) as f:
            return json.load(f)["seconds"]
    start = time.monotonic()
    count = meta["count"]
    db = sqlite3.connect(os.path.join(meta["instance"], "ldb.sqlite"), isolation_level=None)
    db.execute("BEGIN")
    db.execute("DELETE FROM projections")
    db.execute("DELETE FROM embeddings")
    db.execute("DELETE FROM embedding_models")
    db.execute("INSERT INTO embedding_models(id, model, dimensions) VALUES (1, 'builtin', ?)", (DIMENSIONS,))
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (16, DIMENSIONS)).astype(np.float32)
    batch = 50000
    for first in range(0, count, batch):
        n = min(batch, count - first)
        cluster = rng.integers(0, 16, n)
        vectors = centres[cluster] + rng.normal(0, 0.35, (n, DIMENSIONS)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        db.executemany("INSERT INTO embeddings(model_id, object_id, vector) VALUES (1, ?, ?)",
                       ((first + i + 1, vectors[i].astype("<f4").tobytes()) for i in range(n)))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    seconds = time.monotonic() - start
    with open(marker, "w") as f:
        json.dump({"seconds": seconds}, f)
    return seconds


class Ui:
    """A running `ldb ui --no-browser --port 0` and the seconds until its URL line."""

    def __init__(self, ldb: str, env: dict):
        started = time.monotonic()
        self.proc = subprocess.Popen([ldb, "ui", "--no-browser", "--port", "0"], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        if not ready:
            self.proc.kill()
            raise RuntimeError("ldb ui printed no URL within 60 s")
        self.line = self.proc.stdout.readline().strip()
        self.start_seconds = time.monotonic() - started
        match = URL_LINE.match(self.line)
        if not match:
            raise RuntimeError(f"ldb ui printed {self.line!r}")
        self.port, self.token = int(match.group(1)), match.group(2)

    def get(self, path: str):
        """(seconds, status, body bytes) of GET path with the token's cookie."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        started = time.monotonic()
        conn.request("GET", path, headers={"Cookie": f"ldb_token_{self.port}={self.token}"})
        res = conn.getresponse()
        body = res.read()
        seconds = time.monotonic() - started
        conn.close()
        if res.status != 200:
            raise RuntimeError(f"GET {path}: {res.status} {body[:300]!r}")
        return seconds, body

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def browser_run(ui: Ui, count: int) -> dict:
    env = dict(os.environ, NODE_PATH=NODE_MODULES)
    run = subprocess.run(["node", os.path.join(HERE, "ui_bench.cjs"), ui.line, str(count)], capture_output=True,
                         text=True, timeout=600, env=env)
    if run.returncode != 0:
        raise RuntimeError(f"ui_bench.cjs failed: {run.stderr.strip()[-2000:]}")
    return json.loads(run.stdout)


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2


def measure_ui(ldb: str, meta: dict, repeat: int) -> dict:
    env = stats_bench.env_for(meta["instance"], meta["home"])
    run_once(["sh", "-c", f"cat '{meta['instance']}/ldb.sqlite' > /dev/null"])
    runs = []
    for attempt in range(repeat):
        ui = Ui(ldb, env)
        try:
            r = {"start": ui.start_seconds}
            r["first_page"], _ = ui.get("/api/objects?objects=ds:root&offset=0&limit=500")
            r["query_count"], body = ui.get("/api/count?objects=ds:root&query=" + urllib.parse.quote(QUERY))
            r["query_matches"] = json.loads(body)["count"]
            r["points_http"], body = ui.get("/api/points?objects=ds:root&model=builtin&method=pca")
            r["points_bytes"] = len(body)
            r["points"] = int.from_bytes(body[4:8], "little")
        finally:
            ui.stop()
        ui = Ui(ldb, env)
        try:
            seen = browser_run(ui, meta["count"])
        finally:
            ui.stop()
        r.update({"browser_first_count": seen["first_count_ms"] / 1000, "points_drawn": seen["tab_to_drawn_ms"] / 1000,
                  "points_fetch": seen["fetch_ms"] / 1000, "points_load": seen["load_ms"] / 1000,
                  "goto_to_drawn": seen["goto_to_drawn_ms"] / 1000, "drawn_count": seen["count"]})
        log(f"run {attempt + 1}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                               for k, v in r.items()))
        runs.append(r)
    return {"runs": runs, "median": {k: median([r[k] for r in runs]) for k in runs[0]}}


def render(results: dict) -> str:
    m = results["machine"]
    med = results["ui"]["median"]
    n = results["count"]
    project = results["project"]

    def verdict(key):
        return "met" if med[key] < TARGETS[key] else "missed"

    out = [doc_sections.begin_marker(SECTION), "## ldb ui at scale", "",
           "`ldb ui` over a generated instance (`bench/ui_bench.py`): the server, the grid's first page and a "
           "query's count over HTTP, and the embedding view's points loaded and drawn in headless Chromium. "
           "Reproduce from the repository root:", "", "```sh", results["command"], "```", "",
           f"- Machine: {m['cpu']}, {m['nproc']} cores shared with other work; RAM {m['ram_gib']:.1f} GiB; load "
           f"average at the start {results['load_start']}, at the end {results['load_end']}.",
           f"- ldb: {results['ldb_build']} ({results['build_type']} build); {n:,} objects with one annotation each "
           f"(bench/stats_bench.py's instance) and one {DIMENSIONS}-number `builtin` embedding each, rows inserted "
           f"with sqlite3 ({results['embed_seconds']:.0f} s for the embeddings).",
           f"- `{project['command']}`: {project['wall']:.1f} s wall, {project['cpu']:.1f} s CPU, peak RSS "
           f"{project['maxrss_mb']:.0f} MB (PCA over {n:,} x {DIMENSIONS}, then {n:,} points written).",
           f"- Median of {results['repeat']} runs, each on a fresh `ldb ui`; Chromium {results['chromium']} "
           "headless at 1280x800, WebGL on SwiftShader (no GPU)."]
    if float(results["load_start"].split()[0]) > m["nproc"]:
        out.append(f"- The machine was busy: a load average above its {m['nproc']} cores means every step here "
                   "waited for a core part of the time, so these times are upper bounds of an idle machine's.")
    out += ["",
           "| step | median s | runs | target |", "| --- | ---: | --- | --- |"]
    rows = [("`ldb ui` prints its URL", "start", "< 1 s"),
            ("first `/api/objects` page of `ds:root` (makes the selection)", "first_page", "< 0.5 s"),
            (f"`/api/count?query={QUERY}` (a new selection; {med['query_matches']:,} match)", "query_count", "< 1 s"),
            (f"`/api/points` of `ds:root` over HTTP ({med['points']:,} points, {med['points_bytes'] / 2**20:.1f} MiB)",
             "points_http", ""),
            ("Chromium: `goto` to the grid's count shown", "browser_first_count", ""),
            ("Chromium: the Embedding tab clicked to the points drawn", "points_drawn", "< 3 s"),
            ("of which fetching `/api/points`", "points_fetch", ""),
            ("Chromium: `goto` to the points drawn (the grid's count and thumbnails first)", "goto_to_drawn", "")]
    for label, key, target in rows:
        runs = ", ".join(f"{r[key]:.3f}" for r in results["ui"]["runs"])
        mark = f"{target} ({verdict(key)})" if target else ""
        out.append(f"| {label} | {med[key]:.3f} | {runs} | {mark} |")
    out += ["", f"The canvas counted {med['drawn_count']:,} points drawn in one `gl.drawArrays(gl.POINTS)`.",
            doc_sections.end_marker(SECTION)]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    stats_bench.add_instance_arguments(parser)
    parser.add_argument("--build-type", default="RelWithDebInfo", help="what the doc says of the ldb measured")
    parser.add_argument("--out", help="docs/benchmarks.md: write the ui section there")
    parser.add_argument("--render", metavar="RESULTS_JSON",
                        help="only write the section from the results of an earlier run (WORK/ui-results.json)")
    args = parser.parse_args(argv)
    if args.render:
        with open(args.render) as f:
            results = json.load(f)
        if args.out:
            doc_sections.write_section(args.out, SECTION, render(results))
        else:
            print(render(results))
        return 0
    ldb = os.path.abspath(args.ldb)
    os.makedirs(args.work, exist_ok=True)
    meta = stats_bench.build_instance(ldb, args.work, args.count, args.seed)
    log("adding embeddings")
    embed_seconds = add_embeddings(meta, args.seed)
    env = stats_bench.env_for(meta["instance"], meta["home"])
    log("ldb project")
    project = run_once([ldb, "project", "-m", "builtin", "--method", "pca"], env=env, timeout=3600)
    if project.returncode != 0:
        raise RuntimeError(f"ldb project failed: {project.stderr.strip()}")
    machine = machine_info(ldb)
    chromium = run_once(["sh", "-c", "/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'"]).stdout.strip()
    results = {"count": args.count, "repeat": args.repeat, "machine": machine, "chromium": chromium,
               "command": f"python3 bench/ui_bench.py {args.ldb} --count {args.count} --out docs/benchmarks.md",
               "ldb_build": machine["ldb_version"], "build_type": args.build_type, "load_start": read_loadavg(),
               "embed_seconds": embed_seconds,
               "project": {"command": "ldb project -m builtin --method pca", "wall": project.wall, "cpu": project.cpu,
                           "maxrss_mb": project.maxrss_kb / 1024}}
    log(f"ldb project: {project.wall:.1f} s wall, {project.cpu:.1f} s CPU, {project.maxrss_kb / 1024:.0f} MB")
    results["ui"] = measure_ui(ldb, meta, args.repeat)
    results["load_end"] = read_loadavg()
    doc_sections.save(results, args.work, SECTION, args.out, render, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
