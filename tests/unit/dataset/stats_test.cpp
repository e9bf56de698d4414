#include "dataset/stats.hpp"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "dataset_fixture.hpp"

namespace ldb::dataset {
namespace {

using testing::DatasetFixture;

query::Expression key(std::string_view text) { return query::Expression::parse(text, query::Dialect::ldb).value(); }

// A tally of `key` over JSON documents, as one worker counts.
KeyTally tally_of(std::string_view expr, const std::vector<std::string>& docs) {
  auto k = key(expr);
  KeyTally tally;
  simdjson::dom::parser parser;
  for (const auto& doc : docs) {
    simdjson::dom::element element;
    if (parser.parse(doc).get(element)) {
      tally.add(k, std::nullopt);
    } else {
      tally.add(k, element);
    }
  }
  return tally;
}

std::vector<std::pair<std::string, std::uint64_t>> counts(const std::vector<ValueCount>& values) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& v : values) out.emplace_back(v.value, v.count);
  return out;
}

using Counts = std::vector<std::pair<std::string, std::uint64_t>>;

TEST(KeyTally, CountsStringsMostFrequentFirstTiesByValue) {
  auto t = tally_of("class", {R"({"class":"dog"})", R"({"class":"cat"})", R"({"class":"dog"})", R"({"class":"bird"})",
                              R"({"class":"ant"})", R"({"other":1})", R"({"class":null})"});
  auto s = summarize_key(std::move(t), 7, 10);
  EXPECT_EQ(counts(s.distinct), (Counts{{"dog", 2}, {"ant", 1}, {"bird", 1}, {"cat", 1}}));
  EXPECT_EQ(s.missing, 2u);  // absent and null
  EXPECT_EQ(s.values, 5u);
  EXPECT_EQ(s.unit, CountedUnit::objects);
  EXPECT_FALSE(s.numbers);
}

TEST(KeyTally, ArraysCountEachElement) {
  auto t = tally_of("objects[].category", {R"({"objects":[{"category":"a"},{"category":"b"},{"category":"a"}]})",
                                           R"({"objects":[{"category":"a"}]})", R"({"objects":[]})", R"({})"});
  EXPECT_EQ(t.arrays, 3u);
  auto s = summarize_key(std::move(t), 4, 10);
  EXPECT_EQ(s.unit, CountedUnit::elements);
  EXPECT_EQ(counts(s.distinct), (Counts{{"a", 3}, {"b", 1}}));
  EXPECT_EQ(s.values, 4u);
  EXPECT_EQ(s.missing, 1u);  // only the annotation without "objects"
}

TEST(KeyTally, BooleansBeforeStringsOnTies) {
  auto t = tally_of("v", {R"({"v":true})", R"({"v":"true"})", R"({"v":false})", R"({"v":true})"});
  auto s = summarize_key(std::move(t), 4, 10);
  ASSERT_EQ(s.distinct.size(), 3u);
  EXPECT_EQ(s.distinct[0].type, ValueCount::Type::boolean);
  EXPECT_EQ(s.distinct[0].value, "true");
  EXPECT_EQ(s.distinct[0].count, 2u);
  EXPECT_EQ(s.distinct[1].type, ValueCount::Type::boolean);  // false, 1
  EXPECT_EQ(s.distinct[2].type, ValueCount::Type::string);   // "true", 1
}

TEST(KeyTally, MixedTypesAreCountedSeparately) {
  auto t = tally_of("v", {R"({"v":1})", R"({"v":"one"})", R"({"v":2.5})", R"({"v":{"a":1}})", R"({"v":[1,"x"]})"});
  auto s = summarize_key(std::move(t), 5, 10);
  EXPECT_EQ(s.unit, CountedUnit::values);  // single values and an array
  EXPECT_EQ(counts(s.distinct), (Counts{{"one", 1}, {"x", 1}}));
  ASSERT_TRUE(s.numbers);
  EXPECT_EQ(s.numbers->count, 3u);  // 1, 2.5 and the array's 1
  EXPECT_EQ(s.other, 1u);           // the object
  EXPECT_EQ(s.values, 6u);
}

