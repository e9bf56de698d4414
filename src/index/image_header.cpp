// Header layouts (all offsets from the start of the file unless said):
// - PNG: 8-byte signature, then the IHDR chunk: length (4, = 13), "IHDR",
//   width (4, big-endian), height (4, big-endian).
// - JPEG: FF D8, then segments FF <marker> <length: 2 bytes BE, counting
//   itself> <payload>. The frame header is a SOFn segment (C0..CF except C4
//   DHT, C8 JPG, CC DAC): precision (1), height (2), width (2). Markers
//   without a payload (TEM, RSTn, SOI) and fill bytes (FF FF) are skipped;
//   reaching SOS or EOI first means there is no frame header. APP1 "Exif"
//   carries a TIFF IFD0 whose tag 0x0112 is the orientation.
// - GIF: "GIF87a"/"GIF89a", width (2, LE), height (2, LE).
// - BMP: "BM", DIB header size at 14; a 12-byte core header has 16-bit width
//   and height at 18 and 20, later headers 32-bit at 18 and 22 (height is
//   negative for top-down bitmaps).
// - WebP: "RIFF" size "WEBP" then a chunk at 12: "VP8 " (key frame start code
//   9D 01 2A at 23, 14-bit width/height at 26/28), "VP8L" (0x2F at 20, then
//   14-bit width-1 and height-1 packed LE from 21) or "VP8X" (24-bit
//   width-1/height-1 at 24/27).
// - TIFF: "II*\0" or "MM\0*", then IFD0 (image/tiff_ifd.hpp).

#include "index/image_header.hpp"

#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "image/byte_reader.hpp"
#include "image/decode.hpp"
#include "image/tiff_ifd.hpp"

