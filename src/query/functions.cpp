#include "query/functions.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace ldb::query {

namespace {

constexpr unsigned k_number = type_bit(Kind::number);
constexpr unsigned k_string = type_bit(Kind::string);
constexpr unsigned k_array = type_bit(Kind::array);
constexpr unsigned k_object = type_bit(Kind::object);
constexpr unsigned k_expref = type_bit(Kind::expref);

Value type_error(const Node& call, std::size_t argument, std::string_view expected, Kind got, Context& ctx) {
  return ctx.fail(fmt::format("invalid-type: {}() argument {} must be {}, got {}", call.name, argument + 1, expected,
                              kind_name(got)));
}

// Checks that every element of an array argument has one of the kinds in `mask`,
// and that they all share one kind when `homogeneous` (sort, max...). Returns the
// shared kind (null for an empty array) or nullopt after recording an error.
std::optional<Kind> check_elements(const Node& call, std::size_t argument, const Value& array, unsigned mask,
                                   bool homogeneous, std::string_view expected, Context& ctx) {
  std::optional<Kind> shared = Kind::null;
  bool first = true;
  for_each_element(array, [&](const Value& element) {
    Kind kind = element.kind();
    if (!(mask & type_bit(kind)) || (homogeneous && !first && kind != *shared)) {
      type_error(call, argument, expected, kind, ctx);
      shared.reset();
      return false;
    }
    shared = kind;
    first = false;
    return true;
  });
  return shared;
}

// Orders two values of the same kind, numbers or strings.
bool less(const Value& a, const Value& b) {
  if (a.kind() == Kind::number) return compare_numbers(a, b) < 0;
  return a.as_string() < b.as_string();
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

Value fn_abs(const Node&, std::span<const Value> args, Context&) {
  return Value::number(std::fabs(args[0].as_number()));
}
Value fn_ceil(const Node&, std::span<const Value> args, Context&) {
  return Value::number(std::ceil(args[0].as_number()));
}
Value fn_floor(const Node&, std::span<const Value> args, Context&) {
  return Value::number(std::floor(args[0].as_number()));
}

Value fn_sum_or_avg(const Node& call, std::span<const Value> args, Context& ctx, bool average) {
  if (!check_elements(call, 0, args[0], k_number, false, "an array of numbers", ctx)) return Value();
  double total = 0;
  std::size_t count = 0;
  for_each_element(args[0], [&](const Value& element) {
    total += element.as_number();
    ++count;
    return true;
  });
  if (!average) return Value::number(total);
  return count == 0 ? Value() : Value::number(total / static_cast<double>(count));
}
Value fn_avg(const Node& call, std::span<const Value> args, Context& ctx) {
  return fn_sum_or_avg(call, args, ctx, true);
}
Value fn_sum(const Node& call, std::span<const Value> args, Context& ctx) {
  return fn_sum_or_avg(call, args, ctx, false);
}

Value fn_contains(const Node&, std::span<const Value> args, Context& ctx) {
  if (args[0].kind() == Kind::string) {
    if (args[1].kind() != Kind::string) return Value::boolean(false);
    return Value::boolean(args[0].as_string().find(args[1].as_string()) != std::string_view::npos);
  }
  bool found = false;
  for_each_element(args[0], [&](const Value& element) {
    found = equals(element, args[1], ctx.budget);
    return !found && !ctx.budget.exhausted;
  });
  if (ctx.out_of_budget()) return Value();
  return Value::boolean(found);
}

Value fn_starts_with(const Node&, std::span<const Value> args, Context&) {
  return Value::boolean(args[0].as_string().starts_with(args[1].as_string()));
}
Value fn_ends_with(const Node&, std::span<const Value> args, Context&) {
  return Value::boolean(args[0].as_string().ends_with(args[1].as_string()));
}

Value fn_join(const Node& call, std::span<const Value> args, Context& ctx) {
  if (!check_elements(call, 1, args[1], k_string, false, "an array of strings", ctx)) return Value();
  std::string& out = ctx.arena->new_string();
  bool first = true;
  for_each_element(args[1], [&](const Value& element) {
    if (!first) out += args[0].as_string();
    first = false;
    out += element.as_string();
    return true;
  });
  return Value::string(out);
}

Value fn_keys(const Node&, std::span<const Value> args, Context& ctx) {
  OwnedArray& out = ctx.arena->new_array();
  for_each_member(args[0], [&](std::string_view key, const Value&) {
    out.push_back(Value::string(key));
    return true;
  });
  return Value::array(&out);
}

Value fn_values(const Node&, std::span<const Value> args, Context& ctx) {
  OwnedArray& out = ctx.arena->new_array();
  for_each_member(args[0], [&](std::string_view, const Value& value) {
    out.push_back(value);
    return true;
  });
  return Value::array(&out);
}

Value fn_length(const Node&, std::span<const Value> args, Context&) {
  switch (args[0].kind()) {
    case Kind::string:
      return Value::number(static_cast<double>(code_points(args[0].as_string())));
    case Kind::array:
      return Value::number(static_cast<double>(array_size(args[0])));
    default:
      return Value::number(static_cast<double>(object_size(args[0])));
  }
}

Value fn_map(const Node&, std::span<const Value> args, Context& ctx) {
  OwnedArray& out = ctx.arena->new_array();
  const Node& expression = *args[0].as_expref();
  for_each_element(args[1], [&](const Value& element) {
    out.push_back(evaluate(expression, element, ctx));
    return !ctx.stopped();
  });
  if (ctx.stopped()) return Value();
  return Value::array(&out);
}

Value fn_min_max(const Node& call, std::span<const Value> args, Context& ctx, bool want_max) {
  auto kind = check_elements(call, 0, args[0], k_number | k_string, true, "an array of numbers or of strings", ctx);
  if (!kind) return Value();
  Value best;
  for_each_element(args[0], [&](const Value& element) {
    if (best.is_null() || (want_max ? less(best, element) : less(element, best))) best = element;
    return true;
  });
  return best;
}
Value fn_max(const Node& call, std::span<const Value> args, Context& ctx) { return fn_min_max(call, args, ctx, true); }
Value fn_min(const Node& call, std::span<const Value> args, Context& ctx) { return fn_min_max(call, args, ctx, false); }

// Evaluates the expref key of every element (for sort_by, min_by, max_by);
// keys must all be numbers or all be strings.
bool keyed_elements(const Node& call, std::span<const Value> args, Context& ctx,
                    std::vector<std::pair<Value, Value>>& keyed) {
  const Node& expression = *args[1].as_expref();
  for_each_element(args[0], [&](const Value& element) {
    Value key = evaluate(expression, element, ctx);
    if (ctx.stopped()) return false;
    Kind kind = key.kind();
    if ((kind != Kind::number && kind != Kind::string) || (!keyed.empty() && keyed.front().first.kind() != kind)) {
      ctx.fail(fmt::format("invalid-type: {}() expression must give all numbers or all strings, got {}", call.name,
                           kind_name(kind)));
      return false;
    }
    keyed.emplace_back(key, element);
    return true;
  });
  return !ctx.stopped();
}

Value fn_by(const Node& call, std::span<const Value> args, Context& ctx, bool want_max) {
  std::vector<std::pair<Value, Value>> keyed;
  if (!keyed_elements(call, args, ctx, keyed) || keyed.empty()) return Value();
  auto best = keyed.begin();
  for (auto it = keyed.begin() + 1; it != keyed.end(); ++it) {
    if (want_max ? less(best->first, it->first) : less(it->first, best->first)) best = it;
  }
  return best->second;
}
Value fn_max_by(const Node& call, std::span<const Value> args, Context& ctx) { return fn_by(call, args, ctx, true); }
Value fn_min_by(const Node& call, std::span<const Value> args, Context& ctx) { return fn_by(call, args, ctx, false); }

Value fn_sort_by(const Node& call, std::span<const Value> args, Context& ctx) {
  std::vector<std::pair<Value, Value>> keyed;
  if (!keyed_elements(call, args, ctx, keyed)) return Value();
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return less(a.first, b.first); });
  OwnedArray& out = ctx.arena->new_array();
  for (const auto& [key, element] : keyed) out.push_back(element);
  return Value::array(&out);
}

