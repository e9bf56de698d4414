#pragma once
// The luma plane of a Picture and its area resampling, shared by the features
// and the builtin embedding. Internal to src/image.

#include <cstdint>
#include <vector>

#include "image/decode.hpp"

namespace ldb::image::detail {

// A row-major plane of doubles.
struct Plane {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<double> values;

  double at(std::uint32_t x, std::uint32_t y) const { return values[std::size_t{y} * width + x]; }
};

// ITU-R BT.601 luma, (299 R + 587 G + 114 B) / 1000, 0–255, of every pixel.
Plane luma_plane(const Picture& picture);

// `plane` resampled to width × height, each output value the area-weighted
// mean of the source it covers (a box filter when shrinking; when enlarging,
// each output value is one source value or a blend of two neighbours).
// `plane` has at least one value.
Plane resample(const Plane& plane, std::uint32_t width, std::uint32_t height);

}  // namespace ldb::image::detail
