#pragma once
// ldb::query::Expression: a JMESPath query parsed once and evaluated many times
// over simdjson documents (annotations), from any number of threads.
//
// Dialects: Dialect::jmespath is exactly standard JMESPath (it passes the
// official compliance suite). Dialect::ldb (`--query`) additionally reads a bare
// number (`0.75`, `-1`, `1e-3`) as a number literal, and at the top of the
// expression (the root and what `&&`, `||`, `!`, `|`, comparisons and function
// calls take there, down the left side of paths) a key that is absent, or a key
// applied to a non-object, makes the value "missing": a comparison or function
// with a missing operand does not match, and `&&`/`||` treat it as SQL's NULL.
// What is evaluated per element — projections, filter conditions, &expr,
// multi-select members — reads a missing key as null, as in JMESPath
// (evaluator.hpp and docs/queries.md give the exact rule). In both, a backtick
// literal that is not valid JSON is read as a string (`cat`).
//
// Functions: all of JMESPath's plus ldb's regex, regex_match, add, sub, mul, div,
// neg, contains_all, contains_any, has_keys, get, dotproduct and unique.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/error.hpp"
#include "query/dialect.hpp"

namespace ldb::query {

struct Ast;

// An owned key for --sort. Order: null first, then numbers (numerically), then
// strings (by UTF-8 bytes, i.e. by code point), as JMESPath's sort_by orders.
struct SortKey {
  enum class Type { null, number, string };
  Type type = Type::null;
  double number = 0;
  std::string string;

  friend bool operator<(const SortKey& a, const SortKey& b) {
    if (a.type != b.type) return a.type < b.type;
    if (a.type == Type::number) return a.number < b.number;
    if (a.type == Type::string) return a.string < b.string;
    return false;
  }
  friend bool operator==(const SortKey& a, const SortKey& b) {
    return a.type == b.type && (a.type != Type::number || a.number == b.number) &&
           (a.type != Type::string || a.string == b.string);
  }
};

class Expression {
 public:
  // Parses `text` once. invalid_argument on a syntax error, an unknown function,
  // a wrong number of arguments or an invalid regex literal; the message is one
  // line ("query syntax error at column 10: expected an expression after '=='",
  // columns counted in characters from 1) and the hint shows the expression with
  // a caret under the offending token ("  class == \n            ^").
  static Result<Expression> parse(std::string_view text, Dialect dialect);

  enum class Outcome { match, no_match, missing, error };

  // Evaluates and tests JMESPath truthiness (false, null, "", [], {} are false).
  // missing: the ldb dialect touched an absent key at the top (`*why` names it). error: a
  // runtime error such as a function argument of the wrong type (`*why` says
  // which, e.g. "invalid-type: length() argument 1 must be ..."). Thread-safe.
  Outcome test(simdjson::dom::element document, std::string* why = nullptr) const;

  // Evaluates to compact JSON (object members in document order). Errors:
  // not_found when the ldb dialect's result is missing (the message names the
  // key);
  // invalid_argument for runtime errors (invalid-type, invalid-value, ...).
  // Thread-safe.
  Result<std::string> evaluate_json(simdjson::dom::element document) const;

  // Evaluates to a key for sorting: null, a number or a string (see SortKey).
  // Errors as evaluate_json, plus invalid_argument for any other result type.
  Result<SortKey> sort_key(simdjson::dom::element document) const;

  // One value of a result as ldb stats counts it. string views the document or
  // the evaluation's scratch storage: valid only during the callback.
  struct Item {
    enum class Type { null, boolean, number, string, array, object };
    Type type = Type::null;
    bool boolean = false;
    double number = 0;
    std::string_view string;
  };
  enum class Spread { value, array, missing, error };

  // For counting values (ldb stats): evaluates and calls `each` once with the
  // result (returns value), or, when the result is an array, once per element
  // in order (returns array; an element that is an array or object is passed
  // as such, not entered). missing and error as test() (`*why` likewise), with
  // no call. Thread-safe.
  Spread spread(simdjson::dom::element document, const std::function<void(const Item&)>& each,
                std::string* why = nullptr) const;

  // A note for a likely quoting mistake, or "" when there is none: a double-
  // quoted name compared with something (`class == "i"`) is a key in JMESPath,
  // not the string i. Callers show it when the query selected nothing.
  std::string quoting_note() const;

  // The expression text as given.
  const std::string& text() const;
  Dialect dialect() const;

 private:
  explicit Expression(std::shared_ptr<const Ast> ast) : m_ast(std::move(ast)) {}
  // Copies share the same immutable parsed tree.
  std::shared_ptr<const Ast> m_ast;
};

}  // namespace ldb::query
