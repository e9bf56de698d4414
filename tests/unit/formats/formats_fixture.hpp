#pragma once
// Helpers shared by the instantiate, hard-link and transform-runner tests:
// members backed by files in a temporary "storage" folder, and reading a
// workspace back as a map of file contents.

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/hash.hpp"
#include "formats/instantiate.hpp"
#include "test_support.hpp"

namespace ldb::formats::fixture {

// The whole content of the file at `path` ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every non-hidden file below `root` (relative path -> content); hidden
// folders are not entered.
inline std::map<std::string, std::string> tree(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->path().filename().string().starts_with('.')) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_directory()) out[it->path().lexically_relative(root).generic_string()] = slurp(it->path());
  }
  return out;
}

// A member whose data object is written to `dir`/storage/`relative` with
// `content`, with an annotation (version 1) unless `annotation` is empty.
inline Member storage_member(const ldb::testing::TempDir& dir, std::string relative, std::string content,
                             std::string annotation = {}) {
  Member m;
  m.hash = core::md5_of(content);
  m.annotation_version = annotation.empty() ? 0 : 1;
  m.annotation_json = std::move(annotation);
  m.source_path = dir.write("storage/" + relative, content).string();
  m.storage_relative = relative;
  m.size = content.size();
  return m;
}

}  // namespace ldb::formats::fixture
