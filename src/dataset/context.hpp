#pragma once
// What dataset operations need from the command that runs them: the store,
// the storage seam, the worker pool, a progress sink and the instance's
// settings. Passed by reference; nothing here is global.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "core/progress.hpp"
#include "core/thread_pool.hpp"
#include "dataset/label_edits.hpp"
#include "storage/file_system.hpp"
#include "store/store.hpp"

namespace ldb::dataset {

struct Settings {
  bool auto_index = false;         // index unindexed paths on add/list (QuickStart default: on)
  bool read_any_location = false;  // index outside registered storage (QuickStart default: on)
  // Plugin programs the instance config declares (SPEC section 8):
  // [embedding.NAME] run = [...] and [projection.NAME] run = [...], by NAME.
  std::map<std::string, std::vector<std::string>> embedding_models;
  std::map<std::string, std::vector<std::string>> projection_methods;
};

// A file of a workspace whose content the staged dataset holds once the
// workspace was read as a source (dataset/workspace_files.hpp).
struct TakenFile {
  std::string path;  // absolute
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // as read
  core::Md5 md5;
};

// One workspace read as a source, and the files taken in from it.
struct WorkspaceRead {
  std::filesystem::path root;
  std::vector<TakenFile> taken;
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
  // Workspaces read as sources by resolve_sources (`ldb add .`), for the CLI
  // to record what was taken in once the staged state is saved.
  std::vector<WorkspaceRead> workspace_reads;
  // How a detection layout's files read back what instantiate wrote there
  // (formats::read_back_labels), for merging edited label files when a
  // workspace is read (dataset/label_edits.hpp). Unset, or failing (an
  // annotation its writer cannot write; a warning says so): each object of an
  // annotation is taken to read back as itself (written_as_is).
  ReadBackLabels read_back_labels;
  // $PATH as the front end gives it: where plugins and transform programs
  // are looked up after the instance's custom_code/ldb_user_filters/.
  std::string program_path;
  // Recorded on commits; the front end decides it ($LDB_AUTHOR, the login name).
  std::string author = "unknown";
  // The plugins that come with ldb (ldb-umap), as the front end finds them;
  // empty: none.
  std::filesystem::path shipped_plugins;
};

}  // namespace ldb::dataset
