#include "core/thread_pool.hpp"

#include <algorithm>

namespace ldb::core {

ThreadPool::ThreadPool(unsigned threads) {
  m_size = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  // The calling thread is worker 0; spawn the others.
  for (unsigned i = 1; i < m_size; ++i) {
    m_threads.emplace_back([this, i] { worker_loop(i); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  for (auto& t : m_threads) t.join();
}

void ThreadPool::parallel_for(std::size_t n, std::size_t chunk,
                              const std::function<void(std::size_t, std::size_t, unsigned)>& fn) {
  if (n == 0) return;
  chunk = std::max<std::size_t>(1, chunk);
  if (m_size == 1 || n <= chunk) {
    fn(0, n, 0);
    return;
  }
  {
    std::lock_guard lock(m_mutex);
    m_job = &fn;
    m_n = n;
    m_chunk = chunk;
    m_next = 0;
    m_active = m_size - 1;
    ++m_generation;
  }
  m_wake.notify_all();
  // The caller works too.
  for (;;) {
    std::size_t begin;
    {
      std::lock_guard lock(m_mutex);
      begin = m_next;
      m_next = std::min(m_n, m_next + m_chunk);
    }
    if (begin >= n) break;
    fn(begin, std::min(n, begin + chunk), 0);
  }
  std::unique_lock lock(m_mutex);
  m_done.wait(lock, [this] { return m_active == 0; });
  m_job = nullptr;
}

void ThreadPool::worker_loop(unsigned index) {
  std::size_t seen = 0;
  for (;;) {
    const std::function<void(std::size_t, std::size_t, unsigned)>* job;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
      if (m_stop) return;
      seen = m_generation;
      job = m_job;
    }
    for (;;) {
      std::size_t begin, end;
      {
        std::lock_guard lock(m_mutex);
        begin = m_next;
        m_next = std::min(m_n, m_next + m_chunk);
        end = m_next;
      }
      if (begin >= end) break;
      (*job)(begin, end, index);
    }
    {
      std::lock_guard lock(m_mutex);
      if (--m_active == 0) m_done.notify_all();
    }
  }
}

}  // namespace ldb::core
