#include "cli/args.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ldb::cli {
namespace {

std::vector<OptionSpec> options() {
  return {
      OptionSpec{{"-s", "--summary"}, OptionSpec::Kind::flag, "count", "summary"},
      OptionSpec{{"-m", "--format", "--output-format"}, OptionSpec::Kind::value, "format", "format"},
      OptionSpec{{"-o", "--option"}, OptionSpec::Kind::repeated_pair, "pair", "option"},
      OptionSpec{{"--apply"}, OptionSpec::Kind::command, "run", "apply"},
  };
}

Result<ParsedArgs> parse(std::vector<std::string> args, bool filters = true) {
  auto specs = options();
  return parse_args("list", args, specs, filters);
}

TEST(ArgsTest, FiltersKeepCommandLineOrderAcrossFlags) {
  auto r = parse({"ds:root", "--limit", "5", "--query", "a == `1`", "--tag", "x", "--limit", "2"});
  ASSERT_OK(r);
  ASSERT_EQ(r->filters.size(), 4u);
  EXPECT_EQ(r->filters[0].name, "limit");
  EXPECT_EQ(r->filters[0].value, "5");
  EXPECT_EQ(r->filters[1].name, "query");
  EXPECT_EQ(r->filters[1].value, "a == `1`");
  EXPECT_EQ(r->filters[2].name, "tag");
  EXPECT_EQ(r->filters[3].value, "2");
  EXPECT_EQ(r->positional, std::vector<std::string>{"ds:root"});
}

TEST(ArgsTest, ValuesFlagsAliasesAndInlineValues) {
  auto r = parse({"-s", "--output-format=coco", "-o", "endpoint", "http://x", "--", "--not-an-option"});
  ASSERT_OK(r);
  EXPECT_TRUE(r->has("summary"));
  EXPECT_EQ(r->get("format"), "coco");
  EXPECT_EQ(r->all("option"), (std::vector<std::string>{"endpoint", "http://x"}));
  EXPECT_EQ(r->positional, std::vector<std::string>{"--not-an-option"});
}

TEST(ArgsTest, SampleRateKeepsThePercentageAsWritten) {
  // The pipeline checks and converts it, so its errors quote what the user wrote.
  auto r = parse({"--sample-rate", "10"});
  ASSERT_OK(r);
  ASSERT_EQ(r->filters.size(), 1u);
  EXPECT_EQ(r->filters[0].name, "sample-rate");
  EXPECT_EQ(r->filters[0].value, "10");
}

TEST(ArgsTest, CommandOptionTakesArgumentsUpToTheNextOption) {
  auto r = parse({"ds:a", "--apply", "resize", "224", "-x", "--format", "bare", "--limit", "3"});
  ASSERT_OK(r);
  EXPECT_EQ(r->all("apply"), (std::vector<std::string>{"resize", "224", "-x"}));
  EXPECT_EQ(r->get("format"), "bare");
  EXPECT_EQ(r->positional, std::vector<std::string>{"ds:a"});
  ASSERT_EQ(r->filters.size(), 1u);
  auto bare = parse({"--apply", "run.sh"});
  ASSERT_OK(bare);
  EXPECT_EQ(bare->all("apply"), std::vector<std::string>{"run.sh"});
  auto missing = parse({"--apply"});
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("needs a value"), std::string::npos);
}

TEST(ArgsTest, PipeTakesArgumentsUpToTheNextLdbOption) {
  auto r = parse({"--pipe", "clip", "dog dance", "--top", "3", "--limit", "100"});
  ASSERT_OK(r);
  ASSERT_EQ(r->filters.size(), 2u);
  EXPECT_EQ(r->filters[0].name, "pipe");
  EXPECT_EQ(r->filters[0].value, "clip");
  EXPECT_EQ(r->filters[0].args, (std::vector<std::string>{"dog dance", "--top", "3"}));
  EXPECT_EQ(r->filters[1].name, "limit");
}

TEST(ArgsTest, TypographicDashesFromDocumentsMeanTwoHyphens) {
  auto r = parse({"\u2014-query", "class == `cat`"});
  ASSERT_OK(r);
  ASSERT_EQ(r->filters.size(), 1u);
  EXPECT_EQ(r->filters[0].name, "query");
}

TEST(ArgsTest, UnknownOptionSuggestsTheClosest) {
  auto r = parse({"--limt", "3"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(r.error().hint, "did you mean --limit?");
  auto far = parse({"--zzzzzzzz"});
  ASSERT_FALSE(far);
  EXPECT_EQ(far.error().hint, "see: ldb list --help");
}

TEST(ArgsTest, FiltersAreUnknownWhereACommandTakesNone) {
  auto r = parse({"--query", "a"}, false);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--query"), std::string::npos);
}

TEST(ArgsTest, MissingValuesAreErrors) {
  auto r = parse({"--limit"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("needs a value"), std::string::npos);
  auto flag = parse({"--summary=yes"});
  ASSERT_FALSE(flag);
  auto pair = parse({"-o", "endpoint"});
  ASSERT_FALSE(pair);
}

TEST(ArgsTest, AnExpressionSplitByTheShellIsExplainedWithTheQuotedForm) {
  // `ldb list --query class == "i"` as the shell passes it.
  auto r = parse({"--query", "class", "==", "i", "-s"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("the shell split the expression 'class == i'"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().hint, "quote the whole expression as one argument: --query \"class == 'i'\"");
  auto keys = parse({"ds:root", "--query", "class", "!=", "inference.class"});
  ASSERT_FALSE(keys);
  EXPECT_NE(keys.error().hint.find("--query \"class != inference.class\""), std::string::npos) << keys.error().hint;
  auto numbers = parse({"--jquery", "a", "<", "-1", "--limit", "3"});
  ASSERT_FALSE(numbers);
  EXPECT_NE(numbers.error().hint.find("--jquery \"a < -1\""), std::string::npos) << numbers.error().hint;
  // Words the shell left quoted: "cat" is a key, so the hint shows 'cat'.
  auto kept = parse({"--query", "class", "==", "\"cat\""});
  ASSERT_FALSE(kept);
  EXPECT_EQ(kept.error().hint, "quote the whole expression as one argument: --query \"class == 'cat'\"");
  // Backticks would run a command inside double quotes: single quotes then.
  auto literal = parse({"--query", "class", "==", "`it's`"});
  ASSERT_FALSE(literal);
  EXPECT_EQ(literal.error().hint, "quote the whole expression as one argument: --query 'class == `it'\\''s`'");
  // Quoted expressions and objects after them are fine.
  ASSERT_OK(parse({"--query", "class == 'i'", "ds:root"}));
  ASSERT_OK(parse({"--file", "fs.size", "ds:root"}));
}

TEST(ArgsTest, EditDistanceCountsTranspositionsAsOne) {
  EXPECT_EQ(edit_distance("list", "list"), 0u);
  EXPECT_EQ(edit_distance("lsit", "list"), 1u);
  EXPECT_EQ(edit_distance("lst", "list"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("init", "list"), 3u);
}

}  // namespace
}  // namespace ldb::cli
