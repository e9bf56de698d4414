// The work queue of scale-out indexing (store/work_queue.hpp): on PostgreSQL,
// two stores on one instance (as two `ldb index` processes on two machines)
// share a run, lease different batches, take over expired leases, and a
// batch lands exactly once. SQLite offers no queue.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "store/postgres.hpp"
#include "store/work_queue.hpp"
#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using namespace std::chrono_literals;
using testing::file;
using testing::StoreTest;

#ifdef LDB_WITH_POSTGRES
class WorkQueueTest : public StoreTest {
 protected:
  WorkQueue& queue_of(Store& store) {
    auto queue = store.work_queue();
    EXPECT_TRUE(queue.has_value()) << ldb::testing::describe(queue);
    EXPECT_NE(queue.value_or(nullptr), nullptr);
    return **queue;
  }
  std::unique_ptr<Store> other() {
    auto opened = open_again();
    EXPECT_TRUE(opened.has_value()) << ldb::testing::describe(opened);
    return std::move(*opened);
  }
  static Md5 key(std::string_view text) { return core::md5_of(text); }
  // Another client's transaction holding one batch row locked, as a claim in
  // progress does, until the connection is destroyed.
  std::optional<PgConnection> hold_row_lock(std::int64_t run, std::uint32_t batch) {
    auto conn = PgConnection::connect(config().url, 1s, Access::as_permitted);
    EXPECT_TRUE(conn.has_value()) << ldb::testing::describe(conn);
    if (!conn) return std::nullopt;
    EXPECT_OK(conn->exec("BEGIN"));
    EXPECT_OK(conn->query("SELECT 1 FROM index_batches WHERE run_id = $1 AND batch = $2 FOR UPDATE",
                          PgParams().add(run).add(std::int64_t{batch})));
    return std::move(*conn);
  }
};

TEST_P(WorkQueueTest, TwoWorkersJoinOneRunAndClaimDifferentBatches) {
  auto second_store = other();
  auto& a = queue_of(store());
  auto& b = queue_of(*second_store);
  auto run_a = a.join_run(key("run"), 3);
  ASSERT_OK(run_a);
  EXPECT_TRUE(run_a->created);
  auto run_b = b.join_run(key("run"), 3);
  ASSERT_OK(run_b);
  EXPECT_FALSE(run_b->created);
  EXPECT_EQ(run_b->id, run_a->id);

  std::set<std::uint32_t> claimed;
  for (auto* q : {&a, &b, &a}) {
    auto lease = q->claim(run_a->id, 60s);
    ASSERT_OK(lease);
    ASSERT_TRUE(lease->has_value());
    EXPECT_EQ((*lease)->attempt, 1);
    claimed.insert((*lease)->batch);
  }
  EXPECT_EQ(claimed, (std::set<std::uint32_t>{0, 1, 2}));
  auto none = b.claim(run_a->id, 60s);
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  auto progress = a.progress(run_a->id);
  ASSERT_OK(progress);
  EXPECT_EQ(progress->batches, 3u);
  EXPECT_EQ(progress->leased, 3u);
  EXPECT_EQ(progress->done, 0u);
}

TEST_P(WorkQueueTest, AClaimSkipsABatchAnotherWorkerHoldsLocked) {
  auto& a = queue_of(store());
  auto run = a.join_run(key("run"), 2);
  ASSERT_OK(run);
  // Another client holds batch 0's row locked (as a claim in progress does):
  // the claim takes batch 1 without waiting for it.
  auto held = hold_row_lock(run->id, 0);
  auto lease = a.claim(run->id, 60s);
  ASSERT_OK(lease);
  ASSERT_TRUE(lease->has_value());
  EXPECT_EQ((*lease)->batch, 1u);
}

TEST_P(WorkQueueTest, AnExpiredLeaseIsTakenOverAndTheStaleOwnersCompleteIsRefused) {
  auto second_store = other();
  auto& a = queue_of(store());
  auto& b = queue_of(*second_store);
  auto run = a.join_run(key("run"), 1);
  ASSERT_OK(run);
  auto stale = a.claim(run->id, 50ms);
  ASSERT_OK(stale);
  ASSERT_TRUE(stale->has_value());
  auto before = b.claim(run->id, 60s);  // not expired yet
  ASSERT_OK(before);
  EXPECT_FALSE(before->has_value());
  std::this_thread::sleep_for(150ms);
  auto taken = b.claim(run->id, 60s);
  ASSERT_OK(taken);
  ASSERT_TRUE(taken->has_value());
  EXPECT_EQ((*taken)->batch, 0u);
  EXPECT_EQ((*taken)->attempt, 2);

  // The stale owner's work is refused whole: nothing of it lands.
  auto renewed = a.renew(**stale, 60s);
  ASSERT_FALSE(renewed.has_value());
  EXPECT_EQ(renewed.error().code, ErrorCode::conflict);
  {
    auto session = a.begin_batch(**stale, {});
    ASSERT_OK(session);
    std::vector<IndexedFile> files{file("/d/a.jpg", "a", R"({"v":1})")};
    ASSERT_OK((*session)->add(files));
    auto committed = (*session)->commit();
    ASSERT_FALSE(committed.has_value());
    EXPECT_EQ(committed.error().code, ErrorCode::conflict);
    EXPECT_NE(committed.error().message.find("taken over"), std::string::npos) << committed.error().message;
  }
  EXPECT_EQ(raw_int("SELECT count(*) FROM objects"), 0);

  // The taker-over's commit lands and finishes the run.
  auto session = b.begin_batch(**taken, {});
  ASSERT_OK(session);
  std::vector<IndexedFile> files{file("/d/a.jpg", "a", R"({"v":1})")};
  ASSERT_OK((*session)->add(files));
  auto committed = (*session)->commit();
  ASSERT_OK(committed);
  EXPECT_EQ(committed->new_objects, 1u);
  session->reset();
  EXPECT_EQ(raw_int("SELECT count(*) FROM objects"), 1);
  EXPECT_EQ(raw_int("SELECT count(*) FROM annotation_versions"), 1);
  auto progress = a.progress(run->id);
  ASSERT_OK(progress);
  EXPECT_TRUE(progress->finished());
  // The stale owner's late commit of a done batch is refused too.
  auto late = a.begin_batch(**stale, {});
  ASSERT_OK(late);
  EXPECT_FALSE((*late)->commit().has_value());
}

