// dataset/sampling: the quotas of --balance and --stratify (exact, checked
// against their definitions on many random cases) and the filters over a
// real store.

#include "dataset/sampling.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>

#include "dataset/pipeline.hpp"
#include "dataset_fixture.hpp"

namespace ldb::testing {
namespace {

using dataset::Shares;

std::uint64_t sum(const std::vector<std::uint64_t>& v) { return std::accumulate(v.begin(), v.end(), std::uint64_t{0}); }

TEST(Quotas, BalanceGivesSmallGroupsAllAndSpreadsTheRest) {
  std::mt19937_64 rng(1);
  const std::vector<std::uint64_t> counts{3, 50, 100, 10};
  auto q = dataset::quotas(counts, 40, Shares::equal, rng);
  // Level: 3 + 10 kept whole, 27 left for two groups: 13 and 14.
  EXPECT_EQ(q[0], 3u);
  EXPECT_EQ(q[3], 10u);
  EXPECT_EQ(q[1] + q[2], 27u);
  EXPECT_TRUE((q[1] == 13 && q[2] == 14) || (q[1] == 14 && q[2] == 13));
  EXPECT_EQ(dataset::quotas(counts, 1000, Shares::equal, rng), counts);
  EXPECT_EQ(sum(dataset::quotas(counts, 0, Shares::equal, rng)), 0u);
}

TEST(Quotas, StratifyKeepsSharesByLargestRemainder) {
  std::mt19937_64 rng(1);
  const std::vector<std::uint64_t> counts{700, 200, 100};
  EXPECT_EQ(dataset::quotas(counts, 100, Shares::input, rng), (std::vector<std::uint64_t>{70, 20, 10}));
  // 10 of 3 equal groups: 3.33 each, one of them gets the 10th.
  auto q = dataset::quotas(std::vector<std::uint64_t>{5, 5, 5}, 10, Shares::input, rng);
  EXPECT_EQ(sum(q), 10u);
  for (auto v : q) EXPECT_TRUE(v == 3 || v == 4);
}

// The definitions, checked on random cases: the total is exact; stratify
// keeps each group within one of total * count / sum; balance keeps groups
// under the level whole and gives the others floor or ceiling of the level.
TEST(Quotas, RandomCasesMeetTheDefinitions) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<std::uint64_t> counts(1 + rng() % 8);
    for (auto& c : counts) c = 1 + rng() % (trial % 2 ? 1000 : 20);
    const std::uint64_t all = sum(counts);
    const std::uint64_t total = rng() % (all + 5);
    const std::uint64_t want = std::min(total, all);
    auto s = dataset::quotas(counts, total, Shares::input, rng);
    ASSERT_EQ(sum(s), want);
    for (std::size_t g = 0; g < counts.size(); ++g) {
      const double ideal = static_cast<double>(want) * static_cast<double>(counts[g]) / static_cast<double>(all);
      ASSERT_LE(s[g], counts[g]);
      ASSERT_LT(std::abs(static_cast<double>(s[g]) - ideal), 1.0) << "trial " << trial;
    }
    auto b = dataset::quotas(counts, total, Shares::equal, rng);
    ASSERT_EQ(sum(b), want);
    std::uint64_t largest = 0;
    for (std::size_t g = 0; g < counts.size(); ++g) {
      ASSERT_LE(b[g], counts[g]);
      if (b[g] < counts[g]) largest = std::max(largest, b[g]);
    }
    for (std::size_t g = 0; g < counts.size(); ++g) {
      // A group not kept whole is at the level (floor or ceiling); a group
      // kept whole is no larger than the level's ceiling.
      if (b[g] < counts[g]) {
        ASSERT_GE(b[g] + 1, largest) << "trial " << trial;
      } else if (want < all) {
        ASSERT_LE(b[g], largest + 1) << "trial " << trial;
      }
    }
  }
}

class SamplingTest : public DatasetFixture {
 protected:
  // Objects with {"label": LABEL} for each label given (the count of each).
  dataset::Selection labelled(const std::map<std::string, int>& counts) {
    std::vector<std::string> names;
    for (const auto& [label, n] : counts) {
      for (int i = 0; i < n; ++i) {
        auto stem = label + std::to_string(i);
        write_pair(stem, "bytes of " + stem, label == "none" ? "{}" : R"({"label":")" + label + R"("})");
        names.push_back(stem + ".jpg");
      }
    }
    index(names);
    auto root = db().root_collection().value();
    return dataset::Selection(root.begin(), root.end());
  }

  std::map<std::string, int> count_labels(const dataset::Selection& selection) {
    auto values = dataset::key_values(ctx(), selection, "label").value();
    std::map<std::string, int> out;
    for (const auto& v : values) ++out[v];
    return out;
  }

