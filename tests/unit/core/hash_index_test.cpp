#include "core/hash_index.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ldb::core {
namespace {

TEST(HashIndexTest, FindsEveryInsertedKeyAndNothingElse) {
  constexpr std::uint32_t n = 50000;
  HashIndex index(n);
  for (std::uint32_t i = 0; i < n; ++i) index.insert(md5_of(std::to_string(i)), i);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto found = index.find(md5_of(std::to_string(i)));
    ASSERT_TRUE(found.has_value()) << i;
    EXPECT_EQ(*found, i);
  }
  for (std::uint32_t i = n; i < n + 1000; ++i) EXPECT_FALSE(index.find(md5_of(std::to_string(i))).has_value());
}

TEST(HashIndexTest, KeysSharingTheirFirstBytesStillDiffer) {
  // Same first 8 bytes: they land in the same slot and must be told apart.
  Md5 a, b;
  a.bytes.fill(7);
  b.bytes.fill(7);
  b.bytes[15] = 8;
  HashIndex index(2);
  index.insert(a, 1);
  index.insert(b, 2);
  EXPECT_EQ(index.find(a), 1u);
  EXPECT_EQ(index.find(b), 2u);
}

TEST(HashIndexTest, FirstPositionWinsAndEmptyIndexFindsNothing) {
  HashIndex empty(0);
  EXPECT_FALSE(empty.find(md5_of("x")).has_value());
  HashIndex index(4);
  index.insert(md5_of("x"), 3);
  index.insert(md5_of("x"), 9);
  EXPECT_EQ(index.find(md5_of("x")), 3u);
}

}  // namespace
}  // namespace ldb::core