Value fn_sort(const Node& call, std::span<const Value> args, Context& ctx) {
  if (!check_elements(call, 0, args[0], k_number | k_string, true, "an array of numbers or of strings", ctx))
    return Value();
  OwnedArray& out = ctx.arena->new_array();
  append_elements(args[0], out);
  std::stable_sort(out.begin(), out.end(), less);
  return Value::array(&out);
}

Value fn_merge(const Node&, std::span<const Value> args, Context& ctx) {
  OwnedObject& out = ctx.arena->new_object();
  for (const Value& object : args) {
    for_each_member(object, [&](std::string_view key, const Value& value) {
      auto existing = std::find_if(out.begin(), out.end(), [&](const auto& member) { return member.first == key; });
      if (existing != out.end()) {
        existing->second = value;
      } else {
        out.emplace_back(key, value);
      }
      return true;
    });
  }
  return Value::object(&out);
}

Value fn_not_null(const Node&, std::span<const Value> args, Context&) {
  for (const Value& v : args) {
    if (!v.is_null()) return v;
  }
  return Value();
}

Value fn_reverse(const Node&, std::span<const Value> args, Context& ctx) {
  if (args[0].kind() == Kind::string) {
    std::string_view s = args[0].as_string();
    std::string& out = ctx.arena->new_string();
    // Reverse by code points so multi-byte characters stay intact.
    std::size_t end = s.size();
    while (end > 0) {
      std::size_t start = end - 1;
      while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
      out.append(s.substr(start, end - start));
      end = start;
    }
    return Value::string(out);
  }
  OwnedArray& out = ctx.arena->new_array();
  append_elements(args[0], out);
  std::reverse(out.begin(), out.end());
  return Value::array(&out);
}

