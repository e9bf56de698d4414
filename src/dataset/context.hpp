#pragma once
// What dataset operations need from the command that runs them: the store,
// the storage seam, the worker pool, a progress sink and the instance's
// settings. Passed by reference; nothing here is global.

#include <filesystem>
#include <string>
#include <vector>

#include "core/progress.hpp"
#include "core/thread_pool.hpp"
#include "storage/file_system.hpp"
#include "store/store.hpp"

namespace ldb::dataset {

struct Settings {
  bool auto_index = false;         // index unindexed paths on add/list (QuickStart default: on)
  bool read_any_location = false;  // index outside registered storage (QuickStart default: on)
};

struct Context {
  store::Store& store;
  storage::FileSystem& fs;
  core::ThreadPool& pool;
  core::Progress& progress;
  Settings settings;
  std::filesystem::path instance_dir;
  std::vector<std::string> warnings;  // collected for the CLI to print
  std::vector<std::string> notes;     // things done on the way (e.g. files copied to read-add storage), for stdout
};

}  // namespace ldb::dataset
