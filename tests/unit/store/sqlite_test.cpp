// The SQLite layer (src/store/sqlite.cpp): transactions, WAL readers, and
// read-only instances. What every backend must do when another process holds
// the instance's write lock is in concurrency_test.cpp.

#include <grp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "store/sqlite_store.hpp"
#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using testing::file;
using testing::StoreTest;

// The store tests that look at SQLite internals (the connection's transaction
// state, the read-only error naming the database file).
class SqliteStoreTest : public StoreTest {};

TEST_P(SqliteStoreTest, FailedWriteLeavesNoOpenTransaction) {
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

TEST(DatabaseTest, SqlSummaryKeepsWholeWords) {
  EXPECT_EQ(sql_summary("SELECT 1"), "SELECT 1");
  EXPECT_EQ(sql_summary("  SELECT a,\n       b\tFROM t  "), "SELECT a, b FROM t");
  // What ldb printed cut off as "(PRAGMA journal_mode=WAL; PRAGMA synchron".
  EXPECT_EQ(sql_summary("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", 40),
            "PRAGMA journal_mode=WAL; PRAGMA...");
  EXPECT_EQ(sql_summary("INSERT INTO objects(hash, size) VALUES(?, ?)", 20), "INSERT INTO...");
  // Only a first word longer than the limit is cut inside.
  EXPECT_EQ(sql_summary(std::string(70, 'x'), 60), std::string(60, 'x') + "...");
  for (std::size_t limit = 1; limit < 80; ++limit) {
    std::string sql = "UPDATE annotations SET value = 1 WHERE hash = ? AND version = ?";
    std::string shown = sql_summary(sql, limit);
    if (shown == sql) continue;
    ASSERT_TRUE(shown.ends_with("...")) << shown;
    std::string kept = shown.substr(0, shown.size() - 3);
    // The kept part ends where a word of the statement ends.
    std::size_t at = sql.find(kept);
    ASSERT_EQ(at, 0u) << shown;
    if (kept.find(' ') != std::string::npos) {
      EXPECT_TRUE(sql[kept.size()] == ' ') << limit << ": " << shown;
    }
  }
}

// A database file with table t holding one row, every connection closed (so
// no -wal or -shm is left).
std::filesystem::path make_database(const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder);
  auto file = folder / "ldb.sqlite";
  auto db = Database::open(file, Database::Create::yes);
  EXPECT_TRUE(db.has_value());
  if (db) {
    EXPECT_TRUE(db->exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES(1);").has_value());
  }
  return file;
}

std::int64_t count_rows(Database& db) {
  auto stmt = db.prepare("SELECT count(*) FROM t");
  if (!stmt) return -1;
  auto row = stmt->step();
  return row && *row ? stmt->column_int(0) : -1;
}

void expect_read_only_error(const Error& error, const std::filesystem::path& folder) {
  EXPECT_EQ(error.code, ErrorCode::io);
  EXPECT_EQ(error.message, "instance '" + folder.string() +
                               "' is read-only: this user cannot write its database ldb.sqlite or its folder");
  EXPECT_NE(error.hint.find("commands that only read it work"), std::string::npos) << error.hint;
  EXPECT_NE(error.hint.find("cp -r '" + folder.string() + "' DIR"), std::string::npos) << error.hint;
}

TEST(DatabaseTest, ReadOnlyAccessReadsAndRefusesEveryWrite) {
  ldb::testing::TempDir dir;
  auto file = make_database(dir.path() / "inst");
  auto db = Database::open(file, Database::Create::no, Access::read_only);
  ASSERT_OK(db);
  EXPECT_TRUE(db->read_only());
  EXPECT_EQ(count_rows(*db), 1);
  auto txn = Transaction::begin(*db);
  ASSERT_FALSE(txn.has_value());
  expect_read_only_error(txn.error(), dir.path() / "inst");
  // A write outside a Transaction fails the same way.
  auto write = db->exec("INSERT INTO t VALUES(2)");
  ASSERT_FALSE(write.has_value());
  expect_read_only_error(write.error(), dir.path() / "inst");
  EXPECT_EQ(count_rows(*db), 1);
  // The owner's connection still writes.
  auto owner = Database::open(file, Database::Create::no);
  ASSERT_OK(owner);
  EXPECT_FALSE(owner->read_only());
  ASSERT_OK(owner->exec("INSERT INTO t VALUES(2)"));
  EXPECT_EQ(count_rows(*db), 2);
}

// The owner's open connection after a second insert, which stays in the WAL
// while the connection is open.
Result<Database> owner_working(const std::filesystem::path& file) {
  auto owner = Database::open(file, Database::Create::no);
  if (owner) LDB_TRY(owner->exec("INSERT INTO t VALUES(2)"));
  return owner;
}

TEST(DatabaseTest, ReadOnlyConnectionSeesCommitsStillInTheWal) {
  ldb::testing::TempDir dir;
  auto file = make_database(dir.path() / "inst");
  auto owner = owner_working(file);
  ASSERT_OK(owner);
  ASSERT_TRUE(std::filesystem::file_size(file.string() + "-wal") > 0);
  auto reader = Database::open(file, Database::Create::no, Access::read_only);
  ASSERT_OK(reader);
  EXPECT_EQ(count_rows(*reader), 2);
}

// Runs `check` in a child process as a user who may not write `folder` (made
// 0555, its files 0444): uid and gid 65534 when this process is root, which
// permissions do not bind, else this user. Returns the child's exit status,
// 0 when every check passed; the child reports what failed on stderr.
int run_as_reader(const std::filesystem::path& folder, const std::function<int()>& check) {
  namespace fs = std::filesystem;
  for (const auto& entry : fs::directory_iterator(folder)) fs::permissions(entry.path(), fs::perms(0444));
  fs::permissions(folder, fs::perms(0555));
  std::fflush(nullptr);
  pid_t child = fork();
  if (child == 0) {
    if (geteuid() == 0 &&
        (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)) {
      std::perror("dropping root");
      _exit(90);
    }
    _exit(check());
  }
  int status = 0;
  waitpid(child, &status, 0);
  fs::permissions(folder, fs::perms(0755));
  for (const auto& entry : fs::directory_iterator(folder)) fs::permissions(entry.path(), fs::perms(0644));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

TEST(DatabaseTest, AnotherUsersFolderIsReadAsAnImmutableFileWhenNoWalIsLeft) {
  ldb::testing::TempDir dir;
  auto folder = dir.path() / "inst";
  auto file = make_database(folder);
  ASSERT_FALSE(std::filesystem::exists(file.string() + "-wal"));
  int status = run_as_reader(folder, [&] {
    if (access(folder.c_str(), W_OK) == 0) return 1;  // the setup must really be read-only
    auto db = Database::open(file, Database::Create::no);
    if (!db) {
      std::fprintf(stderr, "open: %s\n", db.error().message.c_str());
      return 2;
    }
    if (!db->read_only()) return 3;
    if (count_rows(*db) != 1) return 4;
    auto txn = Transaction::begin(*db);
    if (txn || txn.error().message.find("is read-only") == std::string::npos) return 5;
    return std::filesystem::exists(file.string() + "-shm") ? 6 : 0;
  });
  EXPECT_EQ(status, 0);
}

TEST(DatabaseTest, AWalWithChangesButNoShmInAReadOnlyFolderIsAClearError) {
  ldb::testing::TempDir dir;
  auto file = make_database(dir.path() / "live");
  auto owner = owner_working(file);
  ASSERT_OK(owner);
  // A copy of the live instance: the database file and its WAL, no -shm.
  auto copy = dir.path() / "copy";
  std::filesystem::create_directories(copy);
  std::filesystem::copy_file(file, copy / "ldb.sqlite");
  std::filesystem::copy_file(file.string() + "-wal", copy / "ldb.sqlite-wal");
  int status = run_as_reader(copy, [&] {
    auto db = Database::open(copy / "ldb.sqlite", Database::Create::no);
    if (db) return 1;
    if (db.error().code != ErrorCode::io) return 2;
    std::string expected = "cannot read instance database '" + (copy / "ldb.sqlite").string() +
                           "': its write-ahead log ldb.sqlite-wal holds changes, but there is no ldb.sqlite-shm and "
                           "this user cannot create one in the read-only folder";
    if (db.error().message != expected) {
      std::fprintf(stderr, "message: %s\n", db.error().message.c_str());
      return 3;
    }
    return db.error().hint.find("ask the instance's owner") == std::string::npos ? 4 : 0;
  });
  EXPECT_EQ(status, 0);
}

TEST_P(SqliteStoreTest, ReadOnlyStoreReadsAndRefusesWrites) {
  ASSERT_OK(store().add_storage_location({"/data", false, {}}));
  ASSERT_OK(store().commit_dataset("cats", {}, 0, "m", "a"));
  EXPECT_OK(store().check_writable());
  auto reader = open_again({.access = Access::read_only});
  ASSERT_OK(reader);
  auto datasets = (*reader)->datasets();
  ASSERT_OK(datasets);
  ASSERT_EQ(datasets->size(), 1u);
  auto locations = (*reader)->storage_locations();
  ASSERT_OK(locations);
  EXPECT_EQ(locations->size(), 1u);
  auto writable = (*reader)->check_writable();
  ASSERT_FALSE(writable.has_value());
  expect_read_only_error(writable.error(), dir());
  auto add = (*reader)->add_storage_location({"/other", false, {}});
  ASSERT_FALSE(add.has_value());
  expect_read_only_error(add.error(), dir());
  auto commit = (*reader)->commit_dataset("cats", {}, 1, "m2", "b");
  ASSERT_FALSE(commit.has_value());
  expect_read_only_error(commit.error(), dir());
  auto log = store().dataset_log("cats");
  ASSERT_OK(log);
  EXPECT_EQ(log->size(), 1u);
}

LDB_SQLITE_ONLY(SqliteStoreTest);

}  // namespace
}  // namespace ldb::store
