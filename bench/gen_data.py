#!/usr/bin/env python3
"""Deterministic benchmark data: strict pairs (x.jpg + x.json) spread over folders.

Layout written under OUT (which must be empty or absent):

    OUT/f000/0000000.jpg   1-4 KB of pseudo-random bytes, distinct per object
    OUT/f000/0000000.json  ~300 bytes of pretty-printed JSON shaped like the
                           seed's inference annotations:
                           {"path", "class", "inference": {"class", "confidence"},
                            "id", "split", "size", "labeler", "tags", "bbox"}

Objects are numbered 0..count-1 and placed in folder i * folders // count, so
every folder holds a contiguous block. A fraction --dup-fraction of the objects
(chosen by the seeded generator, never object 0) is a duplicate: a byte-for-byte
copy of an earlier object's pair (data AND annotation) under its own name, as a
copied folder would be. So the data holds count files pairs but
count - duplicates distinct data objects.

The same (count, folders, dup-fraction, seed, annotation-bytes) always produces
the same bytes: one random.Random(seed) drives every choice, in one order. Files
are written with os.open/os.write (no buffering layer) so 1M pairs take minutes.
A summary (counts, bytes) is printed as JSON on stdout and, with --summary FILE,
written to FILE.
"""

import argparse
import json
import os
import random
import sys

CLASSES = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
SPLITS = ["train", "train", "train", "val", "test"]
POOL_BYTES = 1 << 20
GENERATOR_VERSION = 1


def make_annotation(i: int, rel_path: str, rng: random.Random, annotation_bytes: int) -> bytes:
    """The annotation of object i: the seed's keys plus a few realistic extras,
    padded with a "note" string to about annotation_bytes bytes."""
    true_class = CLASSES[rng.randrange(len(CLASSES))]
    # 80% of the inferences agree with the label, as a half-trained model would.
    inferred = true_class if rng.random() < 0.8 else CLASSES[rng.randrange(len(CLASSES))]
    confidence = round(rng.random(), 4)
    width = 32 + rng.randrange(96)
    height = 32 + rng.randrange(96)
    bx, by = rng.randrange(width // 2), rng.randrange(height // 2)
    bw, bh = 1 + rng.randrange(width - bx), 1 + rng.randrange(height - by)
    text = (
        "{\n"
        f'  "path": "./{rel_path}",\n'
        f'  "class": "{true_class}",\n'
        '  "inference": {\n'
        f'    "class": "{inferred}",\n'
        f'    "confidence": {confidence}\n'
        "  },\n"
        f'  "id": {i},\n'
        f'  "split": "{SPLITS[rng.randrange(len(SPLITS))]}",\n'
        f'  "size": {{"width": {width}, "height": {height}}},\n'
        f'  "labeler": "annotator-{rng.randrange(20):02d}",\n'
        f'  "tags": ["numerals", "batch-{i // 1000}", "v{rng.randrange(4)}"],\n'
        f'  "bbox": [{bx}, {by}, {bw}, {bh}],\n'
        '  "note": "'
    )
    pad = max(0, annotation_bytes - len(text) - 4)
    text += "n" * pad + '"\n}\n'
    return text.encode()


def write_file(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)


def generate(out: str, count: int, folders: int, dup_fraction: float, seed: int,
             annotation_bytes: int, min_size: int, max_size: int) -> dict:
    if count < 1:
        raise ValueError(f"--count must be at least 1 (got {count})")
    if not 1 <= folders <= count:
        raise ValueError(f"--folders must be between 1 and --count (got {folders})")
    if not 0.0 <= dup_fraction < 1.0:
        raise ValueError(f"--dup-fraction must be in [0, 1) (got {dup_fraction})")
    if not 16 < min_size <= max_size:
        raise ValueError(f"need 16 < --min-size <= --max-size (got {min_size}, {max_size})")
    if os.path.exists(out) and os.listdir(out):
        raise ValueError(f"output folder {out} is not empty; remove it or choose another")

    rng = random.Random(seed)
    pool = rng.randbytes(POOL_BYTES + max_size)
    folder_names = [f"f{k:03d}" if folders <= 1000 else f"f{k:06d}" for k in range(folders)]
    os.makedirs(out, exist_ok=True)
    for name in folder_names:
        os.makedirs(os.path.join(out, name), exist_ok=True)

    duplicates = 0
    data_bytes = 0
    json_bytes = 0
    # For duplicates: the (data, annotation) of every original written so far is
    # regenerated from its recorded parameters, not kept in memory.
    originals = []  # (object number, data size, pool offset, annotation seed)
    width = max(7, len(str(count - 1)))
    for i in range(count):
        folder = folder_names[i * folders // count]
        stem = f"{i:0{width}d}"
        rel = f"{folder}/{stem}.jpg"
        if i > 0 and rng.random() < dup_fraction:
            source = originals[rng.randrange(len(originals))]
            duplicates += 1
        else:
            size = rng.randint(min_size, max_size)
            source = (i, size, rng.randrange(POOL_BYTES), rng.getrandbits(64), rel)
            originals.append(source)
        number, size, offset, annotation_seed, source_rel = source
        header = f"LDB-BENCH object {number} seed {seed}\n".encode()
        data = header + pool[offset:offset + size - len(header)]
        annotation = make_annotation(number, source_rel, random.Random(annotation_seed), annotation_bytes)
        base = os.path.join(out, folder, stem)
        write_file(base + ".jpg", data)
        write_file(base + ".json", annotation)
        data_bytes += len(data)
        json_bytes += len(annotation)

    return {
        "generator_version": GENERATOR_VERSION,
        "count": count,
        "folders": folders,
        "dup_fraction": dup_fraction,
        "seed": seed,
        "annotation_bytes": annotation_bytes,
        "min_size": min_size,
        "max_size": max_size,
        "duplicates": duplicates,
        "distinct_objects": count - duplicates,
        "data_bytes": data_bytes,
        "json_bytes": json_bytes,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="output folder (created; must be empty)")
    parser.add_argument("--count", type=int, default=10_000, help="number of pairs (default 10000)")
    parser.add_argument("--folders", type=int, default=100, help="number of folders (default 100)")
    parser.add_argument("--dup-fraction", type=float, default=0.02,
                        help="fraction of pairs that copy an earlier pair (default 0.02)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--annotation-bytes", type=int, default=300,
                        help="approximate annotation size in bytes (default 300)")
    parser.add_argument("--min-size", type=int, default=1024, help="smallest data file (default 1024)")
    parser.add_argument("--max-size", type=int, default=4096, help="largest data file (default 4096)")
    parser.add_argument("--summary", help="also write the JSON summary to this file")
    args = parser.parse_args(argv)
    try:
        summary = generate(args.out, args.count, args.folders, args.dup_fraction, args.seed,
                           args.annotation_bytes, args.min_size, args.max_size)
    except (ValueError, OSError) as error:
        print(f"gen_data: error: {error}", file=sys.stderr)
        return 2
    text = json.dumps(summary, indent=2)
    print(text)
    if args.summary:
        with open(args.summary, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
