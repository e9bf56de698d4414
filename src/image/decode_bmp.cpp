// BMP, parsed here (no library): the file header, a BITMAPCOREHEADER (12
// bytes) or BITMAPINFOHEADER (40) and its later versions (52, 56, 108, 124),
// 1/4/8-bit palettes, 16/24/32-bit pixels, BI_BITFIELDS and
// BI_ALPHABITFIELDS masks, bottom-up and top-down rows. RLE, JPEG and PNG
// compression are refused. Every read is bounds checked: the pixel data the
// header declares must lie within the file, checked before any row is read.
//
// Layout (little-endian): "BM", file size (4), reserved (4), pixel data
// offset (4) at 10; the DIB header at 14 starts with its size. Core header:
// width, height, planes, bits per pixel (2 bytes each) at 18..; palette of
// 3-byte BGR entries after it. Info header: width, height (signed 4 bytes; a
// negative height is a top-down bitmap), planes (2), bits per pixel (2) at 28,
// compression (4) at 30, ..., colours used (4) at 46; from 52 bytes on, the
// red, green, blue masks at 54, 58, 62, from 56 the alpha mask at 66 (a
// 40-byte header with BI_BITFIELDS has them right after it instead); palette
// of 4-byte BGRX entries after the header and masks. Rows are padded to 4
// bytes.

#include <algorithm>
#include <bit>
#include <limits>

#include <fmt/format.h>

#include "image/byte_reader.hpp"
#include "image/decode_detail.hpp"

namespace ldb::image::detail {

namespace {

enum Compression : std::uint32_t {
  bi_rgb = 0,
  bi_rle8 = 1,
  bi_rle4 = 2,
  bi_bitfields = 3,
  bi_jpeg = 4,
  bi_png = 5,
  bi_alphabitfields = 6,
};

// One channel of a 16- or 32-bit pixel: its mask, shifted down and scaled to
// 0..255.
class Channel {
 public:
  Channel() = default;
  explicit Channel(std::uint32_t mask) : m_mask(mask) {
    if (mask == 0) return;
    m_shift = static_cast<unsigned>(std::countr_zero(mask));
    m_max = mask >> m_shift;  // all ones when the mask is contiguous, as it must be
  }
  bool present() const { return m_mask != 0; }
  std::uint8_t operator()(std::uint32_t pixel) const {
    if (m_max == 0) return 0;
    std::uint64_t value = (pixel & m_mask) >> m_shift;
    return static_cast<std::uint8_t>((value * 255 + m_max / 2) / m_max);
  }

