#include "index/scan.hpp"

#include <algorithm>

#include "core/paths.hpp"
#include "storage/url.hpp"

namespace ldb::index {

namespace {

std::string normalize_root(std::string_view path) { return storage::normalize_storage_path(path); }

void sort_unique(std::vector<ScannedFile>& files) {
  auto by_path = [](const ScannedFile& a, const ScannedFile& b) { return a.info.path < b.info.path; };
  // One root's listing comes sorted: nothing to do but check.
  if (!std::is_sorted(files.begin(), files.end(), by_path)) std::stable_sort(files.begin(), files.end(), by_path);
  files.erase(std::unique(files.begin(), files.end(),
                          [](const ScannedFile& a, const ScannedFile& b) { return a.info.path == b.info.path; }),
              files.end());
}

}  // namespace

bool is_json_path(std::string_view path) { return path.ends_with(".json"); }

std::string annotation_path_for(std::string_view data_path) {
  std::size_t slash = data_path.rfind('/');
  std::size_t name_start = slash == std::string_view::npos ? 0 : slash + 1;
  std::size_t dot = data_path.rfind('.');
  std::string out;
  if (dot != std::string_view::npos && dot > name_start) {
    out = data_path.substr(0, dot);
  } else {
    out = data_path;
  }
  out += ".json";
  return out;
}

std::string relative_folder(std::string_view file, std::string_view root) {
  std::string relative = core::relative_to(file, root);
  if (relative == file) return {};  // the root itself (a file root)
  std::size_t slash = relative.rfind('/');
  if (slash == std::string::npos) return {};
  relative.resize(slash);
  return relative;
}

const ScannedFile* find_file(std::span<const ScannedFile> files, std::string_view path) {
  auto it = std::lower_bound(files.begin(), files.end(), path,
                             [](const ScannedFile& f, std::string_view p) { return f.info.path < p; });
  if (it == files.end() || it->info.path != path) return nullptr;
  return &*it;
}

std::vector<std::string> scan_roots(std::span<const std::string> paths) {
  std::vector<std::string> roots;
  roots.reserve(paths.size());
  for (const auto& given : paths) roots.push_back(normalize_root(given));
  return roots;
}

Result<Scan> scan_paths(storage::FileSystem& fs, std::span<const std::string> paths, core::Progress& progress) {
  Scan scan;
  progress.start("scanning", 0);
  for (const auto& given : paths) {
    std::string root = normalize_root(given);
    auto listed = fs.list(root);
    if (!listed) return std::unexpected(std::move(listed).error());
    auto root_index = static_cast<std::uint32_t>(scan.roots.size());
    // A path naming one data file brings its annotation beside it, as the
    // folder holding both would.
    if (listed->size() == 1 && listed->front().path == root && !is_json_path(root)) {
      if (auto sibling = fs.stat(annotation_path_for(root))) listed->push_back(std::move(*sibling));
    }
    scan.roots.push_back(std::move(root));
    for (auto& info : *listed) {
      auto& bucket = is_json_path(info.path) ? scan.json : scan.data;
      bucket.push_back(ScannedFile{std::move(info), root_index});
    }
    progress.advance(listed->size());
  }
  scan.bases = scan.roots;
  sort_unique(scan.data);
  sort_unique(scan.json);
  progress.finish();
  return scan;
}

}  // namespace ldb::index
