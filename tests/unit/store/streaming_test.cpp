// Conformance (every backend, store_test_support.hpp): the streaming store reads and
// writes: Store::scan_annotations (SQLite: store/sqlite_annotation_cursor.cpp,
// both the lookup and the scan mode) and Store::begin_ingest (SQLite:
// store/sqlite_ingest.cpp, an ingest in batches that lands whole or not at
// all). SqliteScanTest covers how SQLite splits a scan into parts.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <thread>
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

TEST_P(StoreTest, ScanAnnotationsLooksUpSmallSelections) {
  const auto a = core::md5_of("a");
  const auto b = core::md5_of("b");
  ingest({file("/d/a.jpg", "a", R"({"z":1,"y":2})"), file("/d/b.jpg", "b")});
  ingest({file("/d/a.jpg", "a", R"("second")")});
  std::vector<ObjectRef> refs{{a, 2}, {b, 0}, {a, 1}, {a, 99}, {core::md5_of("unknown"), 1}};
  auto cursors = store().scan_annotations(refs, 2);
  ASSERT_OK(cursors);
  ASSERT_EQ(cursors->size(), 1u);  // lookups are not split
  auto rows = drain(*cursors->front(), 1);
  EXPECT_EQ(rows, (std::map<std::uint32_t, std::string>{{0, R"("second")"}, {2, R"({"y":2,"z":1})"}}));
}

class ScanTest : public StoreTest {
 protected:
  // Enough refs for the scan mode (20000), some without annotation; object 0
  // has two versions and is pinned to the newer, the others to version 1. The
  // refs are reversed: positions are the caller's order, not the store's.
  std::vector<ObjectRef> ingest_scan_fixture() {
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
      std::uint32_t version = i % 10 == 3 ? 0 : i == 0 ? 2 : 1;
      refs.push_back({core::md5_of(fmt::format("object {}", i)), version});
    }
    std::reverse(refs.begin(), refs.end());
    return refs;
  }

  // Drains every cursor (one after another) into one map of rows by position.
  static std::map<std::uint32_t, std::string> drain_all(std::vector<std::unique_ptr<AnnotationCursor>>& cursors) {
    std::map<std::uint32_t, std::string> rows;
    for (auto& cursor : cursors) {
      for (auto& [position, json] : drain(*cursor, 512)) {
        EXPECT_TRUE(rows.emplace(position, json).second) << "position " << position << " came from two cursors";
      }
    }
    return rows;
  }

  void expect_fixture_rows(const std::vector<ObjectRef>& refs, const std::map<std::uint32_t, std::string>& rows) {
    EXPECT_EQ(rows.size(), refs.size() - refs.size() / 10);
    for (std::size_t position = 0; position < refs.size(); ++position) {
      const auto& ref = refs[position];
      auto it = rows.find(static_cast<std::uint32_t>(position));
      if (ref.annotation_version == 0) {
        EXPECT_EQ(it, rows.end()) << position;
        continue;
      }
      ASSERT_NE(it, rows.end()) << position;
      EXPECT_EQ(it->second, annotation(ref.hash, ref.annotation_version)) << position;
    }
    EXPECT_EQ(rows.at(static_cast<std::uint32_t>(refs.size() - 1)), R"({"i":"edited"})");
    EXPECT_EQ(rows.at(0), R"({"i":20099})");
  }
};

TEST_P(ScanTest, ScanAnnotationsScansLargeSelectionsAndHonoursPinnedVersions) {
  auto refs = ingest_scan_fixture();
  auto cursors = store().scan_annotations(refs, 1);
  ASSERT_OK(cursors);
  ASSERT_EQ(cursors->size(), 1u);
  expect_fixture_rows(refs, drain_all(*cursors));
}

// A scan given up half-way (a query that stopped early) leaves the store as
// it was: its snapshot ends and the next command reads and writes.
TEST_P(ScanTest, ScanAnnotationsGivenUpHalfWayLeavesTheStoreUsable) {
  auto refs = ingest_scan_fixture();
  {
    auto cursors = store().scan_annotations(refs, 1);
    ASSERT_OK(cursors);
    AnnotationBatch batch;
    auto more = cursors->front()->next(batch, 100);
    ASSERT_OK(more);
    EXPECT_TRUE(*more);
    EXPECT_GT(batch.size(), 0u);
  }
  ingest({file("/after/a.jpg", "after", R"({"v":1})")});
  EXPECT_EQ(info(core::md5_of("after")).current_version, 1u);
}

