#pragma once
// What the store already knows about the files of a plan, and the checks that
// decide whether a file can be skipped (index) or is up to date (resolve).

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "index/plan.hpp"
#include "store/store.hpp"

namespace ldb::index {

// The store's KnownPath records under a set of roots, looked up by path.
class KnownPaths {
 public:
  // One Store::known_paths_under call per root.
  static Result<KnownPaths> load(store::Store& store, std::span<const std::string> roots);

  // Loads the records under more roots (paths not under the first ones: data
  // files outside the scanned roots, Plan::outside).
  Status add(store::Store& store, std::span<const std::string> roots);

  // nullptr when the path was never indexed.
  const store::KnownPath* find(std::string_view path) const;

 private:
  std::vector<store::KnownPath> m_paths;
  std::unordered_map<std::string_view, std::size_t> m_by_path;
};

// Same size and mtime as when indexed; or, when the backend reports the
// object's MD5 (FileInfo::content_md5), same size and MD5.
bool data_unchanged(const store::KnownPath& known, const storage::FileInfo& file);

// The annotation source of `item` is what was recorded (same file, size and
// mtime; or none then and now). Derived annotations need a content check:
// this answers false for them.
bool annotation_file_unchanged(const store::KnownPath& known, const PlannedItem& item);

// Sorted by hash, one ref per hash, the highest annotation version winning.
store::Collection newest_per_hash(store::Collection refs);

// not_found naming the annotation-only file and object when an object it
// annotates is not indexed.
Status check_objects_indexed(store::Store& store, std::span<const AnnotationOnlyFile> files);

}  // namespace ldb::index
