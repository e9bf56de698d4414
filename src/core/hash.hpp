#pragma once
// MD5 identities. A data object is identified by the MD5 of its bytes (compatible
// with the original LDB, DVC and S3 single-part ETags); annotation contents are
// identified by the MD5 of their canonical JSON.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ldb::core {

struct Md5 {
  std::array<std::uint8_t, 16> bytes{};

  // 32 lowercase hex digits.
  std::string hex() const;
  // Parses exactly 32 hex digits (either case); invalid_argument otherwise.
  static Result<Md5> from_hex(std::string_view hex);

  auto operator<=>(const Md5&) const = default;
  bool operator==(const Md5&) const = default;
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