TEST_P(WorkQueueTest, ALeaseOfAProcessOfThisHostThatIsGoneIsTakenOverAtOnce) {
  auto& a = queue_of(store());
  auto run = a.join_run(key("run"), 2);
  ASSERT_OK(run);
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  // Batch 0: a process of this host that does not exist (pids stay below
  // 2^22); batch 1: a process of another host. Both leases run for an hour.
  ASSERT_TRUE(
      raw_exec(fmt::format("UPDATE index_batches SET state = 'leased', attempt = 1, expires_at = now() + "
                           "interval '1 hour', owner = CASE batch WHEN 0 THEN '{}:99999999:0' ELSE "
                           "'elsewhere:1:0' END",
                           host)));
  auto lease = a.claim(run->id, 60s);
  ASSERT_OK(lease);
  ASSERT_TRUE(lease->has_value());
  EXPECT_EQ((*lease)->batch, 0u);
  EXPECT_EQ((*lease)->attempt, 2);
  auto none = a.claim(run->id, 60s);
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
}

TEST_P(WorkQueueTest, ARenewedLeaseIsNotTakenOver) {
  auto second_store = other();
  auto& a = queue_of(store());
  auto& b = queue_of(*second_store);
  auto run = a.join_run(key("run"), 1);
  ASSERT_OK(run);
  auto lease = a.claim(run->id, 100ms);
  ASSERT_OK(lease);
  ASSERT_TRUE(lease->has_value());
  ASSERT_OK(a.renew(**lease, 60s));
  std::this_thread::sleep_for(150ms);
  auto other_claim = b.claim(run->id, 60s);
  ASSERT_OK(other_claim);
  EXPECT_FALSE(other_claim->has_value());
  // A batch given back is claimed again at once.
  ASSERT_OK(a.release(**lease));
  auto again = b.claim(run->id, 60s);
  ASSERT_OK(again);
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->attempt, 2);
}

TEST_P(WorkQueueTest, AFinishedRunIsNotRejoined) {
  auto& a = queue_of(store());
  auto run = a.join_run(key("run"), 1);
  ASSERT_OK(run);
  auto lease = a.claim(run->id, 60s);
  ASSERT_OK(lease);
  ASSERT_TRUE(lease->has_value());
  auto session = a.begin_batch(**lease, {});
  ASSERT_OK(session);
  ASSERT_OK((*session)->commit());
  session->reset();
  auto next = a.join_run(key("run"), 1);
  ASSERT_OK(next);
  EXPECT_TRUE(next->created);
  EXPECT_NE(next->id, run->id);
  // The finished run of the same key is gone; the old id reads as finished.
  auto old = a.progress(run->id);
  ASSERT_OK(old);
  EXPECT_TRUE(old->finished());
  auto other_key = a.join_run(key("other"), 2);
  ASSERT_OK(other_key);
  EXPECT_TRUE(other_key->created);
  EXPECT_EQ(raw_int("SELECT count(*) FROM index_runs"), 2);
}

TEST_P(WorkQueueTest, WorkersStartingAtOnceCreateOneRun) {
  constexpr int k_workers = 4;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < k_workers; ++i) stores.push_back(other());
  std::vector<std::int64_t> ids(k_workers);
  std::vector<std::thread> threads;
  for (int i = 0; i < k_workers; ++i) {
    threads.emplace_back([&, i] {
      auto queue = stores[i]->work_queue();
      if (!queue) return;
      auto run = (*queue)->join_run(key("run"), 5);
      ids[i] = run ? run->id : -1;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 1; i < k_workers; ++i) EXPECT_EQ(ids[i], ids[0]);
  EXPECT_GT(ids[0], 0);
  EXPECT_EQ(raw_int("SELECT count(*) FROM index_batches"), 5);
}

LDB_POSTGRES_ONLY(WorkQueueTest);
#endif

class NoWorkQueueTest : public StoreTest {};

TEST_P(NoWorkQueueTest, SqliteOffersNone) {
  auto queue = store().work_queue();
  ASSERT_OK(queue);
  EXPECT_EQ(*queue, nullptr);
}

LDB_SQLITE_ONLY(NoWorkQueueTest);

}  // namespace
}  // namespace ldb::store
