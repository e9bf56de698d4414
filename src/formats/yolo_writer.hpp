#pragma once
// Writer of the YOLO (Ultralytics) format: turns members whose annotations are
// in ldb's detection shape (written by the coco, yolo, voc and label-studio
// readers) into one normalized label file per image and a data.yaml naming the
// classes. The file layout (images/<name>, labels/<stem>.txt) is decided by
// formats/layout.cpp; this file decides the bytes.

#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "formats/instantiate.hpp"

namespace ldb::formats {

// One image of the output: a member with an annotation.
struct YoloImageEntry {
  const Member* member = nullptr;
};

struct YoloOutput {
  std::vector<std::string> labels;      // the label file text of each entry, in the order given
  std::vector<WrittenObjects> written;  // the objects of each entry's lines, one per line
  std::string data_yaml;                // path/train/val/nc/names
  std::vector<std::string> names;       // class names by index, as written in data.yaml
  std::vector<std::string> warnings;    // what was changed or dropped, one line each, with counts
};

// Builds the label files and data.yaml. When the annotations carry the
// source's class table ("names", as -m yolo indexes it; one table shared by all
// of them) and every object's category and category_id agree with it, data.yaml
// lists that whole table, classes no member uses included. Else class indices
// are the objects' category_id when every object has one and names and ids map
// one to one (ids missing in between get their number as name, with a
// warning); else 0..K-1 in name order (with a warning). Lines are `class cx cy
// w h`, or, when every object in the dataset has a polygon, `class x1 y1 ...`
// (several polygons: the largest is kept), with as many decimals as the image
// size needs for indexing the output to give back the same pixel values (to
// 1e-4 px; see yolo_decimals), trailing zeros dropped. RLE masks, polygons
// written as boxes and boxes clipped to the image are reported as warnings
// with counts. invalid_argument naming the object when its annotation is not
// in the detection shape, an object has no category (nor category_id) or no
// box or polygon, or its image has no positive width/height while it has
// objects.
Result<YoloOutput> yolo_labels(std::span<const YoloImageEntry> images);

// The decimals a coordinate normalized by an image side of `pixels` is written
// with: the YOLO reader (index/yolo.cpp) turns `cx - w / 2` back into pixels
// and rounds them to 1e-4, and the print errors of cx and w add up to at most
// 0.75 * pixels * 10^-d, which this keeps under 3e-5 px (at least 6).
int yolo_decimals(double pixels);

}  // namespace ldb::formats
