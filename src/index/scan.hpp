#pragma once
// Listing the paths given to index/add: every regular, non-hidden file under
// each root, split into data files and .json files, sorted by path, each path
// once (the first root that found it owns it).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "storage/file_system.hpp"

namespace ldb::index {

struct ScannedFile {
  storage::FileInfo info;
  std::uint32_t root = 0;  // index into Scan::roots
};

struct Scan {
  std::vector<std::string> roots;  // normalized, as given
  // Per root: the folder tensorflow-inferred labels are relative to. The root
  // itself, unless the caller sets the indexed root it lies in (index/roots.hpp).
  std::vector<std::string> bases;
  std::vector<ScannedFile> data;  // non-.json files, sorted by path
  std::vector<ScannedFile> json;  // .json files, sorted by path
};

// Lists every path through `fs`. Errors from the file system pass through
// (not_found naming a missing path).
Result<Scan> scan_paths(storage::FileSystem& fs, std::span<const std::string> paths, core::Progress& progress);

// The Scan::roots that scan_paths makes of `paths`, without listing anything.
std::vector<std::string> scan_roots(std::span<const std::string> paths);

// True when the path ends in ".json".
bool is_json_path(std::string_view path);

// The annotation of a data file in the pairs formats: the path with its last
// extension replaced by ".json" ("a/x.jpg" -> "a/x.json", "a/x" -> "a/x.json").
std::string annotation_path_for(std::string_view data_path);

// The folder of `file` relative to `root` ('/'-separated; "" when the file is
// directly in the root or is the root).
std::string relative_folder(std::string_view file, std::string_view root);

// Binary search in a sorted file list; nullptr when absent.
const ScannedFile* find_file(std::span<const ScannedFile> files, std::string_view path);

}  // namespace ldb::index
