#pragma once
// Decoding for what ldb computes from pixels (features, embeddings): a small
// RGB picture, shrunk while decoding wherever the format allows, so that the
// cost is close to reading the file. JPEG decodes with libjpeg-turbo's scaled
// DCT (down to 1/8); WebP with libwebp's scaler; PNG (libspng), GIF (giflib,
// first frame only) and BMP (parsed by ldb) decode row by row, and TIFF
// (libtiff) a strip or tile at a time, into a box filter, so the full-size
// image is not held in memory (see DecodeLimits for the exceptions).
//
// Hostile input (truncated, zero-size, absurd dimensions, decompression
// bombs, thousands of GIF frames) fails with an error within bounded time and
// memory; nothing is printed (the libraries' message handlers are replaced).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ldb::image {

enum class Format { jpeg, png, webp, gif, bmp, tiff };

// The format whose signature `bytes` starts with; nothing when none.
std::optional<Format> sniff_format(std::string_view bytes);

struct DecodeLimits {
  // Pixels of the full-size image (width × height as the file declares):
  // larger images are refused before any pixel is decoded. It also bounds
  // memory: most formats stream rows into the shrinker, but a progressive
  // JPEG holds its whole coefficient buffer (about 6 bytes a pixel), a
  // lossless WebP its whole image (4 bytes a pixel) and a TIFF one strip
  // or tile (the whole image when it is one strip).
  std::uint64_t max_pixels = 1ULL << 28;  // 268 Mpx, e.g. 16384 × 16384
};

// 8-bit RGB, interleaved, rows top to bottom, as displayed (the orientation
// of JPEG's EXIF and of TIFF's Orientation tag applied). `source_channels` is
// what the file holds: 1 (grey), 2 (grey + alpha), 3 (colour, including
// palettes and CMYK) or 4 (colour + alpha, including a GIF's transparent
// index); alpha is composited on black.
struct Picture {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint8_t source_channels = 3;
  std::vector<std::uint8_t> rgb;  // width * height * 3
  // The EXIF/TIFF orientation (1..8) that was applied to the stored pixels
  // to give this picture; 1 when none was.
  std::uint8_t orientation = 1;
};

// Decodes `bytes`, shrunk so that the shorter side is at least `min_side`
// pixels where the source is larger (never enlarged), by an integer box
// factor: the shorter side ends between min_side and 2 × min_side - 1. The
// longer side is at most 64 × min_side, even for sources more than 64 times
// as long as wide (whose shorter side then drops below min_side). JPEG
// decodes at the smallest scaled-DCT size (1/8, 1/4, 1/2) whose shorter side
// is at least min_side, and is box shrunk from there; WebP is scaled by
// libwebp to the same size the box factor gives. `subject` names the file in
// errors: invalid_argument ("'PATH': JPEG: premature end of data") for a file
// that does not decode or declares more than limits.max_pixels, unsupported
// for an unknown format or a variant ldb does not decode (RLE BMP, ...).
Result<Picture> decode_small(std::string_view bytes, std::string_view subject, std::uint32_t min_side,
                             const DecodeLimits& limits = {});

}  // namespace ldb::image
