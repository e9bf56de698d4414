#!/usr/bin/env python3
"""Precision and recall of ldb's near-duplicate rule (pHash Hamming distance
<= T) per threshold T, on the labelled set of tests/data/near_dups (19 real
photos and 4 near-duplicates of each: 50% downscale, JPEG quality 40, 4% crop,
brightness +8%). The default threshold of `ldb dups` and --dedup was chosen
from this table (docs/images.md).

    bench/dups_threshold.py LDB_BINARY [MAX_THRESHOLD]

Runs the real binary: makes the set (with Debian's /usr/bin/python3 and
python3-pil), indexes it into a temporary instance, reads every image.phash
and scores every pair of files: a pair is a true near-duplicate when both
files come from one photo. Prints a Markdown table."""

import itertools
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE = os.path.join(HERE, "..", "tests", "data", "near_dups", "make_near_dups.py")


def run(ldb, env, *args):
    out = subprocess.run([ldb, *args], env=env, capture_output=True, text=True, check=True)
    return out.stdout


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ldb = os.path.abspath(sys.argv[1])
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "near")
        subprocess.run(["/usr/bin/python3", MAKE, data], check=True, capture_output=True)
        env = dict(os.environ, HOME=tmp, LDB_DIR=os.path.join(tmp, "instance"))
        run(ldb, env, "init", env["LDB_DIR"])
        run(ldb, env, "add-storage", data)
        run(ldb, env, "index", data)
        rows = [json.loads(line) for line in run(ldb, env, "eval", "-i", "ds:root", "--file",
                                                 "[fs.path, image.phash]").splitlines()]
    files = [(os.path.basename(r["value"][0]).split("__")[0], int(r["value"][1], 16)) for r in rows]
    pairs = [(a[0] == b[0], bin(a[1] ^ b[1]).count("1")) for a, b in itertools.combinations(files, 2)]
    positives = sum(1 for same, _ in pairs if same)
    print(f"{len(files)} images, {len(pairs)} pairs: {positives} near-duplicate, {len(pairs) - positives} distinct\n")
    print("| threshold (bits) | true pairs found | false pairs | precision | recall |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for t in range(top + 1):
        tp = sum(1 for same, d in pairs if same and d <= t)
        fp = sum(1 for same, d in pairs if not same and d <= t)
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(f"| {t} | {tp} | {fp} | {precision:.3f} | {tp / positives:.3f} |")
    worst_true = max(d for same, d in pairs if same)
    closest_distinct = min(d for same, d in pairs if not same)
    print(f"\nlargest distance within a photo's family: {worst_true}; "
          f"smallest distance between two different photos: {closest_distinct}")


if __name__ == "__main__":
    main()
