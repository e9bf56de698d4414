#pragma once
// From a Scan to a plan: which data files are indexed with which annotation,
// in the format asked for or detected. Shared by index_paths and
// resolve_indexed; reading annotation-only files (needed to detect that
// format) runs through a caller-supplied parallel loop.

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "index/annotation_only.hpp"
#include "index/data_files.hpp"
#include "index/indexer.hpp"
#include "index/scan.hpp"

namespace ldb::index {

enum class AnnotationSource { none, file, derived };

struct PlannedItem {
  const ScannedFile* data = nullptr;
  AnnotationSource source = AnnotationSource::none;
  const ScannedFile* annotation_file = nullptr;  // when source == file
  std::string derived_json;                      // when source == derived (canonical)
  // When source == derived: the files the annotation was read from (a YOLO
  // image's label file, whether it exists or not, and its names file; the VOC
  // XML; the COCO or Label Studio JSON), so that a reader of a workspace can
  // tell an annotation whose files are as instantiate wrote them.
  std::vector<std::string> read_from;
};

struct AnnotationOnlyFile {
  const ScannedFile* file = nullptr;
  std::vector<AnnotationOnlyEntry> entries;
};

struct Plan {
  Format format = Format::auto_detect;
  std::vector<PlannedItem> items;                   // pairs and inferred formats, sorted by data path
  std::vector<AnnotationOnlyFile> annotation_only;  // annotation-only format, sorted by file path
  std::vector<Error> skipped;                       // BadAnnotation::skip: files left out
  OutsideFiles outside;                             // data files of items outside the scanned roots
  std::vector<MissingImages> missing_images;        // COCO images left out: their files are missing
  std::vector<std::string> not_detection;           // COCO files left out: no "categories" (captions)
};

// The paths of plan.outside, for KnownPaths::load.
std::vector<std::string> outside_paths(const Plan& plan);

// Calls body(begin, end) over chunks covering [0, n), possibly in parallel.
using ParallelLoop = std::function<void(std::size_t n, const std::function<void(std::size_t, std::size_t)>& body)>;

// Chooses the format (auto-detection per index/indexer.hpp), checks the
// format parameters, and pairs files. Data files that annotations name
// outside the scanned roots are looked up through `fs` and must pass
// options.location_check. Errors name the offending file.
Result<Plan> make_plan(storage::FileSystem& fs, const Scan& scan, const IndexOptions& options,
                       const ParallelLoop& loop);

// The readers and detectors of the formats planned here (the registry's entry
// points, index/format_registry.hpp; the other formats' are in their own files).
Status read_strict_pairs(ReadContext& context, Plan& plan);
Status read_bare_pairs(ReadContext& context, Plan& plan);
Status read_inferred(ReadContext& context, Plan& plan);
Status read_annotation_only(ReadContext& context, Plan& plan);
Status read_coco(ReadContext& context, Plan& plan);
// Every .json file is a COCO detection file (or a captions file beside one),
// and no data file has a pair.
bool detect_coco(ReadContext& context);
// Every .json file is a Label Studio export, and no data file has a pair.
bool detect_label_studio(ReadContext& context);

// Parameters allowed for a format (its FormatInfo::read_params); invalid_argument naming an unknown one.
Status check_params(Format format, std::span<const std::pair<std::string, std::string>> params, bool detected);

}  // namespace ldb::index
