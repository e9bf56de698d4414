#pragma once
// Writer of the Label Studio format: one annotations.json, a JSON array of
// tasks that Label Studio imports, each task's data URI pointing at the
// written data file. A member indexed from Label Studio (annotation with
// "source_format": "label-studio" and a "data" object) gets its original task
// back without the keys ldb added ("image", "objects", "source_format");
// a member in the detection shape of another format gets a new task whose
// objects are "rectanglelabels" results in percent; a member without an
// annotation gets a task with data only (to be labelled).

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "formats/instantiate.hpp"

namespace ldb::formats {

// One task of the output: a member and the URI its task data names (the
// written file, relative to the folder of annotations.json).
struct LabelStudioEntry {
  const Member* member = nullptr;
  std::string data_uri;
};

struct LabelStudioOutput {
  std::string json;                   // the annotations.json bytes (pretty JSON, trailing newline)
  std::vector<std::string> warnings;  // what was dropped, one line each, with counts
  // The objects of each entry's results, one per result; nullopt for a task
  // written back as indexed from Label Studio, whose objects are what the
  // reader derives from its own results.
  std::vector<std::optional<WrittenObjects>> written;
};

// Builds the task array in the order given. Every task's data holds the URI
// under its path key (data-object-info.path_key, else "image") and
// "data-object-info": {"md5", "path_key"}. Tasks from Label Studio keep their
// "id"; converted tasks have none (Label Studio numbers them) and get results {"type": "rectanglelabels",
// "from_name": "label", "to_name": "image", "original_width",
// "original_height", "value": {"x", "y", "width", "height", "rotation": 0,
// "rectanglelabels": [category]}}; dropped polygons and RLE masks are
// reported as warnings. invalid_argument naming the object when an annotation
// is neither a Label Studio task nor in the detection shape, an object lacks a
// category or a 4-number bbox, or its image has no positive width/height.
Result<LabelStudioOutput> label_studio_tasks(std::span<const LabelStudioEntry> entries);

}  // namespace ldb::formats
