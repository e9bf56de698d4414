#include "core/hash.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <unordered_set>
#include <vector>

#include "test_support.hpp"

namespace ldb::core {
namespace {

TEST(Md5Test, KnownVectors) {
  // RFC 1321 appendix A.5 test suite.
  EXPECT_EQ(md5_of("").hex(), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_of("a").hex(), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_of("abc").hex(), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_of("message digest").hex(), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_of("abcdefghijklmnopqrstuvwxyz").hex(), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(md5_of("12345678901234567890123456789012345678901234567890123456789012345678901234567890").hex(),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5Test, BinaryInputWithNulBytes) {
  std::string data("a\0b", 3);
  EXPECT_NE(md5_of(data), md5_of("ab"));
  EXPECT_NE(md5_of(data), md5_of("a"));
}

TEST(Md5HasherTest, IncrementalEqualsOneShot) {
  std::string text(10000, '\0');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(i * 7 + 3);
  Md5Hasher hasher;
  for (std::size_t pos = 0; pos < text.size(); pos += 333) {
    hasher.update(std::string_view(text).substr(pos, 333));
  }
  EXPECT_EQ(hasher.finish(), md5_of(text));
}

TEST(Md5HasherTest, ByteSpanUpdate) {
  std::vector<std::byte> bytes{std::byte{'a'}, std::byte{'b'}, std::byte{'c'}};
  Md5Hasher hasher;
  hasher.update(std::span<const std::byte>(bytes));
  EXPECT_EQ(hasher.finish().hex(), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(Md5HasherTest, FinishResetsForReuse) {
  Md5Hasher hasher;
  hasher.update("abc");
  EXPECT_EQ(hasher.finish().hex(), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hasher.finish().hex(), "d41d8cd98f00b204e9800998ecf8427e");  // nothing fed since
  hasher.update("a");
  EXPECT_EQ(hasher.finish().hex(), "0cc175b9c0f1b6a831c399e269772661");
}

TEST(Md5Test, FromHexRoundTrip) {
  for (std::string_view text : {"", "abc", "hello world"}) {
    Md5 m = md5_of(text);
    auto back = Md5::from_hex(m.hex());
    ASSERT_OK(back);
    EXPECT_EQ(*back, m);
  }
}

TEST(Md5Test, FromHexAcceptsUpperCase) {
  auto m = Md5::from_hex("900150983CD24FB0D6963F7D28E17F72");
  ASSERT_OK(m);
  EXPECT_EQ(m->hex(), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(m->bytes[0], 0x90);
  EXPECT_EQ(m->bytes[15], 0x72);
}

TEST(Md5Test, FromHexRejectsBadInput) {
  for (std::string_view bad : {"", "900150983cd24fb0d6963f7d28e17f7",  // 31 digits
                               "900150983cd24fb0d6963f7d28e17f720",    // 33 digits
                               "900150983cd24fb0d6963f7d28e17f7g",     // non-hex
                               "900150983cd24fb0d6963f7d28e17f7 ",     // space
                               "id:900150983cd24fb0d6963f7d28e17f"}) {
    auto m = Md5::from_hex(bad);
    ASSERT_FALSE(m.has_value()) << bad;
    EXPECT_EQ(m.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(m.error().message.find(std::string(bad)), std::string::npos) << m.error().message;
    EXPECT_FALSE(m.error().hint.empty());
  }
}

TEST(Md5Test, OrderingIsByteWise) {
  auto lo = Md5::from_hex("00000000000000000000000000000001");
  auto hi = Md5::from_hex("10000000000000000000000000000000");
  ASSERT_OK(lo);
  ASSERT_OK(hi);
  EXPECT_LT(*lo, *hi);
  EXPECT_EQ(Md5{}, Md5{});
  EXPECT_EQ(Md5{}.hex(), std::string(32, '0'));
}

TEST(Md5Test, OrderingAgreesWithBytesEverywhere) {
  // The word-wise comparison must equal a byte-wise one whichever byte
  // differs first, including the boundary between the two 8-byte words.
  std::vector<Md5> hashes;
  for (int i = 0; i < 200; ++i) hashes.push_back(md5_of(std::to_string(i)));
  for (std::size_t byte = 0; byte < 16; ++byte) {
    Md5 a, b;
    a.bytes.fill(0x80);
    b = a;
    b.bytes[byte] = 0x7f;
    hashes.push_back(a);
    hashes.push_back(b);
  }
  for (const auto& a : hashes) {
    for (const auto& b : hashes) {
      bool bytes_less = std::lexicographical_compare(a.bytes.begin(), a.bytes.end(), b.bytes.begin(), b.bytes.end());
      ASSERT_EQ(a < b, bytes_less) << a.hex() << " " << b.hex();
      ASSERT_EQ(a == b, a.bytes == b.bytes) << a.hex() << " " << b.hex();
    }
  }
}

TEST(Md5Test, StdHashDistinguishes) {
  std::unordered_set<Md5> set;
  for (int i = 0; i < 100; ++i) set.insert(md5_of(std::to_string(i)));
  set.insert(md5_of("0"));
  EXPECT_EQ(set.size(), 100u);
}

TEST(IsHexTest, AcceptsOneToThirtyTwoHexDigits) {
  EXPECT_TRUE(is_hex("0"));
  EXPECT_TRUE(is_hex("deadBEEF"));
  EXPECT_TRUE(is_hex("900150983cd24fb0d6963f7d28e17f72"));
  EXPECT_FALSE(is_hex(""));
  EXPECT_FALSE(is_hex("900150983cd24fb0d6963f7d28e17f720"));  // 33
  EXPECT_FALSE(is_hex("xyz"));
  EXPECT_FALSE(is_hex("12 34"));
  EXPECT_FALSE(is_hex("-1"));
}

}  // namespace
}  // namespace ldb::core
