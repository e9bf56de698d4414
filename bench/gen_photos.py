#!/usr/bin/python3
"""Generate real-size photos for the image benchmarks (bench/images_bench.py).

Every photo is 640x480, made from one of the repository's real photos
(tests/data/photos and tests/data/yolo-real/images) by a random crop (40-100%
of the largest 4:3 window, its aspect jittered by up to 10%), a horizontal
flip half of the time, a resize to 640x480 and a colour shift (a gain and an
offset per channel). JPEGs are saved at quality 90, PNGs with PIL's default
compression. Deterministic: photo i of a kind is drawn from its own generator
seeded with (seed, kind, i), and the files are written in the same order
whatever the number of worker processes. Every file has distinct bytes (a
photo whose MD5 was seen before is drawn again).

Run with Debian's /usr/bin/python3, which has PIL:

    /usr/bin/python3 bench/gen_photos.py OUT --jpegs 10000 --pngs 2000

writes OUT/jpeg/dNNN/NNNNNN.jpg and OUT/png/dNNN/NNNNNN.png (100 per folder),
OUT/jpeg.list and OUT/png.list (one path a line) and OUT/summary.json.
"""

import argparse
import glob
import hashlib
import io
import json
import multiprocessing
import os
import random
import sys
import time

from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WIDTH, HEIGHT = 640, 480
PER_FOLDER = 100
JPEG_QUALITY = 90

_SOURCES = []


def source_paths() -> list:
    paths = []
    for pattern in ("tests/data/photos/*.jpg", "tests/data/photos/*.png", "tests/data/yolo-real/images/*"):
        paths += sorted(glob.glob(os.path.join(REPO, pattern)))
    return [p for p in paths if not p.endswith(("truncated.jpg", ".txt", ".md"))]


def load_sources() -> None:
    for path in source_paths():
        with Image.open(path) as image:
            _SOURCES.append(ImageOps.exif_transpose(image).convert("RGB"))


def make_photo(kind: str, index: int, attempt: int, seed: int) -> bytes:
    rng = random.Random(f"{seed}-{kind}-{index}-{attempt}")
    source = _SOURCES[rng.randrange(len(_SOURCES))]
    sw, sh = source.size
    aspect = WIDTH / HEIGHT * rng.uniform(0.9, 1.1)
    full_w, full_h = (sw, sw / aspect) if sw / sh <= aspect else (sh * aspect, sh)
    scale = rng.uniform(0.4, 1.0) ** 0.5  # of the area
    w, h = full_w * scale, full_h * scale
    x, y = rng.uniform(0, sw - w), rng.uniform(0, sh - h)
    photo = source.resize((WIDTH, HEIGHT), Image.BILINEAR, box=(x, y, x + w, y + h))
    if rng.random() < 0.5:
        photo = photo.transpose(Image.FLIP_LEFT_RIGHT)
    lut = []
    for _ in range(3):
        gain, offset = rng.uniform(0.8, 1.2), rng.uniform(-20, 20)
        lut += [min(255, max(0, round(v * gain + offset))) for v in range(256)]
    photo = photo.point(lut)
    out = io.BytesIO()
    if kind == "jpeg":
        photo.save(out, "JPEG", quality=JPEG_QUALITY)
    else:
        photo.save(out, "PNG")
    return out.getvalue()


def relative_path(kind: str, index: int) -> str:
    ext = "jpg" if kind == "jpeg" else "png"
    return os.path.join(kind, f"d{index // PER_FOLDER:03d}", f"{index:06d}.{ext}")


def _work(job):
    kind, index, attempt, seed = job
    data = make_photo(kind, index, attempt, seed)
    return kind, index, attempt, data


def generate(out: str, jpegs: int, pngs: int, seed: int, processes: int) -> dict:
    if os.path.exists(out) and os.listdir(out):
        raise SystemExit(f"gen_photos: {out} is not empty")
    os.makedirs(out, exist_ok=True)
    start = time.monotonic()
    seen = set()
    lists = {"jpeg": [], "png": []}
    sizes = {"jpeg": 0, "png": 0}
    redrawn = 0
    jobs = [("jpeg", i, 0, seed) for i in range(jpegs)] + [("png", i, 0, seed) for i in range(pngs)]
    with multiprocessing.Pool(processes, initializer=load_sources) as pool:
        while jobs:
            again = []
            # imap keeps the order, so which copy of an (improbable) repeat is kept is deterministic.
            for kind, index, attempt, data in pool.imap(_work, jobs, chunksize=16):
                digest = hashlib.md5(data).digest()
                if digest in seen:
                    again.append((kind, index, attempt + 1, seed))
                    redrawn += 1
                    continue
                seen.add(digest)
                path = os.path.join(out, relative_path(kind, index))
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
                lists[kind].append(path)
                sizes[kind] += len(data)
            jobs = again
    for kind, paths in lists.items():
        with open(os.path.join(out, f"{kind}.list"), "w") as f:
            f.writelines(p + "\n" for p in sorted(paths))
    summary = {
        "jpegs": jpegs, "pngs": pngs, "seed": seed, "width": WIDTH, "height": HEIGHT, "jpeg_quality": JPEG_QUALITY,
        "sources": [os.path.relpath(p, REPO) for p in source_paths()],
        "jpeg_bytes": sizes["jpeg"], "png_bytes": sizes["png"], "redrawn": redrawn,
        "processes": processes, "seconds": round(time.monotonic() - start, 1),
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="output folder (created; must be empty)")
    parser.add_argument("--jpegs", type=int, default=10_000, help="number of JPEG photos (default 10000)")
    parser.add_argument("--pngs", type=int, default=2_000, help="number of PNG photos (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--processes", type=int, default=os.cpu_count(), help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    summary = generate(args.out, args.jpegs, args.pngs, args.seed, args.processes)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
