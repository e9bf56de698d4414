#pragma once
// The digests and encodings request signing needs (OpenSSL): SHA-256,
// HMAC-SHA256, hex and base64. Thread-safe (no shared state).

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ldb::storage {

// Raw 32-byte SHA-256 digest of `data`.
std::string sha256(std::string_view data);

// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

// Lowercase hex of raw bytes.
std::string to_hex(std::string_view bytes);

// Standard base64 (with padding).
std::string base64_encode(std::string_view bytes);

// Decodes standard base64; invalid_argument naming `subject` when malformed.
Result<std::string> base64_decode(std::string_view text, std::string_view subject);

}  // namespace ldb::storage
