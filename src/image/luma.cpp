#include "image/luma.hpp"

#include <algorithm>
#include <cmath>

namespace ldb::image::detail {

namespace {

struct Tap {
  std::uint32_t source;
  double weight;
};

// For each of `to` output positions, the source positions of [0, from) it
// covers and their share of it (the shares sum to 1).
std::vector<std::vector<Tap>> taps(std::uint32_t from, std::uint32_t to) {
  std::vector<std::vector<Tap>> result(to);
  const double scale = static_cast<double>(from) / to;
  for (std::uint32_t i = 0; i < to; ++i) {
    double begin = i * scale;
    double end = (i + 1) * scale;
    auto first = static_cast<std::uint32_t>(std::floor(begin));
    auto last = std::min(from, static_cast<std::uint32_t>(std::ceil(end)));
    for (std::uint32_t j = first; j < last; ++j) {
      double overlap = std::min(end, j + 1.0) - std::max(begin, static_cast<double>(j));
      if (overlap > 0) result[i].push_back({j, overlap / scale});
    }
  }
  return result;
}

}  // namespace

Plane luma_plane(const Picture& picture) {
  Plane plane{picture.width, picture.height, {}};
  const std::size_t pixels = std::size_t{picture.width} * picture.height;
  plane.values.resize(pixels);
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* p = &picture.rgb[i * 3];
    plane.values[i] = (299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000.0;
  }
  return plane;
}

Plane resample(const Plane& plane, std::uint32_t width, std::uint32_t height) {
  const auto across = taps(plane.width, width);
  const auto down = taps(plane.height, height);
  // Rows first (source height × output width), then columns.
  std::vector<double> rows(std::size_t{plane.height} * width, 0.0);
  for (std::uint32_t y = 0; y < plane.height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      double sum = 0;
      for (const Tap& tap : across[x]) sum += tap.weight * plane.at(tap.source, y);
      rows[std::size_t{y} * width + x] = sum;
    }
  }
  Plane out{width, height, std::vector<double>(std::size_t{width} * height, 0.0)};
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      double sum = 0;
      for (const Tap& tap : down[y]) sum += tap.weight * rows[std::size_t{tap.source} * width + x];
      out.values[std::size_t{y} * width + x] = sum;
    }
  }
  return out;
}

}  // namespace ldb::image::detail
