// The box-filter shrinker, the shrink factor and display orientation shared
// by the per-format decoders (decode_detail.hpp).

#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "image/decode_detail.hpp"

namespace ldb::image::detail {

std::unexpected<Error> corrupt(std::string_view format, std::string_view what) {
  return fail(ErrorCode::invalid_argument, fmt::format("{}: {}", format, what),
              "the image file is damaged or incomplete; copy it again from its source or re-export it");
}

std::unexpected<Error> unsupported_variant(std::string_view format, std::string_view what) {
  return fail(ErrorCode::unsupported, fmt::format("{}: {}", format, what), "convert the image to PNG or JPEG");
}

Status check_size(std::string_view format, std::uint64_t width, std::uint64_t height, const DecodeLimits& limits) {
  if (width == 0 || height == 0) return corrupt(format, fmt::format("declares a size of {}x{}", width, height));
  // Both factors are below 2^32, so the product cannot overflow.
  if (width * height > limits.max_pixels) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}: declares {}x{} pixels, more than the limit of {} pixels", format, width, height,
                            limits.max_pixels),
                "images this large are not decoded; downscale the image");
  }
  return {};
}

std::uint32_t box_factor(std::uint32_t width, std::uint32_t height, std::uint32_t min_side) {
  const std::uint64_t side = std::max<std::uint32_t>(1, min_side);
  const std::uint64_t by_shorter = std::min(width, height) / side;
  const std::uint64_t longest = side * k_max_aspect;
  const std::uint64_t by_longer = (std::max(width, height) + longest - 1) / longest;
  return static_cast<std::uint32_t>(std::max<std::uint64_t>({1, by_shorter, by_longer}));
}

std::uint32_t shrunk_side(std::uint32_t side, std::uint32_t factor) {
  return std::max<std::uint32_t>(1, static_cast<std::uint32_t>((std::uint64_t{side} + factor / 2) / factor));
}

Picture oriented(Picture picture, std::uint8_t orientation) {
  if (orientation < 2 || orientation > 8) return picture;
  const std::uint32_t w = picture.width;
  const std::uint32_t h = picture.height;
  const bool transposed = orientation >= 5;
  Picture out;
  out.width = transposed ? h : w;
  out.height = transposed ? w : h;
  out.source_channels = picture.source_channels;
  out.orientation = orientation;
  out.rgb.resize(picture.rgb.size());
  for (std::uint32_t dy = 0; dy < out.height; ++dy) {
    for (std::uint32_t dx = 0; dx < out.width; ++dx) {
      // The stored pixel shown at (dx, dy), per the EXIF/TIFF definitions
      // (e.g. 6: the stored top row is the displayed right column).
      std::uint32_t sx = 0;
      std::uint32_t sy = 0;
      switch (orientation) {
        case 2:
          sx = w - 1 - dx;
          sy = dy;
          break;
        case 3:
          sx = w - 1 - dx;
          sy = h - 1 - dy;
          break;
        case 4:
          sx = dx;
          sy = h - 1 - dy;
          break;
        case 5:
          sx = dy;
          sy = dx;
          break;
        case 6:
          sx = dy;
          sy = h - 1 - dx;
          break;
        case 7:
          sx = w - 1 - dy;
          sy = h - 1 - dx;
          break;
        case 8:
          sx = w - 1 - dy;
          sy = dx;
          break;
      }
      const std::uint8_t* from = &picture.rgb[(std::size_t{sy} * w + sx) * 3];
      std::uint8_t* to = &out.rgb[(std::size_t{dy} * out.width + dx) * 3];
      to[0] = from[0];
      to[1] = from[1];
      to[2] = from[2];
    }
  }
  return out;
}

BoxShrinker::BoxShrinker(std::uint32_t width, std::uint32_t height, std::uint32_t min_side)
    : m_width(width),
      m_height(height),
      m_factor(box_factor(width, height, min_side)),
      m_out_width(shrunk_side(width, m_factor)),
      m_out_height(shrunk_side(height, m_factor)),
      m_column_cell(width) {
  // At factor 1 (a full-size decode for image ops) the pixels are kept as
  // bytes: sums would take 8 times the memory of the picture.
  if (m_factor == 1) {
    m_direct.resize(std::size_t{m_out_width} * m_out_height * 3);
    return;
  }
  m_sums.resize(std::size_t{m_out_width} * m_out_height * 3);
  for (std::uint32_t x = 0; x < width; ++x) m_column_cell[x] = std::min(x / m_factor, m_out_width - 1);
}

void BoxShrinker::add(std::uint32_t y, std::uint32_t x, std::uint32_t count, const std::uint8_t* pixels,
                      unsigned channels, std::uint32_t step) {
  if (m_factor == 1) {
    std::uint8_t* out = &m_direct[(std::size_t{y} * m_out_width + x) * 3];
    if (channels == 3 && step == 1) {  // a full-size decode's rows: copied as they are
      std::memcpy(out, pixels, std::size_t{count} * 3);
      return;
    }
    const std::size_t stride_out = std::size_t{step} * 3;
    const std::size_t stride_in = std::size_t{step} * channels;
    for (std::uint32_t k = 0; k < count; ++k, out += stride_out, pixels += stride_in) {
      unsigned alpha = channels == 4 ? pixels[3] : 255;
      for (int c = 0; c < 3; ++c) {
        out[c] = channels == 4 ? static_cast<std::uint8_t>((pixels[c] * alpha + 127) / 255) : pixels[c];
      }
    }
    return;
  }
  std::uint64_t* row = &m_sums[std::size_t{std::min(y / m_factor, m_out_height - 1)} * m_out_width * 3];
  const std::size_t stride = std::size_t{step} * channels;
  for (std::uint32_t k = 0; k < count; ++k, x += step, pixels += stride) {
    std::uint64_t* cell = row + std::size_t{m_column_cell[x]} * 3;
    if (channels == 4) {
      unsigned alpha = pixels[3];
      cell[0] += (pixels[0] * alpha + 127) / 255;
      cell[1] += (pixels[1] * alpha + 127) / 255;
      cell[2] += (pixels[2] * alpha + 127) / 255;
    } else {
      cell[0] += pixels[0];
      cell[1] += pixels[1];
      cell[2] += pixels[2];
    }
  }
}

Picture BoxShrinker::finish(std::uint8_t source_channels, std::uint8_t orientation) {
  // Every cell spans `factor` source rows and columns, except the last row
  // and column of cells, which take what remains.
  auto span = [&](std::uint32_t cell, std::uint32_t cells, std::uint32_t side) -> std::uint64_t {
    return cell + 1 < cells ? m_factor : side - std::uint64_t{cell} * m_factor;
  };
  Picture picture;
  picture.width = m_out_width;
  picture.height = m_out_height;
  picture.source_channels = source_channels;
  if (m_factor == 1) {
    picture.rgb = std::move(m_direct);
    return oriented(std::move(picture), orientation);
  }
  picture.rgb.resize(m_sums.size());
  for (std::uint32_t oy = 0; oy < m_out_height; ++oy) {
    std::uint64_t rows = span(oy, m_out_height, m_height);
    for (std::uint32_t ox = 0; ox < m_out_width; ++ox) {
      std::uint64_t n = rows * span(ox, m_out_width, m_width);
      std::size_t at = (std::size_t{oy} * m_out_width + ox) * 3;
      for (int c = 0; c < 3; ++c) picture.rgb[at + c] = static_cast<std::uint8_t>((m_sums[at + c] + n / 2) / n);
    }
  }
  return oriented(std::move(picture), orientation);
}

}  // namespace ldb::image::detail
