#pragma once
// Bounds-checked reads of little- and big-endian integers from a byte buffer,
// for the parsers of image headers (src/image's BMP decoder and TIFF IFD
// reader, src/index's header reader). Callers check has() before reading;
// nothing is allocated.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ldb::image {

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : m_bytes(bytes) {}
  std::size_t size() const { return m_bytes.size(); }
  std::string_view bytes() const { return m_bytes; }
  // True when [offset, offset + count) lies within the bytes (no overflow).
  bool has(std::size_t offset, std::size_t count) const {
    return offset <= m_bytes.size() && count <= m_bytes.size() - offset;
  }
  std::uint32_t u8(std::size_t offset) const { return static_cast<unsigned char>(m_bytes[offset]); }
  std::uint32_t be16(std::size_t offset) const { return (u8(offset) << 8) | u8(offset + 1); }
  std::uint32_t le16(std::size_t offset) const { return u8(offset) | (u8(offset + 1) << 8); }
  std::uint32_t be32(std::size_t offset) const { return (be16(offset) << 16) | be16(offset + 2); }
  std::uint32_t le32(std::size_t offset) const { return le16(offset) | (le16(offset + 2) << 16); }
  std::uint32_t u16(std::size_t offset, bool big_endian) const { return big_endian ? be16(offset) : le16(offset); }
  std::uint32_t u32(std::size_t offset, bool big_endian) const { return big_endian ? be32(offset) : le32(offset); }
  bool starts_with(std::size_t offset, std::string_view text) const {
    return has(offset, text.size()) && m_bytes.substr(offset, text.size()) == text;
  }

 private:
  std::string_view m_bytes;
};

}  // namespace ldb::image
