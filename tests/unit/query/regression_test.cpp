// Named regression tests: inputs found by fuzz/fuzz_query.cpp (or while
// writing it) that once crashed or misbehaved, each run through both dialects.

#include <gtest/gtest.h>

#include <string>

#include "query/expression.hpp"
#include "test_documents.hpp"

namespace ldb::query {
namespace {

using testing::Document;

// Parses and evaluates in both dialects; must not crash and test() must agree
// with evaluate_json() about failure.
void survives(std::string_view expression, std::string_view json) {
  Document document(json);
  for (Dialect dialect : {Dialect::ldb, Dialect::jmespath}) {
    auto parsed = Expression::parse(expression, dialect);
    if (!parsed) {
      EXPECT_FALSE(parsed.error().message.empty());
      EXPECT_FALSE(parsed.error().hint.empty());
      continue;
    }
    auto outcome = parsed->test(document.root());
    auto result = parsed->evaluate_json(document.root());
    bool failed = outcome == Expression::Outcome::error || outcome == Expression::Outcome::missing;
    EXPECT_EQ(failed, !result.has_value()) << expression;
    (void)parsed->sort_key(document.root());
  }
}

// Range-for over a temporary simdjson_result<array> dangled while printing a
// nested document array (found by the first compliance run).
TEST(RegressionTest, PrintingNestedDocumentArrays) { survives("@", R"({"a":[[1,[2]],{"b":[]}]})"); }

// Huge indices and slice bounds must clamp, not overflow.
TEST(RegressionTest, HugeIndicesAndSliceBounds) {
  survives("a[99999999999999999999999]", R"({"a":[1,2]})");
  survives("a[-99999999999999999999999:99999999999999999999999:-99999999999999999999]", R"({"a":[1,2,3]})");
  survives("a[::-9223372036854775807]", R"({"a":[1,2,3]})");
}

// A number literal too large for a double is a syntax error, not inf.
TEST(RegressionTest, OutOfRangeNumberLiteral) {
  survives("a < 1e999", R"({"a":1})");
  auto parsed = Expression::parse("a < 1e999", Dialect::ldb);
  EXPECT_FALSE(parsed.has_value());
}

// Arithmetic overflow to infinity is an error, so output stays valid JSON.
TEST(RegressionTest, ArithmeticOverflow) {
  survives("mul(`1e308`, `10`)", "{}");
  survives("sum(`[1e308, 1e308]`)", "{}");
  survives("avg(`[1e308, 1e308]`)", "{}");
}

// Embedded NUL and invalid UTF-8 in keys and strings.
TEST(RegressionTest, OddBytesInStrings) {
  survives(std::string_view("\"a\\u0000b\"", 10), R"({"a\u0000b":1})");
  survives("reverse(s)", "{\"s\":\"\\u00e9\\ud834\\udd1e\"}");
  survives(std::string_view("a\0b", 3), "{}");
}

// Expression references to expressions (&) used where values are expected.
TEST(RegressionTest, ExprefsInOddPlaces) {
  survives("&a", R"({"a":1})");
  survives("[&a, &b] == [&a, &b]", R"({"a":1})");
  survives("sort_by(@, &&a)", R"([{"a":1}])");
  survives("to_string(&a)", R"({"a":1})");
  survives("{a: &a}", R"({"a":1})");
}

// fuzz crash-fcdbe683: a raw string literal with invalid UTF-8 ('\xff\xff&')
// was printed as-is, so evaluate_json() produced invalid JSON. The query text
// must now be valid UTF-8.
TEST(RegressionTest, InvalidUtf8InQueryIsASyntaxError) {
  survives("'\xff\xff&'", "{}");
  auto parsed = Expression::parse("a == '\xff\xff&'", Dialect::jmespath);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().message, "query syntax error at column 7: the query is not valid UTF-8");
  EXPECT_TRUE(Expression::parse("a == '\xc3\xa9'", Dialect::jmespath).has_value());
  EXPECT_FALSE(Expression::parse("'\xed\xa0\x80'", Dialect::jmespath).has_value());  // a UTF-16 surrogate
}

}  // namespace
}  // namespace ldb::query
