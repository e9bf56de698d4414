// PCA through the covariance matrix rather than an SVD of the data: the data
// can be a million rows of a few hundred floats, and the dims × dims
// covariance (accumulated in double, a block of rows at a time) costs one pass
// and O(dims²) memory whatever n is. A second pass centres the rows and
// projects them on the two leading eigenvectors. The rows are centred before
// they are multiplied (two passes instead of the one-pass XᵀX − n·μμᵀ), so a
// large mean does not cancel away the variance.

#include "image/projection.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <Eigen/Dense>

namespace ldb::image {

namespace {

using RowBlock = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Rows per block: the double copy of a block of 512-float rows is 16 MB.
constexpr std::size_t k_block_rows = 4096;

// Rows [first, first + count) of `rows`, minus `mean`, as doubles in `block`.
void centred_block(std::span<const float> rows, std::size_t dimensions, std::size_t first, std::size_t count,
                   const Eigen::RowVectorXd& mean, RowBlock& block) {
  block.resize(static_cast<Eigen::Index>(count), static_cast<Eigen::Index>(dimensions));
  Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> source(
      rows.data() + first * dimensions, static_cast<Eigen::Index>(count), static_cast<Eigen::Index>(dimensions));
  block = source.cast<double>();
  block.rowwise() -= mean;
}

// Flips `v` so that its largest-magnitude coordinate (the first of equals) is positive.
void fix_sign(Eigen::VectorXd& v) {
  Eigen::Index largest = 0;
  v.cwiseAbs().maxCoeff(&largest);
  if (v[largest] < 0) v = -v;
}

}  // namespace

Result<std::vector<std::array<float, 2>>> pca_2d(std::span<const float> rows, std::size_t dimensions) {
  if (dimensions == 0) {
    return fail(ErrorCode::invalid_argument, "PCA: the vectors have 0 dimensions",
                "an embedding has at least one number");
  }
  if (rows.empty()) {
    return fail(ErrorCode::invalid_argument, "PCA: there are no vectors to project",
                "embed the objects first: ldb embed");
  }
  if (rows.size() % dimensions != 0) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("PCA: {} floats are not whole vectors of {} dimensions", rows.size(), dimensions),
                "all vectors must have the same number of dimensions (one embedding model)");
  }
  const std::size_t n = rows.size() / dimensions;
  const auto d = static_cast<Eigen::Index>(dimensions);

  Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(d);
  for (std::size_t row = 0; row < n; ++row) {
    const float* values = rows.data() + row * dimensions;
    for (std::size_t col = 0; col < dimensions; ++col) {
      if (!std::isfinite(values[col])) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("PCA: vector {} has a NaN or infinite value at dimension {}", row, col),
                    "the embedding model produced it: embed that object again or drop it");
      }
      mean[static_cast<Eigen::Index>(col)] += values[col];
    }
  }
  mean /= static_cast<double>(n);

  std::vector<std::array<float, 2>> out(n);
  RowBlock block;
  if (dimensions == 1) {
    // One coordinate: the centred value itself (its sign rule keeps it as is).
    for (std::size_t row = 0; row < n; ++row) out[row] = {static_cast<float>(rows[row] - mean[0]), 0.0f};
    return out;
  }

  Eigen::MatrixXd covariance = Eigen::MatrixXd::Zero(d, d);
  for (std::size_t first = 0; first < n; first += k_block_rows) {
    centred_block(rows, dimensions, first, std::min(k_block_rows, n - first), mean, block);
    covariance.selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
  }
  // All rows equal (n == 1 included): no direction to choose, every point is
  // the mean, at the origin (`out` is zeros).
  if (covariance.diagonal().maxCoeff() <= 0) return out;
  covariance /= static_cast<double>(n);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(covariance);
  if (solver.info() != Eigen::Success) {
    return fail(ErrorCode::internal,
                fmt::format("PCA: the eigen-decomposition of the {0}×{0} covariance did not converge", dimensions),
                "report this with the embedding model used");
  }
  // Eigenvalues come in increasing order: the last two columns lead.
  Eigen::Matrix<double, Eigen::Dynamic, 2> components(d, 2);
  for (Eigen::Index k = 0; k < 2; ++k) {
    Eigen::VectorXd v = solver.eigenvectors().col(d - 1 - k);
    fix_sign(v);
    components.col(k) = v;
  }
  for (std::size_t first = 0; first < n; first += k_block_rows) {
    const std::size_t count = std::min(k_block_rows, n - first);
    centred_block(rows, dimensions, first, count, mean, block);
    Eigen::Matrix<double, Eigen::Dynamic, 2, Eigen::RowMajor> projected = block * components;
    for (std::size_t row = 0; row < count; ++row) {
      const auto r = static_cast<Eigen::Index>(row);
      out[first + row] = {static_cast<float>(projected(r, 0)), static_cast<float>(projected(r, 1))};
    }
  }
  return out;
}

}  // namespace ldb::image
