#include "app/formats.hpp"

#include "index/format_registry.hpp"

namespace ldb::app {

namespace {

index::FormatRole role_of(FormatRole role) {
  return role == FormatRole::read ? index::FormatRole::read : index::FormatRole::write;
}

}  // namespace

std::vector<FormatDescription> formats(FormatRole role) {
  std::vector<FormatDescription> out;
  for (const auto& info : index::format_registry()) {
    if (role == FormatRole::read ? !info.readable : !info.writable) continue;
    FormatDescription d{info.name, info.aliases, {}};
    for (const auto& p : role == FormatRole::read ? info.read_params : info.write_params)
      d.params.push_back({p.key, p.help});
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::string_view> format_names(FormatRole role) { return index::format_names(role_of(role)); }

}  // namespace ldb::app
