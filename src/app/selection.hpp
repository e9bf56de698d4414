#pragma once
// How every front end names objects: identifiers (paths, globs, URLs, id:HASH,
// ds:NAME[.vN], ds:root, ws:DIR) passed through filters in the order given.
// The filters are listed here once (name, help, what they take) for the CLI's
// parser and help, the web UI's query box and the Python keyword arguments.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace ldb::app {

struct ObjectRef {
  core::Md5 hash;
  std::uint32_t annotation_version = 0;  // 0: the object has no annotation
  bool operator==(const ObjectRef&) const = default;
};

struct Filter {
  std::string name;               // a FilterInfo name: "query", "limit", "pipe", ...
  std::string value;              // expression, regex, tags, number... (empty for a flag)
  std::vector<std::string> args;  // "pipe": the program's arguments
};

struct FilterInfo {
  std::string_view name;  // "query"; the CLI's option is --NAME
  std::string_view help;
  bool takes_value = true;
  bool is_expression = false;  // a JMESPath expression (query, jquery, file)
  bool takes_args = false;     // followed by a program's arguments (pipe)
  bool takes_model = false;    // may be followed by -m MODEL, its one argument (similar)
  bool takes_count = false;    // consumes the --limit N / --sample P right after it (balance, stratify)
};

// Every filter, in the order help lists them.
std::span<const FilterInfo> filters();
const FilterInfo* find_filter(std::string_view name);

struct Selector {
  std::vector<std::string> objects;  // identifiers; relative paths are taken from the Context's cwd
  std::vector<Filter> filters;       // applied in order
};

// How files are read when they are indexed (ldb index; add/sync/get index
// paths on the fly): -m FORMAT, -p KEY=VALUE, --add-tags, --annotation-update.
struct IndexSettings {
  std::optional<std::string> format;  // an index format name or alias (formats()); unset: detect
  std::vector<std::pair<std::string, std::string>> params;
  std::optional<std::string> add_tags;           // comma-separated
  std::optional<std::string> annotation_update;  // "replace" (default) or "merge"
  bool features = true;                          // compute image features (SPEC section 8) while hashing
};

// "KEY=VALUE" texts to pairs, in order; invalid_argument naming `option` for
// a malformed one.
Result<std::vector<std::pair<std::string, std::string>>> parse_params(std::span<const std::string> texts,
                                                                      std::string_view option = "-p");

}  // namespace ldb::app
