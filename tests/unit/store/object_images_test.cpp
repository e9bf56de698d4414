// Conformance (every backend, store_test_support.hpp):
// image attributes of objects (schema 2): what ingest records from the
// indexer's header probe and what objects_info and known_paths_under report.

#include <gtest/gtest.h>

#include "store_test_support.hpp"

namespace ldb::store::testing {
namespace {

class ObjectImagesTest : public StoreTest {
 protected:
  // The stored image_format of the object at `path`: its length, -1 for
  // NULL (found through paths: SQL every backend runs alike).
  std::string raw_format(const IndexedFile& at) {
    return std::to_string(
        raw_int("SELECT CASE WHEN image_format IS NULL THEN -1 ELSE length(image_format) END "
                "FROM objects WHERE id = (SELECT object_id FROM paths WHERE path = '" +
                at.path + "')"));
  }
};

IndexedFile probed(std::string path, std::string_view content, std::optional<ImageInfo> image) {
  IndexedFile f = file(std::move(path), content);
  f.image_probed = true;
  f.image = std::move(image);
  return f;
}

TEST_P(ObjectImagesTest, IngestThenObjectsInfoRoundTrip) {
  auto photo = probed("/d/photo.jpg", "jpeg bytes", ImageInfo{640, 480, "jpeg"});
  auto icon = probed("/d/icon.png", "png bytes", ImageInfo{16, 32, "png"});
  auto text = probed("/d/notes.txt", "plain text", std::nullopt);
  ingest({photo, icon, text});
  std::vector<Md5> hashes{icon.hash, text.hash, photo.hash};
  auto infos = store().objects_info(hashes);
  ASSERT_OK(infos);
  ASSERT_EQ(infos->size(), 3u);
  EXPECT_EQ((*infos)[0].image, (ImageInfo{16, 32, "png"}));
  EXPECT_FALSE((*infos)[1].image.has_value());
  EXPECT_EQ((*infos)[2].image, (ImageInfo{640, 480, "jpeg"}));
  EXPECT_EQ(info(photo.hash).image, (ImageInfo{640, 480, "jpeg"}));
  // Probed and not an image is '' (known), not NULL (never probed).
  EXPECT_EQ(raw_format(text), "0");
  EXPECT_EQ(raw_format(photo), "4");
}

TEST_P(ObjectImagesTest, UnprobedNewObjectIsNullAndReportedAsUnprobed) {
  auto unprobed = file("/d/a.bin", "unprobed bytes");
  ingest({unprobed});
  EXPECT_EQ(raw_format(unprobed), "-1");
  auto known = store().known_paths_under("/d");
  ASSERT_OK(known);
  ASSERT_EQ(known->size(), 1u);
  EXPECT_TRUE(known->front().image_unprobed);
  EXPECT_FALSE(info(core::md5_of("unprobed bytes")).image.has_value());
}

TEST_P(ObjectImagesTest, ProbedObjectsAreNotReportedAsUnprobed) {
  ingest({probed("/d/a.png", "a", ImageInfo{1, 1, "png"}), probed("/d/b.txt", "b", std::nullopt)});
  auto known = store().known_paths_under("/d");
  ASSERT_OK(known);
  ASSERT_EQ(known->size(), 2u);
  EXPECT_FALSE((*known)[0].image_unprobed);
  EXPECT_FALSE((*known)[1].image_unprobed);
}

TEST_P(ObjectImagesTest, IngestWithoutProbeKeepsTheRecordedImage) {
  auto photo = probed("/d/photo.jpg", "jpeg bytes", ImageInfo{640, 480, "jpeg"});
  ingest({photo});
  // A later run that only re-read the annotation (the data file unchanged).
  ingest({file("/d/photo.jpg", "jpeg bytes", R"({"label": "cat"})")});
  auto got = info(photo.hash);
  EXPECT_EQ(got.current_version, 1u);
  EXPECT_EQ(got.image, (ImageInfo{640, 480, "jpeg"}));
}

TEST_P(ObjectImagesTest, ProbeOfAnExistingObjectReplacesItsAttributes) {
  auto first = file("/d/a.webp", "same bytes");
  ingest({first});
  ingest({probed("/d/a.webp", "same bytes", ImageInfo{10, 20, "webp"})});
  EXPECT_EQ(info(first.hash).image, (ImageInfo{10, 20, "webp"}));
  ingest({probed("/d/a.webp", "same bytes", std::nullopt)});
  EXPECT_FALSE(info(first.hash).image.has_value());
  EXPECT_EQ(raw_format(first), "0");
}

TEST_P(ObjectImagesTest, SameBytesAtTwoPathsInOneBatch) {
  ingest({probed("/d/a.gif", "gif bytes", ImageInfo{5, 6, "gif"}),
          probed("/e/a.gif", "gif bytes", ImageInfo{5, 6, "gif"})});
  auto got = info(core::md5_of("gif bytes"));
  EXPECT_EQ(got.paths.size(), 2u);
  EXPECT_EQ(got.image, (ImageInfo{5, 6, "gif"}));
}

LDB_STORE_CONFORMANCE(ObjectImagesTest);

}  // namespace
}  // namespace ldb::store::testing
