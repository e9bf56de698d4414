#pragma once
// YOLO class names: the `names` key of an Ultralytics data.yaml (a list, or a
// mapping from index to name, in block or flow style) and darknet's
// classes.txt (one name a line). Only this subset of YAML is read; anything
// else gets an error naming the file and line.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ldb::index {

// The class names by index from a data.yaml's top-level `names` key, checked
// against `nc` when present (empty for `names: []` or `{}`). Mapping keys must
// be exactly 0..N-1. `subject`
// names the file in errors (invalid_argument with "file:line").
Result<std::vector<std::string>> parse_data_yaml_names(std::string_view text, std::string_view subject);

// The class names of a classes.txt: one per line, surrounding white space and
// trailing empty lines dropped. invalid_argument naming "file:line" for an
// empty line between names, or when the file holds no name.
Result<std::vector<std::string>> parse_classes_txt(std::string_view text, std::string_view subject);

}  // namespace ldb::index
