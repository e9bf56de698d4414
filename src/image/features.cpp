// The features of features.hpp. Every step is a fixed sequence of double
// operations on the decoded picture (no threads, no global state besides the
// constant DCT matrix), so the same bytes give the same features in every run
// and on every thread.

#include "image/features.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "image/decode_detail.hpp"
#include "image/luma.hpp"

namespace ldb::image {

namespace {

constexpr std::uint32_t k_dct_size = 32;
constexpr std::uint32_t k_hash_block = 8;

// Rows 0..7 of the orthonormal 32-point DCT-II matrix:
// C[u][x] = a(u) cos((2x + 1) u pi / 64), a(0) = sqrt(1/32), else sqrt(2/32).
using DctRows = std::array<std::array<double, k_dct_size>, k_hash_block>;

const DctRows& dct_rows() {
  static const DctRows rows = [] {
    DctRows r{};
    for (std::uint32_t u = 0; u < k_hash_block; ++u) {
      double scale = std::sqrt((u == 0 ? 1.0 : 2.0) / k_dct_size);
      for (std::uint32_t x = 0; x < k_dct_size; ++x) {
        r[u][x] = scale * std::cos((2.0 * x + 1.0) * u * std::numbers::pi / (2.0 * k_dct_size));
      }
    }
    return r;
  }();
  return rows;
}

// 64 bits, bit i (MSB first) set when bits(i) holds.
template <class Bit>
std::uint64_t pack_bits(Bit bit) {
  std::uint64_t hash = 0;
  for (unsigned i = 0; i < 64; ++i) {
    if (bit(i)) hash |= std::uint64_t{1} << (63 - i);
  }
  return hash;
}

std::uint64_t phash(const detail::Plane& luma) {
  detail::Plane small = detail::resample(luma, k_dct_size, k_dct_size);
  const DctRows& c = dct_rows();
  // coefficient(u, v) = sum over y, x of C[u][y] C[v][x] L[y][x]: first along
  // x for every row, then along y.
  std::array<std::array<double, k_hash_block>, k_dct_size> along_x{};
  for (std::uint32_t y = 0; y < k_dct_size; ++y) {
    for (std::uint32_t v = 0; v < k_hash_block; ++v) {
      double sum = 0;
      for (std::uint32_t x = 0; x < k_dct_size; ++x) sum += c[v][x] * small.at(x, y);
      along_x[y][v] = sum;
    }
  }
  std::array<double, k_hash_block * k_hash_block> coefficients{};
  for (std::uint32_t u = 0; u < k_hash_block; ++u) {
    for (std::uint32_t v = 0; v < k_hash_block; ++v) {
      double sum = 0;
      for (std::uint32_t y = 0; y < k_dct_size; ++y) sum += c[u][y] * along_x[y][v];
      coefficients[u * k_hash_block + v] = sum;
    }
  }
  auto sorted = coefficients;
  std::sort(sorted.begin(), sorted.end());
  double median = (sorted[31] + sorted[32]) / 2;
  return pack_bits([&](unsigned i) { return coefficients[i] > median; });
}

std::uint64_t dhash(const detail::Plane& luma) {
  detail::Plane small = detail::resample(luma, 9, 8);
  return pack_bits([&](unsigned i) { return small.at(i % 8, i / 8) > small.at(i % 8 + 1, i / 8); });
}

double sharpness(const detail::Plane& luma) {
  detail::Plane small = detail::resample(luma, k_sharpness_size, k_sharpness_size);
  double sum = 0;
  double sum_squares = 0;
  std::uint32_t n = 0;
  for (std::uint32_t y = 1; y + 1 < k_sharpness_size; ++y) {
    for (std::uint32_t x = 1; x + 1 < k_sharpness_size; ++x) {
      double laplacian =
          small.at(x - 1, y) + small.at(x + 1, y) + small.at(x, y - 1) + small.at(x, y + 1) - 4 * small.at(x, y);
      sum += laplacian;
      sum_squares += laplacian * laplacian;
      ++n;
    }
  }
  double mean = sum / n;
  return std::max(0.0, sum_squares / n - mean * mean);
}

}  // namespace

Features compute_features(const Picture& picture) {
  Features features;
  features.channels = picture.source_channels;
  const std::size_t pixels = std::size_t{picture.width} * picture.height;
  if (pixels == 0 || picture.rgb.size() < pixels * 3) return features;
  detail::Plane luma = detail::luma_plane(picture);

  double sum = 0;
  for (double value : luma.values) sum += value;
  features.mean = sum / pixels;
  double squares = 0;
  for (double value : luma.values) squares += (value - features.mean) * (value - features.mean);
  features.std = std::sqrt(squares / pixels);

  // The histogram bins luma rounded to an integer.
  std::array<std::uint64_t, 256> histogram{};
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* p = &picture.rgb[i * 3];
    ++histogram[(299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000];
  }
  double entropy = 0;
  for (std::uint64_t count : histogram) {
    if (count == 0) continue;
    double p = static_cast<double>(count) / pixels;
    entropy -= p * std::log2(p);
  }
  features.entropy = std::max(0.0, entropy);

  features.phash = phash(luma);
  features.dhash = dhash(luma);
  features.sharpness = sharpness(luma);
  return features;
}

FeatureOutcome features_of(std::string_view bytes, const DecodeLimits& limits) {
  auto picture = detail::decode_unnamed(bytes, k_feature_min_side, limits);
  if (!picture) return {std::nullopt, std::move(picture).error().message};
  return {compute_features(*picture), {}};
}

}  // namespace ldb::image
