#include "image/hash_text.hpp"

namespace ldb::image {

std::string hash_hex(std::uint64_t hash) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[static_cast<std::size_t>(i)] = k_digits[hash & 0xf];
  return out;
}

std::optional<std::uint64_t> parse_hash_hex(std::string_view text) {
  if (text.size() != 16) return std::nullopt;
  std::uint64_t out = 0;
  for (char c : text) {
    unsigned digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    out = (out << 4) | digit;
  }
  return out;
}

}  // namespace ldb::image
