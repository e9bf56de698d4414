#include "core/thread_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace ldb::core {
namespace {

// Runs parallel_for and checks that every index in [0, n) is visited exactly
// once, that chunks are non-empty and no larger than `chunk`, and that
// worker indices are below the pool size.
void expect_exact_cover(ThreadPool& pool, std::size_t n, std::size_t chunk) {
  auto counts = std::make_unique<std::atomic<int>[]>(n ? n : 1);
  for (std::size_t i = 0; i < n; ++i) counts[i] = 0;
  std::atomic<bool> bad_worker{false};
  std::atomic<bool> bad_range{false};
  pool.parallel_for(n, chunk, [&](std::size_t begin, std::size_t end, unsigned worker) {
    if (worker >= pool.size()) bad_worker = true;
    if (begin >= end || end > n) bad_range = true;
    for (std::size_t i = begin; i < end && i < n; ++i) counts[i].fetch_add(1);
  });
  EXPECT_FALSE(bad_worker) << "n=" << n << " chunk=" << chunk;
  EXPECT_FALSE(bad_range) << "n=" << n << " chunk=" << chunk;
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(counts[i].load(), 1) << "index " << i << " n=" << n << " chunk=" << chunk;
  }
}

TEST(ThreadPoolTest, CoversEveryIndexExactlyOnce) {
  for (unsigned threads : {1u, 2u, 3u, 4u, 8u}) {
    ThreadPool pool(threads);
    ASSERT_EQ(pool.size(), threads);
    for (std::size_t n : {0u, 1u, 2u, 3u, 7u, 64u, 100u, 1000u, 4097u}) {
      for (std::size_t chunk : {0u, 1u, 2u, 3u, 16u, 999u, 5000u}) {
        expect_exact_cover(pool, n, chunk);
      }
    }
  }
}

TEST(ThreadPoolTest, ZeroMeansHardwareConcurrency) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.size(), std::max(1u, std::thread::hardware_concurrency()));
  expect_exact_cover(pool, 500, 7);
}

TEST(ThreadPoolTest, ChunksRespectChunkSize) {
  ThreadPool pool(4);
  std::mutex mutex;
  std::vector<std::pair<std::size_t, std::size_t>> chunks;
  pool.parallel_for(103, 10, [&](std::size_t begin, std::size_t end, unsigned) {
    std::lock_guard lock(mutex);
    chunks.emplace_back(begin, end);
  });
  std::sort(chunks.begin(), chunks.end());
  ASSERT_EQ(chunks.size(), 11u);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].first, i * 10);
    EXPECT_EQ(chunks[i].second, std::min<std::size_t>(103, i * 10 + 10));
  }
}

TEST(ThreadPoolTest, ReusableAcrossManyCalls) {
  ThreadPool pool(4);
  std::atomic<std::size_t> total{0};
  for (int round = 0; round < 500; ++round) {
    pool.parallel_for(37, 2, [&](std::size_t begin, std::size_t end, unsigned) { total += end - begin; });
  }
  EXPECT_EQ(total.load(), 500u * 37u);
}

TEST(ThreadPoolTest, SingleThreadPoolRunsInline) {
  ThreadPool pool(1);
  EXPECT_EQ(pool.size(), 1u);
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> other_thread{false};
  std::size_t sum = 0;  // no synchronization needed when everything runs inline
  pool.parallel_for(100, 3, [&](std::size_t begin, std::size_t end, unsigned worker) {
    if (std::this_thread::get_id() != caller || worker != 0) other_thread = true;
    for (std::size_t i = begin; i < end; ++i) sum += i;
  });
  EXPECT_FALSE(other_thread);
  EXPECT_EQ(sum, 99u * 100u / 2u);
}

TEST(ThreadPoolTest, WorkIsSharedAcrossThreads) {
  ThreadPool pool(4);
  std::mutex mutex;
  std::set<std::thread::id> seen_threads;
  std::set<unsigned> seen_workers;
  // Slow chunks give every worker time to join in.
  pool.parallel_for(64, 1, [&](std::size_t, std::size_t, unsigned worker) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard lock(mutex);
    seen_threads.insert(std::this_thread::get_id());
    seen_workers.insert(worker);
  });
  EXPECT_GT(seen_threads.size(), 1u);
  EXPECT_EQ(seen_threads.size(), seen_workers.size());  // one worker index per thread
}

TEST(ThreadPoolTest, DestroyWithoutUse) {
  for (int i = 0; i < 20; ++i) {
    ThreadPool pool(3);
  }
  SUCCEED();
}

}  // namespace
}  // namespace ldb::core
