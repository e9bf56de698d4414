#include "storage/object_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "storage/file_system.hpp"
#include "storage/posix_file.hpp"

namespace ldb::storage {

namespace fs_std = std::filesystem;

ObjectCache::ObjectCache(fs_std::path dir, std::uint64_t limit_bytes) : m_dir(std::move(dir)), m_limit(limit_bytes) {}

fs_std::path ObjectCache::path_of(const core::Md5& hash) const {
  std::string hex = hash.hex();
  return m_dir / hex.substr(0, 2) / hex;
}

std::optional<fs_std::path> ObjectCache::find(const core::Md5& hash) {
  fs_std::path path = path_of(hash);
  // Refreshing the mtime is the LRU mark; a missing file fails it.
  if (::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) != 0) return std::nullopt;
  return path;
}

Result<fs_std::path> ObjectCache::fill(const core::Md5& hash, const std::function<Status(const fs_std::path&)>& fetch,
                                       std::string_view subject) {
  fs_std::path final_path = path_of(hash);
  std::error_code ec;
  fs_std::create_directories(final_path.parent_path(), ec);
  if (ec) return std::unexpected(errno_error(ec.value(), "create the cache folder", final_path.parent_path().string()));
  static std::atomic<std::uint64_t> counter{0};
  fs_std::path incoming =
      final_path.parent_path() / fmt::format(".{}.{}.{}", hash.hex(), ::getpid(), counter.fetch_add(1));
  auto fetched = fetch(incoming);
  if (!fetched) {
    fs_std::remove(incoming, ec);
    return std::unexpected(fetched.error());
  }
  auto local = make_local_file_system();
  auto actual = local->hash(incoming.string());
  if (!actual) {
    fs_std::remove(incoming, ec);
    return std::unexpected(actual.error());
  }
  if (*actual != hash) {
    fs_std::remove(incoming, ec);
    return std::unexpected(object_changed(subject, hash, *actual));
  }
  fs_std::rename(incoming, final_path, ec);
  if (ec) {
    fs_std::remove(incoming, ec);
    return std::unexpected(errno_error(ec.value(), "write to the cache", final_path.string()));
  }
  if (m_limit > 0) {
    std::uint64_t size = fs_std::file_size(final_path, ec);
    bool over = false;
    {
      std::lock_guard lock(m_mutex);
      if (!m_total) {
        std::uint64_t total = 0;
        for (auto it = fs_std::recursive_directory_iterator(m_dir, ec);
             !ec && it != fs_std::recursive_directory_iterator(); it.increment(ec)) {
          if (it->is_regular_file(ec)) total += it->file_size(ec);
        }
        m_total = total;
      } else {
        *m_total += size;
      }
      over = *m_total > m_limit;
    }
    if (over) {
      std::uint64_t removed = evict(m_limit, final_path);
      std::lock_guard lock(m_mutex);
      *m_total -= std::min(*m_total, removed);
    }
  }
  return final_path;
}

std::uint64_t ObjectCache::evict(std::uint64_t limit_bytes, const fs_std::path& keep) {
  struct Entry {
    fs_std::path path;
    std::uint64_t size;
    std::int64_t mtime_ns;
  };
  std::vector<Entry> entries;
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs_std::recursive_directory_iterator(m_dir, ec); !ec && it != fs_std::recursive_directory_iterator();
       it.increment(ec)) {
    struct stat st;
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (it->path().filename().string().starts_with('.')) continue;  // a fill in progress
    auto size = static_cast<std::uint64_t>(st.st_size);
    total += size;
    entries.push_back(
        {it->path(), size, static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.mtime_ns < b.mtime_ns; });
  std::uint64_t removed = 0;
  for (const auto& entry : entries) {
    if (total - removed <= limit_bytes) break;
    if (entry.path == keep) continue;
    if (fs_std::remove(entry.path, ec)) removed += entry.size;
  }
  return removed;
}

Result<std::uint64_t> parse_byte_size(std::string_view text, std::string_view subject) {
  auto invalid = [&] {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} expects a size like 10G, 512M or 1000000, got '{}'", subject, text),
                "suffixes: k, M, G, T (powers of 1024); 0 means no limit");
  };
  if (text.empty()) return invalid();
  std::uint64_t multiplier = 1;
  char last = text.back();
  switch (last) {
    case 'k':
    case 'K':
      multiplier = 1ull << 10;
      break;
    case 'm':
    case 'M':
      multiplier = 1ull << 20;
      break;
    case 'g':
    case 'G':
      multiplier = 1ull << 30;
      break;
    case 't':
    case 'T':
      multiplier = 1ull << 40;
      break;
    default:
      break;
  }
  if (multiplier != 1) text.remove_suffix(1);
  if (text.empty() || text.size() > 15) return invalid();
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return invalid();
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value * multiplier;
}

}  // namespace ldb::storage
