// libFuzzer target for the query parser and evaluator. Input: an expression,
// then a '\0' (or, failing that, the first newline), then a JSON document. The
// expression is parsed in both dialects and, when the document is valid JSON,
// evaluated through test(), evaluate_json() and sort_key(). Any crash, leak or
// sanitizer report is a bug; each one found becomes a named test in
// tests/unit/query/regression_test.cpp.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <simdjson.h>

#include "query/expression.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t split = input.find('\0');
  if (split == std::string_view::npos) split = input.find('\n');
  std::string_view expression = input.substr(0, split);
  std::string_view json = split == std::string_view::npos ? std::string_view("{}") : input.substr(split + 1);

  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element document;
  bool have_document = parser.parse(padded).get(document) == simdjson::SUCCESS;

  for (auto dialect : {ldb::query::Dialect::ldb, ldb::query::Dialect::jmespath}) {
    auto parsed = ldb::query::Expression::parse(expression, dialect);
    if (!parsed) {
      // Error messages and hints must always be produced.
      if (parsed.error().message.empty() || parsed.error().hint.empty()) __builtin_trap();
      continue;
    }
    if (!have_document) continue;
    std::string why;
    auto outcome = parsed->test(document, &why);
    auto json_result = parsed->evaluate_json(document);
    // test() and evaluate_json() must agree on whether evaluation failed.
    bool failed =
        outcome == ldb::query::Expression::Outcome::error || outcome == ldb::query::Expression::Outcome::missing;
    if (failed == json_result.has_value()) __builtin_trap();
    if (json_result) {
      // The output must be valid JSON.
      simdjson::dom::parser check;
      simdjson::padded_string out(*json_result);
      simdjson::dom::element reparsed;
      if (check.parse(out).get(reparsed) != simdjson::SUCCESS) __builtin_trap();
    }
    (void)parsed->sort_key(document);
  }
  return 0;
}
