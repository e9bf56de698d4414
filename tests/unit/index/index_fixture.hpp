#pragma once
// Shared fixture of the index tests: a temp folder, the local file system
// wrapped in a fault injector (which also records hash/read calls), an
// in-memory store and a 4-thread pool.

#include <chrono>
#include <filesystem>

#include "core/hash.hpp"
#include "fake_store.hpp"
#include "index/indexer.hpp"
#include "storage/fault_injection.hpp"
#include "test_support.hpp"

namespace ldb::testing {

class IndexFixture : public ::testing::Test {
 protected:
  Result<index::IndexReport> run_index(std::vector<std::string> paths, index::IndexOptions options = {}) {
    return index::index_paths(m_store, m_fs, m_pool, m_progress, paths, options);
  }
  Result<index::IndexReport> run_index(const std::filesystem::path& path, index::IndexOptions options = {}) {
    return run_index(std::vector<std::string>{path.string()}, options);
  }
  Result<store::Collection> run_resolve(const std::filesystem::path& path, index::IndexOptions options = {}) {
    std::vector<std::string> paths{path.string()};
    return index::resolve_indexed(m_store, m_fs, paths, options);
  }

  std::string path(std::string_view relative) const { return (m_dir.path() / relative).string(); }
  static core::Md5 md5(std::string_view s) { return core::md5_of(s); }

  // Moves a file's mtime forward so that a same-size rewrite is noticed.
  void bump_mtime(std::string_view relative) {
    auto p = m_dir.path() / relative;
    std::filesystem::last_write_time(p, std::filesystem::last_write_time(p) + std::chrono::seconds(10));
  }

  // The annotation JSON the store holds for a ref.
  std::string annotation_of(const store::ObjectRef& ref) {
    std::vector<store::ObjectRef> refs{ref};
    return m_store.annotations(refs).value().front();
  }

  TempDir m_dir;
  std::unique_ptr<storage::FileSystem> m_local = storage::make_local_file_system();
  storage::FaultInjectingFileSystem m_fs{*m_local};
  FakeStore m_store;
  core::ThreadPool m_pool{4};
  core::NullProgress m_progress;
};

}  // namespace ldb::testing
