// PNG with libspng, decoded row by row (SPNG_DECODE_PROGRESSIVE) into the box
// shrinker: the full-size image is never held. Output RGB8, or RGBA8 when the
// image has alpha or a tRNS chunk (16-bit samples are reduced by libspng).
// Interlaced (Adam7) images come pass by pass, each row with only that pass's
// pixels in place, so only those are added.

#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <spng.h>

#include "image/decode_detail.hpp"

namespace ldb::image::detail {

namespace {

// Ancillary chunks libspng keeps (text, ICC profiles, EXIF): real files stay
// far below these.
constexpr std::size_t k_max_chunk_bytes = 16u << 20;
constexpr std::size_t k_max_chunk_cache_bytes = 64u << 20;

constexpr std::uint32_t k_adam7_x_start[7] = {0, 4, 0, 2, 0, 1, 0};
constexpr std::uint32_t k_adam7_x_step[7] = {8, 8, 4, 4, 2, 2, 1};

constexpr std::uint8_t k_grey = 0, k_grey_alpha = 4, k_rgb_alpha = 6;

struct SpngFree {
  void operator()(spng_ctx* ctx) const { spng_ctx_free(ctx); }
};

}  // namespace

Result<Picture> decode_png(const DecodeRequest& request) {
  std::unique_ptr<spng_ctx, SpngFree> ctx(spng_ctx_new(0));
  if (!ctx) return fail(ErrorCode::internal, "PNG: cannot create a libspng decoder");
  auto side_limit = static_cast<std::uint32_t>(std::min<std::uint64_t>(request.limits.max_pixels, 0x7FFFFFFF));
  spng_set_image_limits(ctx.get(), side_limit, side_limit);
  spng_set_chunk_limits(ctx.get(), k_max_chunk_bytes, k_max_chunk_cache_bytes);
  spng_set_png_buffer(ctx.get(), request.bytes.data(), request.bytes.size());

  spng_ihdr ihdr{};
  if (int rc = spng_get_ihdr(ctx.get(), &ihdr); rc != 0) {
    if (rc == SPNG_EUSER_WIDTH || rc == SPNG_EUSER_HEIGHT) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("PNG: declares a {} above the limit of {} pixels",
                              rc == SPNG_EUSER_WIDTH ? "width" : "height", request.limits.max_pixels),
                  "images this large are not decoded; downscale the image");
    }
    return corrupt("PNG", spng_strerror(rc));
  }
  LDB_TRY(check_size("PNG", ihdr.width, ihdr.height, request.limits));

  spng_trns trns{};
  bool has_trns = spng_get_trns(ctx.get(), &trns) == 0;
  bool alpha = has_trns || ihdr.color_type == k_grey_alpha || ihdr.color_type == k_rgb_alpha;
  bool grey = ihdr.color_type == k_grey || ihdr.color_type == k_grey_alpha;
  std::uint8_t source_channels = static_cast<std::uint8_t>((grey ? 1 : 3) + (alpha ? 1 : 0));
  unsigned channels = alpha ? 4 : 3;
  int fmt = alpha ? SPNG_FMT_RGBA8 : SPNG_FMT_RGB8;
  if (int rc =
          spng_decode_image(ctx.get(), nullptr, 0, fmt, SPNG_DECODE_PROGRESSIVE | (has_trns ? SPNG_DECODE_TRNS : 0));
      rc != 0) {
    return corrupt("PNG", spng_strerror(rc));
  }

  BoxShrinker shrinker(ihdr.width, ihdr.height, request.min_side);
  std::vector<std::uint8_t> row(std::size_t{ihdr.width} * channels);
  int rc = 0;
  for (;;) {
    spng_row_info info{};
    if ((rc = spng_get_row_info(ctx.get(), &info)) != 0) break;
    if ((rc = spng_decode_row(ctx.get(), row.data(), row.size())) != 0 && rc != SPNG_EOI) break;
    if (info.row_num >= ihdr.height) return corrupt("PNG", "row number out of range");
    std::uint32_t start = 0;
    std::uint32_t step = 1;
    if (ihdr.interlace_method != 0 && info.pass >= 0 && info.pass < 7) {
      start = k_adam7_x_start[info.pass];
      step = k_adam7_x_step[info.pass];
    }
    if (start < ihdr.width) {
      std::uint32_t count = (ihdr.width - start + step - 1) / step;
      shrinker.add(info.row_num, start, count, row.data() + std::size_t{start} * channels, channels, step);
    }
    if (rc == SPNG_EOI) break;
  }
  if (rc != SPNG_EOI) return corrupt("PNG", spng_strerror(rc));
  return shrinker.finish(source_channels);
}

}  // namespace ldb::image::detail
