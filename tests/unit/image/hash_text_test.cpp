#include "image/hash_text.hpp"

#include <gtest/gtest.h>

namespace ldb::image {
namespace {

TEST(HashText, WritesSixteenLowercaseDigitsMostSignificantFirst) {
  EXPECT_EQ(hash_hex(0), "0000000000000000");
  EXPECT_EQ(hash_hex(0x0123456789abcdefULL), "0123456789abcdef");
  EXPECT_EQ(hash_hex(~0ULL), "ffffffffffffffff");
}

TEST(HashText, ParsesWhatItWritesAndRefusesAnythingElse) {
  for (std::uint64_t h : {0ULL, 1ULL, 0x8000000000000000ULL, 0xdeadbeefcafef00dULL}) {
    EXPECT_EQ(parse_hash_hex(hash_hex(h)), h);
  }
  EXPECT_EQ(parse_hash_hex("DEADBEEFCAFEF00D"), 0xdeadbeefcafef00dULL);
  EXPECT_FALSE(parse_hash_hex(""));
  EXPECT_FALSE(parse_hash_hex("123"));
  EXPECT_FALSE(parse_hash_hex("0123456789abcdef0"));
  EXPECT_FALSE(parse_hash_hex("0123456789abcdeg"));
  EXPECT_FALSE(parse_hash_hex("-123456789abcdef"));
}

}  // namespace
}  // namespace ldb::image
