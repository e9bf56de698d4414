// A deliberately small reader for the one key ldb needs from a data.yaml.
// Debian ships no C++ YAML library among ldb's dependencies, and the `names`
// key comes in four common spellings (block list, block mapping, flow list,
// flow mapping), each with plain, 'single' or "double" quoted scalars and
// trailing comments. Those are read exactly; anything else (anchors, nested
// structures, multi-line scalars) is refused with the line it was found on.

#include "index/yolo_names.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace ldb::index {

namespace {

constexpr std::string_view k_names_hint =
    "write the classes as a list (names: [cat, dog]) or a mapping from index to name "
    "(names: {0: cat, 1: dog}), or put one name a line in classes.txt";

struct Line {
  std::size_t number = 0;  // 1-based
  std::string_view text;
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t start = 0;
  std::size_t number = 1;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({number++, line});
    start = end + 1;
  }
  return lines;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A quote opens a quoted scalar only where a scalar starts (a plain scalar
// may hold an apostrophe: it's).
bool opens_quote(std::string_view s, std::size_t i) {
  if (s[i] != '\'' && s[i] != '"') return false;
  if (i == 0) return true;
  char before = s[i - 1];
  return before == ' ' || before == '\t' || before == '[' || before == '{' || before == ',' || before == ':' ||
         before == '-';
}

// Cuts a " # comment" (or a line that is only a comment) outside quotes.
std::string_view strip_comment(std::string_view s) {
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (opens_quote(s, i)) {
      quote = c;
    } else if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
      return s.substr(0, i);
    }
  }
  return s;
}

std::unexpected<Error> error_at(std::string_view subject, std::size_t line, std::string_view what) {
  return fail(ErrorCode::invalid_argument, fmt::format("{}:{}: {}", subject, line, what), std::string(k_names_hint));
}

void append_utf8(std::uint32_t code, std::string& out) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// One scalar: plain, 'single quoted' ('' is a quote) or "double quoted" with
// the common escapes.
Result<std::string> scalar(std::string_view raw, std::string_view subject, std::size_t line) {
  std::string_view s = trim(raw);
  if (s.empty()) return error_at(subject, line, "empty class name");
  std::string out;
  if (s.front() == '\'') {
    if (s.size() < 2 || s.back() != '\'') return error_at(subject, line, "unterminated quoted name");
    std::string_view inner = s.substr(1, s.size() - 2);
    for (std::size_t i = 0; i < inner.size(); ++i) {
      if (inner[i] == '\'') {
        if (i + 1 >= inner.size() || inner[i + 1] != '\'') return error_at(subject, line, "stray quote in name");
        ++i;
      }
      out.push_back(inner[i]);
    }
  } else if (s.front() == '"') {
    if (s.size() < 2 || s.back() != '"') return error_at(subject, line, "unterminated quoted name");
    std::string_view inner = s.substr(1, s.size() - 2);
    for (std::size_t i = 0; i < inner.size(); ++i) {
      char c = inner[i];
      if (c == '"') return error_at(subject, line, "stray quote in name");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (++i >= inner.size()) return error_at(subject, line, "dangling backslash in name");
      switch (inner[i]) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '"':
          out.push_back('"');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'u': {
          std::uint32_t code = 0;
          auto hex = inner.substr(i + 1, 4);
          auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), code, 16);
          if (hex.size() != 4 || ec != std::errc{} || ptr != hex.data() + 4) {
            return error_at(subject, line, "bad \\u escape in name");
          }
          append_utf8(code, out);
          i += 4;
          break;
        }
        default:
          return error_at(subject, line, fmt::format("unsupported escape '\\{}' in name", inner[i]));
      }
    }
  } else {
    if (s.front() == '[' || s.front() == '{' || s.front() == '&' || s.front() == '*' || s.front() == '|' ||
        s.front() == '>') {
      return error_at(subject, line, fmt::format("unsupported YAML value '{}' for a class name", s));
    }
    out = std::string(s);
  }
  if (out.empty()) return error_at(subject, line, "empty class name");
  return out;
}

