// Conformance (every backend, store_test_support.hpp):
// indexed_roots: recorded and forgotten by ingest (IngestOptions::
// remember_roots, forget_roots) in the ingest's own transaction, listed by
// indexed_roots(), and looked up by covering_root (longest component-wise
// prefix).

#include <gtest/gtest.h>

#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using testing::StoreTest;

class IndexedRootsTest : public StoreTest {
 protected:
  std::vector<IndexedRoot> roots() {
    auto listed = store().indexed_roots();
    EXPECT_TRUE(listed.has_value()) << ldb::testing::describe(listed);
    return listed.value_or(std::vector<IndexedRoot>{});
  }

  std::optional<IndexedRoot> root_of(std::string_view path) {
    auto listed = roots();
    const IndexedRoot* found = covering_root(listed, path);
    return found ? std::optional<IndexedRoot>(*found) : std::nullopt;
  }

  void update(std::vector<IndexedRoot> remember, std::vector<std::string> forget = {},
              std::vector<IndexedFile> files = {}) {
    IngestOptions options;
    options.remember_roots = std::move(remember);
    options.forget_roots = std::move(forget);
    ingest(std::move(files), options);
  }
};

TEST_P(IndexedRootsTest, NothingRememberedAnswersNone) {
  EXPECT_TRUE(roots().empty());
  EXPECT_EQ(root_of("/data/bag/1.png"), std::nullopt);
}

TEST_P(IndexedRootsTest, PathsAtAndBelowTheRootAreCoveredOthersNot) {
  IndexedRoot data{"/data", "tensorflow-inferred", {{"label-key", "meta.class"}, {"base-label", "none"}}};
  update({data}, {}, {testing::file("/data/bag/1.png", "one", R"({"meta":{"class":"bag"}})", "")});
  EXPECT_EQ(roots(), std::vector<IndexedRoot>{data});  // parameters round-trip in order
  EXPECT_EQ(root_of("/data"), data);
  EXPECT_EQ(root_of("/data/bag"), data);
  EXPECT_EQ(root_of("/data/bag/1.png"), data);
  EXPECT_EQ(root_of("/data2/bag"), std::nullopt);  // a sibling sharing the text prefix
  EXPECT_EQ(root_of("/dat"), std::nullopt);
  EXPECT_EQ(root_of("/"), std::nullopt);
}

TEST_P(IndexedRootsTest, LongestPrefixWins) {
  IndexedRoot outer{"/data", "tensorflow-inferred", {}};
  IndexedRoot inner{"/data/coco", "coco", {}};
  update({inner});
  update({outer});                                               // recording a folder keeps the roots below it
  EXPECT_EQ(roots(), (std::vector<IndexedRoot>{outer, inner}));  // sorted by prefix
  EXPECT_EQ(root_of("/data/coco/images/1.jpg"), inner);
  EXPECT_EQ(root_of("/data/coco"), inner);
  EXPECT_EQ(root_of("/data/cocoa/1.jpg"), outer);
  EXPECT_EQ(root_of("/data/bag/1.png"), outer);
}

TEST_P(IndexedRootsTest, ForgetDeletesExactPrefixesThenRememberReplaces) {
  update({IndexedRoot{"/data/bag", "bare-pairs", {}}, IndexedRoot{"/data/coat", "strict-pairs", {}},
          IndexedRoot{"/data2", "coco", {}}});
  IndexedRoot data{"/data", "tensorflow-inferred", {}};
  update({data}, {"/data/bag", "/data/coat", "/nowhere"});
  EXPECT_EQ(roots(), (std::vector<IndexedRoot>{data, IndexedRoot{"/data2", "coco", {}}}));
  IndexedRoot again{"/data", "bare-pairs", {{"k", "v"}}};
  update({again});
  EXPECT_EQ(root_of("/data/bag"), again);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM indexed_roots"), 2);
}

TEST_P(IndexedRootsTest, UrlPrefixesAndTheFileSystemRoot) {
  IndexedRoot bucket{"s3://bucket/set", "yolo", {}};
  IndexedRoot everything{"/", "bare-pairs", {}};
  update({bucket, everything});
  EXPECT_EQ(root_of("s3://bucket/set/images/1.jpg"), bucket);
  EXPECT_EQ(root_of("s3://bucket/settle/1.jpg"), std::nullopt);
  EXPECT_EQ(root_of("/any/where.png"), everything);
}

TEST_P(IndexedRootsTest, AFailedIngestChangesNoRoot) {
  update({IndexedRoot{"/old", "voc", {}}});
  IngestOptions options;
  options.remember_roots = {IndexedRoot{"/data", "coco", {}}};
  options.forget_roots = {"/old"};
  // An annotation for an object that is not indexed fails the whole ingest.
  std::vector<IndexedFile> files{testing::annotation_for(core::md5_of("never indexed"), R"({"a":1})")};
  ASSERT_FALSE(store().ingest(files, options).has_value());
  EXPECT_EQ(roots(), (std::vector<IndexedRoot>{IndexedRoot{"/old", "voc", {}}}));
}

TEST_P(IndexedRootsTest, ASessionWritesRootsAtCommitOnly) {
  IngestOptions options;
  options.remember_roots = {IndexedRoot{"/data", "voc", {}}};
  {
    auto session = store().begin_ingest(options);
    ASSERT_OK(session);
    // Abandoned without commit: nothing lands.
  }
  EXPECT_TRUE(roots().empty());
  auto session = store().begin_ingest(options);
  ASSERT_OK(session);
  ASSERT_OK((*session)->commit());
  EXPECT_EQ(root_of("/data/x.jpg"), (IndexedRoot{"/data", "voc", {}}));
}

TEST(CoveringRootTest, PointsIntoTheListOrIsNull) {
  std::vector<IndexedRoot> list{{"/a", "coco", {}}, {"/a/b", "yolo", {}}, {"/a/b/c", "voc", {}}};
  EXPECT_EQ(covering_root(list, "/a/b/x"), &list[1]);
  EXPECT_EQ(covering_root(list, "/a/b/c"), &list[2]);
  EXPECT_EQ(covering_root(list, "/a/bc"), &list[0]);
  EXPECT_EQ(covering_root(list, "/b"), nullptr);
  EXPECT_EQ(covering_root({}, "/a"), nullptr);
}

LDB_STORE_CONFORMANCE(IndexedRootsTest);

}  // namespace
}  // namespace ldb::store
