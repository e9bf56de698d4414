#pragma once
// The read-add storage location: the one registered location ldb may write
// to. Local files that lie outside every storage location (a new image copied
// into a workspace, a file in /tmp) are copied there, each run under a folder
// of its own, `<prefix>/ldb-add/<UTC time>-<random hex>/`, and indexed there.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dataset/context.hpp"

namespace ldb::dataset {

// The name of the folder below the read-add location that copies go to.
inline constexpr std::string_view k_read_add_folder = "ldb-add";

// The folder inside the instance that takes new workspace files when no
// read-add location is registered but the instance may read any location
// (QuickStart): `<instance>/read-add/ldb-add/<unique>/`.
inline constexpr std::string_view k_implicit_read_add_folder = "read-add";

// The registered read-add location, or nullopt when there is none.
Result<std::optional<store::StorageLocation>> find_read_add_location(Context& ctx);

// One file to copy: a readable source and its path relative to the new folder
// ('/'-separated, no "..", checked).
struct CopyRequest {
  std::string source;
  std::string relative;
};

// Files copied below the read-add location, for indexing or for undoing.
struct CopiedFiles {
  std::string folder;              // the new unique folder
  std::vector<std::string> paths;  // destination of each request, in order
};

// Copies each request into a new unique folder below `prefix` (each file is
// written to a temporary name and renamed). On any error the folder is removed
// again and the error (io naming the file) returned. A bucket prefix (s3://,
// gs://, az://) gets one upload per file instead; uploads already made when a
// later one fails stay (not indexed) and the error's hint names them.
Result<CopiedFiles> copy_to_read_add(Context& ctx, std::string_view prefix, std::span<const CopyRequest> requests);

// Removes a folder made by copy_to_read_add (when what follows the copy fails);
// uploads to a bucket stay, unindexed, below their own unique prefix.
void discard_copies(const CopiedFiles& copied);

// The hint given when a local path outside registered storage cannot be used.
std::string outside_storage_hint();

}  // namespace ldb::dataset
