#pragma once
// A content-addressed local cache of objects read from non-local storage:
// DIR/ab/abcdef... (the MD5 in hex, split by its first two digits). A file
// enters the cache only after its bytes were verified against the MD5 it is
// filed under, so whatever is found there is right. Size-capped: when a fill
// takes the cache over its limit, the least recently used files (by mtime,
// refreshed on every hit) are removed until it fits. Thread-safe; several
// processes may share a cache (files appear by rename, removal is benign).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace ldb::storage {

class ObjectCache {
 public:
  // `limit_bytes` 0 means no limit.
  ObjectCache(std::filesystem::path dir, std::uint64_t limit_bytes);

  const std::filesystem::path& dir() const { return m_dir; }

  // The cached file holding `hash`, if present (and marks it recently used).
  std::optional<std::filesystem::path> find(const core::Md5& hash);

  // Fills the cache with `hash`: `fetch` writes the object to the path it is
  // given; the bytes are then checked against `hash` (corruption naming
  // `subject` when they differ: the object changed since it was indexed) and
  // moved into place. Returns the cached file.
  Result<std::filesystem::path> fill(const core::Md5& hash,
                                     const std::function<Status(const std::filesystem::path&)>& fetch,
                                     std::string_view subject);

  // Removes least recently used files until the cache holds at most
  // `limit_bytes`, keeping `keep`. Returns the bytes removed.
  std::uint64_t evict(std::uint64_t limit_bytes, const std::filesystem::path& keep);

 private:
  std::filesystem::path path_of(const core::Md5& hash) const;

  std::filesystem::path m_dir;
  std::uint64_t m_limit;
  std::mutex m_mutex;
  std::optional<std::uint64_t> m_total;  // bytes in the cache, scanned on first fill
};

// "10G", "512M", "100k", "12345" (bytes; suffixes are powers of 1024) in bytes;
// invalid_argument naming `subject` otherwise.
Result<std::uint64_t> parse_byte_size(std::string_view text, std::string_view subject);

}  // namespace ldb::storage