TEST(KeyTally, ErrorsAndInvalidDocumentsAreNotMissing) {
  auto t = tally_of("abs(v)", {R"({"v":"text"})", "{not json", R"({"v":-2})"});
  EXPECT_EQ(t.errors, 2u);
  EXPECT_NE(t.first_error.find("abs"), std::string::npos) << t.first_error;
  auto s = summarize_key(std::move(t), 4, 10);  // one object without an annotation
  EXPECT_EQ(s.missing, 1u);
  EXPECT_EQ(s.errors, 2u);
  ASSERT_TRUE(s.numbers);
  EXPECT_EQ(s.numbers->min, 2);
}

TEST(KeyTally, MergeOfWorkerPartialsEqualsOneTally) {
  std::vector<std::string> docs;
  for (int i = 0; i < 50; ++i) docs.push_back(fmt::format(R"({{"c":"k{}","n":{},"l":[{}]}})", i % 7, i % 13, i % 3));
  auto whole = summarize_key(tally_of("c", docs), 50, 10);
  KeyTally merged;
  for (std::size_t part = 0; part < 4; ++part) {
    std::vector<std::string> slice;
    for (std::size_t i = part; i < docs.size(); i += 4) slice.push_back(docs[i]);
    merged.merge(tally_of("c", slice));
  }
  auto parts = summarize_key(std::move(merged), 50, 10);
  EXPECT_EQ(counts(parts.distinct), counts(whole.distinct));
  EXPECT_EQ(parts.values, whole.values);

  KeyTally numbers_merged;
  numbers_merged.merge(tally_of("n", {docs.begin(), docs.begin() + 20}));
  numbers_merged.merge(tally_of("n", {docs.begin() + 20, docs.end()}));
  auto a = summarize_key(std::move(numbers_merged), 50, 4);
  auto b = summarize_key(tally_of("n", docs), 50, 4);
  ASSERT_TRUE(a.numbers && b.numbers);
  EXPECT_EQ(a.numbers->quantiles, b.numbers->quantiles);
  EXPECT_DOUBLE_EQ(a.numbers->mean, b.numbers->mean);
  for (std::size_t bin = 0; bin < 4; ++bin) EXPECT_EQ(a.numbers->histogram[bin].count, b.numbers->histogram[bin].count);
}

// Against numbers worked out by hand (and by numpy: np.quantile(x, q),
// np.std(x), np.histogram(x, 4)) for x = 1, 2, 4, 7, 10.
TEST(SummarizeNumbers, HandComputedCase) {
  auto s = summarize_numbers({7, 1, 10, 4, 2}, 4);
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 10);
  EXPECT_DOUBLE_EQ(s.mean, 4.8);
  EXPECT_NEAR(s.std, 3.3105890714493698, 1e-12);  // sqrt(54.8 / 5)
  // Positions (n-1)p = 0.2, 1, 2, 3, 3.8 of the sorted values.
  EXPECT_DOUBLE_EQ(s.quantiles[0], 1.2);  // 1 + 0.2 * (2 - 1)
  EXPECT_DOUBLE_EQ(s.quantiles[1], 2);    // exactly the 2nd
  EXPECT_DOUBLE_EQ(s.quantiles[2], 4);    // the median
  EXPECT_DOUBLE_EQ(s.quantiles[3], 7);
  EXPECT_NEAR(s.quantiles[4], 9.4, 1e-12);  // 7 + 0.8 * (10 - 7)
  // Edges 1, 3.25, 5.5, 7.75, 10: 1 2 | 4 | 7 | 10 (the last bin is closed).
  ASSERT_EQ(s.histogram.size(), 4u);
  EXPECT_EQ(s.histogram[0].low, 1);
  EXPECT_EQ(s.histogram[1].low, 3.25);
  EXPECT_EQ(s.histogram[3].high, 10);
  std::vector<std::uint64_t> bins;
  for (const auto& b : s.histogram) bins.push_back(b.count);
  EXPECT_EQ(bins, (std::vector<std::uint64_t>{2, 1, 1, 1}));
}

TEST(SummarizeNumbers, ValuesOnEdgesGoUpExceptTheTop) {
  auto s = summarize_numbers({0, 1, 2, 3, 4}, 4);  // edges 0 1 2 3 4
  std::vector<std::uint64_t> bins;
  for (const auto& b : s.histogram) bins.push_back(b.count);
  EXPECT_EQ(bins, (std::vector<std::uint64_t>{1, 1, 1, 2}));
}

