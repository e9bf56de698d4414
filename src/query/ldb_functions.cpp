// ldb's extension functions, with the semantics of the original LDB (Python):
// regex() is re.search (a match anywhere) returning a boolean; regex_match()
// returns the text of the first match anywhere, or null; arithmetic applies
// element-wise to equal-length number arrays and broadcasts a number over an
// array; has_keys()/get() take dotted key paths ("a.b", "\"odd key\".c").
// Regular expressions are RE2 (linear time); a literal pattern is compiled once
// at parse time and other patterns go through a small per-thread cache.

#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "query/functions.hpp"

namespace ldb::query {

std::unique_ptr<RE2> compile_regex(std::string_view pattern, std::string* error) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    if (error) *error = re->error();
    return nullptr;
  }
  return re;
}

namespace {

// The compiled pattern of a regex()/regex_match() call: the one compiled at parse
// time, or one from this thread's cache.
const RE2* pattern_for(const Node& call, std::string_view pattern, Context& ctx) {
  if (call.regex) return call.regex.get();
  thread_local std::unordered_map<std::string, std::unique_ptr<RE2>> cache;
  auto found = cache.find(std::string(pattern));
  if (found != cache.end()) return found->second.get();
  std::string error;
  auto re = compile_regex(pattern, &error);
  if (!re) {
    ctx.fail(fmt::format("invalid-value: {}() pattern '{}' is not a valid regular expression: {}", call.name, pattern,
                         error));
    return nullptr;
  }
  if (cache.size() >= 256) cache.clear();
  return cache.emplace(std::string(pattern), std::move(re)).first->second.get();
}

enum class Op { add, sub, mul, div };

std::optional<double> apply(Op op, double a, double b, const Node& call, Context& ctx) {
  double r = 0;
  switch (op) {
    case Op::add:
      r = a + b;
      break;
    case Op::sub:
      r = a - b;
      break;
    case Op::mul:
      r = a * b;
      break;
    case Op::div:
      if (b == 0) {
        ctx.fail(fmt::format("invalid-value: {}() division by zero", call.name));
        return std::nullopt;
      }
      r = a / b;
      break;
  }
  if (!std::isfinite(r)) {
    ctx.fail(fmt::format("invalid-value: {}() result is not a finite number", call.name));
    return std::nullopt;
  }
  return r;
}

// Collects the numbers of an array argument; records a type error otherwise.
bool numbers_of(const Value& array, const Node& call, std::size_t argument, std::vector<double>& out, Context& ctx) {
  bool ok = true;
  for_each_element(array, [&](const Value& element) {
    if (element.kind() != Kind::number) {
      ctx.fail(fmt::format("invalid-type: {}() argument {} must contain only numbers, got {}", call.name, argument + 1,
                           kind_name(element.kind())));
      ok = false;
      return false;
    }
    out.push_back(element.as_number());
    return true;
  });
  return ok;
}

Value arithmetic(Op op, const Node& call, std::span<const Value> args, Context& ctx) {
  const Value& x = args[0];
  const Value& y = args[1];
  if (x.kind() == Kind::number && y.kind() == Kind::number) {
    auto r = apply(op, x.as_number(), y.as_number(), call, ctx);
    return r ? Value::number(*r) : Value();
  }
  std::vector<double> left;
  std::vector<double> right;
  if (x.kind() == Kind::array && !numbers_of(x, call, 0, left, ctx)) return Value();
  if (y.kind() == Kind::array && !numbers_of(y, call, 1, right, ctx)) return Value();
  if (x.kind() == Kind::array && y.kind() == Kind::array && left.size() != right.size()) {
    return ctx.fail(fmt::format("invalid-value: {}() arrays must have the same length, got {} and {}", call.name,
                                left.size(), right.size()));
  }
  std::size_t size = x.kind() == Kind::array ? left.size() : right.size();
  OwnedArray& out = ctx.arena->new_array();
  for (std::size_t i = 0; i < size; ++i) {
    double a = x.kind() == Kind::array ? left[i] : x.as_number();
    double b = y.kind() == Kind::array ? right[i] : y.as_number();
    auto r = apply(op, a, b, call, ctx);
    if (!r) return Value();
    out.push_back(Value::number(*r));
  }
  return Value::array(&out);
}

// Splits a key path like `a.b."c d"` into names; false when it is malformed.
bool split_key_path(std::string_view path, Context& ctx, std::vector<std::string_view>& names) {
  std::size_t pos = 0;
  while (true) {
    if (pos < path.size() && path[pos] == '"') {
      std::size_t start = ++pos;
      bool escaped = false;
      while (pos < path.size() && path[pos] != '"') {
        if (path[pos] == '\\') {
          escaped = true;
          ++pos;
        }
        ++pos;
      }
      if (pos >= path.size()) return false;
      std::string_view raw = path.substr(start, pos - start);
      ++pos;
      if (!escaped) {
        names.push_back(raw);
      } else {
        thread_local simdjson::dom::parser parser;
        std::string json = fmt::format("\"{}\"", raw);
        std::string_view decoded;
        if (parser.parse(json).get_string().get(decoded) != simdjson::SUCCESS) return false;
        std::string& kept = ctx.arena->new_string();
        kept.assign(decoded);
        names.push_back(kept);
      }
    } else {
      std::size_t start = pos;
      auto is_start = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
      if (pos >= path.size() || !is_start(path[pos])) return false;
      while (pos < path.size() && (std::isalnum(static_cast<unsigned char>(path[pos])) || path[pos] == '_')) ++pos;
      names.push_back(path.substr(start, pos - start));
    }
    if (pos == path.size()) return true;
    if (path[pos] != '.') return false;
    ++pos;
  }
}

// Follows a key path; nullopt when some key is absent (or a step is not an object).
std::optional<Value> follow(const Value& root, const std::vector<std::string_view>& names) {
  Value node = root;
  for (std::string_view name : names) {
    if (node.kind() != Kind::object) return std::nullopt;
    auto member = find_member(node, name);
    if (!member) return std::nullopt;
    node = *member;
  }
  return node;
}

Value bad_key_path(const Node& call, std::string_view path, Context& ctx) {
  return ctx.fail(
      fmt::format("invalid-value: {}() key path '{}' is not a dotted list of names (like 'a.b')", call.name, path));
}

// Membership test for contains_all/contains_any.
std::optional<bool> contains_one(const Node& call, const Value& subject, const Value& search, Context& ctx) {
  if (subject.kind() == Kind::string) {
    if (search.kind() != Kind::string) {
      ctx.fail(fmt::format("invalid-type: {}() searches in a string must be strings, got {}", call.name,
                           kind_name(search.kind())));
      return std::nullopt;
    }
    return subject.as_string().find(search.as_string()) != std::string_view::npos;
  }
  bool found = false;
  for_each_element(subject, [&](const Value& element) {
    found = equals(element, search, ctx.budget);
    return !found && !ctx.budget.exhausted;
  });
  if (ctx.out_of_budget()) return std::nullopt;
  return found;
}

Value contains_some(const Node& call, std::span<const Value> args, Context& ctx, bool all) {
  bool result = all;
  for_each_element(args[1], [&](const Value& search) {
    auto found = contains_one(call, args[0], search, ctx);
    if (!found) return false;
    if (*found != all) {
      result = !all;
      return false;
    }
    return true;
  });
  if (ctx.stopped()) return Value();
  return Value::boolean(result);
}

}  // namespace

