#pragma once
// A bounded worker pool for hashing, parsing, query evaluation and copying.
// parallel_for splits [0, n) into chunks handed to the workers and the calling
// thread; it returns when every chunk is done. Pass the pool by reference (no
// global pool): the CLI creates one per command.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ldb::core {

class ThreadPool {
 public:
  // threads == 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(unsigned threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const { return m_size; }

  // Calls fn(begin, end, worker_index) over disjoint chunks covering [0, n).
  // worker_index < size(). Exceptions must not escape fn.
  void parallel_for(std::size_t n, std::size_t chunk,
                    const std::function<void(std::size_t, std::size_t, unsigned)>& fn);

 private:
  void worker_loop(unsigned index);

  unsigned m_size;
  std::vector<std::thread> m_threads;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::condition_variable m_done;
  const std::function<void(std::size_t, std::size_t, unsigned)>* m_job = nullptr;
  std::size_t m_n = 0;
  std::size_t m_chunk = 1;
  std::size_t m_next = 0;
  unsigned m_active = 0;
  std::size_t m_generation = 0;
  bool m_stop = false;
};

}  // namespace ldb::core
