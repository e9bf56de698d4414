#pragma once
// Command-line parsing for ldb commands. Each command declares its options in
// a table; filters (--query, --limit, ...) are collected in the order given,
// because the selection pipeline applies them in that order. Unknown options
// get a "did you mean".

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "app/selection.hpp"
#include "core/error.hpp"

namespace ldb::cli {

struct OptionSpec {
  std::vector<std::string>
      names;  // e.g. {"-m", "--format", "--output-format"}; names[0]... canonical is the last long one
  // command: a value and every following argument up to the next option this
  // command knows (--apply EXEC ARGS...); values holds them all, in order.
  enum class Kind { flag, value, repeated_pair, command } kind = Kind::flag;
  std::string help;
  std::string key;                   // canonical key used to look the option up
  std::vector<std::string> choices;  // the values it takes, where they are a fixed set (shell completion)
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;  // key -> values in order ("" for flags)
  std::vector<app::Filter> filters;

  bool has(std::string_view key) const { return values.contains(std::string(key)); }
  std::optional<std::string> get(std::string_view key) const;
  std::vector<std::string> all(std::string_view key) const;
};

// The filter options every selecting command accepts.
std::span<const OptionSpec> filter_options();

// Parses args against `options` (plus the filter options when with_filters).
Result<ParsedArgs> parse_args(std::string_view command, std::span<const std::string> args,
                              std::span<const OptionSpec> options, bool with_filters);

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace ldb::cli
