#pragma once
// The content features of SPEC section 8, from a decoded Picture.
//
//   phash      DCT hash: luma box-resampled to 32×32, orthonormal 2-D
//              DCT-II, the 8×8 lowest frequencies (DC included); bit i (most
//              significant first, row-major over the 8×8 block, rows being
//              vertical frequencies) is set when the coefficient is above the
//              median of the 64 (the mean of the middle two).
//   dhash      difference hash: luma box-resampled to 9×8 (9 wide); bit set
//              when a pixel is brighter than its right neighbour (row-major,
//              MSB first).
//   mean, std  of the luma (0–255) of the decoded picture.
//   sharpness  variance of the 3×3 Laplacian (4-neighbour kernel) over the
//              interior of the luma resampled to the fixed working size
//              k_sharpness_size² (low = blurry).
//   entropy    Shannon entropy of the 256-bin histogram of the luma rounded
//              to an integer, bits (0–8).
//   channels   Picture::source_channels.
//
// Luma is ITU-R BT.601: (299 R + 587 G + 114 B) / 1000. "Box-resampled":
// each value is the area-weighted mean of the source pixels it covers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "image/decode.hpp"

namespace ldb::image {

constexpr std::uint32_t k_sharpness_size = 64;
// decode_small's min_side for features: enough for the 32×32 pHash and the
// sharpness working size; JPEG photos decode at 1/8 scale.
constexpr std::uint32_t k_feature_min_side = 32;

struct Features {
  std::uint64_t phash = 0;
  std::uint64_t dhash = 0;
  double mean = 0;
  double std = 0;
  double sharpness = 0;
  double entropy = 0;
  std::uint8_t channels = 0;

  bool operator==(const Features&) const = default;
};

Features compute_features(const Picture& picture);

// What indexing records for an image file: its features, or why it did not
// decode (the message of decode_small's error, without the path).
struct FeatureOutcome {
  std::optional<Features> features;
  std::string error;  // set iff !features
};

// Decodes (decode_small with k_feature_min_side) and computes the features.
FeatureOutcome features_of(std::string_view bytes, const DecodeLimits& limits = {});

}  // namespace ldb::image
