#pragma once
// Reader of Label Studio JSON exports (SPEC section 5): a JSON array of tasks
// {"id", "data": {KEY: URI, ...}, "annotations": [{"result": [...]}], ...}.
// Each task's data file becomes a data object whose ldb annotation is the task
// itself, as exported, plus (keys added by ldb, canonical JSON):
//   "data": {..., "data-object-info": {"md5": HASH, "path_key": KEY}}
//   "source_format": "label-studio"
//   "image": {"file_name": base name of the data file, "width", "height"}
//   "objects": [{"category", "bbox": [x, y, w, h], "segmentation"?, "rotation"?}]
// "objects" is the shared detection shape derived from the first annotation
// that is not cancelled: each label of a "rectanglelabels" or "polygonlabels"
// result is one object, its percent coordinates turned into absolute pixels
// with the result's original_width/original_height (else the image header). A
// rotated rectangle (Label Studio rotates clockwise about its top-left corner)
// gets its four corners as "segmentation", the enclosing box as "bbox" and its
// "rotation" in degrees. Other result types stay in the task only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "index/coco.hpp"
#include "index/data_files.hpp"
#include "index/plan.hpp"
#include "index/scan.hpp"

namespace ldb::index {

struct LabelStudioTask {
  std::string name;                // "task id 12" (or "tasks[3]" without an id), for messages
  std::string data_path;           // the data file the task's URI names
  std::string path_key;            // the key of "data" holding the data URI
  std::string task_json;           // the task as exported, canonical
  bool has_original_size = false;  // some result gives original_width/original_height
};

struct LabelStudioImageSize {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

// True when `text` is a non-empty JSON array whose every element is an object
// with a "data" object (what -m auto takes for a Label Studio export).
bool is_label_studio_json(std::string_view text);

// Parses the export at `json_path` (text `text`) and resolves each task's data
// URI: a relative path and "/data/local-files/?d=P" (P percent-decoded) name a
// file in or below the export's folder; "file:///P" names the absolute path P;
// a bare absolute path "/a/b" names that file when it exists, else it is taken
// for a path on the Label Studio server ("/data/upload/3/x.jpg") and looked up
// in the export's folder as "a/b", then by its base name "b". The URI is
// data[data_key], or with an empty `data_key` the first string value of "data"
// that resolves to an existing file. invalid_argument naming the file and task
// for malformed JSON or tasks, a relative URI that leaves the folder, a URI
// naming a folder, tasks holding ldb's own keys ("image", "objects",
// "source_format") and two tasks naming one file; unsupported for a URL (http,
// s3, ...); not_found when the file does not exist.
Result<std::vector<LabelStudioTask>> parse_label_studio(std::string_view text, std::string_view json_path,
                                                        std::string_view data_key, const FileExists& file_exists);

// The canonical ldb annotation of one task (shape above), with `md5` as the
// data object's hash. `header_size` (the size read from the image header) is
// used when no result gives original_width/original_height. invalid_argument
// naming `json_path` and the task for a malformed annotation or result, or a
// region to convert while the image size is unknown.
Result<std::string> label_studio_annotation(const LabelStudioTask& task, const core::Md5& md5,
                                            std::optional<LabelStudioImageSize> header_size,
                                            std::string_view json_path);

// The pixels of a coordinate given in percent of an image side of `size`
// pixels: percent * size / 100, rounded to 15 significant digits (all a double
// holds of a decimal) to drop the float noise of the arithmetic, so that 46.7%
// of 1000 px is 467, not 466.99999999999994. The Label Studio writer picks
// its percentages so that this gives its pixels back.
double label_studio_pixels(double percent, double size);

struct LabelStudioPlan {
  std::vector<PlannedItem> items;  // one per task, sorted by data path, source == derived
  std::vector<Error> skipped;      // BadAnnotation::skip: exports or tasks left out
};

// Plans every task of every .json file of the scan (their texts, in scan.json
// order, are `texts`), hashing data files (and reading image headers when no
// result gives the size) in parallel via `loop`. Data files are looked up in
// `files` (a file outside the scanned roots must pass its location rule).
// Data files no task names are not indexed. -p data-key=K picks the data key.
// Errors as parse_label_studio, label_studio_annotation and DataFiles::get,
// plus not_found when there is no .json file and invalid_argument for a file
// named by tasks of two exports.
// The registry's entry point (index/format_registry.hpp): plan_label_studio
// into `plan` (its detector, detect_label_studio, is in index/plan.hpp).
Status read_label_studio(ReadContext& context, Plan& plan);

Result<LabelStudioPlan> plan_label_studio(storage::FileSystem& fs, const Scan& scan,
                                          std::vector<Result<std::string>>& texts, const IndexOptions& options,
                                          DataFiles& files, const ParallelLoop& loop);

}  // namespace ldb::index
