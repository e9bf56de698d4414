#pragma once
// Writer of the COCO detection format: turns members into one valid COCO
// annotations.json. An annotation in ldb's detection shape ({"image": {"width",
// "height", "id"?, ...}, "objects": [{"category", "category_id"?, "bbox": [x,
// y, w, h] absolute, "segmentation"?, "area"?, "iscrowd"?, "id"?,
// "supercategory"?, ...}]}, written by the detection readers) gives its
// objects; an image-level label (see coco_label_keys) gives one whole-image
// box; any other annotation gives an image without annotations.

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "formats/instantiate.hpp"

namespace ldb::formats {

// The keys of an image-level label, looked up in this order at the top of an
// annotation without an "objects" array: {"class": "cat"}, {"label": "cat"} (as
// -m tensorflow-inferred indexes it; nested labels {"label": {"animal":
// "cat"}} name the category "animal/cat", supercategory "animal"), {"category":
// "cat"}. A number or boolean label is its JSON text.
inline constexpr std::array<std::string_view, 3> k_coco_label_keys{"class", "label", "category"};

// One image of the output: a member with an annotation and the file_name the
// COCO file gives it (relative to the "images/" folder beside the JSON).
struct CocoImageEntry {
  const Member* member = nullptr;
  std::string file_name;
};

struct CocoOutput {
  std::string json;                     // the annotations.json bytes (canonical JSON, trailing newline)
  std::vector<std::string> warnings;    // what was changed or dropped, one line each
  std::vector<WrittenObjects> written;  // the objects of each entry's annotations, one per annotation
};

// Builds the COCO file, images in the order given. The image size is the
// annotation's image.width/height, else the member's image header size.
// Source ids are kept when they are unique across the members: image.id,
// objects' id, and category_id when every object agrees on name <-> id (names
// without one get the next free ids); otherwise that kind of id is numbered
// 1..N (categories in name order) and a warning says so. A category keeps its
// objects' "supercategory" when they agree. Keys of the image and the objects
// that COCO does not define are copied into the image and annotation entries.
// Boxes are clipped to the image (a box lying outside it is dropped), each
// reported as a warning with a count; a box that overshoots an edge by float
// noise only (1e-9 of the image size) is moved inside without a warning. A
// missing area becomes the box's area, a missing iscrowd 0, a missing
// segmentation []. Annotations with neither objects nor a label are counted
// in one warning. invalid_argument naming the object when an "objects" array
// is malformed (an object without a string "category" or a 4-number "bbox",
// ...) or when no positive width and height are known for its image.
Result<CocoOutput> coco_annotations(std::span<const CocoImageEntry> images);

}  // namespace ldb::formats
