#pragma once
// Reader of Pascal VOC annotations (SPEC section 5): one XML file per image,
// root <annotation>, with <filename>, <size><width>/<height>, and <object>s
// holding <name>, <bndbox> (xmin, ymin, xmax, ymax) and optional <difficult>,
// <truncated> (0 or 1). Each image becomes a data object whose annotation is
// the shared detection shape: {"source_format": "voc", "image": {"file_name",
// "width", "height"}, "objects": [{"category", "bbox": [x, y, w, h],
// "difficult"?, "truncated"?}]}, canonical.
//
// Box convention: VOC boxes are 1-based, inclusive pixel indices (the VOC
// devkit's), so pixel i covers [i-1, i) in the shape's continuous, top-left
// origin coordinates: x = xmin - 1, y = ymin - 1, w = xmax - xmin + 1,
// h = ymax - ymin + 1. The writer (formats/voc_writer.hpp) applies the inverse.
// Coordinates are rounded to 1e-6 so that write-then-read is exact for boxes
// with at most six decimals.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "index/coco.hpp"
#include "index/plan.hpp"
#include "index/scan.hpp"

namespace ldb::index {

struct VocImage {
  std::string data_path;       // the image file the XML names, resolved (see parse_voc)
  std::string canonical_json;  // the image's ldb annotation (detection shape)
};

// True when the path ends in ".xml" (any case).
bool is_xml_path(std::string_view path);

// True when `text` starts like an XML document whose root element is
// <annotation> (what -m auto takes for VOC); the rest is not checked.
bool is_voc_xml(std::string_view text);

// Parses the VOC file at `xml_path` (its text is `text`). The image named by
// <filename> is looked up beside the XML, then, when the XML sits under an
// "Annotations/" folder, at the same place under the sibling "JPEGImages/"
// folder (a/Annotations/s/x.xml -> a/JPEGImages/s/<filename>).
// invalid_argument naming the file and line for malformed XML, a root that is
// not <annotation>, a missing or escaping <filename> (absolute, "..") and a
// bad <size>, <name>, <bndbox> (missing, not a number, xmax < xmin - 1) or
// <difficult>/<truncated> (not 0 or 1); not_found when the image is in
// neither place.
Result<VocImage> parse_voc(std::string_view text, std::string_view xml_path, const FileExists& file_exists);

// The .xml files of a scan (data files, in path order) and their texts.
struct VocFiles {
  std::vector<const ScannedFile*> files;
  std::vector<Result<std::string>> texts;  // one per file, same order
};

// Reads every .xml file of the scan through `fs` (in parallel via `loop`).
VocFiles read_voc_files(storage::FileSystem& fs, const Scan& scan, const ParallelLoop& loop);

// Auto-detection: there is at least one .xml file and every one was read and
// has the root element <annotation>.
bool all_voc(const VocFiles& files);

struct VocPlan {
  std::vector<PlannedItem> items;  // one per XML file, sorted by image path, source == derived
  std::vector<Error> skipped;      // BadAnnotation::skip: XML files that were malformed
};

// Plans every image named by the scan's VOC files. not_found when there is no
// .xml file; errors of parse_voc (unless options say skip invalid_argument
// ones); invalid_argument naming both XML files when two name one image.
// The registry's entry points (index/format_registry.hpp): plan_voc into
// `plan`, and all_voc when there is no .json file and no pair.
Status read_voc(ReadContext& context, Plan& plan);
bool detect_voc(ReadContext& context);

Result<VocPlan> plan_voc(const Scan& scan, VocFiles& files, const IndexOptions& options, const ParallelLoop& loop);

}  // namespace ldb::index