TEST(SummarizeNumbers, AllEqualValuesGetAUnitRange) {
  auto s = summarize_numbers({3, 3, 3}, 2);  // numpy: range (2.5, 3.5)
  EXPECT_EQ(s.std, 0);
  EXPECT_EQ(s.quantiles[0], 3);
  ASSERT_EQ(s.histogram.size(), 2u);
  EXPECT_EQ(s.histogram[0].low, 2.5);
  EXPECT_EQ(s.histogram[1].low, 3);
  EXPECT_EQ(s.histogram[1].high, 3.5);
  EXPECT_EQ(s.histogram[0].count, 0u);
  EXPECT_EQ(s.histogram[1].count, 3u);
}

TEST(SummarizeNumbers, OneValueAndOneBin) {
  auto s = summarize_numbers({-2}, 1);
  EXPECT_EQ(s.quantiles[4], -2);
  ASSERT_EQ(s.histogram.size(), 1u);
  EXPECT_EQ(s.histogram[0].count, 1u);
}

// Objects set/0..5: 0-4 annotated, 5 not; scanned on the fixture's 2 workers.
class SelectionStatsTest : public DatasetFixture {
 protected:
  void SetUp() override {
    const char* annotations[] = {
        R"({"class":"cat","boxes":[{"c":"a"},{"c":"b"}],"conf":0.5})",
        R"({"class":"dog","boxes":[{"c":"a"}],"conf":0.25})",
        R"({"class":"cat","boxes":[],"extra":true})",
        R"({"class":"cat","boxes":[{"c":"b"}],"conf":1})",
        R"({"class":"dog","conf":0.75})",
        "",
    };
    for (int i = 0; i < 6; ++i) {
      auto hash = write_pair("set/" + std::to_string(i), "object number " + std::to_string(i), annotations[i]);
      m_selection.push_back({hash, i < 5 ? 1u : 0u});
    }
    index({"set"});
  }

  std::vector<store::ObjectRef> m_selection;
};

TEST_F(SelectionStatsTest, OneScanForEveryKeyAndTheCoverage) {
  StatsKeys keys;
  keys.annotation = {key("class"), key("boxes[].c"), key("conf")};
  keys.file = {key("fs.size")};
  keys.coverage = true;
  auto s = selection_stats(ctx(), m_selection, keys, 3);
  ASSERT_TRUE(s.has_value()) << testing::describe(s);
  EXPECT_EQ(s->objects, 6u);
  EXPECT_EQ(s->annotations, 5u);
  std::vector<std::pair<std::string, std::uint64_t>> coverage;
  for (const auto& c : s->coverage) coverage.emplace_back(c.key, c.annotations);
  EXPECT_EQ(coverage, (Counts{{"class", 5}, {"boxes", 4}, {"conf", 4}, {"extra", 1}}));
  ASSERT_EQ(s->annotation_keys.size(), 3u);
  EXPECT_EQ(counts(s->annotation_keys[0].distinct), (Counts{{"cat", 3}, {"dog", 2}}));
  EXPECT_EQ(s->annotation_keys[0].missing, 1u);  // the object without an annotation
  EXPECT_EQ(counts(s->annotation_keys[1].distinct), (Counts{{"a", 2}, {"b", 2}}));
  EXPECT_EQ(s->annotation_keys[1].unit, CountedUnit::elements);
  EXPECT_EQ(s->annotation_keys[1].missing, 2u);
  const auto& conf = s->annotation_keys[2];
  ASSERT_TRUE(conf.numbers);
  EXPECT_EQ(conf.numbers->count, 4u);
  EXPECT_DOUBLE_EQ(conf.numbers->mean, 0.625);
  EXPECT_DOUBLE_EQ(conf.numbers->quantiles[2], 0.625);
  ASSERT_EQ(s->file_keys.size(), 1u);
  ASSERT_TRUE(s->file_keys[0].numbers);
  EXPECT_EQ(s->file_keys[0].numbers->count, 6u);
  EXPECT_EQ(s->file_keys[0].numbers->min, 15);  // "object number N"
}

}  // namespace
}  // namespace ldb::dataset
