#!/usr/bin/env python3
"""Generates a small roman-numerals dataset shaped like the LDB workflow's.

storage/input/<class>/<n>.png + <n>.json   {"class": "iv"}
storage/output/<class>/<n>.png + <n>.json  the same images with a model's
    inference: {"class": "iv", "inference": {"class": "v", "confidence": 0.61}}
Every 25th image is a byte-for-byte duplicate of another one (ldb collapses
duplicates). The data is deterministic: same arguments, same bytes.
"""
import json
import os
import random
import sys
import zlib
import struct

CLASSES = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]


def png(seed: int) -> bytes:
    """A tiny valid 8x8 grayscale PNG whose pixels depend on seed."""
    rng = random.Random(seed)
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(8)) for _ in range(8))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main() -> None:
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(42)
    for n in range(count):
        cls = CLASSES[n % len(CLASSES)]
        seed = n - 1 if n % 25 == 24 else n  # a duplicate of the previous image
        data = png(seed)
        correct = rng.random() < 0.8
        inferred = cls if correct else rng.choice(CLASSES)
        confidence = round(rng.uniform(0.76, 0.99) if correct else rng.uniform(0.2, 0.9), 2)
        for part, annotation in (("input", {"class": cls}),
                                 ("output", {"class": cls, "inference": {"class": inferred, "confidence": confidence}})):
            folder = os.path.join(out, part, cls)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, f"{n}.png"), "wb") as f:
                f.write(data)
            with open(os.path.join(folder, f"{n}.json"), "w") as f:
                json.dump(annotation, f, indent=2)


if __name__ == "__main__":
    main()
