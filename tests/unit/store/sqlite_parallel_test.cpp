// Tests for store/sqlite_parallel.cpp (connections sharing one read snapshot)
// and for SqliteStore::root_collection, which reads a large objects table in
// two parts through it. SQLite only: the snapshot sharing is how the SQLite
// backend splits a read over threads.

#include "store/sqlite_parallel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store/sqlite_store.hpp"
#include "store_test_support.hpp"

namespace ldb::store::testing {
namespace {

using Ranges = std::vector<std::pair<std::int64_t, std::int64_t>>;

TEST(SplitIdRangeTest, CoversTheRangeInOrderWithoutOverlap) {
  EXPECT_EQ(split_id_range(1, 10, 1), (Ranges{{1, 10}}));
  EXPECT_EQ(split_id_range(1, 10, 2), (Ranges{{1, 5}, {6, 10}}));
  EXPECT_EQ(split_id_range(1, 10, 3), (Ranges{{1, 3}, {4, 6}, {7, 10}}));
  EXPECT_EQ(split_id_range(5, 5, 2), (Ranges{{5, 4}, {5, 5}}));  // the first part is empty
  EXPECT_EQ(split_id_range(1, 0, 2), (Ranges{{1, 0}, {1, 0}}));
}

// Counts rows of `table` through `db` (inside whatever transaction it is in).
std::int64_t count(Database& db, const std::string& table) {
  auto stmt = db.prepare("SELECT count(*) FROM " + table);
  EXPECT_TRUE(stmt.has_value());
  if (!stmt || !stmt->step().value_or(false)) return -1;
  return stmt->column_int(0);
}

// Runs SQL through a raw connection of its own (another writer).
void exec_elsewhere(const std::filesystem::path& instance, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((instance / k_database_file).c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

class SharedSnapshotTest : public StoreTest {
 protected:
  Database& db() { return static_cast<SqliteStore&>(store()).db(); }
};

TEST_P(SharedSnapshotTest, EveryConnectionSeesTheSnapshotOfTheMoment) {
  ingest({file("/d/a.jpg", "a", R"({"v":1})")});
  auto shared = share_snapshot(db(), 2);
  ASSERT_OK(shared);
  ASSERT_EQ(shared->readers.size(), 2u);
  // A commit after sharing: no connection of the snapshot sees it.
  exec_elsewhere(dir(), "INSERT INTO meta(key, value) VALUES ('later', 'x')");
  EXPECT_EQ(count(db(), "meta"), count(*shared->readers[0].connection, "meta"));
  EXPECT_EQ(count(*shared->readers[0].connection, "meta"), count(*shared->readers[1].connection, "meta"));
  std::int64_t seen = count(db(), "meta");
  shared->readers.clear();
  shared->own.reset();
  EXPECT_EQ(count(db(), "meta"), seen + 1);  // a new read sees the commit
}

TEST_P(SharedSnapshotTest, NoFurtherConnectionsWhileAWriterIsAtWork) {
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir() / k_database_file).c_str(), &writer, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto shared = share_snapshot(db(), 1);
  ASSERT_OK(shared);
  EXPECT_TRUE(shared->readers.empty());
  EXPECT_TRUE(shared->own.has_value());
  sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
}

TEST_P(SharedSnapshotTest, NoFurtherConnectionsInsideATransaction) {
  // Other connections would not see this transaction's own writes.
  auto transaction = Transaction::begin(db());
  ASSERT_OK(transaction);
  auto shared = share_snapshot(db(), 1);
  ASSERT_OK(shared);
  EXPECT_TRUE(shared->readers.empty());
}

TEST_P(SharedSnapshotTest, RootCollectionOfALargeTableIsCompleteAndSorted) {
  // Over 200000 objects: root_collection reads two id ranges on two threads.
  exec_elsewhere(dir(),
                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200500) "
                 "INSERT INTO objects(hash, size, first_indexed, last_indexed, current_version) "
                 "SELECT randomblob(16), i, 0, 0, i % 3 FROM n");
  auto root = store().root_collection();
  ASSERT_OK(root);
  ASSERT_EQ(root->size(), 200500u);
  EXPECT_TRUE(std::adjacent_find(root->begin(), root->end(), [](const ObjectRef& a, const ObjectRef& b) {
                return !(a.hash < b.hash);
              }) == root->end());
  // Same members as SQLite's own ORDER BY.
  auto stmt = db().prepare("SELECT hash, current_version FROM objects ORDER BY hash");
  ASSERT_OK(stmt);
  std::size_t i = 0;
  while (stmt->step().value_or(false)) {
    ASSERT_LT(i, root->size());
    auto blob = stmt->column_blob(0);
    ASSERT_TRUE(std::equal(blob.begin(), blob.end(), reinterpret_cast<const char*>((*root)[i].hash.bytes.data()))) << i;
    ASSERT_EQ((*root)[i].annotation_version, stmt->column_int(1)) << i;
    ++i;
  }
  EXPECT_EQ(i, root->size());
}

LDB_SQLITE_ONLY(SharedSnapshotTest);

}  // namespace
}  // namespace ldb::store::testing
