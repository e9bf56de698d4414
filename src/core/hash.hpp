#pragma once
// MD5 identities. A data object is identified by the MD5 of its bytes (compatible
// with the original LDB, DVC and S3 single-part ETags); annotation contents are
// identified by the MD5 of their canonical JSON.

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"

namespace ldb::core {

struct Md5 {
  std::array<std::uint8_t, 16> bytes{};

  // 32 lowercase hex digits.
  std::string hex() const;
  // Parses exactly 32 hex digits (either case); invalid_argument otherwise.
  static Result<Md5> from_hex(std::string_view hex);

  // Byte-wise (lexicographic) order, compared as two big-endian words: sorting
  // and merging millions of hashes is hot, and memcmp calls dominated it.
  std::strong_ordering operator<=>(const Md5& other) const {
    auto a = words();
    auto b = other.words();
    return a.first != b.first ? a.first <=> b.first : a.second <=> b.second;
  }
  bool operator==(const Md5& other) const { return words() == other.words(); }

 private:
  std::pair<std::uint64_t, std::uint64_t> words() const {
    std::uint64_t high, low;
    std::memcpy(&high, bytes.data(), sizeof high);
    std::memcpy(&low, bytes.data() + sizeof high, sizeof low);
    if constexpr (std::endian::native == std::endian::little) {
      high = std::byteswap(high);
      low = std::byteswap(low);
    }
    return {high, low};
  }
};

// Incremental MD5 (OpenSSL). Not thread-safe; one per thread.
class Md5Hasher {
 public:
  Md5Hasher();
  ~Md5Hasher();
  Md5Hasher(const Md5Hasher&) = delete;
  Md5Hasher& operator=(const Md5Hasher&) = delete;

  void update(std::span<const std::byte> data);
  void update(std::string_view data);
  // Returns the digest and resets the hasher for reuse.
  Md5 finish();

 private:
  void* m_ctx;
};

Md5 md5_of(std::string_view data);

// A fast 64-bit checksum (XXH3) of ldb's own files, to tell a torn or altered
// file from a whole one. Not an identity: objects and annotations use MD5.
std::uint64_t checksum64(std::string_view data);

// True when `text` is 1..32 hex digits (a hash or a hash prefix).
bool is_hex(std::string_view text);

}  // namespace ldb::core

template <>
struct std::hash<ldb::core::Md5> {
  std::size_t operator()(const ldb::core::Md5& m) const noexcept {
    std::size_t h;
    static_assert(sizeof(h) <= sizeof(m.bytes));
    __builtin_memcpy(&h, m.bytes.data(), sizeof(h));
    return h;
  }
};
