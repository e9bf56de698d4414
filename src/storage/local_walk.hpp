#pragma once
// The folder walk behind LocalFileSystem::list: every regular, non-hidden file
// below a folder (symlinks followed), found by opendir/readdir plus one
// fstatat per entry. Folders are shared out to several threads through one
// queue: a re-index is mostly these stat calls, and one thread left a core
// idle. Each folder is read completely and closed before anything else, so a
// thread holds one descriptor at a time however deep the tree. Symlink loops
// are detected by keeping, with each queued folder, the (device, inode) of the
// folders on its descent path. Internal to src/storage.

#include <sys/stat.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "storage/file_system.hpp"

namespace ldb::storage {

// How far below the root a walk goes: every folder, or the root folder only.
enum class Depth { all, top };

// Every file below `root` (whose stat is `root_stat`), sorted by path,
// walked on up to `threads` threads (0: one per core, at most 4); with
// Depth::top only the files directly in root. Vanished entries and dangling
// symlinks are skipped; any other error names its path (when several folders
// fail, one of them).
Result<std::vector<FileInfo>> walk_local_tree(const std::string& root, const struct stat& root_stat,
                                              unsigned threads = 0, Depth depth = Depth::all);

// FileInfo of a stat'ed path.
FileInfo local_file_info(std::string path, const struct stat& st);

}  // namespace ldb::storage
