#pragma once
// The instantiation manifest: which files ldb wrote into a workspace last time
// (kept in .ldb_workspace/instantiated). It lets instantiate remove stale files,
// tell its own files from the user's, and skip files that are already right.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace ldb::formats {

// One file ldb wrote below the target folder.
struct ManifestEntry {
  std::string path;           // relative to the target, '/'-separated
  std::uint64_t size = 0;     // bytes written
  std::int64_t mtime_ns = 0;  // modification time right after writing, or k_pending_mtime
  core::Md5 md5;              // MD5 of the bytes written (the object id for data files)

  bool operator==(const ManifestEntry&) const = default;
};

// mtime of an entry recorded before its file was written (the checkpoint of a
// run in progress): the file, if present, is ldb's whatever it holds.
inline constexpr std::int64_t k_pending_mtime = -1;

// File name of the manifest inside .ldb_workspace/.
inline constexpr std::string_view k_manifest_file_name = "instantiated";

// Whether the instantiate run that wrote a manifest got to its end. A run
// writes its manifest `unfinished` before it changes anything below the target
// and `finished` once every file is in place: until then the folder is neither
// the old dataset nor the new one, and reading it as the dataset (sync, add .)
// would take the files not written yet for deleted members.
enum class RunState { finished, unfinished };

struct Manifest {
  RunState state = RunState::finished;
  std::vector<ManifestEntry> entries;

  // Entries of files an unfinished run had still to write (k_pending_mtime).
  std::size_t pending() const;
};

// Text form: a header line "ldb-instantiated 1" ("ldb-instantiated 1 unfinished"
// for a run in progress), then one line per entry, "<md5 hex> <size> <mtime_ns>
// <path>" (the path runs to the end of the line).
std::string serialize_manifest(std::span<const ManifestEntry> entries, RunState state = RunState::finished);

// Parses serialize_manifest output. Every path is checked like a path about to be
// written (no "..", absolute or hidden components), so a tampered manifest can
// never make instantiate delete files outside the target. corruption naming
// `origin` and the line otherwise. Empty text is an empty, finished manifest.
Result<Manifest> parse_manifest(std::string_view text, std::string_view origin);

}  // namespace ldb::formats
