#include "formats/workspace_changes.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_set>

namespace ldb::formats {

namespace {

// A file whose size matches its entry but whose mtime does not: edited only
// when its bytes differ.
struct ToHash {
  std::string absolute;
  const ManifestEntry* entry = nullptr;
  bool differs = false;
  std::optional<Error> error;
};

}  // namespace

Result<FileChanges> compare_with_manifest(storage::FileSystem& fs, core::ThreadPool& pool,
                                          const std::filesystem::path& root, const Manifest& manifest) {
  const std::string base = root.generic_string();
  auto listed = fs.list(base);
  if (!listed) return std::unexpected(listed.error());
  const std::size_t prefix = base.ends_with('/') ? base.size() : base.size() + 1;

  // Both sides sorted by path (the listing by absolute path, which orders the
  // relative paths the same way; a finished manifest already is): one merge.
  std::vector<const ManifestEntry*> entries;
  entries.reserve(manifest.entries.size());
  for (const auto& entry : manifest.entries) entries.push_back(&entry);
  auto by_path = [](const ManifestEntry* a, const ManifestEntry* b) { return a->path < b->path; };
  if (!std::is_sorted(entries.begin(), entries.end(), by_path)) std::sort(entries.begin(), entries.end(), by_path);

  FileChanges changes;
  std::vector<ToHash> to_hash;
  auto gone = [&](const ManifestEntry& entry) {
    if (entry.mtime_ns == k_pending_mtime) {
      ++changes.unwritten;
    } else {
      changes.deleted.push_back(entry.path);
    }
  };
  std::size_t next = 0;
  for (const auto& file : *listed) {
    if (file.path.size() <= prefix) continue;
    std::string_view relative = std::string_view(file.path).substr(prefix);
    while (next < entries.size() && std::string_view(entries[next]->path) < relative) gone(*entries[next++]);
    if (next == entries.size() || entries[next]->path != relative) {
      changes.added.emplace_back(relative);
      continue;
    }
    const ManifestEntry& entry = *entries[next++];
    if (entry.mtime_ns == k_pending_mtime) continue;  // being written: neither edited nor added
    if (file.size != entry.size) {
      changes.edited.emplace_back(relative);
    } else if (file.mtime_ns != entry.mtime_ns) {
      to_hash.push_back(ToHash{file.path, &entry});
    }
  }
  while (next < entries.size()) gone(*entries[next++]);

  pool.parallel_for(to_hash.size(), 4, [&](std::size_t begin, std::size_t end, unsigned) {
    for (std::size_t i = begin; i < end; ++i) {
      auto hash = fs.hash(to_hash[i].absolute);
      if (!hash) {
        to_hash[i].error = std::move(hash).error();
      } else {
        to_hash[i].differs = *hash != to_hash[i].entry->md5;
      }
    }
  });
  for (auto& file : to_hash) {
    if (file.error) {
      // Gone between the listing and the read: deleted.
      if (file.error->code != ErrorCode::not_found) return std::unexpected(std::move(*file.error));
      changes.deleted.push_back(file.entry->path);
    } else if (file.differs) {
      changes.edited.push_back(file.entry->path);
    }
  }
  for (auto* list : {&changes.edited, &changes.deleted}) std::sort(list->begin(), list->end());
  return changes;
}

std::vector<ManifestEntry> take_in(const std::filesystem::path& root, std::span<const ManifestEntry> manifest,
                                   std::vector<ManifestEntry> taken, MissingFiles missing) {
  std::unordered_set<std::string> replaced;
  std::unordered_set<core::Md5> taken_content;
  replaced.reserve(taken.size());
  for (const auto& entry : taken) {
    replaced.insert(entry.path);
    taken_content.insert(entry.md5);
  }
  std::vector<ManifestEntry> out = std::move(taken);
  for (const auto& entry : manifest) {
    if (replaced.contains(entry.path)) continue;
    // A file that is gone is forgotten by sync, and by add when its content
    // was taken in at another path (it was moved: a relabel between class
    // folders); otherwise add keeps it, and status lists it as deleted.
    if (entry.mtime_ns != k_pending_mtime && (missing == MissingFiles::forget || taken_content.contains(entry.md5))) {
      struct stat st {};
      if (::lstat((root / entry.path).c_str(), &st) != 0) continue;
    }
    out.push_back(entry);
  }
  std::sort(out.begin(), out.end(), [](const ManifestEntry& a, const ManifestEntry& b) { return a.path < b.path; });
  return out;
}

}  // namespace ldb::formats
