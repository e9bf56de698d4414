#pragma once
// Object lists: turning command-line identifiers into a collection.
// `id:HASH` (full or unique prefix of 8+ hex digits), `ds:NAME`, `ds:NAME.vN`,
// `ds:root`, `ws:DIR`, and local paths (file, folder, shell glob). A path
// contributes the objects found there with the annotations found there,
// indexing them first when auto-indexing is on.

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "dataset/context.hpp"
#include "dataset/workspace.hpp"
#include "index/indexer.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

struct DatasetRef {
  std::string name;
  std::uint32_t version = 0;  // 0 = latest
};

// Parses "ds:NAME" or "ds:NAME.vN" (validating the name). invalid_argument otherwise.
Result<DatasetRef> parse_dataset_ref(std::string_view text);

// How a path in an object list is read when auto-indexing is on. `add`
// indexes first (new or changed files land in the index); commands that only
// look (list, eval, del, instantiate) use what is indexed at unchanged paths
// and index only what is new or changed.
enum class PathMode { index_first, indexed_first };

struct SourceOptions {
  index::IndexOptions index;  // how paths are read when they are indexed on the fly
  PathMode mode = PathMode::indexed_first;
  // For a workspace read as a source (`ldb add .`): the absolute paths of its
  // files still as instantiate wrote them (see read_workspace_files). Unset:
  // none are known.
  std::function<Result<std::vector<std::string>>(const Workspace&)> untouched_files;
};

// Resolves each identifier and unites the results (duplicates: newest annotation version wins).
Result<store::Collection> resolve_sources(Context& ctx, std::span<const std::string> identifiers,
                                          const SourceOptions& options);

// Resolves one `id:` identifier to an object hash.
Result<core::Md5> resolve_object_id(store::Store& store, std::string_view identifier);

// Expands a local path or glob to absolute normalized paths (a glob to the
// matching files and folders); not_found when nothing matches.
Result<std::vector<std::string>> expand_local_path(storage::FileSystem& fs, std::string_view path);

// Expands paths and globs given on the command line and checks that each lies
// in readable storage (check_location); unsupported for cloud URLs for now.
Result<std::vector<std::string>> expand_storage_paths(Context& ctx, std::span<const std::string> raw_paths);

// not_found/invalid_argument unless `path` lies in a registered storage location
// (or the instance may read any location).
Status check_location(Context& ctx, std::string_view path);

// `options` whose location_check is check_location (with a hint for files
// that annotations name). `ctx` must outlive the options.
index::IndexOptions with_location_check(Context& ctx, index::IndexOptions options);

}  // namespace ldb::dataset
