#pragma once
// 2-D projections of embedding vectors for the embedding view (SPEC section
// 8, `ldb project`): PCA built in (Eigen). UMAP and other methods are plugin
// programs (app layer).

#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace ldb::image {

// The first two principal components of `rows` (n vectors of `dimensions`
// floats, row-major): the vectors centred and projected on them. Deterministic:
// each component's sign is fixed so that its largest-magnitude coordinate is
// positive. invalid_argument when rows.size() != n * dimensions or n == 0.
Result<std::vector<std::array<float, 2>>> pca_2d(std::span<const float> rows, std::size_t dimensions);

}  // namespace ldb::image
