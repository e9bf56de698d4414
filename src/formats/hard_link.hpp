#pragma once
// instantiate --link: data files become hard links to the storage files
// instead of copies. A hard link shares the storage file's inode, so the file
// is made read-only (chmod a-w) — which makes the storage file read-only too —
// and nothing written through the workspace can change storage.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ldb::formats {

// Checks before anything is changed that every data source in `sources` can
// be hard-linked into `target`: a local file on the same file system (device)
// as `target`. unsupported naming the first offending file, with the hint to
// drop --link; io when a source's folder cannot be examined.
Status check_linkable(const std::filesystem::path& target, std::span<const std::string* const> sources);

// Hard-links `source` to `dest` (parent folder must exist; a file at dest is
// replaced through a hidden temporary name and rename), after removing write permission
// from the shared inode. unsupported for a link across file systems (EXDEV)
// or where the file system refuses links (EPERM, EMLINK), naming the file with
// the hint to drop --link; io for anything else. Nothing is left at the
// temporary name on failure.
Status link_read_only(std::string_view source, const std::filesystem::path& dest);

}  // namespace ldb::formats
