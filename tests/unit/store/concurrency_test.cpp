// Conformance (every backend, store_test_support.hpp): two stores on one
// instance, and a write while another process holds the instance's write lock
// fails with conflict after the busy timeout the store was opened with
// (StoreOptions::busy_timeout). The real 10 s default is covered by the
// slow-labelled store_busy_slow_test.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using testing::file;
using testing::StoreTest;

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

TEST_P(StoreTest, WriteWhileAnotherConnectionHoldsTheLockIsConflict) {
  // Short timeouts keep the test fast.
  auto first = open_again({std::chrono::milliseconds(100)});
  ASSERT_OK(first);
  m_store = std::move(*first);
  auto second = open_again({std::chrono::milliseconds(100)});
  ASSERT_OK(second);
  {
    auto holder = hold_write_lock();
    Collection none;
    expect_conflict(as_status(store().commit_dataset("cats", none, 0, "m", "a")));
    expect_conflict(as_status((*second)->ingest(std::vector<IndexedFile>{file("/d/a.jpg", "a")}, {})));
    expect_conflict(store().add_storage_location({"/data", false, {}}));
    // Readers are not blocked by the writer.
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

TEST_P(StoreTest, ConflictWaitsForTheBusyTimeout) {
  auto waiting = open_again({std::chrono::milliseconds(300)});
  ASSERT_OK(waiting);
  auto holder = hold_write_lock();
  auto start = std::chrono::steady_clock::now();
  auto st = (*waiting)->add_storage_location({"/data", false, {}});
  auto waited = std::chrono::steady_clock::now() - start;
  expect_conflict(st);
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  // The message names the time waited: the option reached the backend.
  if (!st) {
    EXPECT_NE(st.error().message.find("0.3 s"), std::string::npos) << st.error().message;
  }
}

TEST_P(StoreTest, ConcurrentCommitsToOneDatasetEachGetTheirOwnVersion) {
  // 4 clients x 25 commits to one dataset: 100 versions, none lost or doubled.
  constexpr int k_clients = 4, k_commits = 25;
  std::vector<std::thread> clients;
  std::atomic<int> failures{0};
  for (int c = 0; c < k_clients; ++c) {
    clients.emplace_back([&, c] {
      auto client = open_again();
      if (!client) {
        ++failures;
        return;
      }
      for (int i = 0; i < k_commits; ++i) {
        if (!(*client)->commit_dataset("shared", {}, 0, fmt::format("client {} commit {}", c, i), "a")) ++failures;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto log = store().dataset_log("shared");
  ASSERT_OK(log);
  ASSERT_EQ(log->size(), static_cast<std::size_t>(k_clients * k_commits));
  for (std::size_t i = 0; i < log->size(); ++i) EXPECT_EQ((*log)[i].version, i + 1);
}

}  // namespace
}  // namespace ldb::store
