// Tests for query/expression.hpp: outcomes of test(), the ldb dialect's missing
// keys, evaluate_json() errors, sort keys, copies and concurrent evaluation.

#include "query/expression.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "test_documents.hpp"
#include "test_support.hpp"

namespace ldb::query {
namespace {

using Outcome = Expression::Outcome;
using testing::Document;

Outcome outcome(std::string_view expression, std::string_view json, Dialect dialect, std::string* why = nullptr) {
  auto parsed = Expression::parse(expression, dialect);
  EXPECT_TRUE(parsed.has_value()) << expression << ": " << (parsed ? "" : parsed.error().message);
  if (!parsed) return Outcome::error;
  Document document(json);
  return parsed->test(document.root(), why);
}

constexpr std::string_view k_annotation =
    R"({"class":"dog","inference":{"class":"cat","confidence":0.6},"breed":{"type":null},"tags":[]})";

TEST(ExpressionTest, TruthinessFollowsJmespath) {
  for (std::string_view falsy : {"`false`", "`null`", "''", "`[]`", "`{}`", "tags", "breed.type"}) {
    EXPECT_EQ(outcome(falsy, k_annotation, Dialect::ldb), Outcome::no_match) << falsy;
  }
  for (std::string_view truthy : {"`true`", "`0`", "' '", "`[0]`", "breed", "class"}) {
    EXPECT_EQ(outcome(truthy, k_annotation, Dialect::ldb), Outcome::match) << truthy;
  }
}

TEST(ExpressionTest, LdbDialectReadsBareNumbers) {
  EXPECT_EQ(outcome("inference.confidence < 0.75", k_annotation, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome("inference.confidence < 0.5", k_annotation, Dialect::ldb), Outcome::no_match);
  EXPECT_EQ(outcome("inference.confidence > -1", k_annotation, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome("inference.confidence == 6e-1", k_annotation, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome("inference.confidence < 1E0", k_annotation, Dialect::ldb), Outcome::match);
  auto standard = Expression::parse("inference.confidence < 0.75", Dialect::jmespath);
  ASSERT_FALSE(standard.has_value());
  EXPECT_EQ(standard.error().code, ErrorCode::invalid_argument);
}

TEST(ExpressionTest, LdbDialectDropsObjectsMissingAKey) {
  std::string why;
  EXPECT_EQ(outcome("a == b", k_annotation, Dialect::ldb, &why), Outcome::missing);
  EXPECT_EQ(why, "missing key 'a'");
  EXPECT_EQ(outcome("a == b", k_annotation, Dialect::jmespath), Outcome::match);
  EXPECT_EQ(outcome("inference.score > 0.1", k_annotation, Dialect::ldb, &why), Outcome::missing);
  EXPECT_EQ(why, "missing key 'score'");
  // A key applied to a non-object is missing too.
  EXPECT_EQ(outcome("class.name", k_annotation, Dialect::ldb), Outcome::missing);
  EXPECT_EQ(outcome("class.name", k_annotation, Dialect::jmespath), Outcome::no_match);
  // Not when evaluation never reaches it.
  EXPECT_EQ(outcome("`true` || nope", k_annotation, Dialect::ldb), Outcome::match);
}

TEST(ExpressionTest, LdbDialectTreatsAMissingOperandOfAndOrAsSqlNull) {
  std::string why;
  // unknown || true is true; unknown && false is false.
  EXPECT_EQ(outcome("nope == `1` || class == 'dog'", k_annotation, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome("nope == `1` && class == 'cat'", k_annotation, Dialect::ldb), Outcome::no_match);
  // Otherwise the result stays missing and names the first missing key.
  EXPECT_EQ(outcome("nope == `1` || class == 'cat'", k_annotation, Dialect::ldb, &why), Outcome::missing);
  EXPECT_EQ(why, "missing key 'nope'");
  EXPECT_EQ(outcome("nope == `1` && also == `2`", k_annotation, Dialect::ldb, &why), Outcome::missing);
  EXPECT_EQ(why, "missing key 'nope'");
  EXPECT_EQ(outcome("class == 'dog' && also == `2`", k_annotation, Dialect::ldb, &why), Outcome::missing);
  EXPECT_EQ(why, "missing key 'also'");
  // `!` keeps it unknown, so `!(a == b)` agrees with `a != b`.
  EXPECT_EQ(outcome("!(nope == `1`)", k_annotation, Dialect::ldb), Outcome::missing);
  EXPECT_EQ(outcome("nope != `1`", k_annotation, Dialect::ldb), Outcome::missing);
  EXPECT_EQ(outcome("!(nope == `1` && class == 'cat')", k_annotation, Dialect::ldb), Outcome::match);
  // A runtime error on the other side wins over missing.
  EXPECT_EQ(outcome("nope || abs(class)", k_annotation, Dialect::ldb, &why), Outcome::error);
  EXPECT_EQ(why, "invalid-type: abs() argument 1 must be number, got string");
  // A missing key as a fallback's first choice: the JMESPath default idiom.
  auto fallback = Expression::parse("inference.score || `0`", Dialect::ldb);
  ASSERT_OK(fallback);
  Document document(k_annotation);
  auto json = fallback->evaluate_json(document.root());
  ASSERT_OK(json);
  EXPECT_EQ(*json, "0");
}

TEST(ExpressionTest, LdbDialectReadsMissingKeysAsNullPerElement) {
  // The issue's case: one box lacks iscrowd, another has it.
  constexpr std::string_view coco =
      R"({"objects":[{"category":"person","iscrowd":1},{"category":"car"}],"image":{"width":2}})";
  EXPECT_EQ(outcome("objects[?iscrowd == `1`]", coco, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome("length(objects[?iscrowd == `1`]) == `1`", coco, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome("objects[?iscrowd == `0`]", coco, Dialect::ldb), Outcome::no_match);
  EXPECT_EQ(outcome("objects[?iscrowd != `1`]", coco, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome("objects[*].iscrowd == [`1`]", coco, Dialect::ldb), Outcome::match);
  // The &expr a function applies, multi-select members: null, as in JMESPath.
  EXPECT_EQ(outcome("map(&iscrowd, objects) == [`1`, `null`]", coco, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome("max_by(objects, &not_null(iscrowd, `0`)).category == 'person'", coco, Dialect::ldb),
            Outcome::match);
  EXPECT_EQ(outcome("[image.depth] == [`null`]", coco, Dialect::ldb), Outcome::match);
  // A function's own arguments are at the top: a missing one drops the object
  // quietly, where JMESPath fails on length(null)...
  std::string why;
  EXPECT_EQ(outcome("length(boxes) > `0`", coco, Dialect::ldb, &why), Outcome::missing);
  EXPECT_EQ(why, "missing key 'boxes'");
  EXPECT_EQ(outcome("length(boxes) > `0`", coco, Dialect::jmespath, &why), Outcome::error);
  EXPECT_EQ(why, "invalid-type: length() argument 1 must be string, array or object, got null");
  // ...except for not_null(), which is there to pass over absent values.
  EXPECT_EQ(outcome("not_null(image.depth, `3`) == `3`", coco, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome("not_null(image.depth, image.width) == `2`", coco, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome("(image.depth || `3`) == `3`", coco, Dialect::ldb), Outcome::match);
  // The base a filter reads from is still at the top.
  EXPECT_EQ(outcome("boxes[?iscrowd == `1`]", coco, Dialect::ldb), Outcome::missing);
  // And a path through an index is at the top too.
  EXPECT_EQ(outcome("objects[1].iscrowd == `1`", coco, Dialect::ldb), Outcome::missing);
  EXPECT_EQ(outcome("objects[0].iscrowd == `1`", coco, Dialect::ldb), Outcome::match);
}

TEST(ExpressionTest, LdbDialectKeepsNullValuedKeys) {
  constexpr std::string_view query = "breed.type || !breed.type";
  EXPECT_EQ(outcome(query, k_annotation, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome(query, R"({"breed":{"type":"husky"}})", Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome(query, R"({"breed":{}})", Dialect::ldb), Outcome::missing);
  EXPECT_EQ(outcome(query, R"({"other":1})", Dialect::ldb), Outcome::missing);
}

TEST(ExpressionTest, BacktickLiteralThatIsNotJsonIsAString) {
  EXPECT_EQ(outcome("inference.class == `cat`", k_annotation, Dialect::ldb), Outcome::match);
  EXPECT_EQ(outcome("class == `cat`", k_annotation, Dialect::jmespath), Outcome::no_match);
  EXPECT_EQ(outcome("class == `dog`", k_annotation, Dialect::jmespath), Outcome::match);
}

TEST(ExpressionTest, ComparingStringWithNumberIsNullNotAnError) {
  EXPECT_EQ(outcome("class < `1`", k_annotation, Dialect::jmespath), Outcome::no_match);
  EXPECT_EQ(outcome("class < 1", k_annotation, Dialect::ldb), Outcome::no_match);
}

TEST(ExpressionTest, RuntimeTypeErrorIsReportedNotThrown) {
  std::string why;
  EXPECT_EQ(outcome("length(inference.confidence) > 1", k_annotation, Dialect::ldb, &why), Outcome::error);
  EXPECT_EQ(why, "invalid-type: length() argument 1 must be string, array or object, got number");
  auto parsed = Expression::parse("abs(class)", Dialect::jmespath);
  ASSERT_OK(parsed);
  Document document(k_annotation);
  auto json = parsed->evaluate_json(document.root());
  ASSERT_FALSE(json.has_value());
  EXPECT_EQ(json.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(json.error().message,
            "query 'abs(class)' failed: invalid-type: abs() argument 1 must be number, got string");
  EXPECT_FALSE(json.error().hint.empty());
}

TEST(ExpressionTest, EvaluateJsonKeepsDocumentOrderAndExactIntegers) {
  auto parsed = Expression::parse("@", Dialect::jmespath);
  ASSERT_OK(parsed);
  Document document(R"({"z":1,"a":[true,null,"x\n"],"big":12345678901234567890,"neg":-9007199254740993,"f":0.1})");
  auto json = parsed->evaluate_json(document.root());
  ASSERT_OK(json);
  EXPECT_EQ(*json, R"({"z":1,"a":[true,null,"x\n"],"big":12345678901234567890,"neg":-9007199254740993,"f":0.1})");
}

TEST(ExpressionTest, EvaluateJsonBuildsValues) {
  auto parsed =
      Expression::parse("{c: class, both: [class, inference.class], n: add(inference.confidence, 1)}", Dialect::ldb);
  ASSERT_OK(parsed);
  Document document(k_annotation);
  auto json = parsed->evaluate_json(document.root());
  ASSERT_OK(json);
  EXPECT_EQ(*json, R"({"c":"dog","both":["dog","cat"],"n":1.6})");
}

TEST(ExpressionTest, EvaluateJsonReportsMissingKeysAsNotFound) {
  auto parsed = Expression::parse("inference.score", Dialect::ldb);
  ASSERT_OK(parsed);
  Document document(k_annotation);
  auto json = parsed->evaluate_json(document.root());
  ASSERT_FALSE(json.has_value());
  EXPECT_EQ(json.error().code, ErrorCode::not_found);
  EXPECT_NE(json.error().message.find("'score'"), std::string::npos);
  EXPECT_NE(json.error().hint.find("--jquery"), std::string::npos);
}

TEST(ExpressionTest, SortKeysOrderNullThenNumbersThenStrings) {
  auto parsed = Expression::parse("key", Dialect::jmespath);
  ASSERT_OK(parsed);
  std::vector<SortKey> keys;
  for (std::string_view json : {R"({"key":"b"})", R"({"key":2.5})", R"({})", R"({"key":"a"})", R"({"key":-1})"}) {
    Document document(json);
    auto key = parsed->sort_key(document.root());
    ASSERT_OK(key);
    keys.push_back(*key);
  }
  std::sort(keys.begin(), keys.end());
  ASSERT_EQ(keys.size(), 5u);
  EXPECT_EQ(keys[0].type, SortKey::Type::null);
  EXPECT_EQ(keys[1].number, -1);
  EXPECT_EQ(keys[2].number, 2.5);
  EXPECT_EQ(keys[3].string, "a");
  EXPECT_EQ(keys[4].string, "b");
  Document bad(R"({"key":[1]})");
  auto error = parsed->sort_key(bad.root());
  ASSERT_FALSE(error.has_value());
  EXPECT_EQ(error.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(error.error().message.find("gave array"), std::string::npos);
}

TEST(ExpressionTest, CopiesShareTheParsedExpression) {
  auto parsed = Expression::parse("class", Dialect::ldb);
  ASSERT_OK(parsed);
  Expression copy = *parsed;
  EXPECT_EQ(copy.text(), "class");
  EXPECT_EQ(copy.dialect(), Dialect::ldb);
  Document document(k_annotation);
  EXPECT_EQ(copy.test(document.root()), Outcome::match);
}

TEST(ExpressionTest, EvaluatesConcurrentlyFromManyThreads) {
  auto parsed = Expression::parse("length(tags[?contains(@, 'x')]) == n && regex(name, '^item-[0-9]+$')", Dialect::ldb);
  ASSERT_OK(parsed);
  std::vector<std::unique_ptr<Document>> documents;
  for (int i = 0; i < 64; ++i) {
    documents.push_back(
        std::make_unique<Document>(fmt::format(R"({{"name":"item-{}","n":{},"tags":["x1","y","x2"]}})", i, i % 3)));
  }
  std::atomic<int> matches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        for (const auto& document : documents) matches += parsed->test(document->root()) == Outcome::match;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // n == 2 for one document in three (i % 3 == 2): 21 of 64.
  EXPECT_EQ(matches.load(), 4 * 200 * 21);
}

TEST(ExpressionTest, QuotingNoteFlagsADoubleQuotedNameInAComparison) {
  auto note = [](std::string_view text, Dialect dialect = Dialect::ldb) {
    auto e = Expression::parse(text, dialect);
    EXPECT_TRUE(e.has_value()) << text;
    return e ? e->quoting_note() : std::string("unparsed");
  };
  EXPECT_EQ(note(R"(class == "i")"), R"("i" at column 10 is a key, not a string: for the text i write 'i' (or `"i"`))");
  EXPECT_NE(note(R"("é" != "x" && a)", Dialect::jmespath).find(R"("é" at column 1)"), std::string::npos);
  EXPECT_EQ(note("class == 'i'"), "");
  EXPECT_EQ(note(R"(class == `"i"`)"), "");
  EXPECT_EQ(note(R"(a."b c")"), "");  // a quoted key outside a comparison is fine
  EXPECT_EQ(note("length(objects) > `2`"), "");
}

}  // namespace
}  // namespace ldb::query
