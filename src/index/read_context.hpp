#pragma once
// What a format's reader and detector (index/format_registry.hpp) work from:
// the scan, the options, the data-file lookup, and the files auto-detection
// already read, so that the reader does not read them again.

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "index/annotation_only.hpp"
#include "index/data_files.hpp"
#include "index/plan.hpp"
#include "index/scan.hpp"
#include "index/voc.hpp"
#include "storage/file_system.hpp"

namespace ldb::index {

struct ReadContext {
  storage::FileSystem& fs;
  const Scan& scan;
  const IndexOptions& options;
  DataFiles& files;
  const ParallelLoop& loop;
  // Some data file has its annotation beside it (x.jpg + x.json): auto then
  // never picks a format whose annotation files are shared by many data files.
  bool has_pairs = false;

  // Read on first use, in scan order.
  std::optional<std::vector<Result<std::string>>> json_texts;               // scan.json
  std::optional<VocFiles> voc_files;                                        // the .xml data files
  std::optional<std::vector<Result<AnnotationOnlyParse>>> annotation_only;  // scan.json as annotation-only

  std::vector<Result<std::string>>& json();
  VocFiles& voc();
  std::vector<Result<AnnotationOnlyParse>>& annotation_only_files();
};

}  // namespace ldb::index
