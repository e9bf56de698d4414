#!/usr/bin/python3
"""Makes the labelled near-duplicate set from the repository's real photos
(tests/data/photos and tests/data/yolo-real/images): for each photo (a
"family"), the photo itself and four near-duplicates of it, as the issue that
asked for ldb's near-duplicate search defines them:

  half     downscaled to 50% (Lanczos)
  q40      re-compressed as JPEG at quality 40
  crop4    4% cropped off (2% at each edge) and resized back to the full size
  bright8  brightness +8%

Variants are written as JPEG (quality 90 except q40). Files are named
FAMILY__VARIANT.EXT, so two files are near duplicates exactly when their
names start with the same FAMILY. Distinct photos are the other families.

Run with Debian's Python (/usr/bin/python3 sees python3-pil):
    make_near_dups.py OUT_DIR
Prints the number of files written."""

import os
import shutil
import sys

from PIL import Image, ImageEnhance

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = [("photos", os.path.join(HERE, "..", "photos")), ("yolo", os.path.join(HERE, "..", "yolo-real", "images"))]
SKIP = {"truncated.jpg"}  # a deliberately broken file, not a photo


def photos():
    for label, folder in SOURCES:
        for name in sorted(os.listdir(folder)):
            if name in SKIP or not name.lower().endswith((".jpg", ".jpeg", ".png")):
                continue
            family = label + "-" + os.path.splitext(name)[0]
            yield family, os.path.join(folder, name)


def rgb(image):
    return image.convert("RGB") if image.mode != "RGB" else image


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_near_dups.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    count = 0
    for family, path in photos():
        ext = os.path.splitext(path)[1].lower()
        shutil.copyfile(path, os.path.join(out, f"{family}__orig{ext}"))
        with Image.open(path) as opened:
            image = rgb(opened)
            width, height = image.size
            image.resize((max(1, width // 2), max(1, height // 2)), Image.LANCZOS).save(
                os.path.join(out, f"{family}__half.jpg"), quality=90)
            image.save(os.path.join(out, f"{family}__q40.jpg"), quality=40)
            dx, dy = round(width * 0.02), round(height * 0.02)
            image.crop((dx, dy, width - dx, height - dy)).resize((width, height), Image.LANCZOS).save(
                os.path.join(out, f"{family}__crop4.jpg"), quality=90)
            ImageEnhance.Brightness(image).enhance(1.08).save(os.path.join(out, f"{family}__bright8.jpg"), quality=90)
        count += 5
    print(count)


if __name__ == "__main__":
    main()
