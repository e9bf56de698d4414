#pragma once
// The YOLO (Ultralytics) ingest format. Each image under an `images/` folder
// (recursively: images/train/a.jpg) pairs with the label file found by
// replacing the last "/images/" of its path by "/labels/" and its extension by
// ".txt" (Ultralytics' img2label_paths). Label lines are `class cx cy w h`
// (normalized) or `class x1 y1 x2 y2 ...` (a normalized polygon); class names
// come from data.yaml, data.yml or classes.txt in the dataset folder (the
// folder holding images/) or a parent of it inside the indexed root. Each image
// gets a derived annotation in the shared detection shape ({"source_format",
// "image": {"file_name", "width", "height"}, "objects": [{"category",
// "category_id", "bbox": [x, y, w, h], "segmentation"}], "names": [...]}):
// boxes and polygons in absolute pixels, using the image size read from its
// header (with the EXIF rotation applied, as Ultralytics does); "names" is the
// dataset's whole class table by index, when it has one.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "index/image_header.hpp"
#include "index/plan.hpp"
#include "index/scan.hpp"

namespace ldb::index {

// How far outside [0, 1] a normalized value may be before it is an error.
inline constexpr double k_yolo_tolerance = 1e-3;

// The label path of an image: the last "/images/" replaced by "/labels/" and
// the extension by ".txt"; nullopt when the path has no "/images/" folder.
std::optional<std::string> yolo_label_path_for(std::string_view image_path);

// True for the image extensions Ultralytics reads whose size ldb can read
// from the header (jpg, jpeg, png, bmp, gif, webp; any case).
bool is_yolo_image(std::string_view path);

// The canonical JSON annotation of one image: `file_name` as recorded, the
// image's display size, the label text (nullptr when there is no label file:
// "objects": []) and the class names by index (kept as "names"; empty:
// categories are the index as a string and there is no "names"). invalid_argument naming "label_subject:line" for a
// wrong field count, a non-number, a class index out of range or a value
// outside [0, 1] beyond k_yolo_tolerance.
Result<std::string> yolo_annotation(std::string_view file_name, std::uint32_t width, std::uint32_t height,
                                    const std::string* label_text, std::string_view label_subject,
                                    std::span<const std::string> names);

// Auto-detection: some indexed root holds images under images/, .txt files
// under labels/, and a data.yaml, data.yml or classes.txt.
bool looks_like_yolo(const Scan& scan);

struct YoloPlan {
  std::vector<PlannedItem> items;  // one per image, sorted by path, source == derived
  std::vector<Error> skipped;      // BadAnnotation::skip: images whose label or header was malformed
};

// Plans every image of the scan in the YOLO layout, reading class names, image
// headers and label files through `fs` (headers and labels in parallel via
// `loop`). invalid_argument when no image is under an images/ folder, and for
// malformed names files, labels or image headers (unless options say skip);
// unsupported for an image whose header is not a known format; io/not_found
// from reading.
// The registry's entry points (index/format_registry.hpp): plan_yolo into
// `plan`, and looks_like_yolo when no data file has a pair.
Status read_yolo(ReadContext& context, Plan& plan);
bool detect_yolo(ReadContext& context);

Result<YoloPlan> plan_yolo(storage::FileSystem& fs, const Scan& scan, const IndexOptions& options,
                           const ParallelLoop& loop);

}  // namespace ldb::index
