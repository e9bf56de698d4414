// IFD layout: the 8-byte header is the byte order ("II" or "MM"), 42 (2
// bytes) and the offset of IFD0 (4 bytes), from the start of the TIFF
// structure. An IFD is an entry count (2 bytes) and entries of 12 bytes: tag
// (2), type (2: 3 = SHORT, 4 = LONG), count (4), and the value itself when it
// fits in 4 bytes (a SHORT in the first 2).

#include "image/tiff_ifd.hpp"

#include "image/byte_reader.hpp"

namespace ldb::image {

namespace {

constexpr std::uint32_t k_tag_width = 256;
constexpr std::uint32_t k_tag_height = 257;
constexpr std::uint32_t k_tag_orientation = 274;
constexpr std::uint32_t k_type_short = 3;
constexpr std::uint32_t k_type_long = 4;

}  // namespace

std::optional<TiffIfd0> read_tiff_ifd0(std::string_view tiff) {
  ByteReader b(tiff);
  bool big_endian;
  if (b.starts_with(0, "MM")) {
    big_endian = true;
  } else if (b.starts_with(0, "II")) {
    big_endian = false;
  } else {
    return std::nullopt;
  }
  if (!b.has(0, 8) || b.u16(2, big_endian) != 42) return std::nullopt;
  std::size_t ifd = b.u32(4, big_endian);
  if (!b.has(ifd, 2)) return std::nullopt;
  TiffIfd0 result;
  std::uint32_t count = b.u16(ifd, big_endian);
  for (std::uint32_t entry = 0; entry < count; ++entry) {
    std::size_t at = ifd + 2 + std::size_t{entry} * 12;
    if (!b.has(at, 12)) {
      result.complete = false;
      break;
    }
    std::uint32_t tag = b.u16(at, big_endian);
    std::uint32_t type = b.u16(at + 2, big_endian);
    if (tag == k_tag_width || tag == k_tag_height) {
      std::uint32_t value = type == k_type_long    ? b.u32(at + 8, big_endian)
                            : type == k_type_short ? b.u16(at + 8, big_endian)
                                                   : 0;
      (tag == k_tag_width ? result.width : result.height) = value;
    } else if (tag == k_tag_orientation) {
      std::uint32_t value = b.u16(at + 8, big_endian);
      result.orientation = value >= 1 && value <= 8 ? static_cast<std::uint8_t>(value) : 1;
    }
  }
  return result;
}

std::uint8_t exif_orientation(std::string_view app1_payload) {
  constexpr std::string_view k_exif("Exif\0\0", 6);
  if (!app1_payload.starts_with(k_exif)) return 1;
  auto ifd0 = read_tiff_ifd0(app1_payload.substr(k_exif.size()));
  return ifd0 ? ifd0->orientation : 1;
}

}  // namespace ldb::image
