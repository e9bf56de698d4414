#include "server/assets.hpp"

#include <algorithm>

namespace ldb::server {

const Asset* find_asset(std::string_view path) {
  if (path == "/") path = "/index.html";
  auto all = assets();
  auto it = std::find_if(all.begin(), all.end(), [&](const Asset& a) { return a.path == path; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace ldb::server
