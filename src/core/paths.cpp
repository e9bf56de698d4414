#include "core/paths.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <vector>

namespace ldb::core {

std::string normalize_local_path(std::string_view path) {
  std::filesystem::path p{std::string(path)};
  if (p.is_relative()) p = std::filesystem::current_path() / p;
  std::string out = p.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

bool path_is_within(std::string_view path, std::string_view prefix) {
  while (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix.empty()) return path.empty();
  if (prefix == "/") return !path.empty() && path.front() == '/';
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/' ||
         (prefix.ends_with("://") || prefix.back() == '/');
}

bool has_hidden_component(std::string_view relative) {
  std::size_t start = 0;
  while (start < relative.size()) {
    std::size_t end = relative.find('/', start);
    if (end == std::string_view::npos) end = relative.size();
    if (end > start && relative[start] == '.') return true;
    start = end + 1;
  }
  return false;
}

bool is_glob(std::string_view text) { return text.find_first_of("*?[") != std::string_view::npos; }

bool glob_match(std::string_view pattern, std::string_view path) {
  return fnmatch(std::string(pattern).c_str(), std::string(path).c_str(), FNM_PATHNAME) == 0;
}

std::string relative_to(std::string_view path, std::string_view base) {
  while (base.size() > 1 && base.back() == '/') base.remove_suffix(1);
  if (path == base) return {};
  if (path.starts_with(base) && path.size() > base.size() && path[base.size()] == '/') {
    return std::string(path.substr(base.size() + 1));
  }
  if (base == "/" && path.starts_with('/')) return std::string(path.substr(1));
  return std::string(path);
}

std::string_view folder_of(std::string_view path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash + 1);
}

std::optional<std::string> contained_name(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) return std::nullopt;
  std::string out;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t slash = name.find('/', start);
    if (slash == std::string_view::npos) slash = name.size();
    std::string_view part = name.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    if (!out.empty()) out.push_back('/');
    out.append(part);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<std::string> contained_relative_name(std::string_view name) {
  if (!name.empty() && name.front() == '/') return std::nullopt;
  return contained_name(name);
}

std::optional<std::string> join_relative(std::string_view folder, std::string_view relative) {
  // The root nothing climbs above: "/" or "scheme://authority/".
  std::size_t root_end = 1;
  if (auto scheme = folder.find("://"); scheme != std::string_view::npos) {
    std::size_t slash = folder.find('/', scheme + 3);
    root_end = slash == std::string_view::npos ? folder.size() : slash + 1;
  }
  std::string out(folder.substr(0, root_end));
  if (!out.ends_with('/')) out.push_back('/');
  std::vector<std::string_view> parts;
  std::string rest = std::string(folder.substr(std::min(root_end, folder.size()))) + "/" + std::string(relative);
  std::string_view remaining = rest;
  while (!remaining.empty()) {
    std::size_t slash = remaining.find('/');
    std::string_view part = remaining.substr(0, slash);
    remaining = slash == std::string_view::npos ? std::string_view() : remaining.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(parts[i]);
  }
  if (out.size() > 1 && out.back() == '/' && !out.ends_with("://")) out.pop_back();
  return out;
}

std::string_view protocol_of(std::string_view path) {
  auto pos = path.find("://");
  if (pos == std::string_view::npos) return "file";
  return path.substr(0, pos);
}

}  // namespace ldb::core
