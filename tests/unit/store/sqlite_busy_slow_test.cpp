// Slow (label "slow"): a write blocked by another connection's write lock
// fails with ErrorCode::conflict after the real busy timeout (10 s), not
// immediately and not never. SQLite only: it holds the lock through a raw
// SQLite connection and tests SQLite's busy handler.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>

#include "store_test_support.hpp"

namespace ldb::store {
namespace {

TEST(StoreBusySlowTest, ConflictAfterTheDefaultBusyTimeout) {
  ldb::testing::TempDir dir;
  // Through the factory with default options, as the front ends open stores.
  auto created = create_store(sqlite_store_config(dir.path()));
  ASSERT_OK(created);
  auto other = open_store(sqlite_store_config(dir.path()));
  ASSERT_OK(other);

  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / k_database_file).c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  auto start = std::chrono::steady_clock::now();
  auto committed = (*other)->commit_dataset("cats", {}, 0, "m", "a");
  auto waited = std::chrono::steady_clock::now() - start;
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);

  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().code, ErrorCode::conflict);
  EXPECT_NE(committed.error().message.find("10 s"), std::string::npos) << committed.error().message;
  EXPECT_GE(waited, std::chrono::seconds(9));
  EXPECT_LT(waited, std::chrono::seconds(30));

  // After the holder is gone, the write goes through.
  ASSERT_OK((*other)->commit_dataset("cats", {}, 0, "m", "a"));
}

}  // namespace
}  // namespace ldb::store
