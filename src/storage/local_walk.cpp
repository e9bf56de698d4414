#include "storage/local_walk.hpp"

#include <dirent.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "storage/posix_file.hpp"

namespace ldb::storage {

namespace {

constexpr unsigned k_max_threads = 4;

std::string join(std::string_view dir, std::string_view name) {
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  out += dir;
  if (out.empty() || out.back() != '/') out.push_back('/');
  out += name;
  return out;
}

struct DirId {
  dev_t dev;
  ino_t ino;
  bool operator==(const DirId&) const = default;
};

struct PendingDir {
  std::string path;
  std::vector<DirId> ancestors;  // the folders above it on its descent path, itself last
};

class TreeWalk {
 public:
  TreeWalk(unsigned threads, Depth depth) : m_depth(depth), m_outputs(threads) {}

  void push(PendingDir dir) {
    std::lock_guard lock(m_mutex);
    m_queue.push_back(std::move(dir));
    m_wake.notify_one();
  }

  // Takes folders from the queue until it is empty and no thread is listing
  // one (which could queue more), or until a folder failed.
  void run(unsigned worker) {
    auto& out = m_outputs[worker];
    for (;;) {
      PendingDir dir;
      {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [&] { return m_failure || !m_queue.empty() || m_listing == 0; });
        if (m_failure || m_queue.empty()) {
          m_wake.notify_all();
          break;
        }
        dir = std::move(m_queue.front());
        m_queue.pop_front();
        ++m_listing;
      }
      auto listed = list_one(dir, out);
      std::lock_guard lock(m_mutex);
      --m_listing;
      if (!listed && !m_failure) m_failure = std::move(listed).error();
      m_wake.notify_all();
    }
    std::sort(out.begin(), out.end(), by_path);
  }

  // Each thread sorts what it found before it returns (in parallel); this
  // merges the sorted lists.
  Result<std::vector<FileInfo>> result() {
    if (m_failure) return std::unexpected(std::move(*m_failure));
    std::vector<FileInfo> all = std::move(m_outputs[0]);
    for (std::size_t i = 1; i < m_outputs.size(); ++i) {
      auto middle = static_cast<std::ptrdiff_t>(all.size());
      all.insert(all.end(), std::make_move_iterator(m_outputs[i].begin()), std::make_move_iterator(m_outputs[i].end()));
      std::inplace_merge(all.begin(), all.begin() + middle, all.end(), by_path);
    }
    return all;
  }

  static bool by_path(const FileInfo& a, const FileInfo& b) { return a.path < b.path; }

 private:
  Status list_one(const PendingDir& dir, std::vector<FileInfo>& out) {
    DIR* handle = ::opendir(dir.path.c_str());
    if (handle == nullptr) return std::unexpected(errno_error(errno, "list the folder", dir.path));
    int dir_fd = ::dirfd(handle);
    std::vector<PendingDir> subdirs;
    for (;;) {
      // readdir reports an error only through errno, and the skipped entries
      // below leave ENOENT/ELOOP there: clear it before every call.
      errno = 0;
      struct dirent* entry = ::readdir(handle);
      if (entry == nullptr) break;
      const char* name = entry->d_name;
      if (name[0] == '.') continue;  // ".", "..", and hidden entries
      struct stat st;
      if (::fstatat(dir_fd, name, &st, 0) != 0) {
        int err = errno;
        if (err == ENOENT || err == ELOOP) continue;  // dangling symlink or vanished entry
        ::closedir(handle);
        return std::unexpected(errno_error(err, "read", join(dir.path, name)));
      }
      if (S_ISREG(st.st_mode)) {
        out.push_back(local_file_info(join(dir.path, name), st));
      } else if (S_ISDIR(st.st_mode) && m_depth == Depth::all) {
        DirId id{st.st_dev, st.st_ino};
        // A symlink leading back to a folder on its own descent path: a loop.
        if (std::find(dir.ancestors.begin(), dir.ancestors.end(), id) == dir.ancestors.end()) {
          PendingDir sub{join(dir.path, name), dir.ancestors};
          sub.ancestors.push_back(id);
          subdirs.push_back(std::move(sub));
        }
      }
      // FIFOs, sockets and devices are not data files.
    }
    int err = errno;
    ::closedir(handle);
    if (err != 0) return std::unexpected(errno_error(err, "list the folder", dir.path));
    if (!subdirs.empty()) {
      std::lock_guard lock(m_mutex);
      for (auto& sub : subdirs) m_queue.push_back(std::move(sub));
    }
    return {};
  }

  Depth m_depth;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<PendingDir> m_queue;
  unsigned m_listing = 0;
  std::optional<Error> m_failure;
  std::vector<std::vector<FileInfo>> m_outputs;  // one per thread
};

}  // namespace

FileInfo local_file_info(std::string path, const struct stat& st) {
  std::int64_t mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return FileInfo{std::move(path), static_cast<std::uint64_t>(st.st_size), mtime_ns};
}

Result<std::vector<FileInfo>> walk_local_tree(const std::string& root, const struct stat& root_stat, unsigned threads,
                                              Depth depth) {
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, k_max_threads);
  if (depth == Depth::top) threads = 1;
  TreeWalk walk(threads, depth);
  walk.push(PendingDir{root, {DirId{root_stat.st_dev, root_stat.st_ino}}});
  {
    std::vector<std::jthread> helpers;
    for (unsigned worker = 1; worker < threads; ++worker) helpers.emplace_back([&walk, worker] { walk.run(worker); });
    walk.run(0);
  }
  return walk.result();
}

}  // namespace ldb::storage
