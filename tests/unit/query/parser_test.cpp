// Tests for the lexer and parser through Expression::parse: syntax errors name
// the column and what was expected, and the hint draws a caret under the
// offending token.

#include "query/parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "query/expression.hpp"
#include "test_support.hpp"

namespace ldb::query {
namespace {

Error parse_error(std::string_view text, Dialect dialect = Dialect::ldb) {
  auto parsed = Expression::parse(text, dialect);
  EXPECT_FALSE(parsed.has_value()) << text;
  if (parsed) return Error{};
  EXPECT_EQ(parsed.error().code, ErrorCode::invalid_argument);
  return parsed.error();
}

// The column the caret points at (1-based), read back from the hint.
std::size_t caret_column(const Error& error) {
  auto newline = error.hint.find('\n');
  EXPECT_NE(newline, std::string::npos) << error.hint;
  auto caret = error.hint.find('^', newline);
  EXPECT_NE(caret, std::string::npos) << error.hint;
  return caret - newline - 1 - 2 + 1;  // two-space indent
}

TEST(ParserTest, MissingOperandPointsAtTheEnd) {
  Error error = parse_error("class == ");
  EXPECT_EQ(error.message, "query syntax error at column 10: expected an expression after '=='");
  EXPECT_EQ(error.hint, "  class == \n           ^");
  EXPECT_EQ(caret_column(error), 10u);
}

TEST(ParserTest, UnexpectedTokenIsUnderlined) {
  Error error = parse_error("foo[?bar==baz?]");
  EXPECT_EQ(caret_column(error), 14u);
  EXPECT_NE(error.message.find("unexpected character '?'"), std::string::npos) << error.message;

  error = parse_error("a.b c");
  EXPECT_EQ(caret_column(error), 5u);
  EXPECT_EQ(error.message, "query syntax error at column 5: unexpected 'c' after a complete expression");

  error = parse_error("foo[0, 1]", Dialect::jmespath);
  EXPECT_EQ(caret_column(error), 6u);
  EXPECT_NE(error.message.find("expected ']' after the index"), std::string::npos) << error.message;
}

TEST(ParserTest, SingleEqualsSuggestsDoubleEquals) {
  Error error = parse_error("class = 'cat'");
  EXPECT_EQ(caret_column(error), 7u);
  EXPECT_NE(error.message.find("use '=='"), std::string::npos) << error.message;
}

TEST(ParserTest, UnterminatedLiteralsPointAtTheirStart) {
  EXPECT_EQ(caret_column(parse_error("a == 'cat")), 6u);
  EXPECT_EQ(caret_column(parse_error("a == `\"cat")), 6u);
  EXPECT_EQ(caret_column(parse_error("\"key")), 1u);
}

TEST(ParserTest, ColumnsCountCharactersNotBytes) {
  Error error = parse_error("\"é\" == ");
  EXPECT_EQ(caret_column(error), 8u);
  EXPECT_EQ(error.message, "query syntax error at column 8: expected an expression after '=='");
}

TEST(ParserTest, EmptyQuery) {
  Error error = parse_error("   ");
  EXPECT_EQ(error.message, "query syntax error at column 4: the query is empty");
}

TEST(ParserTest, UnknownFunctionSuggestsAName) {
  Error error = parse_error("lenght(tags)");
  EXPECT_EQ(error.message, "query syntax error at column 1: unknown function 'lenght' (did you mean 'length'?)");
  error = parse_error("tags | frobnicate(@)");
  EXPECT_EQ(caret_column(error), 8u);
  EXPECT_EQ(error.message.find("did you mean"), std::string::npos);
}

TEST(ParserTest, WrongArityIsAParseError) {
  Error error = parse_error("abs(`1`, `2`)");
  EXPECT_EQ(error.message,
            "query syntax error at column 1: invalid arity: abs() takes 1 argument, got 2 (usage: abs(number))");
  error = parse_error("x || get(@)");
  EXPECT_EQ(caret_column(error), 6u);
  EXPECT_NE(error.message.find("get() takes 2 to 3 arguments, got 1"), std::string::npos) << error.message;
  error = parse_error("merge()");
  EXPECT_NE(error.message.find("takes at least 1 argument"), std::string::npos) << error.message;
}

TEST(ParserTest, InvalidRegexLiteralPointsAtThePattern) {
  Error error = parse_error("regex(name, '(unclosed')");
  EXPECT_EQ(caret_column(error), 13u);
  EXPECT_NE(error.message.find("invalid regular expression"), std::string::npos) << error.message;
}

TEST(ParserTest, BareNumbersOnlyInLdbDialect) {
  Error error = parse_error("confidence < 0.75", Dialect::jmespath);
  EXPECT_EQ(caret_column(error), 14u);
  EXPECT_NE(error.message.find("write number literals in backticks"), std::string::npos) << error.message;
  EXPECT_OK(Expression::parse("confidence < 0.75", Dialect::ldb));
  EXPECT_OK(Expression::parse("confidence < -7.5e-3", Dialect::ldb));
  EXPECT_EQ(caret_column(parse_error("a[1.5]")), 3u);
  EXPECT_EQ(caret_column(parse_error("a - 1")), 3u);
}

TEST(ParserTest, DeepNestingIsRejectedNotACrash) {
  std::string deep(5000, '(');
  deep += "a";
  deep += std::string(5000, ')');
  Error error = parse_error(deep);
  EXPECT_NE(error.message.find("nested too deeply"), std::string::npos) << error.message;

  std::string chain = "a";
  for (int i = 0; i < 5000; ++i) chain += ".a";
  error = parse_error(chain);
  EXPECT_NE(error.message.find("nested too deeply"), std::string::npos) << error.message;

  std::string nots(5000, '!');
  nots += "a";
  EXPECT_NE(parse_error(nots).message.find("nested too deeply"), std::string::npos);
}

TEST(ParserTest, NewlinesInTheQueryKeepTheCaretAligned) {
  Error error = parse_error("a ==\n");
  EXPECT_EQ(error.hint, "  a == \n       ^");
}

}  // namespace
}  // namespace ldb::query
