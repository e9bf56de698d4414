#pragma once
// What the per-format decoders (decode_*.cpp) share: the request, their
// errors, and the box-filter shrinker every row-by-row decoder feeds. Internal
// to src/image.
//
// Sizes: a source of W × H is shrunk by the integer factor
// f = max(1, floor(min(W, H) / min_side), ceil(max(W, H) / (64 × min_side))),
// to round(W / f) × round(H / f) (at least 1). So the shorter side stays
// >= min_side and is below 2 × min_side, and nothing is enlarged (a source
// whose shorter side is below min_side keeps its size), except that the
// longer side never exceeds 64 × min_side: a source more than 64 times as
// long as wide gets a shorter side below min_side rather than a picture (and
// box sums) as large as the source. JPEG first takes the smallest libjpeg
// scaled-DCT size (1/8, 1/4, 1/2, 1/1) whose shorter side is >= min_side, then
// applies the same rule to it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "image/decode.hpp"

namespace ldb::image::detail {

struct DecodeRequest {
  std::string_view bytes;
  std::uint32_t min_side = 1;  // >= 1
  DecodeLimits limits;
};

// A file that does not decode: "FORMAT: what" (decode_small puts the subject
// in front). invalid_argument.
std::unexpected<Error> corrupt(std::string_view format, std::string_view what);
// A valid file of a variant ldb does not decode (RLE BMP, ...): unsupported.
std::unexpected<Error> unsupported_variant(std::string_view format, std::string_view what);
// Refuses a declared size of 0 or above limits.max_pixels, before decoding.
Status check_size(std::string_view format, std::uint64_t width, std::uint64_t height, const DecodeLimits& limits);

// The longer side of a shrunk picture is at most this many times min_side.
constexpr std::uint64_t k_max_aspect = 64;

// The box factor f above.
std::uint32_t box_factor(std::uint32_t width, std::uint32_t height, std::uint32_t min_side);
// round(side / factor), at least 1.
std::uint32_t shrunk_side(std::uint32_t side, std::uint32_t factor);

// The same picture as displayed under EXIF/TIFF orientation 1..8 (other
// values: unchanged).
Picture oriented(Picture picture, std::uint8_t orientation);

// Box filter from a W × H source to the shrunk size: every source pixel is
// added once (in any order: rows of interlaced passes, tiles), and each output
// pixel is the rounded mean of the source pixels in its cell. Memory is the
// output grid (sums) plus a column map of the source width.
class BoxShrinker {
 public:
  BoxShrinker(std::uint32_t width, std::uint32_t height, std::uint32_t min_side);

  std::uint32_t out_width() const { return m_out_width; }
  std::uint32_t out_height() const { return m_out_height; }

  // Adds `count` pixels of source row `y`, the first at column `x` and each
  // next one `step` columns further; `pixels` holds them at the same stride
  // (pixel k at pixels + k * step * channels). channels: 3 (RGB) or 4 (RGBA,
  // composited on black). The caller keeps x + (count - 1) * step < width.
  void add(std::uint32_t y, std::uint32_t x, std::uint32_t count, const std::uint8_t* pixels, unsigned channels,
           std::uint32_t step = 1);

  // Where source row `y` goes when the shrinker keeps the pixels as they
  // come (factor 1): a decoder may write its RGB row there instead of
  // add()ing it. nullptr at other factors.
  std::uint8_t* direct_row(std::uint32_t y) {
    return m_factor == 1 ? &m_direct[std::size_t{y} * m_out_width * 3] : nullptr;
  }

  // The shrunk picture, oriented for display. Once: at factor 1 it takes the
  // pixels the shrinker held.
  Picture finish(std::uint8_t source_channels, std::uint8_t orientation = 1);

 private:
  std::uint32_t m_width;
  std::uint32_t m_height;
  std::uint32_t m_factor;
  std::uint32_t m_out_width;
  std::uint32_t m_out_height;
  std::vector<std::uint32_t> m_column_cell;  // source column -> output column
  std::vector<std::uint64_t> m_sums;         // out_width * out_height * 3 (factor > 1)
  std::vector<std::uint8_t> m_direct;        // the picture itself (factor 1)
};

// decode_small without the subject: error messages read "FORMAT: what"
// (features_of records them so).
Result<Picture> decode_unnamed(std::string_view bytes, std::uint32_t min_side, const DecodeLimits& limits);

// One decoder per format; each checks the declared size against the limits
// before decoding pixels.
Result<Picture> decode_jpeg(const DecodeRequest& request);
Result<Picture> decode_png(const DecodeRequest& request);
Result<Picture> decode_webp(const DecodeRequest& request);
Result<Picture> decode_gif(const DecodeRequest& request);
Result<Picture> decode_bmp(const DecodeRequest& request);
Result<Picture> decode_tiff(const DecodeRequest& request);

}  // namespace ldb::image::detail
