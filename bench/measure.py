"""Measuring one child process: wall time, CPU time (user + sys) and peak RSS.

Wall time, CPU time and peak RSS come from bench/rusage_run.c, which forks the
command and wait4()s it: on Linux that covers the command and every descendant
it waited for (a shell pipeline, xargs and its md5sum processes), so
`sh -c 'a | b'` is measured as a whole. (Measuring from Python directly would
report no peak RSS below the harness's own, inherited through fork.)
"""

import os
import signal
import statistics
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field


@dataclass
class Run:
    """One measured execution."""
    wall: float          # seconds
    user: float          # seconds
    sys: float           # seconds
    maxrss_kb: int       # peak resident set size of the largest process, KiB
    returncode: int
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False

    @property
    def cpu(self) -> float:
        return self.user + self.sys


@dataclass
class Measurement:
    """The median of one or more runs of a workload (wall, CPU), and the largest peak RSS."""
    name: str
    command: str
    runs: list = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.returncode == 0 and not r.timed_out for r in self.runs)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def maxrss_mb(self) -> float:
        return max(r.maxrss_kb for r in self.runs) / 1024.0

    @property
    def error(self) -> str:
        for r in self.runs:
            if r.timed_out:
                return "timed out"
            if r.returncode != 0:
                tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
                return f"exit {r.returncode}: " + " / ".join(tail)
        return ""

    def to_json(self) -> dict:
        return {
            "name": self.name, "command": self.command, "note": self.note, "ok": self.ok,
            "wall": self.wall if self.runs else None, "cpu": self.cpu if self.runs else None,
            "maxrss_mb": self.maxrss_mb if self.runs else None, "error": self.error,
            "runs": [{"wall": r.wall, "user": r.user, "sys": r.sys, "maxrss_kb": r.maxrss_kb,
                      "returncode": r.returncode} for r in self.runs],
        }


_HELPER = None


def helper() -> str:
    """Compiles bench/rusage_run.c once (with cc) into a cache folder and returns its path."""
    global _HELPER
    if _HELPER is None:
        source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rusage_run.c")
        cache = os.path.join(os.environ.get("XDG_CACHE_HOME", "/tmp"), "ldb-bench-helper")
        os.makedirs(cache, exist_ok=True)
        binary = os.path.join(cache, "rusage_run")
        if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(source):
            subprocess.run(["cc", "-O2", "-o", binary + ".tmp", source], check=True)
            os.replace(binary + ".tmp", binary)
        _HELPER = binary
    return _HELPER


def run_once(argv, cwd=None, env=None, timeout=600.0, capture=True) -> Run:
    """Runs argv (a list; use ["sh", "-c", ...] for pipelines) under bench/rusage_run
    and measures it. stdout/stderr go to temporary files (not pipes, so that a
    chatty child never blocks and reading does not add to its wall time). On
    timeout the whole process group (made for this run) is killed."""
    with tempfile.NamedTemporaryFile(prefix="ldb-bench-rusage-", delete=False) as usage_file:
        usage_path = usage_file.name
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            child = subprocess.Popen([helper(), usage_path, *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=out if capture else subprocess.DEVNULL, stderr=err,
                                     start_new_session=True)
            timed_out = threading.Event()

            def kill():
                timed_out.set()
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                returncode = child.wait()
            finally:
                timer.cancel()
            out.seek(0)
            err.seek(0)
            with open(usage_path) as f:
                fields = f.read().split()
            if len(fields) == 4:
                wall, user, sys_, maxrss = float(fields[0]), float(fields[1]), float(fields[2]), int(fields[3])
            else:  # killed before it could write
                wall, user, sys_, maxrss = float(timeout), 0.0, 0.0, 0
            return Run(wall=wall, user=user, sys=sys_, maxrss_kb=maxrss, returncode=returncode,
                       stdout=out.read().decode(errors="replace"), stderr=err.read().decode(errors="replace"),
                       timed_out=timed_out.is_set())
    finally:
        os.unlink(usage_path)


def measure(name, argv, repeat=1, warmup=0, cwd=None, env=None, timeout=600.0, before_each=None,
            note="") -> Measurement:
    """Runs argv warmup times unmeasured, then repeat times measured (before_each(),
    if given, runs untimed before every execution). argv may be a function of
    the execution's number (0, 1, ...) giving each its own arguments, e.g. a
    new target folder."""
    argv_of = argv if callable(argv) else (lambda _: argv)
    first = argv_of(0)
    command = first[2] if first[:2] == ["sh", "-c"] else " ".join(first)
    result = Measurement(name=name, command=command, note=note)
    for i in range(warmup + repeat):
        if before_each:
            before_each()
        run = run_once(argv_of(i), cwd=cwd, env=env, timeout=timeout)
        if i >= warmup:
            result.runs.append(run)
        if run.returncode != 0 or run.timed_out:
            if i < warmup:
                result.runs.append(run)
            break
    return result
