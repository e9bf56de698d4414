#include "core/paths.hpp"

#include <fnmatch.h>

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

std::string_view protocol_of(std::string_view path) {
  auto pos = path.find("://");
  if (pos == std::string_view::npos) return "file";
  return path.substr(0, pos);
}

}  // namespace ldb::core