// How SQLite splits a scan: into as many parts as asked when no writer is at
// work, one part while one is (the Store contract allows 1..parts).
class SqliteScanTest : public ScanTest {};

TEST_P(SqliteScanTest, ScanAnnotationsSplitsIntoPartsThatShareOneSnapshot) {
  auto refs = ingest_scan_fixture();
  auto cursors = store().scan_annotations(refs, 3);
  ASSERT_OK(cursors);
  ASSERT_EQ(cursors->size(), 3u);
  // A commit after the scan began is not seen by any part.
  EXPECT_TRUE(raw_exec(R"(UPDATE annotation_contents SET json = '"changed"')"));
  // Parts are read on different threads at once.
  std::vector<std::map<std::uint32_t, std::string>> parts(cursors->size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < cursors->size(); ++i) {
    threads.emplace_back([&, i] { parts[i] = drain(*(*cursors)[i], 512); });
  }
  for (auto& t : threads) t.join();
  std::map<std::uint32_t, std::string> rows;
  for (const auto& part : parts) {
    EXPECT_GT(part.size(), 0u);
    for (const auto& [position, json] : part) EXPECT_TRUE(rows.emplace(position, json).second) << position;
  }
  cursors->clear();
  EXPECT_EQ(rows.size(), refs.size() - refs.size() / 10);
  for (const auto& [position, json] : rows) EXPECT_NE(json, R"("changed")") << position;
  EXPECT_EQ(rows.at(0), R"({"i":20099})");
}

TEST_P(SqliteScanTest, ScanAnnotationsStaysOnePartWhileAWriterHoldsTheLock) {
  auto refs = ingest_scan_fixture();
  auto writer = hold_write_lock();
  auto cursors = store().scan_annotations(refs, 2);
  ASSERT_OK(cursors);
  EXPECT_EQ(cursors->size(), 1u);
  expect_fixture_rows(refs, drain_all(*cursors));
}

TEST(AnnotationBatchTest, RemoveUnplacedKeepsTheOtherRowsInOrder) {
  AnnotationBatch batch;
  batch.add(AnnotationBatch::k_unplaced, "gone");
  batch.add(AnnotationBatch::k_unplaced, R"({"a":1})");
  batch.add(AnnotationBatch::k_unplaced, "");
  batch.add(AnnotationBatch::k_unplaced, "also gone");
  batch.add(AnnotationBatch::k_unplaced, "[2]");
  batch.place(1, 7);
  batch.place(2, 3);
  batch.place(4, 0);
  batch.remove_unplaced();
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.position(0), 7u);
  EXPECT_EQ(batch.json(0), R"({"a":1})");
  EXPECT_EQ(batch.position(1), 3u);
  EXPECT_EQ(batch.json(1), "");
  EXPECT_EQ(batch.position(2), 0u);
  EXPECT_EQ(batch.json(2), "[2]");
  batch.place(0, AnnotationBatch::k_unplaced);
  batch.place(1, AnnotationBatch::k_unplaced);
  batch.place(2, AnnotationBatch::k_unplaced);
  batch.remove_unplaced();
  EXPECT_EQ(batch.size(), 0u);
}

TEST_P(StoreTest, IngestSessionCommitsAllBatchesAsOne) {
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
  EXPECT_EQ(result->refs,
            (std::vector<ObjectRef>{
                {core::md5_of("a"), 1}, {core::md5_of("b"), 0}, {core::md5_of("a"), 2}, {core::md5_of("d"), 1}}));
  EXPECT_EQ(info(core::md5_of("a")).current_version, 2u);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM paths"), 4);
}

TEST_P(StoreTest, IngestSessionNotCommittedLeavesNothing) {
  {
    auto session = store().begin_ingest({});
    ASSERT_OK(session);
    std::vector<IndexedFile> files{file("/d/a.jpg", "a", R"({"v":1})")};
    ASSERT_OK((*session)->add(files));
  }
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM objects"), 0);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM annotation_contents"), 0);
  // The store is usable afterwards (the transaction was rolled back).
  ingest({file("/d/b.jpg", "b")});
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM objects"), 1);
}