Value fn_regex(const Node& call, std::span<const Value> args, Context& ctx) {
  const RE2* re = pattern_for(call, args[1].as_string(), ctx);
  if (!re) return Value();
  std::string_view text = args[0].as_string();
  return Value::boolean(RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re));
}

Value fn_regex_match(const Node& call, std::span<const Value> args, Context& ctx) {
  const RE2* re = pattern_for(call, args[1].as_string(), ctx);
  if (!re) return Value();
  std::string_view text = args[0].as_string();
  re2::StringPiece match;
  if (!re->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED, &match, 1)) {
    return Value();
  }
  return Value::string(std::string_view(match.data(), match.size()));
}

Value fn_add(const Node& call, std::span<const Value> args, Context& ctx) {
  return arithmetic(Op::add, call, args, ctx);
}
Value fn_sub(const Node& call, std::span<const Value> args, Context& ctx) {
  return arithmetic(Op::sub, call, args, ctx);
}
Value fn_mul(const Node& call, std::span<const Value> args, Context& ctx) {
  return arithmetic(Op::mul, call, args, ctx);
}
Value fn_div(const Node& call, std::span<const Value> args, Context& ctx) {
  return arithmetic(Op::div, call, args, ctx);
}

Value fn_neg(const Node& call, std::span<const Value> args, Context& ctx) {
  if (args[0].kind() == Kind::number) return Value::number(-args[0].as_number());
  std::vector<double> numbers;
  if (!numbers_of(args[0], call, 0, numbers, ctx)) return Value();
  OwnedArray& out = ctx.arena->new_array();
  for (double d : numbers) out.push_back(Value::number(-d));
  return Value::array(&out);
}

Value fn_contains_all(const Node& call, std::span<const Value> args, Context& ctx) {
  return contains_some(call, args, ctx, true);
}

Value fn_contains_any(const Node& call, std::span<const Value> args, Context& ctx) {
  return contains_some(call, args, ctx, false);
}

Value fn_has_keys(const Node& call, std::span<const Value> args, Context& ctx) {
  std::vector<std::string_view> names;
  for (std::size_t i = 1; i < args.size(); ++i) {
    names.clear();
    if (!split_key_path(args[i].as_string(), ctx, names)) return bad_key_path(call, args[i].as_string(), ctx);
    if (!follow(args[0], names)) return Value::boolean(false);
  }
  return Value::boolean(true);
}

Value fn_get(const Node& call, std::span<const Value> args, Context& ctx) {
  std::vector<std::string_view> names;
  if (!split_key_path(args[1].as_string(), ctx, names)) return bad_key_path(call, args[1].as_string(), ctx);
  auto found = follow(args[0], names);
  if (found) return *found;
  return args.size() > 2 ? args[2] : Value();
}

Value fn_dotproduct(const Node& call, std::span<const Value> args, Context& ctx) {
  std::vector<double> left;
  std::vector<double> right;
  if (!numbers_of(args[0], call, 0, left, ctx) || !numbers_of(args[1], call, 1, right, ctx)) return Value();
  if (left.size() != right.size()) {
    return ctx.fail(fmt::format("invalid-value: dotproduct() arrays must have the same length, got {} and {}",
                                left.size(), right.size()));
  }
  double total = 0;
  for (std::size_t i = 0; i < left.size(); ++i) total += left[i] * right[i];
  if (!std::isfinite(total)) return ctx.fail("invalid-value: dotproduct() result is not a finite number");
  return Value::number(total);
}

Value fn_unique(const Node&, std::span<const Value> args, Context& ctx) {
  OwnedArray& out = ctx.arena->new_array();
  for_each_element(args[0], [&](const Value& element) {
    bool seen = false;
    for (const Value& kept : out) {
      if (equals(kept, element, ctx.budget)) {
        seen = true;
        break;
      }
    }
    if (!seen) out.push_back(element);
    return !ctx.budget.exhausted;
  });
  if (ctx.out_of_budget()) return Value();
  return Value::array(&out);
}

}  // namespace ldb::query
