// Tests for query/functions.cpp and ldb_functions.cpp beyond the data-driven
// cases in cases/*.json: error messages, RE2's linear time, the dynamic-pattern
// cache and the work limit.

#include "query/functions.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <fmt/format.h>

#include "query/expression.hpp"
#include "test_documents.hpp"
#include "test_support.hpp"

namespace ldb::query {
namespace {

using testing::Document;

std::string why_error(std::string_view expression, std::string_view json) {
  auto parsed = Expression::parse(expression, Dialect::jmespath);
  EXPECT_TRUE(parsed.has_value()) << expression;
  if (!parsed) return {};
  Document document(json);
  std::string why;
  EXPECT_EQ(parsed->test(document.root(), &why), Expression::Outcome::error) << expression;
  return why;
}

std::string json_of(std::string_view expression, std::string_view json, Dialect dialect = Dialect::jmespath) {
  auto parsed = Expression::parse(expression, dialect);
  EXPECT_TRUE(parsed.has_value()) << expression;
  if (!parsed) return {};
  Document document(json);
  auto result = parsed->evaluate_json(document.root());
  EXPECT_TRUE(result.has_value()) << expression << ": " << ldb::testing::describe(result);
  return result ? *result : std::string();
}

TEST(FunctionsTest, TypeErrorsNameFunctionArgumentAndTypes) {
  EXPECT_EQ(why_error("length(`1`)", "{}"),
            "invalid-type: length() argument 1 must be string, array or object, got number");
  EXPECT_EQ(why_error("regex(`1`, 'a')", "{}"), "invalid-type: regex() argument 1 must be string, got number");
  EXPECT_EQ(why_error("add(`[1, \"a\"]`, `1`)", "{}"),
            "invalid-type: add() argument 1 must contain only numbers, got string");
  EXPECT_EQ(why_error("add(`[1, 2]`, `[1]`)", "{}"),
            "invalid-value: add() arrays must have the same length, got 2 and 1");
  EXPECT_EQ(why_error("div(`1`, `0`)", "{}"), "invalid-value: div() division by zero");
  EXPECT_EQ(why_error("sort_by(@, &a)", R"([{"a":1},{"a":"x"}])"),
            "invalid-type: sort_by() expression must give all numbers or all strings, got string");
  EXPECT_EQ(why_error("sort(`[1, \"a\"]`)", "{}"),
            "invalid-type: sort() argument 1 must be an array of numbers or of strings, got string");
  EXPECT_EQ(why_error("map(a, `[]`)", "{}"), "invalid-type: map() argument 1 must be an expression (&expr), got null");
  EXPECT_EQ(why_error("get(@, 'a..b')", "{}"),
            "invalid-value: get() key path 'a..b' is not a dotted list of names (like 'a.b')");
}

TEST(FunctionsTest, RegexIsLinearTime) {
  // Catastrophic for backtracking engines: (a+)+$ against "aaaa...b".
  std::string subject(100000, 'a');
  subject += 'b';
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(json_of("regex(s, '(a+)+$')", fmt::format(R"({{"s":"{}"}})", subject)), "false");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(FunctionsTest, RegexPatternsFromTheDocumentAreCompiledAndCached) {
  constexpr std::string_view doc = R"({"s":"label-17","p":"[0-9]+","bad":"("})";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(json_of("regex(s, p)", doc), "true");
    EXPECT_EQ(json_of("regex_match(s, p)", doc), "\"17\"");
  }
  EXPECT_NE(
      why_error("regex(s, bad)", doc).find("invalid-value: regex() pattern '(' is not a valid regular expression"),
      std::string::npos);
}

TEST(FunctionsTest, RegexMatchReturnsTheFirstMatchAnywhere) {
  EXPECT_EQ(json_of("regex_match(s, 'b+')", R"({"s":"aabbbcbb"})"), "\"bbb\"");
  EXPECT_EQ(json_of("regex_match(s, '^b')", R"({"s":"aabbbcbb"})"), "null");
  EXPECT_EQ(json_of("regex_match(s, 'é+')", R"({"s":"caféé!"})"), "\"éé\"");
}

TEST(FunctionsTest, ArithmeticKeepsIntegersIntegral) {
  EXPECT_EQ(json_of("add(a, b)", R"({"a":1,"b":2})"), "3");
  EXPECT_EQ(json_of("mul(a, `0.5`)", R"({"a":[1,3]})"), "[0.5,1.5]");
  EXPECT_EQ(json_of("neg(sub(a, b))", R"({"a":1,"b":2.5})", Dialect::ldb), "1.5");
  EXPECT_EQ(json_of("dotproduct(a, b)", R"({"a":[0.5,2],"b":[2,0.25]})"), "1.5");
}

TEST(FunctionsTest, LdbFunctionsWorkInBothDialects) {
  for (Dialect dialect : {Dialect::ldb, Dialect::jmespath}) {
    EXPECT_EQ(json_of("unique(t)", R"({"t":["a","b","a"]})", dialect), R"(["a","b"])");
    EXPECT_EQ(json_of("has_keys(@, 't')", R"({"t":null})", dialect), "true");
  }
}

TEST(FunctionsTest, ExponentialSharingHitsTheWorkLimit) {
  // Each pipe doubles the size of the result while sharing structure; printing
  // or comparing it must stop at the work limit instead of running for ages.
  std::string query = "@";
  for (int i = 0; i < 60; ++i) query += " | [@, @]";
  auto parsed = Expression::parse(query + " | @ == @", Dialect::jmespath);
  ASSERT_OK(parsed);
  Document document(R"({"a":1})");
  std::string why;
  EXPECT_EQ(parsed->test(document.root(), &why), Expression::Outcome::error);
  EXPECT_NE(why.find("work limit"), std::string::npos) << why;

  auto printed = Expression::parse(query, Dialect::jmespath);
  ASSERT_OK(printed);
  auto json = printed->evaluate_json(document.root());
  ASSERT_FALSE(json.has_value());
  EXPECT_NE(json.error().message.find("too large"), std::string::npos) << json.error().message;
}

TEST(FunctionsTest, FunctionTableIsConsistent) {
  for (std::string_view name : function_names()) {
    const FunctionSpec* spec = find_function(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_LE(spec->min_args, spec->max_args) << name;
    EXPECT_TRUE(spec->signature.starts_with(name)) << name;
  }
  EXPECT_EQ(find_function("no_such_function"), nullptr);
}

}  // namespace
}  // namespace ldb::query
