#pragma once
// Encoders for the output of image ops: JPEG (libjpeg-turbo), PNG (libspng)
// and WebP (libwebp), from a Picture in memory to the file's bytes. The
// output carries no metadata (no EXIF, so no orientation: its pixels are
// shown as stored). Deterministic: the same picture and settings give the
// same bytes, so an unchanged instantiation rewrites nothing.

#include <string>

#include "core/error.hpp"
#include "image/decode.hpp"
#include "image/ops.hpp"

namespace ldb::image {

// The quality JPEG and WebP are written with when no format op names one.
inline constexpr int k_default_quality = 90;

// The file extension of a format, with its dot (".jpg", ".png", ".webp").
std::string_view extension_of(OutputFormat format);

// Encodes `picture` (width, height >= 1) as `format`; quality 1..100 for JPEG
// and lossy WebP (ignored for PNG). A picture whose source_channels is 1 or 2
// (a grey source, or after grayscale) is written as one grey channel in JPEG
// and PNG; WebP has no grey mode and holds it as RGB. internal when the
// library fails (it does not on a valid picture: out of memory).
Result<std::string> encode(const Picture& picture, OutputFormat format, int quality);

}  // namespace ldb::image
