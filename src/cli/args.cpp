#include "cli/args.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace ldb::cli {

namespace {

// The filter options, from src/app's list of filters: --NAME.
struct FilterOption {
  OptionSpec spec;
  const app::FilterInfo* info;
};

const std::vector<FilterOption>& filter_table() {
  static const std::vector<FilterOption> table = [] {
    std::vector<FilterOption> out;
    for (const auto& f : app::filters()) {
      out.push_back({OptionSpec{{fmt::format("--{}", f.name)},
                                f.takes_value ? OptionSpec::Kind::value : OptionSpec::Kind::flag,
                                std::string(f.help),
                                std::string(f.name)},
                     &f});
    }
    return out;
  }();
  return table;
}

const OptionSpec* find_option(std::span<const OptionSpec> options, std::string_view name) {
  for (const auto& o : options) {
    if (std::find(o.names.begin(), o.names.end(), name) != o.names.end()) return &o;
  }
  return nullptr;
}

bool is_operator_word(std::string_view word) {
  for (std::string_view op : {"==", "!=", "<", "<=", ">", ">=", "&&", "||", "|"}) {
    if (word == op) return true;
  }
  for (std::string_view op : {"==", "!=", "&&", "||", "<=", ">="}) {
    if (word.starts_with(op)) return true;
  }
  return false;
}

bool is_plain_name(std::string_view word) {
  if (word.empty() || !(std::isalpha(static_cast<unsigned char>(word[0])) || word[0] == '_')) return false;
  return std::all_of(word.begin(), word.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// `--query class == "i"` unquoted reaches us as the words `class`, `==`, `i`:
// the shell split the expression and dropped the quotes. Say so and show the
// quoted form instead of treating `==` as an object path.
Status check_split_expression(std::string_view option, std::string_view value, std::span<const std::string> rest) {
  if (rest.empty() || !is_operator_word(rest.front())) return {};
  std::string joined(value);
  std::string shown(value);
  bool after_comparison = false;
  for (const auto& word : rest) {
    if (word.starts_with("-") && word.size() > 1 && !std::isdigit(static_cast<unsigned char>(word[1]))) break;
    joined += " " + word;
    // A bare word compared against was most likely a quoted string the shell
    // unquoted ("i"); ldb writes a string literal as 'i'.
    bool quote = after_comparison && is_plain_name(word) && word != "true" && word != "false" && word != "null";
    // `"cat"` kept by the shell is a key in JMESPath; the string is 'cat'.
    bool quoted_key = after_comparison && word.size() >= 2 && word.front() == '"' && word.back() == '"' &&
                      word.find('"', 1) == word.size() - 1;
    shown += " " + (quote ? "'" + word + "'" : quoted_key ? "'" + word.substr(1, word.size() - 2) + "'" : word);
    after_comparison = is_operator_word(word) && word != "&&" && word != "||" && word != "|";
  }
  // Double quotes when nothing in them is special to the shell (backticks,
  // $, \ and " are); single quotes otherwise, with ' written as '\''.
  std::string quoted;
  if (shown.find_first_of("`$\\\"") == std::string::npos) {
    quoted = "\"" + shown + "\"";
  } else {
    quoted = "'";
    for (char c : shown) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
  }
  return fail(
      ErrorCode::invalid_argument,
      fmt::format("{} got '{}' and then stray words: the shell split the expression '{}'", option, value, joined),
      fmt::format("quote the whole expression as one argument: {} {}", option, quoted));
}

}  // namespace

std::span<const OptionSpec> filter_options() {
  static const std::vector<OptionSpec> specs = [] {
    std::vector<OptionSpec> out;
    for (const auto& f : filter_table()) out.push_back(f.spec);
    return out;
  }();
  return specs;
}

std::optional<std::string> ParsedArgs::get(std::string_view key) const {
  auto it = values.find(std::string(key));
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::all(std::string_view key) const {
  auto it = values.find(std::string(key));
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Damerau-Levenshtein (optimal string alignment): a swap of two adjacent
  // letters ("lsit") costs one, so it suggests "list" rather than "init".
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

namespace {

// True when `arg` names a filter that consumes a count and args[next] is
// one (--limit, --sample, --sample-rate).
bool count_follows(std::span<const std::string> args, std::size_t next, std::string_view arg) {
  const auto* info = arg.starts_with("--") ? app::find_filter(arg.substr(2)) : nullptr;
  if (!info || !info->takes_count || next >= args.size()) return false;
  std::string_view word = args[next];
  word = word.substr(0, word.find('='));
  return word == "--limit" || word == "--sample" || word == "--sample-rate";
}

}  // namespace

Result<ParsedArgs> parse_args(std::string_view command, std::span<const std::string> args,
                              std::span<const OptionSpec> options, bool with_filters) {
  ParsedArgs out;
  bool only_positional = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    // Typographic dashes pasted from documents ("—-query") mean "--".
    if (!only_positional) {
      for (std::string_view dash : {"\u2014-", "\u2014", "\u2013-", "\u2013"}) {
        if (arg.starts_with(dash) && arg.size() > dash.size()) {
          arg = "--" + arg.substr(dash.size());
          break;
        }
      }
    }
    if (only_positional || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto take_value = [&](std::string_view name) -> Result<std::string> {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) {
        return fail(ErrorCode::invalid_argument, fmt::format("{} {} needs a value", command, name),
                    fmt::format("see: ldb {} --help", command));
      }
      return args[++i];
    };
    const auto* opt = find_option(options, arg);
    if (opt && with_filters && count_follows(args, i + (inline_value ? 1 : 2), arg)) {
      // A command option that is also a counted filter (split's --stratify):
      // followed by --limit N / --sample P, it is the filter.
      opt = nullptr;
    }
    if (opt) {
      if (opt->kind == OptionSpec::Kind::flag) {
        if (inline_value) {
          return fail(ErrorCode::invalid_argument, fmt::format("{} takes no value", arg),
                      fmt::format("write just {}", arg));
        }
        out.values[opt->key].push_back("");
      } else if (opt->kind == OptionSpec::Kind::value) {
        auto v = take_value(arg);
        if (!v) return std::unexpected(v.error());
        out.values[opt->key].push_back(*v);
      } else if (opt->kind == OptionSpec::Kind::command) {
        auto v = take_value(arg);
        if (!v) return std::unexpected(v.error());
        auto& words = out.values[opt->key];
        words.push_back(*v);
        while (i + 1 < args.size() &&
               !(args[i + 1].starts_with("-") &&
                 (find_option(options, args[i + 1]) || (with_filters && find_option(filter_options(), args[i + 1]))))) {
          words.push_back(args[++i]);
        }
      } else {
        if (i + 2 >= args.size()) {
          return fail(ErrorCode::invalid_argument, fmt::format("{} needs a key and a value", arg),
                      fmt::format("for example: {} endpoint http://localhost:9000", arg));
        }
        out.values[opt->key].push_back(args[i + 1]);
        out.values[opt->key].push_back(args[i + 2]);
        i += 2;
      }
      continue;
    }
    if (with_filters) {
      const auto& table = filter_table();
      auto it = std::find_if(table.begin(), table.end(), [&](const FilterOption& f) { return f.spec.names[0] == arg; });
      if (it != table.end()) {
        app::Filter spec{std::string(it->info->name), "", {}};
        if (it->spec.kind == OptionSpec::Kind::value) {
          auto v = take_value(arg);
          if (!v) return std::unexpected(v.error());
          spec.value = *v;
          if (it->info->is_expression) {
            LDB_TRY(check_split_expression(arg, spec.value, args.subspan(i + 1)));
          }
        }
        if (it->info->takes_model && i + 2 < args.size() && (args[i + 1] == "-m" || args[i + 1] == "--model")) {
          // `--similar OBJECT -m MODEL`: the -m right after belongs to the filter.
          spec.args.push_back(args[i + 2]);
          i += 2;
        }
        if (it->info->takes_args) {
          // The plugin's arguments run up to the next ldb option.
          while (i + 1 < args.size() &&
                 !(args[i + 1].starts_with("--") &&
                   (find_option(options, args[i + 1]) || find_option(filter_options(), args[i + 1])))) {
            spec.args.push_back(args[++i]);
          }
        }
        out.filters.push_back(std::move(spec));
        continue;
      }
    }
    // Unknown option: suggest the closest known one.
    std::string best;
    std::size_t best_distance = 3;
    auto consider = [&](std::span<const OptionSpec> specs) {
      for (const auto& o : specs) {
        for (const auto& n : o.names) {
          auto d = edit_distance(arg, n);
          if (d < best_distance) {
            best_distance = d;
            best = n;
          }
        }
      }
    };
    consider(options);
    if (with_filters) consider(filter_options());
    return fail(ErrorCode::invalid_argument, fmt::format("unknown option '{}' for ldb {}", arg, command),
                best.empty() ? fmt::format("see: ldb {} --help", command) : fmt::format("did you mean {}?", best));
  }
  return out;
}

}  // namespace ldb::cli