 private:
  std::uint32_t m_mask = 0;
  unsigned m_shift = 0;
  std::uint64_t m_max = 0;
};

}  // namespace

Result<Picture> decode_bmp(const DecodeRequest& request) {
  ByteReader b(request.bytes);
  if (!b.has(14, 4)) return corrupt("BMP", "truncated header");
  const std::uint64_t data_offset = b.le32(10);
  const std::uint32_t dib = b.le32(14);
  const bool core = dib == 12;
  if (!core && dib < 40) return corrupt("BMP", fmt::format("unknown DIB header size {}", dib));
  if (!b.has(14, dib)) return corrupt("BMP", "truncated header");

  std::uint32_t width = 0;
  std::uint32_t height = 0;
  bool top_down = false;
  std::uint32_t bits = 0;
  std::uint32_t compression = bi_rgb;
  std::uint32_t colours_used = 0;
  if (core) {
    width = b.le16(18);
    height = b.le16(20);
    bits = b.le16(24);
  } else {
    auto signed_width = static_cast<std::int32_t>(b.le32(18));
    auto signed_height = static_cast<std::int32_t>(b.le32(22));
    if (signed_width <= 0 || signed_height == 0 || signed_height == std::numeric_limits<std::int32_t>::min()) {
      return corrupt("BMP", fmt::format("declares a size of {}x{}", signed_width, signed_height));
    }
    width = static_cast<std::uint32_t>(signed_width);
    top_down = signed_height < 0;
    height = static_cast<std::uint32_t>(top_down ? -signed_height : signed_height);
    bits = b.le16(28);
    compression = b.le32(30);
    colours_used = b.le32(46);
  }
  if (compression == bi_rle8 || compression == bi_rle4) {
    return unsupported_variant("BMP", "RLE-compressed BMP is not supported");
  }
  if (compression == bi_jpeg || compression == bi_png) {
    return unsupported_variant("BMP", "BMP with embedded JPEG or PNG data is not supported");
  }
  if (compression != bi_rgb && compression != bi_bitfields && compression != bi_alphabitfields) {
    return corrupt("BMP", fmt::format("unknown compression {}", compression));
  }
  const bool masked = compression != bi_rgb;
  const bool palette_bits = bits == 1 || bits == 4 || bits == 8;
  if (!palette_bits && bits != 16 && bits != 24 && bits != 32) {
    return corrupt("BMP", fmt::format("unsupported bits per pixel: {}", bits));
  }
  if (masked && bits != 16 && bits != 32) {
    return corrupt("BMP", fmt::format("bit-field masks with {} bits per pixel", bits));
  }
  LDB_TRY(check_size("BMP", width, height, request.limits));

  // Masks: inside headers of 52 bytes and more, else right after the header.
  std::size_t after_header = 14 + std::size_t{dib};
  Channel red, green, blue, alpha;
  if (masked) {
    std::size_t masks = dib >= 52 ? 54 : after_header;
    bool with_alpha = compression == bi_alphabitfields || dib >= 56;
    std::size_t mask_bytes = with_alpha ? 16 : 12;
    if (!b.has(masks, mask_bytes)) return corrupt("BMP", "truncated bit-field masks");
    red = Channel(b.le32(masks));
    green = Channel(b.le32(masks + 4));
    blue = Channel(b.le32(masks + 8));
    if (with_alpha) alpha = Channel(b.le32(masks + 12));
    if (dib < 52) after_header += mask_bytes;
  } else if (bits == 16) {
    red = Channel(0x7C00);
    green = Channel(0x03E0);
    blue = Channel(0x001F);
  } else if (bits == 32) {
    red = Channel(0x00FF0000);
    green = Channel(0x0000FF00);
    blue = Channel(0x000000FF);
  }

  // Palette as RGBA; indices past it are black.
  std::vector<std::uint8_t> palette(256 * 4, 0);
  if (palette_bits) {
    std::uint32_t entries = std::uint32_t{1} << bits;
    if (colours_used != 0) entries = std::min(entries, colours_used);
    std::size_t entry_size = core ? 3 : 4;
    if (!b.has(after_header, entries * entry_size)) return corrupt("BMP", "truncated palette");
    for (std::uint32_t i = 0; i < entries; ++i) {
      std::size_t at = after_header + i * entry_size;
      palette[i * 4 + 0] = static_cast<std::uint8_t>(b.u8(at + 2));
      palette[i * 4 + 1] = static_cast<std::uint8_t>(b.u8(at + 1));
      palette[i * 4 + 2] = static_cast<std::uint8_t>(b.u8(at));
      palette[i * 4 + 3] = 255;
    }
  }

  const std::uint64_t stride = (std::uint64_t{bits} * width + 31) / 32 * 4;
  const std::uint64_t data_size = stride * height;
  if (data_offset > b.size() || data_size > b.size() - data_offset) {
    return corrupt("BMP",
                   fmt::format("the pixel data ({} bytes at offset {}) extends past the end of the file ({} bytes)",
                               data_size, data_offset, b.size()));
  }

  BoxShrinker shrinker(width, height, request.min_side);
  std::vector<std::uint8_t> rgba(std::size_t{width} * 4);
  const auto* data = reinterpret_cast<const std::uint8_t*>(request.bytes.data()) + data_offset;
  for (std::uint32_t r = 0; r < height; ++r) {
    const std::uint8_t* row = data + stride * r;
    std::uint8_t* out = rgba.data();
    for (std::uint32_t x = 0; x < width; ++x, out += 4) {
      if (palette_bits) {
        std::uint32_t bit = x * bits;
        std::uint32_t index = (row[bit / 8] >> (8 - bits - bit % 8)) & ((1u << bits) - 1);
        std::copy_n(&palette[index * 4], 4, out);
      } else if (bits == 24) {
        out[0] = row[x * 3 + 2];
        out[1] = row[x * 3 + 1];
        out[2] = row[x * 3];
        out[3] = 255;
      } else {
        std::uint32_t pixel = bits == 16 ? row[x * 2] | (row[x * 2 + 1] << 8)
                                         : row[x * 4] | (row[x * 4 + 1] << 8) | (row[x * 4 + 2] << 16) |
                                               (std::uint32_t{row[x * 4 + 3]} << 24);
        out[0] = red(pixel);
        out[1] = green(pixel);
        out[2] = blue(pixel);
        out[3] = alpha.present() ? alpha(pixel) : 255;
      }
    }
    shrinker.add(top_down ? r : height - 1 - r, 0, width, rgba.data(), 4);
  }
  return shrinker.finish(alpha.present() ? 4 : 3);
}

}  // namespace ldb::image::detail