Result<std::uint64_t> index_key(std::string_view raw, std::string_view subject, std::size_t line) {
  std::string_view s = trim(raw);
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || value > 1'000'000) {
    return error_at(subject, line, fmt::format("'{}' is not a class index (0, 1, 2, ...)", s));
  }
  return value;
}

// Splits "k: v" at the first ':' outside quotes that is followed by a space or the end.
std::optional<std::pair<std::string_view, std::string_view>> split_key(std::string_view s) {
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (opens_quote(s, i)) {
      quote = c;
    } else if (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ' || s[i + 1] == '\t')) {
      return std::pair{s.substr(0, i), s.substr(i + 1)};
    }
  }
  return std::nullopt;
}

// Splits the inside of a flow collection at commas outside quotes; a trailing comma is allowed.
std::vector<std::string_view> split_flow(std::string_view inner) {
  std::vector<std::string_view> items;
  char quote = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= inner.size(); ++i) {
    char c = i < inner.size() ? inner[i] : ',';
    if (quote) {
      if (c == quote) quote = 0;
    } else if (opens_quote(inner, i)) {
      quote = c;
    } else if (c == ',') {
      std::string_view item = trim(inner.substr(start, i - start));
      if (!item.empty() || i < inner.size()) items.push_back(item);
      start = i + 1;
    }
  }
  if (quote) items.push_back(trim(inner.substr(start)));  // unterminated: scalar() reports it
  if (!items.empty() && items.back().empty()) items.pop_back();
  return items;
}

class NamesBuilder {
 public:
  NamesBuilder(std::string_view subject) : m_subject(subject) {}

  Status add_item(std::string_view raw, std::size_t line) {
    if (m_mapping == 1) return error_at(m_subject, line, "names mixes list items and index: name pairs");
    m_mapping = 0;
    auto name = scalar(raw, m_subject, line);
    if (!name) return std::unexpected(std::move(name).error());
    m_by_index.emplace(m_by_index.size(), std::move(*name));
    return {};
  }

  Status add_pair(std::string_view key, std::string_view raw, std::size_t line) {
    if (m_mapping == 0) return error_at(m_subject, line, "names mixes list items and index: name pairs");
    m_mapping = 1;
    auto index = index_key(key, m_subject, line);
    if (!index) return std::unexpected(std::move(index).error());
    auto name = scalar(raw, m_subject, line);
    if (!name) return std::unexpected(std::move(name).error());
    if (!m_by_index.emplace(*index, std::move(*name)).second) {
      return error_at(m_subject, line, fmt::format("class index {} is named twice", *index));
    }
    return {};
  }

  Result<std::vector<std::string>> finish(std::size_t line) {
    std::vector<std::string> names;  // empty when the dataset has no class (`names: {}`)
    for (auto& [index, name] : m_by_index) {
      if (index != names.size()) {
        return error_at(
            m_subject, line,
            fmt::format("class index {} has no name; indices must be 0..{}", names.size(), m_by_index.size() - 1));
      }
      names.push_back(std::move(name));
    }
    return names;
  }

 private:
  std::string_view m_subject;
  int m_mapping = -1;  // -1 unknown, 0 list, 1 mapping
  std::map<std::uint64_t, std::string> m_by_index;
};

