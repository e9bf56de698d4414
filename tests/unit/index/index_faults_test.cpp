// Faults during `ldb index` through both seams, on a real SQLite store: the
// disk fills while the store is written (SQLITE_FULL), another process holds
// the write lock (SQLITE_BUSY), a file vanishes or becomes unreadable while
// the run reads it. Each ends in a clear error, and the store is as before
// the run and passes the instance check.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <fmt/format.h>

#include "core/thread_pool.hpp"
#include "index/indexer.hpp"
#include "storage/fault_injection.hpp"
#include "store/factory.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace ldb::index {
namespace {

using storage::Operation;
using testing::TempDir;

class IndexFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::create_store(store::sqlite_store_config(instance()));
    ASSERT_OK(store);
    m_store = std::move(*store);
    for (int i = 0; i < 300; ++i) {
      m_dir.write(fmt::format("data/d/img{}.png", i), fmt::format("image bytes {}", i));
      m_dir.write(fmt::format("data/d/img{}.json", i),
                  fmt::format(R"({{"n": {}, "text": "{}"}})", i, std::string(200, 'x')));
    }
  }

  std::filesystem::path instance() const { return m_dir.path(); }
  std::string data(std::string_view relative = "") const { return (m_dir.path() / "data" / relative).string(); }

  Result<IndexReport> run_index() {
    std::vector<std::string> paths{data("d")};
    return index_paths(*m_store, m_fs, m_pool, m_progress, paths, {});
  }

  // The instance is consistent, and holds `objects` objects.
  void expect_healthy(std::uint64_t objects) {
    auto report = store::check_store(store::sqlite_store_config(instance()));
    ASSERT_OK(report);
    EXPECT_TRUE(report->problems.empty()) << report->problems.front().where << ": " << report->problems.front().message;
    EXPECT_EQ(report->objects, objects);
  }

  TempDir m_dir;
  std::unique_ptr<store::Store> m_store;
  std::unique_ptr<storage::FileSystem> m_local = storage::make_local_file_system();
  storage::FaultInjectingFileSystem m_fs{*m_local};
  core::ThreadPool m_pool{2};
  core::NullProgress m_progress;
};

TEST_F(IndexFaultsTest, DiskFullWhileWritingTheStoreChangesNothing) {
  auto& db = static_cast<store::SqliteStore&>(*m_store).db();
  auto pages = db.prepare("PRAGMA page_count");
  ASSERT_OK(pages);
  ASSERT_OK(pages->step());
  auto page_count = pages->column_int(0);
  // Room for a few more pages only: the ingest of 300 objects cannot fit.
  ASSERT_OK(db.exec(fmt::format("PRAGMA max_page_count = {}", page_count + 3)));
  auto report = run_index();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::io);
  EXPECT_NE(report.error().message.find("disk full"), std::string::npos) << report.error().message;
  EXPECT_NE(report.error().hint.find("free some disk space"), std::string::npos) << report.error().hint;
  expect_healthy(0);

  // With space again, the same run lands whole.
  ASSERT_OK(db.exec("PRAGMA max_page_count = 1073741823"));
  ASSERT_OK(run_index());
  expect_healthy(300);
}

TEST_F(IndexFaultsTest, LockedStoreFailsWithConflictAndChangesNothing) {
  // A store that waits 200 ms for the lock, so that the test stays fast.
  auto reopened = store::open_store(store::sqlite_store_config(instance(), {std::chrono::milliseconds(200)}));
  ASSERT_OK(reopened);
  m_store = std::move(*reopened);
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open((instance() / store::k_database_file).c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto report = run_index();
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::conflict);
  EXPECT_NE(report.error().message.find("the instance is busy"), std::string::npos) << report.error().message;
  EXPECT_NE(report.error().message.find("0.2 s"), std::string::npos) << report.error().message;
  EXPECT_FALSE(report.error().hint.empty());
  expect_healthy(0);
  ASSERT_OK(run_index());
  expect_healthy(300);
}

TEST_F(IndexFaultsTest, AnnotationThatVanishesMidRunFailsNamingIt) {
  m_fs.add_fault({Operation::read, "img123.json", storage::vanished_error(data("d/img123.json"))});
  auto report = run_index();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::not_found);
  EXPECT_NE(report.error().message.find(data("d/img123.json")), std::string::npos) << report.error().message;
  EXPECT_FALSE(report.error().hint.empty());
  expect_healthy(0);
}

TEST_F(IndexFaultsTest, DataFileThatBecomesUnreadableFailsNamingIt) {
  m_fs.add_fault({Operation::hash, "img42.png",
                  Error{ErrorCode::io, fmt::format("cannot read '{}': Permission denied", data("d/img42.png")),
                        "check the file's permissions"}});
  auto report = run_index();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::io);
  EXPECT_NE(report.error().message.find(data("d/img42.png")), std::string::npos) << report.error().message;
  expect_healthy(0);
}

TEST_F(IndexFaultsTest, DataFileThatVanishesMidRunFailsAndTheRerunSucceeds) {
  // Listed by the scan, gone when hashed.
  m_fs.add_fault({Operation::hash, "img7.png", storage::vanished_error(data("d/img7.png"))});
  auto report = run_index();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::not_found);
  EXPECT_NE(report.error().message.find(data("d/img7.png")), std::string::npos) << report.error().message;
  EXPECT_FALSE(report.error().hint.empty());
  expect_healthy(0);
  // Really gone now: the next run indexes the rest.
  m_fs.clear_faults();
  std::filesystem::remove(data("d/img7.png"));
  ASSERT_OK(run_index());
  expect_healthy(299);
}

}  // namespace
}  // namespace ldb::index
