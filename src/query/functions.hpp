#pragma once
// The function table: JMESPath's built-in functions and ldb's extensions
// (regex, regex_match, add, sub, mul, div, neg, contains_all, contains_any,
// has_keys, get, dotproduct, unique). Arity is checked at parse time; argument
// types are checked when the function runs.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "query/evaluator.hpp"

namespace ldb::query {

using FunctionImpl = Value (*)(const Node& call, std::span<const Value> args, Context& ctx);

// Bit mask of accepted kinds for one argument.
constexpr unsigned type_bit(Kind kind) { return 1u << static_cast<unsigned>(kind); }
inline constexpr unsigned k_any = 0x7Fu & ~type_bit(Kind::expref);

struct FunctionSpec {
  std::string_view name;
  std::uint8_t min_args;
  std::uint8_t max_args;  // k_variadic: no upper bound
  unsigned arg_types[3];  // accepted kinds per argument; the last repeats
  FunctionImpl impl;
  std::string_view signature;  // for error hints, e.g. "length(string|array|object)"
};
inline constexpr std::uint8_t k_variadic = 255;

// The function named `name`, or nullptr.
const FunctionSpec* find_function(std::string_view name);
// Every function name, for "did you mean".
std::vector<std::string_view> function_names();

// Runs a function call node (arguments already known to match the arity).
Value call_function(const Node& call, const Value& current, Context& ctx);

// "number", "string or array", ... for an accepted-kinds mask.
std::string describe_types(unsigned mask);

// The ldb extension implementations (ldb_functions.cpp).
Value fn_regex(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_regex_match(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_add(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_sub(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_mul(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_div(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_neg(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_contains_all(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_contains_any(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_has_keys(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_get(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_dotproduct(const Node& call, std::span<const Value> args, Context& ctx);
Value fn_unique(const Node& call, std::span<const Value> args, Context& ctx);

// Compiles a regex literal for regex()/regex_match(); nullptr and `error` set on
// an invalid pattern.
std::unique_ptr<RE2> compile_regex(std::string_view pattern, std::string* error);

}  // namespace ldb::query
