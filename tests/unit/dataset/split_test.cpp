// dataset/split: parsing --into, the draw, and splits over a real store —
// sizes, near-duplicate groups kept in one part, stratified quotas, and
// earlier members never moved by a later split.

#include "dataset/split.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "dataset/sampling.hpp"
#include "dataset_fixture.hpp"

namespace ldb::testing {
namespace {

TEST(SplitParts, ParsesAndRefusesWithTheReason) {
  auto parts = dataset::parse_split_parts("train=0.8,val=0.1,test=0.1");
  ASSERT_TRUE(parts.has_value()) << describe(parts);
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[1].name, "val");
  EXPECT_DOUBLE_EQ((*parts)[0].fraction, 0.8);
  auto message = [](std::string_view text) { return dataset::parse_split_parts(text).error().message; };
  EXPECT_EQ(message("train=0.8,test=0.1"), "--into: the fractions of 'train=0.8,test=0.1' sum to 0.9, not 1");
  EXPECT_EQ(message("train=0.8,train=0.2"), "--into names the part 'train' twice");
  EXPECT_EQ(message("train=1"), "--into needs at least two parts, got 'train=1'");
  EXPECT_EQ(message("train=x,test=0.2"),
            "--into: the fraction of 'train' must be a number above 0 and at most 1, got 'x'");
  EXPECT_EQ(message("train=0,test=1"),
            "--into: the fraction of 'train' must be a number above 0 and at most 1, got '0'");
  EXPECT_EQ(message("train"), "--into expects NAME=FRACTION parts, got 'train'");
  EXPECT_EQ(message("a=0.5,,b=0.5"), "--into expects NAME=FRACTION parts, got ''");
}

TEST(SplitDraw, IsUniformAndDependsOnTheSeed) {
  std::vector<int> buckets(10, 0);
  for (int i = 0; i < 100000; ++i) {
    auto u = dataset::split_draw(core::md5_of(std::to_string(i)), 3);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ++buckets[static_cast<std::size_t>(u * 10)];
  }
  for (int b : buckets) EXPECT_NEAR(b, 10000, 500);  // 5 standard deviations
  auto h = core::md5_of("x");
  EXPECT_EQ(dataset::split_draw(h, 3), dataset::split_draw(h, 3));
  EXPECT_NE(dataset::split_draw(h, 3), dataset::split_draw(h, 4));
}

class SplitTest : public DatasetFixture {
 protected:
  dataset::Selection make(int n, const std::string& prefix = "o") {
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) {
      auto stem = prefix + std::to_string(i);
      write_pair(stem, "bytes of " + stem, fmt::format(R"({{"label":"{}"}})", i % 5 == 0 ? "rare" : "common"));
      names.push_back(stem + ".jpg");
    }
    index(names);
    auto root = db().root_collection().value();
    return dataset::Selection(root.begin(), root.end());
  }

  dataset::SplitOptions options(std::string into) {
    dataset::SplitOptions o;
    o.prefix = "p";
    o.parts = dataset::parse_split_parts(into).value();
    o.message = "split";
    return o;
  }

  // The members of the latest version of ds:NAME.
  std::set<core::Md5> members(const std::string& name) {
    auto v = db().dataset_version(name, 0).value();
    std::set<core::Md5> out;
    auto collection = db().collection(v.collection_hash).value();
    for (const auto& r : collection) out.insert(r.hash);
    return out;
  }

  void set_phash(const core::Md5& hash, std::uint64_t phash) {
    store::ImageFeatures f;
    f.phash = phash;
    f.channels = 3;
    std::vector<std::pair<core::Md5, store::ImageFeatures>> put{{hash, f}};
    ASSERT_TRUE(db().put_image_features(put).has_value());
  }
};

TEST_F(SplitTest, EveryObjectLandsInExactlyOnePartNearTheFractions) {
  auto sel = make(400);
  auto outcome = dataset::split(ctx(), sel, options("train=0.8,val=0.1,test=0.1"));
  ASSERT_TRUE(outcome.has_value()) << describe(outcome);
  ASSERT_EQ(outcome->parts.size(), 3u);
  auto train = members("p-train"), val = members("p-val"), test = members("p-test");
  EXPECT_EQ(train.size() + val.size() + test.size(), 400u);
  std::set<core::Md5> all(train.begin(), train.end());
  all.insert(val.begin(), val.end());
  all.insert(test.begin(), test.end());
  EXPECT_EQ(all.size(), 400u);
  // Binomial: 320 +- 8 for train; 5 standard deviations.
  EXPECT_NEAR(static_cast<double>(train.size()), 320, 40);
  // Each object's part is a function of its hash and the seed: splitting a
  // subset puts every object where the whole put it.
  dataset::Selection half(sel.begin(), sel.begin() + 200);
  auto o2 = options("train=0.8,val=0.1,test=0.1");
  o2.prefix = "q";
  ASSERT_TRUE(dataset::split(ctx(), half, o2).has_value());
  for (const auto& h : members("q-train")) EXPECT_TRUE(train.contains(h));
  for (const auto& h : members("q-test")) EXPECT_TRUE(test.contains(h));
  // The same split again changes nothing.
  auto again = dataset::split(ctx(), sel, options("train=0.8,val=0.1,test=0.1"));
  ASSERT_TRUE(again.has_value());
  for (const auto& p : again->parts) EXPECT_FALSE(p.committed);
}

