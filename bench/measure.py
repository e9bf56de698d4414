"""Measuring one child process: wall time, CPU time (user + sys) and peak RSS.

CPU time and peak RSS come from os.wait4() on the child, which on Linux covers
the child and every descendant it waited for (a shell pipeline, xargs and its
md5sum processes), so `sh -c 'a | b'` is measured as a whole.
"""

import os
import statistics
import subprocess
import threading
import time
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


def run_once(argv, cwd=None, env=None, timeout=600.0, capture=True) -> Run:
    """Runs argv (a list; use ["sh", "-c", ...] for pipelines) and measures it.
    stdout/stderr are captured to temporary files (not pipes, so that a chatty
    child never blocks and reading does not add to its wall time)."""
    import tempfile
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                 stdout=out if capture else subprocess.DEVNULL, stderr=err)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                child.kill()
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped
        out.seek(0)
        err.seek(0)
        return Run(wall=wall, user=usage.ru_utime, sys=usage.ru_stime, maxrss_kb=usage.ru_maxrss,
                   returncode=child.returncode, stdout=out.read().decode(errors="replace"),
                   stderr=err.read().decode(errors="replace"), timed_out=timed_out.is_set())


def measure(name, argv, repeat=1, warmup=0, cwd=None, env=None, timeout=600.0, before_each=None,
            note="") -> Measurement:
    """Runs argv warmup times unmeasured, then repeat times measured (before_each(),
    if given, runs untimed before every execution, e.g. to remove a copy)."""
    command = argv[2] if argv[:2] == ["sh", "-c"] else " ".join(argv)
    result = Measurement(name=name, command=command, note=note)
    for i in range(warmup + repeat):
        if before_each:
            before_each()
        run = run_once(argv, cwd=cwd, env=env, timeout=timeout)
        if i >= warmup:
            result.runs.append(run)
        if run.returncode != 0 or run.timed_out:
            if i < warmup:
                result.runs.append(run)
            break
    return result
