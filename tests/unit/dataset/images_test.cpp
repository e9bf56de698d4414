// dataset/images: near-duplicate groups and --dedup, --similar ordering and
// projections, over a real store whose features and vectors the tests set
// directly (the pixel work is src/image's and tested there; the photos and
// plugins end to end in tests/cli/test_images.py).

#include "dataset/images.hpp"

#include <gtest/gtest.h>

#include "dataset_fixture.hpp"

namespace ldb::testing {
namespace {

class ImagesTest : public DatasetFixture {
 protected:
  // Indexes `n` lone files and returns their selection, in index (hash) order.
  dataset::Selection objects(int n) {
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) {
      auto stem = "o" + std::to_string(i);
      write_pair(stem, "bytes of " + stem, "");
      names.push_back(stem + ".jpg");
    }
    index(names);
    auto root = db().root_collection().value();
    return dataset::Selection(root.begin(), root.end());
  }

  void set_phash(const dataset::Selection& selection, std::size_t i, std::uint64_t phash) {
    store::ImageFeatures f;
    f.phash = phash;
    f.channels = 3;
    std::vector<std::pair<core::Md5, store::ImageFeatures>> put{{selection[i].hash, f}};
    ASSERT_TRUE(db().put_image_features(put).has_value());
  }

  void set_vectors(const dataset::Selection& selection, const std::vector<std::vector<float>>& vectors) {
    store::Embeddings e;
    e.dimensions = vectors.front().size();
    std::vector<core::Md5> hashes;
    for (std::size_t i = 0; i < vectors.size(); ++i) {
      if (vectors[i].empty()) continue;
      hashes.push_back(selection[i].hash);
      e.rows.insert(e.rows.end(), vectors[i].begin(), vectors[i].end());
      e.present.push_back(1);
    }
    ASSERT_TRUE(db().put_embeddings("builtin", hashes, e).has_value());
  }
};

TEST_F(ImagesTest, GroupsAreConnectedComponentsInSelectionOrder) {
  auto sel = objects(6);
  set_phash(sel, 0, 0x0);
  set_phash(sel, 1, 0xff);       // 8 bits from 0
  set_phash(sel, 2, 0xffff);     // 8 bits from 1, 16 from 0: joined through 1
  set_phash(sel, 3, ~0ULL);      // far from all
  set_phash(sel, 4, ~0ULL ^ 1);  // 1 bit from 3
  // sel[5] has no features.
  auto groups = dataset::near_duplicate_groups(ctx(), sel, 8);
  ASSERT_TRUE(groups.has_value()) << describe(groups);
  EXPECT_EQ(groups->without_hash, 1u);
  ASSERT_EQ(groups->groups.size(), 2u);
  EXPECT_EQ(groups->groups[0].members, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(groups->groups[0].distance, (std::vector<unsigned>{0, 8, 16}));
  EXPECT_EQ(groups->groups[1].members, (std::vector<std::size_t>{3, 4}));

  // --dedup keeps the first of each group in the current order, and objects
  // without a hash (with a warning).
  dataset::Selection reversed(sel.rbegin(), sel.rend());
  auto kept = dataset::dedup(ctx(), reversed, 8);
  ASSERT_TRUE(kept.has_value()) << describe(kept);
  EXPECT_EQ(*kept, (dataset::Selection{sel[5], sel[4], sel[2]}));
  ASSERT_EQ(ctx().warnings.size(), 1u);
  EXPECT_NE(ctx().warnings[0].find("kept 1 object without image features"), std::string::npos);

  EXPECT_FALSE(dataset::near_duplicate_groups(ctx(), sel, 33).has_value());
}

TEST_F(ImagesTest, AcrossFindsOnlyPairsStraddlingTheLists) {
  auto sel = objects(4);
  set_phash(sel, 0, 0x0);
  set_phash(sel, 1, 0x3);  // near 0, same side
  set_phash(sel, 2, 0x1);  // near 0 and 1, other side
  set_phash(sel, 3, ~0ULL);
  dataset::Selection left{sel[0], sel[1]}, right{sel[2], sel[3]};
  auto cross = dataset::near_duplicates_across(ctx(), left, right, 2);
  ASSERT_TRUE(cross.has_value()) << describe(cross);
  ASSERT_EQ(cross->pairs.size(), 2u);
  EXPECT_EQ(cross->pairs[0].left, 0u);
  EXPECT_EQ(cross->pairs[0].right, 0u);
  EXPECT_EQ(cross->pairs[0].distance, 1u);
  EXPECT_EQ(cross->pairs[1].left, 1u);
  EXPECT_EQ(cross->pairs[1].distance, 1u);
}

TEST_F(ImagesTest, SimilarOrdersByCosineAndDropsObjectsWithoutVectors) {
  auto sel = objects(4);
  set_vectors(sel, {{1, 0}, {0, 1}, {1, 1}, {}});
  auto model = dataset::embedding_model(ctx(), "builtin").value();
  std::vector<float> query{2, 0.1f};  // nearly sel[0]'s direction
  auto ordered = dataset::order_by_similarity(ctx(), sel, model, query);
  ASSERT_TRUE(ordered.has_value()) << describe(ordered);
  EXPECT_EQ(*ordered, (dataset::Selection{sel[0], sel[2], sel[1]}));
  ASSERT_EQ(ctx().warnings.size(), 1u);
  EXPECT_NE(ctx().warnings[0].find("dropped 1 object without a 'builtin' embedding"), std::string::npos);

  // By id: the object's stored vector; an object without one is an error naming the embed to run.
  auto by_id = dataset::similar_to(ctx(), sel, "id:" + sel[1].hash.hex(), "builtin");
  ASSERT_TRUE(by_id.has_value()) << describe(by_id);
  EXPECT_EQ(by_id->front(), sel[1]);
  auto missing = dataset::similar_to(ctx(), sel, "id:" + sel[3].hash.hex(), "builtin");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().hint.find("ldb embed id:" + sel[3].hash.hex()), std::string::npos);
  auto unknown = dataset::similar_to(ctx(), sel, "id:" + sel[1].hash.hex(), "clip");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::invalid_argument);
}

TEST_F(ImagesTest, PcaProjectionIsStoredForObjectsWithVectors) {
  auto sel = objects(4);
  set_vectors(sel, {{0, 0, 1}, {2, 0, 1}, {4, 0, 1}, {}});
  auto model = dataset::embedding_model(ctx(), "builtin").value();
  auto projected = dataset::project(ctx(), sel, model, "pca");
  ASSERT_TRUE(projected.has_value()) << describe(projected);
  EXPECT_EQ(projected->projected, 3u);
  EXPECT_EQ(projected->without_embedding, 1u);
  std::vector<core::Md5> hashes{sel[0].hash, sel[1].hash, sel[2].hash, sel[3].hash};
  auto points = db().projection("builtin", "pca", hashes).value();
  ASSERT_TRUE(points[0] && points[1] && points[2]);
  EXPECT_FALSE(points[3]);
  // Points on a line, 2 apart, centred: -2, 0, 2 along the first component.
  EXPECT_NEAR(std::abs(points[0]->x - points[2]->x), 4.0f, 1e-5);
  EXPECT_NEAR(points[1]->x, 0.0f, 1e-5);
  auto unknown = dataset::project(ctx(), sel, model, "tsne");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("unknown projection method 'tsne'"), std::string::npos);
}

}  // namespace
}  // namespace ldb::testing
