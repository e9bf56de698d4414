// Tests for the streaming store reads and writes: Store::scan_annotations
// (store/sqlite_annotation_cursor.cpp, both the lookup and the scan mode) and
// Store::begin_ingest (store/sqlite_ingest.cpp, an ingest in batches that lands
// whole or not at all).

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "store_test_support.hpp"

namespace ldb::store::testing {
namespace {

// Every row a cursor hands out, by position; fails on a position seen twice.
std::map<std::uint32_t, std::string> drain(AnnotationCursor& cursor, std::size_t batch_rows) {
  std::map<std::uint32_t, std::string> rows;
  AnnotationBatch batch;
  for (;;) {
    auto more = cursor.next(batch, batch_rows);
    EXPECT_TRUE(more.has_value()) << ldb::testing::describe(more);
    if (!more) break;
    EXPECT_LE(batch.size(), batch_rows);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      EXPECT_TRUE(rows.emplace(batch.position(i), std::string(batch.json(i))).second) << batch.position(i);
    }
    if (!*more) break;
  }
  return rows;
}

TEST_F(StoreTest, ScanAnnotationsLooksUpSmallSelections) {
  const auto a = core::md5_of("a");
  const auto b = core::md5_of("b");
  ingest({file("/d/a.jpg", "a", R"({"z":1,"y":2})"), file("/d/b.jpg", "b")});
  ingest({file("/d/a.jpg", "a", R"("second")")});
  std::vector<ObjectRef> refs{{a, 2}, {b, 0}, {a, 1}, {a, 99}, {core::md5_of("unknown"), 1}};
  auto cursor = store().scan_annotations(refs);
  ASSERT_OK(cursor);
  auto rows = drain(**cursor, 1);
  EXPECT_EQ(rows, (std::map<std::uint32_t, std::string>{{0, R"("second")"}, {2, R"({"y":2,"z":1})"}}));
}

TEST_F(StoreTest, ScanAnnotationsScansLargeSelectionsAndHonoursPinnedVersions) {
  // Enough refs for the scan mode (20000), some without annotation; object 0
  // has two versions and only the pinned one is handed out.
  constexpr std::size_t k_objects = 20100;
  std::vector<IndexedFile> files;
  for (std::size_t i = 0; i < k_objects; ++i) {
    std::string content = fmt::format("object {}", i);
    if (i % 10 == 3) {
      files.push_back(file(fmt::format("/d/{:05}.jpg", i), content));
    } else {
      files.push_back(file(fmt::format("/d/{:05}.jpg", i), content, fmt::format(R"({{"i":{}}})", i)));
    }
  }
  ingest(files);
  ingest({file("/d/00000.jpg", "object 0", R"({"i":"edited"})")});
  std::vector<ObjectRef> refs;
  for (std::size_t i = 0; i < k_objects; ++i) {
    // Object 0 is pinned to its current version 2, the others to version 1.
    std::uint32_t version = i % 10 == 3 ? 0 : i == 0 ? 2 : 1;
    refs.push_back({core::md5_of(fmt::format("object {}", i)), version});
  }
  std::reverse(refs.begin(), refs.end());  // positions are the caller's order, not the store's
  auto cursor = store().scan_annotations(refs);
  ASSERT_OK(cursor);
  auto rows = drain(**cursor, 512);
  EXPECT_EQ(rows.size(), k_objects - k_objects / 10);
  for (std::size_t position = 0; position < refs.size(); ++position) {
    const auto& ref = refs[position];
    auto it = rows.find(static_cast<std::uint32_t>(position));
    if (ref.annotation_version == 0) {
      EXPECT_EQ(it, rows.end()) << position;
      continue;
    }
    ASSERT_NE(it, rows.end()) << position;
    auto expected = annotation(ref.hash, ref.annotation_version);
    EXPECT_EQ(it->second, expected) << position;
  }
  EXPECT_EQ(rows.at(static_cast<std::uint32_t>(refs.size() - 1)), R"({"i":"edited"})");
  EXPECT_EQ(rows.at(0), R"({"i":20099})");
}

TEST_F(StoreTest, IngestSessionCommitsAllBatchesAsOne) {
  auto session = store().begin_ingest({});
  ASSERT_OK(session);
  std::vector<IndexedFile> first{file("/d/a.jpg", "a", R"({"v":1})"), file("/d/b.jpg", "b")};
  std::vector<IndexedFile> second{file("/d/c.jpg", "a", R"({"v":2})"), file("/d/d.jpg", "d", R"({"v":1})")};
  ASSERT_OK((*session)->add(first));
  ASSERT_OK((*session)->add(second));
  auto result = (*session)->commit();
  ASSERT_OK(result);
  EXPECT_EQ(result->new_objects, 3u);
  EXPECT_EQ(result->new_annotations, 3u);
  // Refs across both batches, in add order; the object seen in both batches
  // ("a") got version 2 from the second.
  EXPECT_EQ(result->refs, (std::vector<ObjectRef>{{core::md5_of("a"), 1},
                                                  {core::md5_of("b"), 0},
                                                  {core::md5_of("a"), 2},
                                                  {core::md5_of("d"), 1}}));
  EXPECT_EQ(info(core::md5_of("a")).current_version, 2u);
  EXPECT_EQ(raw_int(dir(), "SELECT COUNT(*) FROM paths"), 4);
}

TEST_F(StoreTest, IngestSessionNotCommittedLeavesNothing) {
  {
    auto session = store().begin_ingest({});
    ASSERT_OK(session);
    std::vector<IndexedFile> files{file("/d/a.jpg", "a", R"({"v":1})")};
    ASSERT_OK((*session)->add(files));
  }
  EXPECT_EQ(raw_int(dir(), "SELECT COUNT(*) FROM objects"), 0);
  EXPECT_EQ(raw_int(dir(), "SELECT COUNT(*) FROM annotation_contents"), 0);
  // The store is usable afterwards (the transaction was rolled back).
  ingest({file("/d/b.jpg", "b")});
  EXPECT_EQ(raw_int(dir(), "SELECT COUNT(*) FROM objects"), 1);
}

TEST_F(StoreTest, IngestSessionErrorDiscardsEarlierBatches) {
  auto session = store().begin_ingest({});
  ASSERT_OK(session);
  std::vector<IndexedFile> good{file("/d/a.jpg", "a", R"({"v":1})")};
  ASSERT_OK((*session)->add(good));
  // An annotation for an object the store does not know is not_found.
  std::vector<IndexedFile> bad{annotation_for(core::md5_of("unknown"), R"({"v":1})")};
  auto added = (*session)->add(bad);
  ASSERT_FALSE(added.has_value());
  EXPECT_EQ(added.error().code, ErrorCode::not_found);
  EXPECT_FALSE((*session)->commit().has_value());
  session->reset();
  EXPECT_EQ(raw_int(dir(), "SELECT COUNT(*) FROM objects"), 0);
}

}  // namespace
}  // namespace ldb::store::testing