// Reads `names:` whose value starts on `first` (after the colon).
Result<std::vector<std::string>> read_names(const std::vector<Line>& lines, std::size_t at, std::string_view value,
                                            std::string_view subject) {
  NamesBuilder builder(subject);
  std::size_t line = lines[at].number;
  if (!value.empty()) {
    char open = value.front();
    char close = open == '[' ? ']' : open == '{' ? '}' : 0;
    if (!close) return error_at(subject, line, fmt::format("names must be a list or a mapping, not '{}'", value));
    // A flow collection may continue over the next lines.
    std::string flow(value);
    std::size_t next = at + 1;
    while (flow.back() != close) {
      if (next >= lines.size()) return error_at(subject, line, fmt::format("names: missing the closing '{}'", close));
      flow += ' ';
      flow += trim(strip_comment(lines[next++].text));
      while (!flow.empty() && flow.back() == ' ') flow.pop_back();
    }
    std::string_view inner = std::string_view(flow).substr(1, flow.size() - 2);
    for (std::string_view item : split_flow(inner)) {
      if (item.empty()) return error_at(subject, line, "empty entry in names");
      if (open == '[') {
        LDB_TRY(builder.add_item(item, line));
      } else {
        auto pair = split_key(item);
        if (!pair) return error_at(subject, line, fmt::format("'{}' is not an index: name pair", item));
        LDB_TRY(builder.add_pair(pair->first, pair->second, line));
      }
    }
    return builder.finish(line);
  }
  std::size_t last = line;
  for (std::size_t i = at + 1; i < lines.size(); ++i) {
    std::string_view raw = lines[i].text;
    std::string_view content = trim(strip_comment(raw));
    if (content.empty()) continue;
    bool indented = raw.front() == ' ' || raw.front() == '\t';
    bool item = content == "-" || content.starts_with("- ");
    if (!indented && !item) break;
    last = lines[i].number;
    if (item) {
      LDB_TRY(builder.add_item(content.substr(1), last));
      continue;
    }
    auto pair = split_key(content);
    if (!pair) return error_at(subject, last, fmt::format("'{}' is not a list item or an index: name pair", content));
    LDB_TRY(builder.add_pair(pair->first, pair->second, last));
  }
  return builder.finish(last);
}

// The value of a top-level `key:` line (comment stripped), or nullopt.
std::optional<std::string_view> top_level_value(std::string_view line, std::string_view key) {
  if (!line.starts_with(key)) return std::nullopt;
  std::string_view rest = line.substr(key.size());
  std::string_view after = trim(rest);
  if (after.empty() || after.front() != ':') return std::nullopt;
  return trim(strip_comment(trim(rest).substr(1)));
}

}  // namespace

Result<std::vector<std::string>> parse_data_yaml_names(std::string_view text, std::string_view subject) {
  auto lines = split_lines(text);
  std::optional<std::vector<std::string>> names;
  std::optional<std::pair<std::uint64_t, std::size_t>> nc;  // value, line
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (auto value = top_level_value(lines[i].text, "names")) {
      if (names) return error_at(subject, lines[i].number, "names is given twice");
      auto read = read_names(lines, i, *value, subject);
      if (!read) return std::unexpected(std::move(read).error());
      names = std::move(*read);
    } else if (auto count = top_level_value(lines[i].text, "nc")) {
      auto parsed = index_key(*count, subject, lines[i].number);
      if (!parsed) return error_at(subject, lines[i].number, fmt::format("nc '{}' is not a class count", *count));
      nc = std::pair{*parsed, lines[i].number};
    }
  }
  if (!names) {
    return fail(ErrorCode::invalid_argument, fmt::format("{}: no top-level 'names' key", subject),
                std::string(k_names_hint));
  }
  if (nc && nc->first != names->size()) {
    return error_at(subject, nc->second, fmt::format("nc is {} but names lists {} classes", nc->first, names->size()));
  }
  return std::move(*names);
}

Result<std::vector<std::string>> parse_classes_txt(std::string_view text, std::string_view subject) {
  auto lines = split_lines(text);
  while (!lines.empty() && trim(lines.back().text).empty()) lines.pop_back();
  if (lines.empty()) {
    return fail(ErrorCode::invalid_argument, fmt::format("{}: holds no class name", subject),
                "write one class name a line, the class with index 0 first");
  }
  std::vector<std::string> names;
  for (const auto& line : lines) {
    std::string_view name = trim(line.text);
    if (name.empty()) {
      return fail(ErrorCode::invalid_argument, fmt::format("{}:{}: empty class name", subject, line.number),
                  "every line up to the last names one class (its index is the line number minus one); "
                  "remove the empty line or name the class");
    }
    names.emplace_back(name);
  }
  return names;
}

}  // namespace ldb::index
