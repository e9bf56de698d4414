#!/usr/bin/env python3
"""A/B of two ldb binaries on one instance: the read-only commands whose
speed a refactor may change, run alternately (9 runs each, medians), so that
the load of a shared machine falls on both alike.

Usage: ab_compare.py BEFORE_LDB AFTER_LDB INSTANCE_DIR WORKSPACE_DIR DATASET
  INSTANCE_DIR  an instance both binaries can open (same schema)
  WORKSPACE_DIR a workspace of it with a committed dataset staged
  DATASET       that dataset's first version, e.g. ds:b.v1

Prints a markdown table: wall and CPU (user + system) medians, after/before.
"""

import os
import statistics
import subprocess
import sys
import time


def run(binary, args, cwd, env):
    started = time.monotonic()
    proc = subprocess.Popen([binary] + args, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit(f"{binary} {' '.join(args)} failed (status {status})")
    return time.monotonic() - started, usage.ru_utime + usage.ru_stime


def main(argv):
    if len(argv) != 6:
        sys.exit(__doc__)
    before, after, instance, workspace, dataset = argv[1:]
    env = dict(os.environ, LDB_DIR=instance)
    commands = [
        ("list ds:root --query ... -s", ["list", "ds:root", "--query", "inference.confidence < 0.75", "-s"], instance),
        ("status (clean)", ["status"], workspace),
        (f"diff -s {dataset} (workspace)", ["diff", "-s", dataset], workspace),
        ("--version (start-up)", ["--version"], instance),
    ]
    print("| command | before | after | after/before |\n| --- | --- | --- | --- |")
    for label, args, cwd in commands:
        samples = {before: [], after: []}
        for i in range(9):
            for binary in (before, after) if i % 2 == 0 else (after, before):
                samples[binary].append(run(binary, args, cwd, env))
        wall = {b: statistics.median(s[0] for s in samples[b]) for b in samples}
        cpu = {b: statistics.median(s[1] for s in samples[b]) for b in samples}
        print(f"| {label} | {wall[before] * 1e3:.1f} ms wall, {cpu[before] * 1e3:.1f} ms CPU "
              f"| {wall[after] * 1e3:.1f} ms, {cpu[after] * 1e3:.1f} ms "
              f"| {wall[after] / wall[before]:.2f}x wall, {cpu[after] / cpu[before]:.2f}x CPU |")


if __name__ == "__main__":
    main(sys.argv)
