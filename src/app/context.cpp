#include "app/context.hpp"

#include "core/paths.hpp"

namespace ldb::app {

std::string Context::absolute(std::string_view path) const {
  if (core::protocol_of(path) != "file") return std::string(path);
  std::filesystem::path p{std::string(path)};
  if (p.is_relative()) p = cwd / p;
  return core::normalize_local_path(p.string());
}

std::filesystem::path Context::home() const {
  auto home = env.get("HOME");
  return home.empty() ? std::filesystem::path("/") : std::filesystem::path(home);
}

}  // namespace ldb::app
