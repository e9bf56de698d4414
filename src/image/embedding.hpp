#pragma once
// The `builtin` embedding model (SPEC section 8): a deterministic descriptor
// of an image's colours, layout and gradients that needs no model files. Its
// documentation (docs/images.md) says what it captures and what it does not.

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
