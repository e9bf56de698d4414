// PCA to 2-D (src/image/projection.cpp).

#include "image/projection.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "test_support.hpp"

namespace ldb::image {
namespace {

constexpr std::size_t k_dims = 5;

// Two orthonormal directions in 5-D and an offset: the plane the points lie on.
constexpr double k_u[k_dims] = {0.5, 0.5, 0.5, 0.5, 0.0};
constexpr double k_w[k_dims] = {0.5, -0.5, 0.5, -0.5, 0.0};
constexpr double k_offset[k_dims] = {3.0, -1.0, 7.0, 2.0, -4.0};

struct PlanePoints {
  std::vector<std::array<double, 2>> plane;  // coordinates within the plane
  std::vector<float> rows;                   // the same points in 5-D
};

// `n` points on the plane, spread 10 along k_u and 3 along k_w (so PCA's first
// axis is k_u's), the 5-D coordinates shifted by `offset_scale` × k_offset.
PlanePoints plane_points(std::size_t n, double offset_scale = 1.0) {
  std::mt19937 rng(7);
  std::normal_distribution<double> along_u(0.0, 10.0), along_w(0.0, 3.0);
  PlanePoints out;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = along_u(rng), b = along_w(rng);
    out.plane.push_back({a, b});
    for (std::size_t k = 0; k < k_dims; ++k) {
      out.rows.push_back(static_cast<float>(offset_scale * k_offset[k] + a * k_u[k] + b * k_w[k]));
    }
  }
  return out;
}

double distance(const std::array<float, 2>& p, const std::array<float, 2>& q) {
  return std::hypot(double(p[0]) - q[0], double(p[1]) - q[1]);
}

double distance(const std::array<double, 2>& p, const std::array<double, 2>& q) {
  return std::hypot(p[0] - q[0], p[1] - q[1]);
}

// Projecting on the plane the points lie on is an isometry: every pairwise
// distance survives (up to float rounding of the input).
void expect_distances_kept(const PlanePoints& points, const std::vector<std::array<float, 2>>& projected,
                           double tolerance) {
  ASSERT_EQ(projected.size(), points.plane.size());
  const std::size_t step = std::max<std::size_t>(1, points.plane.size() / 50);
  for (std::size_t i = 0; i < points.plane.size(); i += step) {
    for (std::size_t j = i + 1; j < points.plane.size(); j += step) {
      EXPECT_NEAR(distance(projected[i], projected[j]), distance(points.plane[i], points.plane[j]), tolerance)
          << "points " << i << " and " << j;
    }
  }
}

TEST(Pca2d, PointsOnAPlaneIn5dKeepTheirDistances) {
  auto points = plane_points(200);
  auto projected = pca_2d(points.rows, k_dims);
  ASSERT_OK(projected);
  expect_distances_kept(points, *projected, 1e-3);
  // The first axis carries the larger spread, and the points are centred.
  double sum_x = 0, sum_y = 0, sum_xx = 0, sum_yy = 0;
  for (const auto& p : *projected) {
    sum_x += p[0], sum_y += p[1], sum_xx += double(p[0]) * p[0], sum_yy += double(p[1]) * p[1];
  }
  EXPECT_NEAR(sum_x / 200, 0.0, 1e-4);
  EXPECT_NEAR(sum_y / 200, 0.0, 1e-4);
  EXPECT_GT(sum_xx, 4 * sum_yy);
}

TEST(Pca2d, ManyBlocksOfRowsGiveTheSameGeometry) {
  auto points = plane_points(10'000);
  auto projected = pca_2d(points.rows, k_dims);
  ASSERT_OK(projected);
  expect_distances_kept(points, *projected, 1e-3);
}

TEST(Pca2d, ALargeOffsetDoesNotDrownTheSpread) {
  // Coordinates near 1e5, where a float is exact to ~0.008: the spread of 10
  // and 3 around them comes out whole.
  auto points = plane_points(300, 2e4);
  auto projected = pca_2d(points.rows, k_dims);
  ASSERT_OK(projected);
  expect_distances_kept(points, *projected, 0.05);
}

TEST(Pca2d, IsDeterministicAndFixesEachAxisSign) {
  // Points along (0.6, -0.8, 0): the component's largest coordinate is the
  // second, so the axis is (-0.6, 0.8, 0) and t = +1 lands on x = -1.
  std::vector<float> rows;
  for (float t : {-2.0f, -1.0f, 0.0f, 1.0f, 2.0f}) {
    rows.insert(rows.end(), {0.6f * t, -0.8f * t, 0.0f});
  }
  auto first = pca_2d(rows, 3);
  ASSERT_OK(first);
  auto second = pca_2d(rows, 3);
  ASSERT_OK(second);
  EXPECT_EQ(*first, *second);
  EXPECT_NEAR((*first)[3][0], -1.0, 1e-5);
  EXPECT_NEAR((*first)[0][0], 2.0, 1e-5);
  for (const auto& p : *first) EXPECT_NEAR(p[1], 0.0, 1e-5);

  // The negated data gives the same picture mirrored, not a random flip.
  for (auto& v : rows) v = -v;
  auto negated = pca_2d(rows, 3);
  ASSERT_OK(negated);
  EXPECT_NEAR((*negated)[3][0], 1.0, 1e-5);
}

TEST(Pca2d, OneVectorIsAtTheOrigin) {
  std::vector<float> rows{1.5f, -2.0f, 3.25f, 8.0f};
  auto projected = pca_2d(rows, 4);
  ASSERT_OK(projected);
  ASSERT_EQ(projected->size(), 1u);
  EXPECT_EQ((*projected)[0], (std::array<float, 2>{0.0f, 0.0f}));
}

TEST(Pca2d, EqualVectorsAreAllAtTheOrigin) {
  std::vector<float> rows;
  for (int i = 0; i < 1000; ++i) rows.insert(rows.end(), {0.1f, 0.7f, -3.3f});
  auto projected = pca_2d(rows, 3);
  ASSERT_OK(projected);
  ASSERT_EQ(projected->size(), 1000u);
  for (const auto& p : *projected) EXPECT_EQ(p, (std::array<float, 2>{0.0f, 0.0f}));
}

TEST(Pca2d, OneDimensionIsTheCentredValueAndYZero) {
  std::vector<float> rows{1.0f, 2.0f, 6.0f};
  auto projected = pca_2d(rows, 1);
  ASSERT_OK(projected);
  ASSERT_EQ(projected->size(), 3u);
  EXPECT_EQ((*projected)[0], (std::array<float, 2>{-2.0f, 0.0f}));
  EXPECT_EQ((*projected)[1], (std::array<float, 2>{-1.0f, 0.0f}));
  EXPECT_EQ((*projected)[2], (std::array<float, 2>{3.0f, 0.0f}));
}

TEST(Pca2d, RefusesWhatIsNotWholeFiniteVectors) {
  std::vector<float> rows{1, 2, 3, 4, 5};
  auto ragged = pca_2d(rows, 2);
  ASSERT_FALSE(ragged);
  EXPECT_EQ(ragged.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(ragged.error().message, "PCA: 5 floats are not whole vectors of 2 dimensions");

  auto zero_dims = pca_2d(rows, 0);
  ASSERT_FALSE(zero_dims);
  EXPECT_EQ(zero_dims.error().code, ErrorCode::invalid_argument);

  auto none = pca_2d({}, 3);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(none.error().hint, "embed the objects first: ldb embed");

  rows = {1, 2, 3, std::numeric_limits<float>::quiet_NaN(), 5, 6};
  auto nan = pca_2d(rows, 3);
  ASSERT_FALSE(nan);
  EXPECT_EQ(nan.error().message, "PCA: vector 1 has a NaN or infinite value at dimension 0");
  rows[3] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(pca_2d(rows, 3));
}

}  // namespace
}  // namespace ldb::image
