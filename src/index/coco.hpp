#pragma once
// Reader of the COCO detection format (SPEC section 5): one JSON file with
// top-level "images", "annotations" and "categories". Each image becomes a
// data object whose ldb annotation is the detection shape shared by every
// detection format: {"source_format": "coco", "image": {"file_name", "id",
// "width", "height"}, "objects": [{"category", "category_id", "bbox" [x, y, w, h]
// absolute, "segmentation"? (polygons or RLE), "area"?, "iscrowd"?}]}, canonical.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ldb::index {

struct CocoImage {
  std::int64_t id = 0;         // the COCO image id
  std::string data_path;       // the image file, resolved against the JSON's folder
  std::string canonical_json;  // the image's ldb annotation (detection shape)
};

// True when `text` is a JSON object holding the keys "images", "annotations"
// and "categories" (what -m auto takes for COCO); nothing else is checked.
bool is_coco_json(std::string_view text);

// Tells whether a candidate image path (the JSON's folder joined with a
// file_name) is a data file of the scan.
using FileExists = std::function<bool(std::string_view path)>;

// Parses the COCO file at `json_path` (its text is `text`). Each image's
// file_name resolves against the JSON's folder, then its "images/" folder.
// Images come back in file order. Errors name the file and the entry
// ("image id 3", "annotation id 17"): invalid_argument for malformed JSON,
// missing or mistyped keys, duplicate ids, an annotation whose image_id or
// category_id is unknown, a bbox that is not 4 numbers, and a file_name that is
// absolute or leaves the folder ("../"); not_found for an image whose file
// exists in neither place.
Result<std::vector<CocoImage>> parse_coco(std::string_view text, std::string_view json_path,
                                          const FileExists& file_exists);

}  // namespace ldb::index