TEST_P(StoreTest, IngestSessionErrorDiscardsEarlierBatches) {
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
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM objects"), 0);
}

// A backend may buffer a batch's writes and read a batch's rows ahead; the
// outcome is the same as file by file: a path recorded twice keeps the later
// object, an object seen twice gets both annotations as versions, and one
// annotation content serves many objects. The batch's files do not outlive
// add(), as the indexer reuses its buffer.
TEST_P(StoreTest, IngestBatchMayRepeatPathsObjectsAndContents) {
  auto session = store().begin_ingest({});
  ASSERT_OK(session);
  {
    std::vector<IndexedFile> batch{file("/d/a.jpg", "a", R"({"v":1})"), file("/d/b.jpg", "b", R"({"v":1})"),
                                   file("/d/c.jpg", "a", R"({"v":2})"), file("/d/a.jpg", "x", R"({"v":1})")};
    ASSERT_OK((*session)->add(batch));
  }
  {
    std::vector<IndexedFile> batch{file("/d/d.jpg", "b", R"({"v":1})"), file("/d/e.jpg", "e", R"({"v":1})")};
    ASSERT_OK((*session)->add(batch));
  }
  auto result = (*session)->commit();
  ASSERT_OK(result);
  EXPECT_EQ(result->new_objects, 4u);
  EXPECT_EQ(result->new_annotations, 5u);
  EXPECT_EQ(result->refs, (std::vector<ObjectRef>{{core::md5_of("a"), 1},
                                                  {core::md5_of("b"), 1},
                                                  {core::md5_of("a"), 2},
                                                  {core::md5_of("x"), 1},
                                                  {core::md5_of("b"), 1},
                                                  {core::md5_of("e"), 1}}));
  EXPECT_EQ(info(core::md5_of("a")).current_version, 2u);
  EXPECT_EQ(info(core::md5_of("b")).current_version, 1u);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM annotation_contents"), 2);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM annotation_versions"), 5);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM paths"), 5);
  auto known = store().known_paths_under("/d/");
  ASSERT_OK(known);
  ASSERT_EQ(known->size(), 5u);
  EXPECT_EQ((*known)[0].path, "/d/a.jpg");
  EXPECT_EQ((*known)[0].hash, core::md5_of("x"));
  EXPECT_EQ((*known)[0].annotation_version, 1u);

  // A later session: objects already stored and new ones in one batch, an
  // edit undone at its path, image attributes of a stored object recorded
  // twice (the later wins).
  auto again = store().begin_ingest({});
  ASSERT_OK(again);
  {
    auto probed = file("/d/b.jpg", "b", R"({"v":1})");
    probed.image_probed = true;
    auto probed_again = file("/d/f.jpg", "b", R"({"v":1})");
    probed_again.image_probed = true;
    probed_again.image = ImageInfo{};
    probed_again.image->width = 3;
    probed_again.image->height = 2;
    probed_again.image->format = "png";
    std::vector<IndexedFile> batch{file("/d/c.jpg", "a", R"({"v":1})"), file("/d/g.jpg", "g", R"({"v":3})"), probed,
                                   probed_again};
    ASSERT_OK((*again)->add(batch));
  }
  auto second = (*again)->commit();
  ASSERT_OK(second);
  EXPECT_EQ(second->new_objects, 1u);
  EXPECT_EQ(second->new_annotations, 1u);
  EXPECT_EQ(info(core::md5_of("a")).current_version, 1u);  // c.jpg held version 2, now holds 1 again
  auto b = info(core::md5_of("b"));
  ASSERT_TRUE(b.image.has_value());
  EXPECT_EQ(b.image->width, 3u);
  EXPECT_EQ(b.image->height, 2u);
  EXPECT_EQ(b.image->format, "png");
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM paths"), 7);
}

// An annotation-only file names an object that must be stored before it:
// a later file of the same batch does not create it ahead.
TEST_P(StoreTest, IngestBatchAnnotationBeforeItsObjectIsUnknown) {
  std::vector<IndexedFile> batch{annotation_for(core::md5_of("n"), R"({"v":1})"), file("/d/n.jpg", "n")};
  auto result = store().ingest(batch, {});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::not_found);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM objects"), 0);
}

LDB_STORE_CONFORMANCE(ScanTest);
LDB_SQLITE_ONLY(SqliteScanTest);

}  // namespace
}  // namespace ldb::store::testing