Value fn_to_array(const Node&, std::span<const Value> args, Context& ctx) {
  if (args[0].kind() == Kind::array) return args[0];
  OwnedArray& out = ctx.arena->new_array();
  out.push_back(args[0]);
  return Value::array(&out);
}

Value fn_to_string(const Node&, std::span<const Value> args, Context& ctx) {
  if (args[0].kind() == Kind::string) return args[0];
  std::string& out = ctx.arena->new_string();
  if (!append_json(args[0], out, ctx.budget, std::size_t{64} << 20)) {
    return ctx.fail("invalid-value: to_string() result is too large");
  }
  return Value::string(out);
}

Value fn_to_number(const Node&, std::span<const Value> args, Context&) {
  if (args[0].kind() == Kind::number) return args[0];
  if (args[0].kind() != Kind::string) return Value();
  std::string_view s = args[0].as_string();
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s.front())) || s.front() == '-' || s.front() == '.')) {
    return Value();
  }
  double d = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(d)) return Value();
  return Value::number(d);
}

Value fn_type(const Node&, std::span<const Value> args, Context&) { return Value::string(kind_name(args[0].kind())); }

constexpr unsigned k_all = k_any;

constexpr FunctionSpec k_functions[] = {
    {"abs", 1, 1, {k_number}, fn_abs, "abs(number)"},
    {"avg", 1, 1, {k_array}, fn_avg, "avg(array[number])"},
    {"ceil", 1, 1, {k_number}, fn_ceil, "ceil(number)"},
    {"contains", 2, 2, {k_array | k_string, k_all}, fn_contains, "contains(array|string, any)"},
    {"ends_with", 2, 2, {k_string, k_string}, fn_ends_with, "ends_with(string, string)"},
    {"floor", 1, 1, {k_number}, fn_floor, "floor(number)"},
    {"join", 2, 2, {k_string, k_array}, fn_join, "join(string, array[string])"},
    {"keys", 1, 1, {k_object}, fn_keys, "keys(object)"},
    {"length", 1, 1, {k_string | k_array | k_object}, fn_length, "length(string|array|object)"},
    {"map", 2, 2, {k_expref, k_array}, fn_map, "map(&expression, array)"},
    {"max", 1, 1, {k_array}, fn_max, "max(array[number]|array[string])"},
    {"max_by", 2, 2, {k_array, k_expref}, fn_max_by, "max_by(array, &expression)"},
    {"merge", 1, k_variadic, {k_object}, fn_merge, "merge(object, ...)"},
    {"min", 1, 1, {k_array}, fn_min, "min(array[number]|array[string])"},
    {"min_by", 2, 2, {k_array, k_expref}, fn_min_by, "min_by(array, &expression)"},
    {"not_null", 1, k_variadic, {k_all}, fn_not_null, "not_null(any, ...)"},
    {"reverse", 1, 1, {k_string | k_array}, fn_reverse, "reverse(string|array)"},
    {"sort", 1, 1, {k_array}, fn_sort, "sort(array[number]|array[string])"},
    {"sort_by", 2, 2, {k_array, k_expref}, fn_sort_by, "sort_by(array, &expression)"},
    {"starts_with", 2, 2, {k_string, k_string}, fn_starts_with, "starts_with(string, string)"},
    {"sum", 1, 1, {k_array}, fn_sum, "sum(array[number])"},
    {"to_array", 1, 1, {k_all}, fn_to_array, "to_array(any)"},
    {"to_number", 1, 1, {k_all}, fn_to_number, "to_number(any)"},
    {"to_string", 1, 1, {k_all}, fn_to_string, "to_string(any)"},
    {"type", 1, 1, {k_all}, fn_type, "type(any)"},
    {"values", 1, 1, {k_object}, fn_values, "values(object)"},
    // ldb extensions.
    {"regex", 2, 2, {k_string, k_string}, fn_regex, "regex(string, pattern) -> boolean"},
    {"regex_match", 2, 2, {k_string, k_string}, fn_regex_match, "regex_match(string, pattern) -> matched text or null"},
    {"add", 2, 2, {k_number | k_array, k_number | k_array}, fn_add, "add(number|array, number|array)"},
    {"sub", 2, 2, {k_number | k_array, k_number | k_array}, fn_sub, "sub(number|array, number|array)"},
    {"mul", 2, 2, {k_number | k_array, k_number | k_array}, fn_mul, "mul(number|array, number|array)"},
    {"div", 2, 2, {k_number | k_array, k_number | k_array}, fn_div, "div(number|array, number|array)"},
    {"neg", 1, 1, {k_number | k_array}, fn_neg, "neg(number|array)"},
    {"contains_all", 2, 2, {k_array | k_string, k_array}, fn_contains_all, "contains_all(array|string, array)"},
    {"contains_any", 2, 2, {k_array | k_string, k_array}, fn_contains_any, "contains_any(array|string, array)"},
    {"has_keys", 2, k_variadic, {k_all, k_string}, fn_has_keys, "has_keys(value, 'key.path', ...)"},
    {"get", 2, 3, {k_all, k_string, k_all}, fn_get, "get(value, 'key.path', default)"},
    {"dotproduct", 2, 2, {k_array, k_array}, fn_dotproduct, "dotproduct(array[number], array[number])"},
    {"unique", 1, 1, {k_array}, fn_unique, "unique(array)"},
};

}  // namespace

