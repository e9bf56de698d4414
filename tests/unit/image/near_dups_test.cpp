#include "image/near_dups.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <ostream>
#include <random>
#include <vector>

namespace ldb::image {
namespace {

using Hashes = std::vector<std::uint64_t>;

}  // namespace

// Readable failures: (a, b, distance).
void PrintTo(const NearPair& p, std::ostream* os) {
  *os << "(" << p.a << ", " << p.b << ", " << static_cast<unsigned>(p.distance) << ")";
}

namespace {

// h with exactly `bits` of its bits flipped.
std::uint64_t flipped(std::uint64_t h, unsigned bits, std::mt19937_64& rng) {
  std::vector<unsigned> positions(64);
  for (unsigned i = 0; i < 64; ++i) positions[i] = i;
  std::shuffle(positions.begin(), positions.end(), rng);
  for (unsigned i = 0; i < bits; ++i) h ^= std::uint64_t{1} << positions[i];
  return h;
}

// n random hashes, then for every distance 0..max_distance a few partners
// planted that far from a random earlier hash (so pairs sit exactly on each
// threshold and one bit past it), and a small cluster chained within 3 bits.
Hashes planted(std::size_t n, unsigned max_distance, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Hashes hashes(n);
  for (auto& h : hashes) h = rng();
  for (unsigned d = 0; d <= max_distance; ++d) {
    for (int copy = 0; copy < 4; ++copy) hashes.push_back(flipped(hashes[rng() % hashes.size()], d, rng));
  }
  for (int i = 0; i < 5; ++i) hashes.push_back(flipped(hashes.back(), 3, rng));
  std::shuffle(hashes.begin(), hashes.end(), rng);
  return hashes;
}

unsigned distance(std::uint64_t a, std::uint64_t b) { return static_cast<unsigned>(std::popcount(a ^ b)); }

std::vector<NearPair> brute_force(const Hashes& hashes, unsigned threshold) {
  std::vector<NearPair> pairs;
  for (std::uint32_t a = 0; a < hashes.size(); ++a) {
    for (std::uint32_t b = a + 1; b < hashes.size(); ++b) {
      const unsigned d = distance(hashes[a], hashes[b]);
      if (d <= threshold) pairs.push_back({a, b, static_cast<std::uint8_t>(d)});
    }
  }
  return pairs;
}

std::vector<NearPair> brute_force_across(const Hashes& left, const Hashes& right, unsigned threshold) {
  std::vector<NearPair> pairs;
  for (std::uint32_t a = 0; a < left.size(); ++a) {
    for (std::uint32_t b = 0; b < right.size(); ++b) {
      const unsigned d = distance(left[a], right[b]);
      if (d <= threshold) pairs.push_back({a, b, static_cast<std::uint8_t>(d)});
    }
  }
  return pairs;
}

std::size_t count_at(const std::vector<NearPair>& pairs, unsigned d) {
  return static_cast<std::size_t>(
      std::count_if(pairs.begin(), pairs.end(), [&](const NearPair& p) { return p.distance == d; }));
}

class NearPairsAtThreshold : public ::testing::TestWithParam<unsigned> {};

TEST_P(NearPairsAtThreshold, FindsExactlyThePairsBruteForceFinds) {
  const unsigned t = GetParam();
  const Hashes hashes = planted(2000, t + 1, 1000 + t);
  auto pairs = near_pairs(hashes, t);
  ASSERT_TRUE(pairs) << pairs.error().message;
  const auto expected = brute_force(hashes, t);
  EXPECT_EQ(*pairs, expected);
  // The planted pairs on the boundary are there, the ones a bit past it are not.
  EXPECT_GE(count_at(*pairs, t), 4u);
  EXPECT_GE(count_at(*pairs, 0), 4u);
  EXPECT_EQ(count_at(*pairs, t + 1), 0u);
}

INSTANTIATE_TEST_SUITE_P(Thresholds, NearPairsAtThreshold, ::testing::Values(0u, 1u, 5u, 10u, 12u, 16u, 24u, 32u));

// Enough distinct hashes for the search to run on several threads and cut the
// hash into several chunks.
TEST(NearPairs, MatchesBruteForceOnTenThousandHashes) {
  for (unsigned t : {3u, 6u, 12u, 16u}) {
    const Hashes hashes = planted(10000, t + 1, 7 + t);
    auto pairs = near_pairs(hashes, t);
    ASSERT_TRUE(pairs) << pairs.error().message;
    EXPECT_EQ(*pairs, brute_force(hashes, t)) << "threshold " << t;
  }
}

TEST(NearPairs, TheThresholdIsInclusive) {
  const std::uint64_t h = 0x0123456789abcdefULL;
  // 0-1 and 1-3 are 3 bits apart, 1-2 one bit; 0-2 and 2-3 are 4 bits apart.
  const Hashes hashes = {h, h ^ 0b111, h ^ 0b1111, h};
  auto pairs = near_pairs(hashes, 3);
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, (std::vector<NearPair>{{0, 1, 3}, {0, 3, 0}, {1, 2, 1}, {1, 3, 3}}));
  auto wider = near_pairs(hashes, 4);
  ASSERT_TRUE(wider);
  EXPECT_EQ(wider->size(), 6u);
}

TEST(NearPairs, IdenticalHashesMakeEveryPairOfThem) {
  std::mt19937_64 rng(5);
  Hashes hashes(300);
  for (auto& h : hashes) h = rng();
  const std::uint64_t common = hashes[17];
  for (int i = 0; i < 1500; ++i) hashes.push_back(common);
  hashes.push_back(common ^ 1);
  auto pairs = near_pairs(hashes, 2);
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, brute_force(hashes, 2));
  // 1501 copies: 1501 * 1500 / 2 pairs among them, 1501 with the near one.
  EXPECT_GE(pairs->size(), 1501u * 1500 / 2 + 1501);
}

