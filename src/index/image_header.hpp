#pragma once
// Image size from the first bytes of a file, without decoding pixels: JPEG
// (the SOFn frame header, plus the EXIF orientation), PNG (IHDR), GIF (logical
// screen), BMP (DIB header), WebP (VP8, VP8L, VP8X) and TIFF (IFD0's width,
// length and orientation). Every read is bounds checked against the bytes
// given; nothing is allocated. The signatures and the TIFF/EXIF reader are
// src/image's (sniff_format, tiff_ifd.hpp), so that what is indexed as an
// image is what src/image decodes.

#include <cstdint>
#include <string_view>

#include "core/error.hpp"

namespace ldb::index {

enum class ImageFormat { jpeg, png, gif, bmp, webp, tiff };

struct ImageHeader {
  ImageFormat format = ImageFormat::jpeg;
  std::uint32_t width = 0;  // as stored (before any EXIF rotation)
  std::uint32_t height = 0;
  std::uint8_t orientation = 1;  // 1..8: JPEG's EXIF orientation, TIFF's tag 274; 1 elsewhere

  // Width and height as displayed: swapped when the EXIF orientation rotates
  // by 90 or 270 degrees (5..8), as Ultralytics' exif_size does.
  std::uint32_t display_width() const { return orientation >= 5 ? height : width; }
  std::uint32_t display_height() const { return orientation >= 5 ? width : height; }
};

// "jpeg", "png", "gif", "bmp", "webp", "tiff".
std::string_view image_format_name(ImageFormat format);

// Reads the format and size from `bytes` (a prefix of the file, or all of it).
// `subject` names the file in errors. unsupported when the bytes start with no
// known image signature; invalid_argument when the header is truncated,
// inconsistent or declares a zero size (a TIFF whose IFD0 lies beyond
// `bytes`, as libtiff writes it after the pixels, is truncated).
Result<ImageHeader> read_image_header(std::string_view bytes, std::string_view subject);

}  // namespace ldb::index
