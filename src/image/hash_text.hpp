#pragma once
// 64-bit perceptual hashes as text: 16 lowercase hex digits (SPEC section 8),
// most significant bit first, so that the text sorts as the number does.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ldb::image {

std::string hash_hex(std::uint64_t hash);

// The hash written by hash_hex; nothing unless `text` is exactly 16 hex digits
// (either case).
std::optional<std::uint64_t> parse_hash_hex(std::string_view text);

}  // namespace ldb::image