TEST(NearPairs, RefusesThresholdsAboveTheLargest) {
  const Hashes hashes = {1, 2, 3};
  auto pairs = near_pairs(hashes, k_max_threshold + 1);
  ASSERT_FALSE(pairs);
  EXPECT_EQ(pairs.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(pairs.error().message.find("33"), std::string::npos) << pairs.error().message;
  EXPECT_FALSE(pairs.error().hint.empty());
  EXPECT_FALSE(near_pairs_across(hashes, hashes, 33));
  EXPECT_FALSE(near_groups(hashes, 33));
  EXPECT_TRUE(near_pairs(hashes, k_max_threshold));
}

TEST(NearPairs, EmptyInputHasNoPairs) {
  auto none = near_pairs({}, 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  const Hashes one = {42};
  auto single = near_pairs(one, 32);
  ASSERT_TRUE(single);
  EXPECT_TRUE(single->empty());
  auto left_empty = near_pairs_across({}, one, 10);
  ASSERT_TRUE(left_empty);
  EXPECT_TRUE(left_empty->empty());
  auto right_empty = near_pairs_across(one, {}, 10);
  ASSERT_TRUE(right_empty);
  EXPECT_TRUE(right_empty->empty());
  EXPECT_TRUE(near_groups(0, {}).empty());
  auto groups = near_groups(std::span<const std::uint64_t>{}, 10);
  ASSERT_TRUE(groups);
  EXPECT_TRUE(groups->empty());
}

TEST(NearPairsAcross, FindsTheLeftRightPairsBruteForceFinds) {
  for (unsigned t : {0u, 4u, 10u, 16u}) {
    std::mt19937_64 rng(t);
    // "Train" and "test": some test items are copies or near copies of train
    // items, and each side has duplicates of its own, which are not reported.
    Hashes train = planted(3000, t + 1, 300 + t);
    Hashes test(500);
    for (auto& h : test) h = rng();
    for (unsigned d = 0; d <= t + 1; ++d) {
      for (int copy = 0; copy < 3; ++copy) test.push_back(flipped(train[rng() % train.size()], d, rng));
    }
    test.push_back(test.back());
    for (const Hashes* l : {&train, &test}) {
      const Hashes& r = l == &train ? test : train;
      auto pairs = near_pairs_across(*l, r, t);
      ASSERT_TRUE(pairs) << pairs.error().message;
      const auto expected = brute_force_across(*l, r, t);
      EXPECT_EQ(*pairs, expected) << "threshold " << t;
      EXPECT_GE(count_at(*pairs, t), 3u);
      EXPECT_EQ(count_at(*pairs, t + 1), 0u);
    }
  }
}

TEST(NearPairsAcross, ManyMoreOnOneSide) {
  // Either side may be the one indexed (the cheaper); the pairs are the same either way round.
  const Hashes big = planted(20000, 9, 11);
  const Hashes small(big.begin() + 100, big.begin() + 160);
  auto pairs = near_pairs_across(small, big, 8);
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, brute_force_across(small, big, 8));
  EXPECT_GE(pairs->size(), small.size());  // each finds itself at least
  auto reversed = near_pairs_across(big, small, 8);
  ASSERT_TRUE(reversed);
  EXPECT_EQ(*reversed, brute_force_across(big, small, 8));
}

using Groups = std::vector<std::vector<std::uint32_t>>;

TEST(NearGroups, AreTheConnectedComponentsOfThePairs) {
  // 6-2 and 2-0 chain into one group; 5-3 another; 1 and 4 have no pair.
  const std::vector<NearPair> pairs = {{2, 6, 4}, {3, 5, 0}, {0, 2, 1}};
  EXPECT_EQ(near_groups(7, pairs), (Groups{{0, 2, 6}, {3, 5}}));
  EXPECT_EQ(near_groups(7, {}), Groups{});
}

TEST(NearGroups, FromHashesEqualsTheGroupsOfThePairs) {
  for (unsigned t : {0u, 2u, 8u, 12u}) {
    const Hashes hashes = planted(3000, t + 1, 50 + t);
    auto pairs = near_pairs(hashes, t);
    ASSERT_TRUE(pairs);
    auto groups = near_groups(hashes, t);
    ASSERT_TRUE(groups);
    EXPECT_EQ(*groups, near_groups(hashes.size(), *pairs)) << "threshold " << t;
    EXPECT_FALSE(groups->empty());
  }
}

TEST(NearGroups, TenThousandCopiesAreOneGroupWithoutTheirPairs) {
  std::mt19937_64 rng(3);
  Hashes hashes;
  const std::uint64_t common = rng();
  for (int i = 0; i < 10000; ++i) {
    hashes.push_back(common);
    hashes.push_back(rng());
  }
  hashes.push_back(common ^ 0b11);
  auto groups = near_groups(hashes, 2);
  ASSERT_TRUE(groups);
  // Random hashes are ~32 bits apart, so only the copies (even positions) and
  // the near one (last) group.
  ASSERT_EQ(groups->size(), 1u);
  const auto& group = groups->front();
  ASSERT_EQ(group.size(), 10001u);
  for (std::uint32_t i = 0; i < 10000; ++i) ASSERT_EQ(group[i], 2 * i);
  EXPECT_EQ(group.back(), 20000u);
}

}  // namespace
}  // namespace ldb::image
