// Tests for query/value.hpp: exact integers. Document integers beyond 2^53
// keep every digit when printed and compare exactly with each other and with
// doubles (a double conversion would make 2^53 + 1 equal to 2^53).

#include "query/value.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "query/expression.hpp"
#include "test_documents.hpp"
#include "test_support.hpp"

namespace ldb::query {
namespace {

using testing::Document;

std::string json_of(const Value& v) {
  std::string out;
  Budget budget;
  EXPECT_TRUE(append_json(v, out, budget, 1 << 20));
  return out;
}

std::string evaluate(std::string_view expression, std::string_view json, Dialect dialect = Dialect::jmespath) {
  auto parsed = Expression::parse(expression, dialect);
  EXPECT_TRUE(parsed.has_value()) << expression;
  if (!parsed) return "";
  Document document(json);
  auto result = parsed->evaluate_json(document.root());
  EXPECT_TRUE(result.has_value()) << expression;
  return result ? *result : "";
}

constexpr std::string_view k_big = R"({"a": 9007199254740993, "b": 9007199254740992, "c": 9007199254740992.0,
  "u": 18446744073709551615, "n": -9223372036854775808, "half": 9007199254740992.5, "small": 3, "f": 2.5})";

TEST(ValueTest, DocumentIntegersPrintEveryDigit) {
  EXPECT_EQ(evaluate("a", k_big), "9007199254740993");
  EXPECT_EQ(evaluate("u", k_big), "18446744073709551615");
  EXPECT_EQ(evaluate("n", k_big), "-9223372036854775808");
  EXPECT_EQ(evaluate("[a, b]", k_big), "[9007199254740993,9007199254740992]");
  EXPECT_EQ(evaluate("{x: a}", k_big), R"({"x":9007199254740993})");
  EXPECT_EQ(evaluate("max([a, b])", k_big), "9007199254740993");
  EXPECT_EQ(evaluate("sort([a, b])", k_big), "[9007199254740992,9007199254740993]");
  EXPECT_EQ(evaluate("`9007199254740993`", "{}"), "9007199254740993");
}

TEST(ValueTest, IntegersCompareExactly) {
  EXPECT_EQ(evaluate("a == b", k_big), "false");
  EXPECT_EQ(evaluate("a > b", k_big), "true");
  EXPECT_EQ(evaluate("b < a", k_big), "true");
  EXPECT_EQ(evaluate("a == `9007199254740993`", k_big), "true");
  EXPECT_EQ(evaluate("u > a", k_big), "true");
  EXPECT_EQ(evaluate("n < small", k_big), "true");
  EXPECT_EQ(evaluate("u == n", k_big), "false");
}

TEST(ValueTest, IntegersCompareExactlyWithDoubles) {
  EXPECT_EQ(evaluate("b == c", k_big), "true");  // 2^53 == 2^53.0
  EXPECT_EQ(evaluate("a == c", k_big), "false");
  EXPECT_EQ(evaluate("a > c", k_big), "true");
  EXPECT_EQ(evaluate("c < a", k_big), "true");
  EXPECT_EQ(evaluate("f < small", k_big), "true");
  EXPECT_EQ(evaluate("small == `3.0`", k_big), "true");
  EXPECT_EQ(evaluate("small > f", k_big), "true");
  EXPECT_EQ(evaluate("u < `1e30`", k_big), "true");
  EXPECT_EQ(evaluate("n > `-1e30`", k_big), "true");
  EXPECT_EQ(evaluate("inference.confidence < 0.75", R"({"inference":{"confidence":0}})", Dialect::ldb), "true");
  EXPECT_EQ(evaluate("x >= 1", R"({"x":1})", Dialect::ldb), "true");
}

TEST(ValueTest, CompareNumbersCoversEveryMix) {
  using std::partial_ordering;
  const auto i64 = Value::integer(std::numeric_limits<std::int64_t>::max());
  const auto u64 = Value::unsigned_integer(static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1);
  const auto two63 = Value::number(9223372036854775808.0);
  EXPECT_EQ(compare_numbers(i64, u64), partial_ordering::less);
  EXPECT_EQ(compare_numbers(u64, i64), partial_ordering::greater);
  EXPECT_EQ(compare_numbers(i64, two63), partial_ordering::less);
  EXPECT_EQ(compare_numbers(u64, two63), partial_ordering::equivalent);
  EXPECT_EQ(compare_numbers(two63, u64), partial_ordering::equivalent);
  EXPECT_EQ(compare_numbers(Value::integer(-1), Value::unsigned_integer(0)), partial_ordering::less);
  EXPECT_EQ(compare_numbers(Value::unsigned_integer(1), Value::number(-0.5)), partial_ordering::greater);
  EXPECT_EQ(compare_numbers(Value::integer(-3), Value::number(-2.5)), partial_ordering::less);
  EXPECT_EQ(compare_numbers(Value::integer(-2), Value::number(-2.5)), partial_ordering::greater);
  EXPECT_EQ(compare_numbers(Value::integer(2), Value::number(std::numeric_limits<double>::quiet_NaN())),
            partial_ordering::unordered);
  EXPECT_EQ(compare_numbers(Value::number(1.5), Value::number(1.5)), partial_ordering::equivalent);
}

TEST(ValueTest, EqualsAndPrintingOfConstructedIntegers) {
  Budget budget;
  EXPECT_TRUE(equals(Value::integer(5), Value::number(5.0), budget));
  EXPECT_TRUE(equals(Value::unsigned_integer(5), Value::integer(5), budget));
  EXPECT_FALSE(equals(Value::integer(9007199254740993), Value::number(9007199254740992.0), budget));
  EXPECT_EQ(json_of(Value::integer(-9007199254740993)), "-9007199254740993");
  EXPECT_EQ(json_of(Value::unsigned_integer(18446744073709551615u)), "18446744073709551615");
  EXPECT_EQ(json_of(Value::number(2.5)), "2.5");
  EXPECT_EQ(Value::integer(7).kind(), Kind::number);
  EXPECT_EQ(Value::unsigned_integer(7).as_number(), 7.0);
}

}  // namespace
}  // namespace ldb::query