  dataset::Selection apply(const dataset::Selection& sel, std::vector<dataset::FilterSpec> filters) {
    auto out = dataset::apply_filters(ctx(), sel, filters);
    EXPECT_TRUE(out.has_value()) << describe(out);
    return out.value_or(dataset::Selection{});
  }
};

TEST_F(SamplingTest, BalanceAndStratifyFilters) {
  auto sel = labelled({{"cat", 60}, {"dog", 30}, {"fox", 10}});
  using K = dataset::FilterKind;
  auto balanced = apply(sel, {{K::seed, "7", {}}, {K::balance, "label", {}}, {K::limit, "45", {}}});
  auto counts = count_labels(balanced);
  EXPECT_EQ(counts["\"fox\""], 10);
  EXPECT_EQ(counts["\"cat\""] + counts["\"dog\""], 35);
  EXPECT_EQ(std::abs(counts["\"cat\""] - counts["\"dog\""]), 1);
  // The kept objects keep their order; the same seed draws the same ones.
  EXPECT_TRUE(std::is_sorted(balanced.begin(), balanced.end()));
  EXPECT_EQ(balanced, apply(sel, {{K::seed, "7", {}}, {K::balance, "label", {}}, {K::limit, "45", {}}}));
  EXPECT_NE(balanced, apply(sel, {{K::seed, "8", {}}, {K::balance, "label", {}}, {K::limit, "45", {}}}));

  auto stratified = apply(sel, {{K::seed, "1", {}}, {K::stratify, "label", {}}, {K::sample, "0.5", {}}});
  EXPECT_EQ(count_labels(stratified), (std::map<std::string, int>{{"\"cat\"", 30}, {"\"dog\"", 15}, {"\"fox\"", 5}}));
  auto ten = apply(sel, {{K::stratify, "label", {}}, {K::limit, "10", {}}});
  EXPECT_EQ(count_labels(ten), (std::map<std::string, int>{{"\"cat\"", 6}, {"\"dog\"", 3}, {"\"fox\"", 1}}));
}

TEST_F(SamplingTest, ObjectsWithoutAValueAreOneMoreValueAndWarned) {
  auto sel = labelled({{"cat", 10}, {"none", 10}});
  using K = dataset::FilterKind;
  auto out = apply(sel, {{K::balance, "label", {}}, {K::limit, "4", {}}});
  EXPECT_EQ(count_labels(out), (std::map<std::string, int>{{"\"cat\"", 2}, {"null", 2}}));
  ASSERT_EQ(ctx().warnings.size(), 1u);
  // Says why (the key is absent, not an evaluation failure) and how to leave
  // them out with a query that keeps every other value (false, "" too).
  EXPECT_NE(ctx().warnings[0].find("10 objects have no value for 'label' (10 lack a key it names)"), std::string::npos)
      << ctx().warnings[0];
  EXPECT_NE(ctx().warnings[0].find("--query 'label != `null`' before --balance"), std::string::npos);
  dataset::KeyMisses misses;
  ASSERT_TRUE(dataset::key_values(ctx(), sel, "label", &misses));
  EXPECT_EQ(misses.missing, 10u);
  EXPECT_EQ(misses.failed, 0u);
  ASSERT_TRUE(dataset::key_values(ctx(), sel, "abs(label)", &misses));
  EXPECT_EQ(misses.missing, 10u);
  EXPECT_EQ(misses.failed, 10u);  // abs of a string
  EXPECT_NE(misses.first_failure.find("abs"), std::string::npos) << misses.first_failure;
}

TEST_F(SamplingTest, BadInputIsRefusedBeforeAnyWork) {
  auto sel = labelled({{"cat", 3}});
  using K = dataset::FilterKind;
  std::vector<dataset::FilterSpec> no_size{{K::balance, "label", {}}};
  auto missing = dataset::validate_filters(no_size);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "--balance 'label' needs --limit N or --sample P right after it");
  std::vector<dataset::FilterSpec> apart{{K::stratify, "label", {}}, {K::shuffle, "", {}}, {K::limit, "2", {}}};
  EXPECT_FALSE(dataset::validate_filters(apart).has_value());
  std::vector<dataset::FilterSpec> bad_expr{{K::balance, "label ==", {}}, {K::limit, "2", {}}};
  EXPECT_FALSE(dataset::validate_filters(bad_expr).has_value());
  auto nothing = dataset::apply_filters(
      ctx(), sel, std::vector<dataset::FilterSpec>{{K::balance, "class", {}}, {K::limit, "2", {}}});
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().message, "--balance 'class' has no value for any of the 3 selected objects");
}

}  // namespace
}  // namespace ldb::testing
