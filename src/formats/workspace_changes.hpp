#pragma once
// How the files of an instantiated folder differ from what instantiate wrote
// there, as `git status` tells a work tree from its index: the manifest
// records each file's size, mtime and MD5, so a file whose size and mtime
// still match is unchanged without reading it, and only a file whose mtime
// moved but whose size did not is hashed. And the other direction: after
// `sync` or `add` took the folder's files in, the manifest learns them, so
// they count as ldb's from then on (status no longer lists them; instantiate
// replaces them without -f, as their content is in the staged dataset).

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/thread_pool.hpp"
#include "formats/manifest.hpp"
#include "storage/file_system.hpp"

namespace ldb::formats {

// Paths are relative to the folder, '/'-separated, sorted.
struct FileChanges {
  std::vector<std::string> edited;   // written by ldb, now other bytes
  std::vector<std::string> deleted;  // written by ldb, gone
  std::vector<std::string> added;    // not written by ldb (hidden files and folders are never looked at)
  std::size_t unwritten = 0;         // files an unfinished run had still to write that are not there

  bool empty() const { return edited.empty() && deleted.empty() && added.empty(); }
};

// Compares the regular, non-hidden files below `root` (listed through `fs`,
// symlinks followed) with `manifest`. Files a pending entry names are neither
// added nor deleted; the absent ones are counted in `unwritten`. Hashing runs
// on `pool`. Errors from listing or reading pass through.
Result<FileChanges> compare_with_manifest(storage::FileSystem& fs, core::ThreadPool& pool,
                                          const std::filesystem::path& root, const Manifest& manifest);

// Whether the manifest forgets files that are gone: sync makes the staged
// dataset equal to the folder (a missing file was taken in as deleted); add
// only adds what is there.
enum class MissingFiles { forget, keep };

// The manifest entries after `sync`/`add` read the folder: `taken` (files the
// staged dataset now holds the content of, with the size, mtime and MD5 they
// were read with) replace the entries of their paths or join them; with
// MissingFiles::forget, entries whose file below `root` is gone are dropped.
// Sorted by path. Pending entries are kept as they are.
std::vector<ManifestEntry> take_in(const std::filesystem::path& root, std::span<const ManifestEntry> manifest,
                                   std::vector<ManifestEntry> taken, MissingFiles missing);

}  // namespace ldb::formats
