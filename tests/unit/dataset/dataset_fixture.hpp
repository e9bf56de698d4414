#pragma once
// Shared fixture of the dataset tests: a temp folder holding an instance (the
// real SQLite store) and a data folder, the local file system, a 2-thread pool
// and a dataset::Context over them with auto-indexing and read-any-location on.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "core/progress.hpp"
#include "core/thread_pool.hpp"
#include "dataset/context.hpp"
#include "index/indexer.hpp"
#include "storage/file_system.hpp"
#include "store/factory.hpp"
#include "test_support.hpp"

namespace ldb::testing {

class DatasetFixture : public ::testing::Test {
 protected:
  DatasetFixture() {
    std::filesystem::create_directories(m_instance);
    m_store = store::create_store(store::sqlite_store_config(m_instance)).value();
    m_ctx = std::make_unique<dataset::Context>(
        dataset::Context{*m_store, *m_fs, m_pool, m_progress, dataset::Settings{true, true}, m_instance, {}});
    // Plugins on the test process's PATH, as a front end passes it down.
    if (const char* path = std::getenv("PATH")) m_ctx->program_path = path;
  }

  dataset::Context& ctx() { return *m_ctx; }
  store::Store& db() { return *m_store; }

  // Absolute path of a file below the data folder.
  std::string data(std::string_view relative) const { return (m_data / relative).string(); }

  // Writes data/<stem>.jpg with `content` and, unless `json` is empty, data/<stem>.json.
  core::Md5 write_pair(std::string_view stem, std::string_view content, std::string_view json) {
    m_dir.write(fmt_path(stem, ".jpg"), content);
    if (!json.empty()) m_dir.write(fmt_path(stem, ".json"), json);
    return core::md5_of(content);
  }

  // Indexes paths below the data folder (bare pairs: lone data files count too).
  index::IndexReport index(std::vector<std::string> relatives) {
    std::vector<std::string> paths;
    for (const auto& r : relatives) paths.push_back(data(r));
    index::IndexOptions options;
    options.format = index::Format::bare_pairs;
    auto report = index::index_paths(*m_store, *m_fs, m_pool, m_progress, paths, options);
    EXPECT_TRUE(report.has_value()) << describe(report);
    return report.value_or(index::IndexReport{});
  }

  // The current annotation version of an indexed object.
  std::uint32_t current_version(const core::Md5& hash) { return m_store->object_info(hash).value().current_version; }

  static std::string fmt_path(std::string_view stem, std::string_view ext) {
    return "data/" + std::string(stem) + std::string(ext);
  }

  TempDir m_dir;
  std::filesystem::path m_instance = m_dir.path() / "instance";
  std::filesystem::path m_data = m_dir.path() / "data";
  std::unique_ptr<store::Store> m_store;
  std::unique_ptr<storage::FileSystem> m_fs = storage::make_local_file_system();
  core::ThreadPool m_pool{2};
  core::NullProgress m_progress;
  std::unique_ptr<dataset::Context> m_ctx;
};

inline std::vector<core::Md5> hashes_of(const std::vector<store::ObjectRef>& refs) {
  std::vector<core::Md5> out;
  for (const auto& r : refs) out.push_back(r.hash);
  return out;
}

}  // namespace ldb::testing
