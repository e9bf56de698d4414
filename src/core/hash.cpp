#include "core/hash.hpp"

#include <openssl/evp.h>

// Inlined from Debian's libxxhash-dev header: no library to load at run time.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <fmt/format.h>

namespace ldb::core {

namespace {
constexpr char k_hex_digits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string Md5::hex() const {
  std::string out(32, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = k_hex_digits[bytes[i] >> 4];
    out[2 * i + 1] = k_hex_digits[bytes[i] & 0xf];
  }
  return out;
}

Result<Md5> Md5::from_hex(std::string_view hex) {
  if (hex.size() != 32 || !is_hex(hex)) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not an MD5 hash (32 hex digits)", hex),
                "object ids look like id:0a1b2c3d... (a unique prefix of 8 or more digits also works)");
  }
  Md5 m;
  for (std::size_t i = 0; i < 16; ++i) {
    m.bytes[i] = static_cast<std::uint8_t>(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
  }
  return m;
}

std::uint64_t checksum64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

bool is_hex(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  for (char c : text) {
    if (hex_value(c) < 0) return false;
  }
  return true;
}

Md5Hasher::Md5Hasher() : m_ctx(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(m_ctx), EVP_md5(), nullptr);
}

Md5Hasher::~Md5Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx)); }

void Md5Hasher::update(std::span<const std::byte> data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), data.data(), data.size());
}

void Md5Hasher::update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), data.data(), data.size());
}

Md5 Md5Hasher::finish() {
  Md5 m;
  unsigned int len = 0;
  auto* ctx = static_cast<EVP_MD_CTX*>(m_ctx);
  EVP_DigestFinal_ex(ctx, m.bytes.data(), &len);
  EVP_DigestInit_ex(ctx, EVP_md5(), nullptr);
  return m;
}

Md5 md5_of(std::string_view data) {
  Md5Hasher h;
  h.update(data);
  return h.finish();
}

}  // namespace ldb::core
