#pragma once
// Writer of Pascal VOC annotations: turns members whose annotations are in
// ldb's detection shape (written by the coco, yolo, voc and label-studio
// readers) into one XML file per image. The file layout (JPEGImages/<name>,
// Annotations/<stem>.xml) is decided by formats/layout.cpp; this file decides
// the bytes. Boxes follow the VOC devkit's 1-based, inclusive convention, the
// inverse of index/voc.hpp: xmin = x + 1, ymin = y + 1, xmax = x + w,
// ymax = y + h (rounded to 1e-6), so write-then-read gives the boxes back.

#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "formats/instantiate.hpp"

namespace ldb::formats {

// One image of the output: a member with an annotation and the <filename>
// its XML gives it (the image's name under JPEGImages/).
struct VocImageEntry {
  const Member* member = nullptr;
  std::string file_name;
};

struct VocOutput {
  std::vector<std::string> xml;         // the XML text of each entry, in the order given
  std::vector<WrittenObjects> written;  // the objects of each entry's <object> elements, one per element
  std::vector<std::string> warnings;    // what was dropped, one line each, with counts
};

// Builds the XML files. Each object becomes <object> with <name> (its
// "category", else its "category_id" as text), <truncated> and <difficult>
// (0 when absent) and <bndbox>. Segmentations (polygons or RLE) cannot be held
// and are dropped, and boxes with a negative width or height are dropped; both
// are reported as warnings with counts. invalid_argument naming the object
// when its annotation is not in the detection shape (no "image"/"objects"), an
// object has no category, no 4-number "bbox" or a name XML cannot hold
// (control characters), or its image has no positive width/height.
Result<VocOutput> voc_annotations(std::span<const VocImageEntry> images);

}  // namespace ldb::formats
