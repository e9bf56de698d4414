#pragma once
// File-name rules shared by every instantiate writer: how a data object's
// original name becomes a flat, collision-free name in the workspace (the
// original LDB's "<stem>-<md5>.<ext>"), how a relative path is checked before
// anything is written below the target, and how canonical JSON is pretty-printed.

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "index/infer.hpp"

namespace ldb::formats {

// Splits a base name like Python's os.path.splitext: "a.tar.gz" -> {"a.tar",
// ".gz"}; leading dots never start an extension (".bashrc" -> {".bashrc", ""}).
struct NameParts {
  std::string stem;
  std::string ext;  // with the dot, or empty
};
NameParts split_name(std::string_view base_name);

// The last '/'-separated component of a path or URL ("s3://b/k/x.jpg" -> "x.jpg").
std::string_view base_name_of(std::string_view path);

// The flat instantiated name (without extension) of an object whose original
// file was `base_name`: the stem with '.' replaced by '-', unsafe bytes
// (control characters, '/', '\\') replaced by '_', cut to a bounded length,
// followed by "-<md5>" unless the stem already ends with the hash. Never empty,
// never hidden (never starts with '.').
std::string flat_stem(std::string_view base_name, const core::Md5& hash);

// The extension kept on an instantiated data file: lowercased, and dropped when
// it is long or holds anything but letters, digits, '_' and '-'.
std::string safe_extension(std::string_view ext);

// Checks a '/'-separated path that will be created below the target folder:
// not empty, not absolute, no empty, ".", ".." or hidden components, no control
// characters. invalid_argument naming `subject` otherwise.
Status check_relative_path(std::string_view relative, std::string_view subject);

// Re-indents canonical JSON (core::canonical_json output: no white space) with
// two spaces per level and "key": value spacing, plus a trailing newline.
// Number and string texts are kept byte for byte.
std::string pretty_json(std::string_view canonical);

// The parts of a label value (index::label_parts, shared with `index`, which
// reads class folders back as labels).
using index::label_parts;

// The class folders of an object for the tensorflow-inferred layout
// (index::label_folders, the rules `index` reads them back with), refusing
// (invalid_argument) a folder name that would be empty, hidden, or contain '/'.
Result<std::vector<std::string>> label_folders(simdjson::dom::parser& parser, std::string_view annotation_json,
                                               const std::vector<std::string>& label_key, const std::string* base_label,
                                               std::string_view subject);

}  // namespace ldb::formats
