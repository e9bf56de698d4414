// The SQLite layer (src/store/sqlite.cpp): transactions, WAL readers, and the
// conflict error when another process holds the instance's write lock.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <string>

#include "store/sqlite_store.hpp"
#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using testing::file;
using testing::StoreTest;

// A raw connection that holds the instance's write lock (what another ldb
// process in the middle of a command looks like).
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::filesystem::path& instance) {
    EXPECT_EQ(sqlite3_open((instance / k_database_file).c_str(), &m_db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(m_db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(m_db);
  }
  ~WriteLockHolder() {
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(m_db);
  }
  WriteLockHolder(const WriteLockHolder&) = delete;
  WriteLockHolder& operator=(const WriteLockHolder&) = delete;

 private:
  sqlite3* m_db = nullptr;
};

// Shortens a store's busy timeout so that the conflict tests stay fast; the
// real 10 s timeout is covered by the slow-labelled store_busy_slow_test.
void set_busy_timeout_ms(Store& store, int ms) {
  auto* sqlite = dynamic_cast<SqliteStore*>(&store);
  ASSERT_NE(sqlite, nullptr);
  sqlite3_busy_timeout(sqlite->db().handle(), ms);
}

void expect_conflict(const Status& st) {
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::conflict) << st.error().message;
  EXPECT_NE(st.error().message.find("busy"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().hint.find("wait for the other command"), std::string::npos) << st.error().hint;
}

template <class T>
Status as_status(const Result<T>& r) {
  if (r) return {};
  return std::unexpected(r.error());
}

TEST_F(StoreTest, WriteWhileAnotherConnectionHoldsTheLockIsConflict) {
  auto second = open_sqlite_store(dir());
  ASSERT_OK(second);
  set_busy_timeout_ms(store(), 100);
  set_busy_timeout_ms(**second, 100);
  {
    WriteLockHolder holder(dir());
    Collection none;
    expect_conflict(as_status(store().commit_dataset("cats", none, 0, "m", "a")));
    expect_conflict(as_status((*second)->ingest(std::vector<IndexedFile>{file("/d/a.jpg", "a")}, {})));
    expect_conflict(store().add_storage_location({"/data", false, {}}));
    // WAL: readers are not blocked by the writer.
    auto root = (*second)->root_collection();
    ASSERT_OK(root);
    EXPECT_TRUE(root->empty());
  }
  // Once the lock is released both stores write again, and see each other's writes.
  ASSERT_OK(store().commit_dataset("cats", {}, 0, "m", "a"));
  auto v = (*second)->commit_dataset("cats", {}, 1, "m2", "b");
  ASSERT_OK(v);
  EXPECT_EQ(v->version, 2u);
  auto log = store().dataset_log("cats");
  ASSERT_OK(log);
  EXPECT_EQ(log->size(), 2u);
}

TEST_F(StoreTest, ConflictWaitsForTheBusyTimeout) {
  set_busy_timeout_ms(store(), 300);
  WriteLockHolder holder(dir());
  auto start = std::chrono::steady_clock::now();
  expect_conflict(store().add_storage_location({"/data", false, {}}));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(250));
}

TEST_F(StoreTest, FailedWriteLeavesNoOpenTransaction) {
  // After an error inside a write, the next write starts cleanly (the
  // Transaction destructor rolled back).
  ASSERT_OK(store().add_storage_location({"/data", false, {}}));
  EXPECT_FALSE(store().add_storage_location({"/data", false, {}}).has_value());
  ASSERT_OK(store().add_storage_location({"/other", false, {}}));
  auto* sqlite = dynamic_cast<SqliteStore*>(&store());
  ASSERT_NE(sqlite, nullptr);
  EXPECT_NE(sqlite3_get_autocommit(sqlite->db().handle()), 0);
}

TEST(DatabaseTest, TransactionRollsBackUnlessCommitted) {
  ldb::testing::TempDir dir;
  auto db = Database::open(dir.path() / "t.sqlite", Database::Create::yes);
  ASSERT_OK(db);
  ASSERT_OK(db->exec("CREATE TABLE t(x INTEGER)"));
  {
    auto txn = Transaction::begin(*db);
    ASSERT_OK(txn);
    ASSERT_OK(db->exec("INSERT INTO t VALUES(1)"));
  }  // dropped without commit
  {
    auto txn = Transaction::begin(*db);
    ASSERT_OK(txn);
    ASSERT_OK(db->exec("INSERT INTO t VALUES(2)"));
    ASSERT_OK(txn->commit());
  }
  auto stmt = db->prepare("SELECT group_concat(x) FROM t");
  ASSERT_OK(stmt);
  auto row = stmt->step();
  ASSERT_OK(row);
  ASSERT_TRUE(*row);
  EXPECT_EQ(stmt->column_text(0), "2");
}

TEST(DatabaseTest, SqlErrorsMapToErrors) {
  ldb::testing::TempDir dir;
  auto db = Database::open(dir.path() / "t.sqlite", Database::Create::yes);
  ASSERT_OK(db);
  auto bad = db->prepare("SELECT * FROM no_such_table");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::internal);
  EXPECT_NE(bad.error().message.find("no_such_table"), std::string::npos) << bad.error().message;
  auto missing = Database::open(dir.path() / "absent.sqlite", Database::Create::no);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::io);
  EXPECT_NE(missing.error().message.find("absent.sqlite"), std::string::npos);
}

}  // namespace
}  // namespace ldb::store
