#pragma once
// Image size from the first bytes of a file, without decoding pixels: JPEG
// (the SOFn frame header, plus the EXIF orientation), PNG (IHDR), GIF (logical
// screen), BMP (DIB header) and WebP (VP8, VP8L, VP8X). Every read is bounds
// checked against the bytes given; nothing is allocated.

#include <cstdint>
#include <string_view>

#include "core/error.hpp"

namespace ldb::index {

enum class ImageFormat { jpeg, png, gif, bmp, webp };

struct ImageHeader {
  ImageFormat format = ImageFormat::jpeg;
  std::uint32_t width = 0;  // as stored (before any EXIF rotation)
  std::uint32_t height = 0;
  std::uint8_t orientation = 1;  // EXIF orientation 1..8 (JPEG only; 1 elsewhere)

  // Width and height as displayed: swapped when the EXIF orientation rotates
  // by 90 or 270 degrees (5..8), as Ultralytics' exif_size does.
  std::uint32_t display_width() const { return orientation >= 5 ? height : width; }
  std::uint32_t display_height() const { return orientation >= 5 ? width : height; }
};

// "jpeg", "png", "gif", "bmp", "webp".
std::string_view image_format_name(ImageFormat format);

// Reads the format and size from `bytes` (a prefix of the file, or all of it).
// `subject` names the file in errors. unsupported when the bytes start with no
// known image signature; invalid_argument when the header is truncated,
// inconsistent or declares a zero size.
Result<ImageHeader> read_image_header(std::string_view bytes, std::string_view subject);

}  // namespace ldb::index
