#pragma once
// The data files that annotation files name (COCO images, Label Studio task
// data), looked up for the readers while a plan is made. A file under the
// scanned roots is one of the scanned files; a file outside them (an absolute
// path in a Label Studio task, COCO's -p images=DIR, a COCO file indexed on
// its own) is looked up through the file system and may be indexed only when
// the caller's location rule (IndexOptions::location_check) accepts it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "index/indexer.hpp"
#include "index/scan.hpp"
#include "storage/file_system.hpp"

namespace ldb::index {

// Files outside the scanned roots that a plan indexes, by path. std::map:
// PlannedItem::data points at its values, which stay put when the map moves.
using OutsideFiles = std::map<std::string, ScannedFile, std::less<>>;

// Not thread-safe: one planning thread uses it.
class DataFiles {
 public:
  DataFiles(storage::FileSystem& fs, const Scan& scan, LocationCheck location_check);

  // True when `path` lies at or below a scanned root.
  bool under_scanned_roots(std::string_view path) const;

  // True when `path` is a data file: a scanned one, or outside the scanned
  // roots a regular file (stat'ed once and remembered). Never a .json file.
  bool exists(std::string_view path);

  // The data file at `path` (exists() must have said true), its ScannedFile
  // attributed to scan root `root` (for "run: ldb index ROOT" hints). A file
  // outside the scanned roots must pass the location check: its error
  // otherwise (invalid_argument "not inside a registered storage location"
  // from the CLI), or invalid_argument when there is no location rule.
  Result<const ScannedFile*> get(std::string_view path, std::uint32_t root);

  // Runs the location rule on a path outside the scanned roots (a folder
  // given with -p images=DIR); the same errors as get().
  Status check_location(std::string_view path) const;

  // The outside files handed out by get(), for the plan to keep.
  OutsideFiles take_outside();

 private:
  storage::FileSystem& m_fs;
  const Scan& m_scan;
  LocationCheck m_location_check;
  // Outside paths looked up: the file, or nullopt when there is none.
  std::map<std::string, std::optional<storage::FileInfo>, std::less<>> m_stat;
  OutsideFiles m_outside;
};

}  // namespace ldb::index
