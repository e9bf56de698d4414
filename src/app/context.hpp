#pragma once
// What a front end tells src/app about the world it runs in. src/app never
// reads the process environment, the current folder, the user database or
// the terminal: the CLI, the web server and the Python module fill this in.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "core/environment.hpp"
#include "core/progress.hpp"

namespace ldb::app {

struct Context {
  core::Environment env;      // LDB_DIR, HOME, LDB_AUTHOR, LDB_CACHE_DIR, AWS_* ...
  std::filesystem::path cwd;  // relative paths given by the user are taken from here
  std::string user;           // the login name: a commit's author when LDB_AUTHOR is unset
  // Drawn by the front end (a terminal bar, a web page); nullptr draws nothing.
  core::Progress* progress = nullptr;
  // Warnings (a query that failed on some objects, a skipped file) and notes
  // (things done on the way, such as files copied to read-add storage), as a
  // command finishes. Unset: dropped.
  std::function<void(std::string_view)> warn;
  std::function<void(std::string_view)> note;
  unsigned threads = 0;  // worker threads; 0: one per core
  // Where the plugins that come with ldb are (ldb-umap); empty: none.
  std::filesystem::path shipped_plugins;

  // `path` made absolute against cwd and normalized (a local path; URLs are
  // returned as they are).
  std::string absolute(std::string_view path) const;
  // $HOME, or "/" when unset.
  std::filesystem::path home() const;
};

}  // namespace ldb::app
