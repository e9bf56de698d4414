// Conformance (every backend, store_test_support.hpp): what ldb sees in
// images (schema 6) — image features from ingest and put_image_features,
// embeddings per model, projections — and how removal and unknown objects
// are treated.

#include <gtest/gtest.h>

#include <limits>

#include "store_test_support.hpp"

namespace ldb::store::testing {
namespace {

using StoreImageContentTest = StoreTest;

ImageFeatures sample_features(std::uint64_t phash) {
  ImageFeatures f;
  f.phash = phash;
  f.dhash = ~phash;
  f.mean = 117.25;
  f.std = 40.5;
  f.sharpness = 1234.125;
  f.entropy = 7.25;
  f.channels = 3;
  return f;
}

IndexedFile image_file(std::string path, std::string_view content, std::optional<ImageFeatures> features) {
  IndexedFile f = file(std::move(path), content);
  f.image_probed = true;
  f.image = ImageInfo{640, 480, "jpeg", std::move(features)};
  return f;
}

TEST_P(StoreImageContentTest, IngestStoresFeaturesAndErrorsBitExact) {
  // The top bit set: stored as a signed integer, read back unchanged.
  auto high = sample_features(0xfedcba9876543210ULL);
  ImageFeatures broken;
  broken.error = "JPEG: premature end of data";
  auto a = image_file("/d/a.jpg", "a", high);
  auto b = image_file("/d/b.jpg", "b", broken);
  auto c = image_file("/d/c.jpg", "c", std::nullopt);  // indexed with features off
  ingest({a, b, c});
  std::vector<Md5> hashes{a.hash, b.hash, c.hash};
  auto got = store().image_features(hashes);
  ASSERT_OK(got);
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0], high);
  EXPECT_EQ((*got)[1], broken);
  EXPECT_FALSE((*got)[2].has_value());
  // objects_info carries them with the image attributes.
  EXPECT_EQ(info(a.hash).image->features, high);
  EXPECT_EQ(info(b.hash).image->features, broken);
  EXPECT_FALSE(info(c.hash).image->features.has_value());
}

TEST_P(StoreImageContentTest, AReindexWithoutFeaturesKeepsThem) {
  auto f = sample_features(42);
  ingest({image_file("/d/a.jpg", "a", f)});
  ingest({image_file("/d/a.jpg", "a", std::nullopt)});
  EXPECT_EQ(info(core::md5_of("a")).image->features, f);
}

TEST_P(StoreImageContentTest, PutImageFeaturesReplacesAndRefusesUnknownObjectsWhole) {
  auto a = image_file("/d/a.jpg", "a", std::nullopt);
  ingest({a});
  std::vector<std::pair<Md5, ImageFeatures>> put{{a.hash, sample_features(7)}};
  ASSERT_OK(store().put_image_features(put));
  put[0].second = sample_features(8);
  put.emplace_back(core::md5_of("never indexed"), sample_features(9));
  auto refused = store().put_image_features(put);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::not_found);
  // Nothing of the refused call landed.
  EXPECT_EQ(info(a.hash).image->features, sample_features(7));
  Md5 unknown = core::md5_of("never indexed");
  auto lookup = store().image_features(std::span<const Md5>(&unknown, 1));
  ASSERT_FALSE(lookup);
  EXPECT_EQ(lookup.error().code, ErrorCode::not_found);
}