namespace ldb::index {

namespace {

using Bytes = image::ByteReader;

std::unexpected<Error> truncated(std::string_view subject, std::string_view format) {
  return fail(ErrorCode::invalid_argument, fmt::format("'{}': truncated {} header", subject, format),
              "the image file is incomplete; copy it again from its source");
}

std::unexpected<Error> malformed(std::string_view subject, std::string_view format, std::string_view what) {
  return fail(ErrorCode::invalid_argument, fmt::format("'{}': malformed {} header: {}", subject, format, what),
              "the image file is damaged or not what its name says; re-export it");
}

Result<ImageHeader> checked(ImageHeader header, std::string_view subject) {
  if (header.width == 0 || header.height == 0) {
    return malformed(subject, image_format_name(header.format),
                     fmt::format("declares a size of {}x{}", header.width, header.height));
  }
  return header;
}

Result<ImageHeader> read_png(const Bytes& b, std::string_view subject) {
  if (!b.has(8, 16)) return truncated(subject, "PNG");
  if (!b.starts_with(12, "IHDR")) return malformed(subject, "PNG", "the first chunk is not IHDR");
  return checked(ImageHeader{ImageFormat::png, b.be32(16), b.be32(20), 1}, subject);
}

Result<ImageHeader> read_jpeg(const Bytes& b, std::string_view subject) {
  std::uint8_t orientation = 1;
  std::size_t at = 2;
  for (;;) {
    if (!b.has(at, 2)) return truncated(subject, "JPEG");
    if (b.u8(at) != 0xFF) {
      return malformed(subject, "JPEG", fmt::format("expected a marker at byte {}", at));
    }
    std::uint32_t marker = b.u8(at + 1);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    at += 2;
    if (marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    if (marker == 0xD9 || marker == 0xDA) {
      return malformed(subject, "JPEG", "no frame header (SOF) before the image data");
    }
    if (!b.has(at, 2)) return truncated(subject, "JPEG");
    std::size_t length = b.be16(at);
    if (length < 2) return malformed(subject, "JPEG", fmt::format("segment length {} at byte {}", length, at));
    bool is_sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (is_sof) {
      if (length < 8) return malformed(subject, "JPEG", "frame header too short");
      if (!b.has(at, 7)) return truncated(subject, "JPEG");
      std::uint32_t height = b.be16(at + 3);
      std::uint32_t width = b.be16(at + 5);
      if (height == 0) {
        return malformed(subject, "JPEG", "the height is defined later by a DNL marker, which is not supported");
      }
      return checked(ImageHeader{ImageFormat::jpeg, width, height, orientation}, subject);
    }
    if (marker == 0xE1 && b.has(at, length)) {
      orientation = image::exif_orientation(b.bytes().substr(at + 2, length - 2));
    }
    at += length;
  }
}

Result<ImageHeader> read_gif(const Bytes& b, std::string_view subject) {
  if (!b.has(6, 4)) return truncated(subject, "GIF");
  return checked(ImageHeader{ImageFormat::gif, b.le16(6), b.le16(8), 1}, subject);
}

Result<ImageHeader> read_bmp(const Bytes& b, std::string_view subject) {
  if (!b.has(14, 4)) return truncated(subject, "BMP");
  std::uint32_t dib = b.le32(14);
  if (dib == 12) {
    if (!b.has(18, 4)) return truncated(subject, "BMP");
    return checked(ImageHeader{ImageFormat::bmp, b.le16(18), b.le16(20), 1}, subject);
  }
  if (dib < 40) return malformed(subject, "BMP", fmt::format("unknown DIB header size {}", dib));
  if (!b.has(18, 8)) return truncated(subject, "BMP");
  auto width = static_cast<std::int32_t>(b.le32(18));
  auto height = static_cast<std::int32_t>(b.le32(22));
  if (width <= 0 || height == std::numeric_limits<std::int32_t>::min()) {
    return malformed(subject, "BMP", fmt::format("declares a size of {}x{}", width, height));
  }
  return checked(ImageHeader{ImageFormat::bmp, static_cast<std::uint32_t>(width),
                             static_cast<std::uint32_t>(height < 0 ? -height : height), 1},
                 subject);
}

Result<ImageHeader> read_webp(const Bytes& b, std::string_view subject) {
  if (!b.has(12, 8)) return truncated(subject, "WebP");
  if (b.starts_with(12, "VP8 ")) {
    if (!b.has(20, 10)) return truncated(subject, "WebP");
    if (b.u8(23) != 0x9D || b.u8(24) != 0x01 || b.u8(25) != 0x2A) {
      return malformed(subject, "WebP", "missing the VP8 key frame start code");
    }
    return checked(ImageHeader{ImageFormat::webp, b.le16(26) & 0x3FFF, b.le16(28) & 0x3FFF, 1}, subject);
  }
  if (b.starts_with(12, "VP8L")) {
    if (!b.has(20, 5)) return truncated(subject, "WebP");
    if (b.u8(20) != 0x2F) return malformed(subject, "WebP", "missing the VP8L signature byte");
    std::uint32_t bits = b.le32(21);
    return checked(ImageHeader{ImageFormat::webp, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 1}, subject);
  }
  if (b.starts_with(12, "VP8X")) {
    if (!b.has(24, 6)) return truncated(subject, "WebP");
    std::uint32_t width = (b.u8(24) | (b.u8(25) << 8) | (b.u8(26) << 16)) + 1;
    std::uint32_t height = (b.u8(27) | (b.u8(28) << 8) | (b.u8(29) << 16)) + 1;
    return checked(ImageHeader{ImageFormat::webp, width, height, 1}, subject);
  }
  return malformed(subject, "WebP", "the first chunk is not VP8, VP8L or VP8X");
}

Result<ImageHeader> read_tiff(const Bytes& b, std::string_view subject) {
  auto ifd0 = image::read_tiff_ifd0(b.bytes());
  if (!ifd0 || !ifd0->complete) return truncated(subject, "TIFF");
  return checked(ImageHeader{ImageFormat::tiff, ifd0->width, ifd0->height, ifd0->orientation}, subject);
}

}  // namespace

std::string_view image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::jpeg:
      return "jpeg";
    case ImageFormat::png:
      return "png";
    case ImageFormat::gif:
      return "gif";
    case ImageFormat::bmp:
      return "bmp";
    case ImageFormat::webp:
      return "webp";
    case ImageFormat::tiff:
      return "tiff";
  }
  return "unknown";
}

Result<ImageHeader> read_image_header(std::string_view bytes, std::string_view subject) {
  Bytes b(bytes);
  if (auto format = image::sniff_format(bytes)) {
    switch (*format) {
      case image::Format::jpeg:
        return read_jpeg(b, subject);
      case image::Format::png:
        return read_png(b, subject);
      case image::Format::webp:
        return read_webp(b, subject);
      case image::Format::gif:
        return read_gif(b, subject);
      case image::Format::bmp:
        return read_bmp(b, subject);
      case image::Format::tiff:
        return read_tiff(b, subject);
    }
  }
  return fail(ErrorCode::unsupported,
              fmt::format("'{}' is not a JPEG, PNG, GIF, BMP, WebP or TIFF image (unrecognized header)", subject),
              "convert the image to JPEG or PNG, or remove it from the images folder");
}

}  // namespace ldb::index
