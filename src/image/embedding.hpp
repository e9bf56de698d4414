#pragma once
// The `builtin` embedding model (SPEC section 8): a deterministic descriptor
// of an image's colours, layout and gradients that needs no model files: 96
// floats in three blocks, each scaled to length 1 (or less, for a flat
// picture's layout and edges), then the whole vector L2-normalised: the
// blocks weigh the same, so that no block dominates the cosine.
//
//   [0, 32)   colour distribution: the share of pixels in 32 bins, square
//             rooted (so the block has unit length). A pixel with HSV
//             saturation >= 0.2 and value >= 0.15 falls in one of 3
//             saturation bands ([0.2, 0.45), [0.45, 0.7), [0.7, 1]) × 8 hue
//             bins; any other pixel (grey, or too dark for its hue to mean
//             anything) in one of 8 luma bins. Hue and luma are shared
//             linearly between the two nearest bin centres, so a small shift
//             in colour or brightness moves the vector a little.
//   [32, 48)  coarse layout: the mean luma of a 4 × 4 grid minus the
//             picture's mean, divided by the block's length (at least 0.05 on
//             a 0–1 scale, so that an almost flat picture keeps a short
//             block rather than amplified noise).
//   [48, 96)  edge orientation: luma resampled to 64 × 64, central
//             differences, unsigned gradient orientation in 8 bins of 22.5°
//             (shared between the two nearest) weighted by magnitude, in 2 × 3
//             cells (2 rows, 3 columns); each bin's share of the total
//             magnitude, square rooted (the total counts as at least a mean
//             magnitude of 0.01 per pixel, so a flat picture has a short
//             block).
//
// What it captures: colour palette and its proportions, where light and dark
// masses sit, and the dominant edge directions per region. So it finds
// re-encodes, resizes, small crops and brightness changes of a picture, and
// roughly groups pictures of similar scenes (sky over sea, a document page, a
// portrait on a plain background). What it does not: objects or semantics (two different
// dogs on different backgrounds are not close), fine texture (everything
// finer than about 1/64 of the picture is averaged away), or invariance to
// rotation, mirroring or large crops.

#include <cstddef>
#include <vector>

#include "image/decode.hpp"

namespace ldb::image {

// Length of every builtin vector.
constexpr std::size_t k_builtin_dimensions = 96;
// decode_small's min_side for the builtin embedding.
constexpr std::uint32_t k_embedding_min_side = 64;

// The builtin vector of `picture`: k_builtin_dimensions floats, L2-normalised
// (so a dot product is the cosine similarity).
std::vector<float> builtin_embedding(const Picture& picture);

}  // namespace ldb::image