std::string describe_types(unsigned mask) {
  std::vector<std::string_view> names;
  for (Kind kind : {Kind::null, Kind::boolean, Kind::number, Kind::string, Kind::array, Kind::object, Kind::expref}) {
    if (mask & type_bit(kind)) names.push_back(kind == Kind::expref ? "an expression (&expr)" : kind_name(kind));
  }
  if (names.size() >= 6) return "any value";
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

const FunctionSpec* find_function(std::string_view name) {
  for (const FunctionSpec& spec : k_functions) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::vector<std::string_view> function_names() {
  std::vector<std::string_view> names;
  for (const FunctionSpec& spec : k_functions) names.push_back(spec.name);
  return names;
}

Value call_function(const Node& call, const Value& current, Context& ctx) {
  const FunctionSpec& spec = *call.function;
  OwnedArray& args = ctx.arena->new_array();
  for (std::size_t i = 0; i < call.children.size(); ++i) {
    Value arg = evaluate(*call.children[i], current, ctx);
    // not_null() is there to pass over absent values: to it a missing key
    // (ldb dialect, at the top) is null.
    if (ctx.status == EvalStatus::missing && spec.impl == fn_not_null) {
      ctx.status = EvalStatus::ok;
      ctx.reason.clear();
    }
    if (ctx.stopped()) return Value();
    unsigned accepted = spec.arg_types[std::min<std::size_t>(i, 2)];
    if (accepted == 0) accepted = spec.arg_types[1] ? spec.arg_types[1] : spec.arg_types[0];
    if (!(accepted & type_bit(arg.kind()))) return type_error(call, i, describe_types(accepted), arg.kind(), ctx);
    args.push_back(arg);
  }
  // The arguments are evaluated where the call is (at the top or below it);
  // the &expr a function applies to each element is below the top.
  PerElement per_element(ctx);
  return spec.impl(call, std::span<const Value>(args.data(), args.size()), ctx);
}

}  // namespace ldb::query
