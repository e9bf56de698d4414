#pragma once
// Writer of the COCO detection format: turns members whose annotations are in
// ldb's detection shape ({"image": {"width", "height", ...}, "objects":
// [{"category", "category_id"?, "bbox": [x, y, w, h] absolute, "segmentation"?,
// "area"?, "iscrowd"?}]}, written by the detection readers) into one valid
// COCO annotations.json.

#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "formats/instantiate.hpp"

namespace ldb::formats {

// One image of the output: a member with an annotation and the file_name the
// COCO file gives it (relative to the "images/" folder beside the JSON).
struct CocoImageEntry {
  const Member* member = nullptr;
  std::string file_name;
};

struct CocoOutput {
  std::string json;                   // the annotations.json bytes (compact JSON, trailing newline)
  std::vector<std::string> warnings;  // what was changed or dropped, one line each
};

// Builds the COCO file. Images get ids 1..N in the order given, annotations
// ids 1..M; categories keep their category_id when every object agrees on
// name <-> id (else ids 1..K in name order); boxes are clipped to the image
// (a box lying outside it is dropped), each reported as a warning with a count;
// a missing area becomes the box's area, a missing iscrowd 0, a missing
// segmentation []. invalid_argument naming the object when its annotation is
// not in the detection shape (no "image"/"objects", an object without a string
// "category" or a 4-number "bbox") or its image has no positive width/height.
Result<CocoOutput> coco_annotations(std::span<const CocoImageEntry> images);

}  // namespace ldb::formats
