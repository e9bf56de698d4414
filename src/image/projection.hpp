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
// positive. All rows equal (n == 1 included) puts every point at (0, 0);
// dimensions == 1 gives y = 0. invalid_argument when rows.size() is not a
// multiple of dimensions, n == 0, dimensions == 0, or a value is NaN or
// infinite.
Result<std::vector<std::array<float, 2>>> pca_2d(std::span<const float> rows, std::size_t dimensions);

}  // namespace ldb::image
