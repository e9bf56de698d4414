#include "index/indexer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "index_fixture.hpp"

namespace ldb::index {
namespace {

using ldb::testing::IndexFixture;

class ResolveTest : public IndexFixture {};

TEST_F(ResolveTest, ReturnsWhatTheIndexRecorded) {
  m_dir.write("d/a.jpg", "A");
  m_dir.write("d/a.json", R"({"x": 1})");
  m_dir.write("d/b.jpg", "B");
  m_dir.write("d/b.json", R"({"x": 2})");
  auto indexed = run_index(m_dir.path() / "d");
  ASSERT_OK(indexed);
  m_fs.clear_calls();
  auto resolved = run_resolve(m_dir.path() / "d");
  ASSERT_OK(resolved);
  EXPECT_EQ(*resolved, indexed->refs);
  EXPECT_TRUE(m_fs.calls(storage::Operation::hash).empty());
  EXPECT_EQ(m_store.ingest_calls, 1);
}

TEST_F(ResolveTest, UnindexedFileIsNotFoundWithIndexHint) {
  m_dir.write("d/a.jpg", "A");
  m_dir.write("d/a.json", "{}");
  ASSERT_OK(run_index(m_dir.path() / "d"));
  m_dir.write("d/new.jpg", "N");
  m_dir.write("d/new.json", "{}");
  auto resolved = run_resolve(m_dir.path() / "d");
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().code, ErrorCode::not_found);
  EXPECT_NE(resolved.error().message.find(path("d/new.jpg")), std::string::npos);
  EXPECT_EQ(resolved.error().hint, "run: ldb index " + path("d"));
}

TEST_F(ResolveTest, ChangedDataOrAnnotationIsAConflict) {
  m_dir.write("d/a.jpg", "A");
  m_dir.write("d/a.json", R"({"x": 1})");
  ASSERT_OK(run_index(m_dir.path() / "d"));
  m_dir.write("d/a.json", R"({"x": 2})");
  bump_mtime("d/a.json");
  auto resolved = run_resolve(m_dir.path() / "d");
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().code, ErrorCode::conflict);
  EXPECT_NE(resolved.error().message.find(path("d/a.json")), std::string::npos);
  ASSERT_OK(run_index(m_dir.path() / "d"));
  ASSERT_OK(run_resolve(m_dir.path() / "d"));
  m_dir.write("d/a.jpg", "AA");
  auto data_changed = run_resolve(m_dir.path() / "d");
  ASSERT_FALSE(data_changed);
  EXPECT_EQ(data_changed.error().code, ErrorCode::conflict);
  EXPECT_NE(data_changed.error().message.find(path("d/a.jpg")), std::string::npos);
}

TEST_F(ResolveTest, InferredLabelsAreCompared) {
  m_dir.write("r/cat/1.png", "1");
  ASSERT_OK(run_index(m_dir.path() / "r"));
  auto same = run_resolve(m_dir.path() / "r");
  ASSERT_OK(same);
  EXPECT_EQ(*same, (store::Collection{{md5("1"), 1}}));
  IndexOptions options;
  options.params = {{"label-key", "kind"}};
  auto other = run_resolve(m_dir.path() / "r", options);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::conflict);
}

TEST_F(ResolveTest, AnnotationOnlyFindsTheMatchingVersion) {
  m_dir.write("data/x.jpg", "X");
  m_dir.write("data/x.json", R"({"v": 1})");
  ASSERT_OK(run_index(m_dir.path() / "data"));
  m_dir.write("ann/x.json",
              fmt::format(R"({{"annotation": {{"v": 2}}, "ldb_meta": {{"data_object_id": "{}"}}}})", md5("X").hex()));
  auto unindexed = run_resolve(m_dir.path() / "ann");
  ASSERT_FALSE(unindexed);
  EXPECT_EQ(unindexed.error().code, ErrorCode::conflict);
  EXPECT_NE(unindexed.error().hint.find("ldb index"), std::string::npos);
  ASSERT_OK(run_index(m_dir.path() / "ann"));
  m_dir.write("ann/x.json",
              fmt::format(R"({{"annotation": {{"v": 1}}, "ldb_meta": {{"data_object_id": "{}"}}}})", md5("X").hex()));
  auto old_version = run_resolve(m_dir.path() / "ann");
  ASSERT_OK(old_version);
  EXPECT_EQ(*old_version, (store::Collection{{md5("X"), 1}}));
}

}  // namespace
}  // namespace ldb::index
