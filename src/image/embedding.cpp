// The builtin embedding; its layout and what it captures are in
// embedding.hpp.

#include "image/embedding.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "image/luma.hpp"

namespace ldb::image {

namespace {

constexpr std::size_t k_colour_bins = 32;
constexpr std::size_t k_layout_cells = 16;
constexpr std::size_t k_gradient_bins = 48;
static_assert(k_colour_bins + k_layout_cells + k_gradient_bins == k_builtin_dimensions);

constexpr int k_hue_bins = 8;
constexpr int k_grey_bins = 8;
constexpr double k_min_saturation = 0.2;
constexpr double k_min_value = 0.15;
constexpr std::uint32_t k_gradient_size = 64;
constexpr int k_orientation_bins = 8;
constexpr std::uint32_t k_cell_rows = 2;
constexpr std::uint32_t k_cell_columns = 3;

// Adds `weight` at position t (in bin units, bin centres at integers) shared
// linearly between the two nearest bins; circular wraps around, else the
// ends clamp.
void add_soft(double* bins, int count, double t, double weight, bool circular) {
  double lower = std::floor(t);
  double upper_share = t - lower;
  int first = static_cast<int>(lower);
  int second = first + 1;
  if (circular) {
    first = ((first % count) + count) % count;
    second = second % count;
  } else {
    first = std::clamp(first, 0, count - 1);
    second = std::clamp(second, 0, count - 1);
  }
  bins[first] += weight * (1 - upper_share);
  bins[second] += weight * upper_share;
}

std::array<double, k_colour_bins> colour_block(const Picture& picture) {
  std::array<double, k_colour_bins> bins{};
  const std::size_t pixels = std::size_t{picture.width} * picture.height;
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* p = &picture.rgb[i * 3];
    int max = std::max({p[0], p[1], p[2]});
    int min = std::min({p[0], p[1], p[2]});
    double value = max / 255.0;
    double saturation = max == 0 ? 0.0 : static_cast<double>(max - min) / max;
    if (saturation < k_min_saturation || value < k_min_value) {
      double luma = (299 * p[0] + 587 * p[1] + 114 * p[2]) / 255000.0;
      add_soft(&bins[k_colour_bins - k_grey_bins], k_grey_bins, luma * k_grey_bins - 0.5, 1.0, false);
      continue;
    }
    // Hue in sixths of the circle, 0 <= hue < 6.
    double chroma = max - min;
    double hue;
    if (max == p[0]) {
      hue = (p[1] - p[2]) / chroma;
      if (hue < 0) hue += 6;
    } else if (max == p[1]) {
      hue = (p[2] - p[0]) / chroma + 2;
    } else {
      hue = (p[0] - p[1]) / chroma + 4;
    }
    int band = saturation < 0.45 ? 0 : saturation < 0.7 ? 1 : 2;
    add_soft(&bins[band * k_hue_bins], k_hue_bins, hue / 6 * k_hue_bins - 0.5, 1.0, true);
  }
  for (double& bin : bins) bin = std::sqrt(bin / static_cast<double>(pixels));
  return bins;
}

std::array<double, k_layout_cells> layout_block(const detail::Plane& luma) {
  detail::Plane grid = detail::resample(luma, 4, 4);
  double mean = 0;
  for (double value : grid.values) mean += value / 255.0;
  mean /= k_layout_cells;
  std::array<double, k_layout_cells> cells{};
  double length = 0;
  for (std::size_t i = 0; i < k_layout_cells; ++i) {
    cells[i] = grid.values[i] / 255.0 - mean;
    length += cells[i] * cells[i];
  }
  length = std::max(std::sqrt(length), 0.05);
  for (double& cell : cells) cell /= length;
  return cells;
}

std::array<double, k_gradient_bins> gradient_block(const detail::Plane& luma) {
  detail::Plane small = detail::resample(luma, k_gradient_size, k_gradient_size);
  std::array<double, k_gradient_bins> bins{};
  double total = 0;
  for (std::uint32_t y = 1; y + 1 < k_gradient_size; ++y) {
    for (std::uint32_t x = 1; x + 1 < k_gradient_size; ++x) {
      double gx = (small.at(x + 1, y) - small.at(x - 1, y)) / 255.0;
      double gy = (small.at(x, y + 1) - small.at(x, y - 1)) / 255.0;
      double magnitude = std::sqrt(gx * gx + gy * gy);
      if (magnitude == 0) continue;
      double angle = std::atan2(gy, gx);  // -pi..pi; unsigned: modulo pi
      if (angle < 0) angle += std::numbers::pi;
      if (angle >= std::numbers::pi) angle -= std::numbers::pi;
      std::uint32_t cell = (y * k_cell_rows / k_gradient_size) * k_cell_columns + x * k_cell_columns / k_gradient_size;
      add_soft(&bins[cell * k_orientation_bins], k_orientation_bins,
               angle / std::numbers::pi * k_orientation_bins - 0.5, magnitude, true);
      total += magnitude;
    }
  }
  const double interior = static_cast<double>(k_gradient_size - 2) * (k_gradient_size - 2);
  total = std::max(total, 0.01 * interior);
  for (double& bin : bins) bin = std::sqrt(bin / total);
  return bins;
}

}  // namespace

std::vector<float> builtin_embedding(const Picture& picture) {
  std::vector<float> vector(k_builtin_dimensions, 0.0f);
  const std::size_t pixels = std::size_t{picture.width} * picture.height;
  if (pixels == 0 || picture.rgb.size() < pixels * 3) return vector;
  detail::Plane luma = detail::luma_plane(picture);
  std::array<double, k_builtin_dimensions> joined{};
  auto colour = colour_block(picture);
  auto layout = layout_block(luma);
  auto gradient = gradient_block(luma);
  std::copy(colour.begin(), colour.end(), joined.begin());
  std::copy(layout.begin(), layout.end(), joined.begin() + k_colour_bins);
  std::copy(gradient.begin(), gradient.end(), joined.begin() + k_colour_bins + k_layout_cells);
  // The colour block has length 1, so the length is at least 1.
  double length = 0;
  for (double value : joined) length += value * value;
  length = std::sqrt(length);
  for (std::size_t i = 0; i < k_builtin_dimensions; ++i) vector[i] = static_cast<float>(joined[i] / length);
  return vector;
}

}  // namespace ldb::image
