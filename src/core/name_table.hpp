#pragma once
// Name tables: the names a command line accepts for the values of an enum
// (canonical names and their aliases), so that parsing, the "valid names"
// hint and shell completion all come from one table per enum.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ldb::core {

template <class T>
struct NamedValue {
  std::string_view name;
  T value;
};

// The value `name` stands for, or nullopt when the table has no such name.
template <class T>
std::optional<T> value_named(std::span<const NamedValue<T>> table, std::string_view name) {
  for (const auto& entry : table) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

// The canonical names, in table order: the entries whose name is
// canonical(value); the others are aliases.
template <class T, class Canonical>
std::vector<std::string_view> canonical_names(std::span<const NamedValue<T>> table, Canonical canonical) {
  std::vector<std::string_view> out;
  for (const auto& entry : table) {
    if (entry.name == canonical(entry.value)) out.push_back(entry.name);
  }
  return out;
}

// Every name for a hint, in table order, aliases in parentheses after the
// name before them: "strict-pairs (strict), coco". A table lists each
// canonical name before its aliases.
template <class T, class Canonical>
std::string describe_names(std::span<const NamedValue<T>> table, Canonical canonical) {
  std::string out;
  for (const auto& entry : table) {
    if (entry.name == canonical(entry.value)) {
      if (!out.empty()) out += ", ";
      out += entry.name;
    } else {
      out += " (";
      out += entry.name;
      out += ")";
    }
  }
  return out;
}

}  // namespace ldb::core
