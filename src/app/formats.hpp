#pragma once
// The formats ldb reads (index -m) and writes (instantiate -m), from the one
// format registry (index/format_registry.hpp), for help texts, shell
// completion and the front ends' format pickers.

#include <string_view>
#include <vector>

namespace ldb::app {

enum class FormatRole { read, write };

struct FormatParamInfo {
  std::string_view key;
  std::string_view help;  // "DIR: the image folder, relative to the COCO file"
};

struct FormatDescription {
  std::string_view name;                  // canonical
  std::vector<std::string_view> aliases;  // also accepted by -m
  std::vector<FormatParamInfo> params;    // its -p KEY=VALUE for the role
};

// The formats of `role` in the registry's order; the first is the default.
std::vector<FormatDescription> formats(FormatRole role);

// Canonical names, the default first.
std::vector<std::string_view> format_names(FormatRole role);

}  // namespace ldb::app