TEST_P(StoreImageContentTest, ManyObjectsAreReadByOneScanWithTheSameAnswer) {
  // Past the scan threshold (20,000) the lookup scans instead of probing.
  std::vector<IndexedFile> files;
  std::vector<Md5> hashes;
  for (int i = 0; i < 20050; ++i) {
    auto content = "object " + std::to_string(i);
    files.push_back(
        image_file("/d/" + std::to_string(i), content,
                   i % 3 == 0 ? std::optional(sample_features(static_cast<std::uint64_t>(i))) : std::nullopt));
    hashes.push_back(files.back().hash);
  }
  ingest(files);
  std::reverse(hashes.begin(), hashes.end());
  auto got = store().image_features(hashes);
  ASSERT_OK(got);
  for (std::size_t k = 0; k < hashes.size(); ++k) {
    int i = static_cast<int>(hashes.size() - 1 - k);
    if (i % 3 == 0) {
      ASSERT_TRUE((*got)[k].has_value()) << i;
      EXPECT_EQ((*got)[k]->phash, static_cast<std::uint64_t>(i));
    } else {
      EXPECT_FALSE((*got)[k].has_value()) << i;
    }
  }
  hashes.push_back(core::md5_of("never indexed"));
  auto unknown = store().image_features(hashes);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

TEST_P(StoreImageContentTest, EmbeddingsArePerModelAndOfOneLength) {
  auto a = file("/d/a", "a");
  auto b = file("/d/b", "b");
  ingest({a, b});
  std::vector<Md5> both{a.hash, b.hash};
  Embeddings two{3, {1, 2, 3, -4, 5.5f, std::numeric_limits<float>::min()}, {1, 1}};
  ASSERT_OK(store().put_embeddings("builtin", both, two));
  std::vector<Md5> only_a{a.hash};
  Embeddings other{2, {9, 8}, {1}};
  ASSERT_OK(store().put_embeddings("[\"clip\"]", only_a, other));

  auto got = store().embeddings("builtin", std::vector<Md5>{b.hash, a.hash});
  ASSERT_OK(got);
  EXPECT_EQ(got->dimensions, 3u);
  EXPECT_EQ(got->rows, (std::vector<float>{-4, 5.5f, std::numeric_limits<float>::min(), 1, 2, 3}));
  EXPECT_EQ(got->present, (std::vector<char>{1, 1}));
  auto clip = store().embeddings("[\"clip\"]", both);
  ASSERT_OK(clip);
  EXPECT_EQ(clip->dimensions, 2u);
  EXPECT_EQ(clip->present, (std::vector<char>{1, 0}));
  EXPECT_EQ(clip->rows, (std::vector<float>{9, 8, 0, 0}));
  auto none = store().embeddings("no such model", both);
  ASSERT_OK(none);
  EXPECT_EQ(none->dimensions, 0u);
  EXPECT_EQ(none->present, (std::vector<char>{0, 0}));

  // Replacing one vector; a vector of another length is refused whole.
  Embeddings again{3, {7, 7, 7}, {1}};
  ASSERT_OK(store().put_embeddings("builtin", only_a, again));
  Embeddings longer{4, {1, 1, 1, 1, 2, 2, 2, 2}, {1, 1}};
  auto refused = store().put_embeddings("builtin", both, longer);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(refused.error().message.find("builtin"), std::string::npos) << refused.error().message;
  got = store().embeddings("builtin", both);
  ASSERT_OK(got);
  EXPECT_EQ(got->rows, (std::vector<float>{7, 7, 7, -4, 5.5f, std::numeric_limits<float>::min()}));
  std::vector<Md5> with_unknown{a.hash, core::md5_of("never indexed")};
  auto unknown = store().put_embeddings("new model", with_unknown, Embeddings{1, {1, 2}, {1, 1}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  // The refused call did not create its model either.
  EXPECT_EQ(raw_int("SELECT count(*) FROM embedding_models WHERE model = 'new model'"), 0);
}

TEST_P(StoreImageContentTest, AProjectionIsReplacedWhole) {
  auto a = file("/d/a", "a");
  auto b = file("/d/b", "b");
  ingest({a, b});
  std::vector<Md5> both{a.hash, b.hash};
  ASSERT_OK(store().put_embeddings("builtin", both, Embeddings{1, {1, 2}, {1, 1}}));
  std::vector<Point2> points{{0.5f, -1}, {2, 3}};
  ASSERT_OK(store().put_projection("builtin", "pca", both, points));
  auto got = store().projection("builtin", "pca", std::vector<Md5>{b.hash, a.hash});
  ASSERT_OK(got);
  EXPECT_EQ((*got)[0], (Point2{2, 3}));
  EXPECT_EQ((*got)[1], (Point2{0.5f, -1}));
  EXPECT_FALSE((*store().projection("builtin", "umap", both))[0].has_value());

  std::vector<Md5> only_b{b.hash};
  std::vector<Point2> moved{{9, 9}};
  ASSERT_OK(store().put_projection("builtin", "pca", only_b, moved));
  got = store().projection("builtin", "pca", both);
  ASSERT_OK(got);
  EXPECT_FALSE((*got)[0].has_value());
  EXPECT_EQ((*got)[1], (Point2{9, 9}));

  auto no_model = store().put_projection("never embedded", "pca", only_b, moved);
  ASSERT_FALSE(no_model);
  EXPECT_EQ(no_model.error().code, ErrorCode::not_found);
}

TEST_P(StoreImageContentTest, AProjectionOfALargeSelection) {
  // Past 20000 hashes the projection is scanned instead of probed per object.
  constexpr std::size_t k_objects = 20100;
  std::vector<IndexedFile> files;
  std::vector<Md5> hashes, projected;
  std::vector<Point2> points;
  for (std::size_t i = 0; i < k_objects; ++i) {
    std::string content = "object " + std::to_string(i);
    files.push_back(file("/d/" + std::to_string(i), content));
    hashes.push_back(core::md5_of(content));
    if (i % 5 != 0) {
      projected.push_back(hashes.back());
      points.push_back({static_cast<float>(i), -static_cast<float>(i)});
    }
  }
  ingest(files);
  ASSERT_OK(store().put_embeddings(
      "builtin", projected,
      Embeddings{1, std::vector<float>(projected.size(), 1.0f), std::vector<char>(projected.size(), 1)}));
  ASSERT_OK(store().put_projection("builtin", "pca", projected, points));
  std::reverse(hashes.begin(), hashes.end());  // positions are the caller's order
  hashes.push_back(hashes.front());            // and a hash given twice
  auto got = store().projection("builtin", "pca", hashes);
  ASSERT_OK(got);
  ASSERT_EQ(got->size(), k_objects + 1);
  for (std::size_t position = 0; position < k_objects; ++position) {
    const std::size_t i = k_objects - 1 - position;
    if (i % 5 == 0) {
      EXPECT_FALSE((*got)[position].has_value()) << i;
    } else {
      ASSERT_TRUE((*got)[position].has_value()) << i;
      EXPECT_EQ(*(*got)[position], (Point2{static_cast<float>(i), -static_cast<float>(i)})) << i;
    }
  }
  EXPECT_EQ(got->back(), got->front());
  hashes.push_back(core::md5_of("unknown"));
  auto unknown = store().projection("builtin", "pca", hashes);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

TEST_P(StoreImageContentTest, RemovingAnObjectRemovesWhatWasSeenInIt) {
  auto a = image_file("/d/a.jpg", "a", sample_features(1));
  auto b = image_file("/d/b.jpg", "b", sample_features(2));
  ingest({a, b});
  std::vector<Md5> both{a.hash, b.hash};
  ASSERT_OK(store().put_embeddings("builtin", both, Embeddings{1, {1, 2}, {1, 1}}));
  ASSERT_OK(store().put_projection("builtin", "pca", both, std::vector<Point2>{{1, 1}, {2, 2}}));
  std::vector<Md5> gone{a.hash};
  auto outcome = store().remove_objects(gone);
  ASSERT_OK(outcome);
  EXPECT_EQ(raw_int("SELECT count(*) FROM image_features"), 1);
  EXPECT_EQ(raw_int("SELECT count(*) FROM embeddings"), 1);
  EXPECT_EQ(raw_int("SELECT count(*) FROM projections"), 1);
  // A new object that reuses the row id inherits nothing.
  auto c = file("/d/c", "c");
  ingest({c});
  std::vector<Md5> only_c{c.hash};
  EXPECT_FALSE((*store().image_features(only_c))[0].has_value());
  EXPECT_EQ((*store().embeddings("builtin", only_c)).present, (std::vector<char>{0}));
}

LDB_STORE_CONFORMANCE(StoreImageContentTest);

}  // namespace
}  // namespace ldb::store::testing
