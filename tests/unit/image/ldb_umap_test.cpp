// plugins/ldb-umap, run for real through project_with_program. UMAP's first
// import compiles with numba (~20 s a run with a warm numba cache, over a
// minute without): the tests that run UMAP are labelled `long`; the PCA
// fallback for fewer than 4 vectors runs with the unit tests.

#include <gtest/gtest.h>

#include <cmath>
#include <future>
#include <random>
#include <vector>

#include "image/plugin_protocol.hpp"
#include "image/projection.hpp"
#include "test_support.hpp"

namespace ldb::image {
namespace {

const std::filesystem::path k_plugin = LDB_SOURCE_DIR "/plugins/ldb-umap";

Result<std::vector<std::array<float, 2>>> umap(std::span<const float> rows, std::size_t dimensions) {
  return project_with_program(k_plugin, {}, rows, dimensions, "umap");
}

// 3 clusters of 100 vectors in 64-D: centres ~N(0, 10²) per coordinate, points
// ~N(0, 1) around them. `cluster_of` gets each vector's cluster.
std::vector<float> three_clusters(std::vector<int>& cluster_of) {
  constexpr std::size_t k_dims = 64;
  std::mt19937 rng(11);
  std::normal_distribution<float> centre(0.0f, 10.0f), noise(0.0f, 1.0f);
  std::vector<std::vector<float>> centres(3, std::vector<float>(k_dims));
  for (auto& c : centres) {
    for (auto& v : c) v = centre(rng);
  }
  std::vector<float> rows;
  for (int i = 0; i < 300; ++i) {
    const int cluster = i % 3;
    cluster_of.push_back(cluster);
    for (std::size_t k = 0; k < k_dims; ++k) rows.push_back(centres[cluster][k] + noise(rng));
  }
  return rows;
}

TEST(LdbUmap, ThreeClustersStayApartIn2d) {
  std::vector<int> cluster_of;
  auto rows = three_clusters(cluster_of);
  auto points = umap(rows, 64);
  ASSERT_OK(points);
  ASSERT_EQ(points->size(), 300u);

  std::array<std::array<double, 2>, 3> centroid{};
  for (std::size_t i = 0; i < 300; ++i) {
    centroid[cluster_of[i]][0] += (*points)[i][0] / 100.0;
    centroid[cluster_of[i]][1] += (*points)[i][1] / 100.0;
  }
  auto distance = [](const std::array<float, 2>& p, const std::array<double, 2>& c) {
    return std::hypot(p[0] - c[0], p[1] - c[1]);
  };
  // Each cluster's farthest point is nearer its own centroid than the nearest
  // point of any other cluster is: the three groups do not touch.
  for (int cluster = 0; cluster < 3; ++cluster) {
    double radius = 0, nearest_other = INFINITY;
    for (std::size_t i = 0; i < 300; ++i) {
      const double d = distance((*points)[i], centroid[cluster]);
      if (cluster_of[i] == cluster) {
        radius = std::max(radius, d);
      } else {
        nearest_other = std::min(nearest_other, d);
      }
    }
    EXPECT_LT(radius, nearest_other) << "cluster " << cluster;
  }
}

TEST(LdbUmap, GivesTheSamePointsEveryRun) {
  std::vector<int> cluster_of;
  auto rows = three_clusters(cluster_of);
  rows.resize(40 * 64);
  // Two runs side by side, which also halves the wait on two cores.
  auto later = std::async(std::launch::async, [&] { return umap(rows, 64); });
  auto first = umap(rows, 64);
  auto second = later.get();
  ASSERT_OK(first);
  ASSERT_OK(second);
  EXPECT_EQ(*first, *second);
}

TEST(LdbUmap, RunsOnTheFewestVectorsUmapTakes) {
  const std::vector<float> rows{0, 0, 1, 0, 0, 1, 5, 5};
  auto points = umap(rows, 2);
  ASSERT_OK(points);
  EXPECT_EQ(points->size(), 4u);
}

TEST(LdbUmap, FewerThanFourVectorsFallBackToPcaLikeLdbs) {
  const std::vector<float> rows{1, 2, 3, 4, 5, -1, 0, 2, 8, 1, 4, 4, 4, 0, 0};
  auto points = umap(rows, 5);
  ASSERT_OK(points);
  auto expected = pca_2d(rows, 5);
  ASSERT_OK(expected);
  ASSERT_EQ(points->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR((*points)[i][0], (*expected)[i][0], 1e-4) << "vector " << i;
    EXPECT_NEAR((*points)[i][1], (*expected)[i][1], 1e-4) << "vector " << i;
  }

  const std::vector<float> one{7, 8, 9};
  auto single = umap(one, 3);
  ASSERT_OK(single);
  EXPECT_EQ(*single, (std::vector<std::array<float, 2>>{{0, 0}}));
}

}  // namespace
}  // namespace ldb::image