TEST_F(SplitTest, NearDuplicateGroupsLandInOnePart) {
  auto sel = make(200);
  // 20 groups of 5 near-identical hashes (within 12 bits), far from each other.
  std::mt19937_64 rng(5);
  for (int g = 0; g < 20; ++g) {
    std::uint64_t base = rng();
    for (int k = 0; k < 5; ++k) set_phash(sel[static_cast<std::size_t>(g * 5 + k)].hash, base ^ (1ULL << k));
  }
  auto outcome = dataset::split(ctx(), sel, options("train=0.5,test=0.5"));
  ASSERT_TRUE(outcome.has_value()) << describe(outcome);
  EXPECT_EQ(outcome->grouped_objects, 100u);
  EXPECT_EQ(outcome->without_features, 100u);
  auto train = members("p-train");
  for (int g = 0; g < 20; ++g) {
    int in_train = 0;
    for (int k = 0; k < 5; ++k) in_train += train.contains(sel[static_cast<std::size_t>(g * 5 + k)].hash) ? 1 : 0;
    EXPECT_TRUE(in_train == 0 || in_train == 5) << "group " << g << " straddles: " << in_train;
  }
}

TEST_F(SplitTest, StratifiedPartsHoldEachValuesShare) {
  auto sel = make(500);  // 100 rare, 400 common
  auto o = options("train=0.7,val=0.2,test=0.1");
  o.stratify = "label";
  auto outcome = dataset::split(ctx(), sel, o);
  ASSERT_TRUE(outcome.has_value()) << describe(outcome);
  std::map<std::string, std::map<std::string, int>> counts;  // part -> label -> n
  for (std::string part : {"train", "val", "test"}) {
    auto m = members("p-" + part);
    dataset::Selection refs;
    for (const auto& r : sel) {
      if (m.contains(r.hash)) refs.push_back(r);
    }
    auto values = dataset::key_values(ctx(), refs, "label").value();
    for (const auto& v : values) ++counts[part][v];
  }
  EXPECT_EQ(counts["train"]["\"rare\""], 70);
  EXPECT_EQ(counts["train"]["\"common\""], 280);
  EXPECT_EQ(counts["val"]["\"rare\""], 20);
  EXPECT_EQ(counts["val"]["\"common\""], 80);
  EXPECT_EQ(counts["test"]["\"rare\""], 10);
  EXPECT_EQ(counts["test"]["\"common\""], 40);
}

TEST_F(SplitTest, LaterAdditionsNeverMoveEarlierMembers) {
  auto first = make(100, "a");
  auto o = options("train=0.5,test=0.5");
  o.stratify = "label";  // rank-based: the case where new objects could move old ones
  ASSERT_TRUE(dataset::split(ctx(), first, o).has_value());
  auto train1 = members("p-train"), test1 = members("p-test");
  auto both = make(100, "b");  // root now holds a* and b*
  ASSERT_EQ(both.size(), 200u);
  auto outcome = dataset::split(ctx(), both, o);
  ASSERT_TRUE(outcome.has_value()) << describe(outcome);
  auto train2 = members("p-train"), test2 = members("p-test");
  for (const auto& h : train1) EXPECT_TRUE(train2.contains(h));
  for (const auto& h : test1) EXPECT_TRUE(test2.contains(h));
  EXPECT_EQ(train2.size() + test2.size(), 200u);
  EXPECT_EQ(outcome->parts[0].kept + outcome->parts[1].kept, 100u);
  EXPECT_EQ(db().dataset_version("p-train", 0).value().version, 2u);
}

TEST_F(SplitTest, BadInputCommitsNothing) {
  auto sel = make(10);
  auto o = options("train=0.5,test=0.5");
  o.prefix = "bad name";
  EXPECT_FALSE(dataset::split(ctx(), sel, o).has_value());
  auto s = options("train=0.5,test=0.5");
  s.stratify = "class";
  auto nothing = dataset::split(ctx(), sel, s);
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().message, "--stratify 'class' has no value for any of the 10 selected objects");
  EXPECT_TRUE(db().datasets().value().empty());
}

}  // namespace
}  // namespace ldb::testing
