// The binary collection format: 20 bytes per member (16-byte MD5, then the
// annotation version as u32 little-endian), content-addressed by its MD5.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/hash.hpp"
#include "store/store.hpp"
#include "test_support.hpp"

namespace ldb::store {
namespace {

Md5 hash_of(std::string_view hex) {
  auto m = Md5::from_hex(hex);
  EXPECT_TRUE(m.has_value());
  return m ? *m : Md5{};
}

TEST(CollectionTest, EmptyCollection) {
  EXPECT_EQ(serialize_collection({}), "");
  auto back = deserialize_collection("");
  ASSERT_OK(back);
  EXPECT_TRUE(back->empty());
  EXPECT_EQ(collection_hash({}).hex(), "d41d8cd98f00b204e9800998ecf8427e");  // MD5 of no bytes
}

TEST(CollectionTest, ExactByteLayout) {
  Collection members{{hash_of("000102030405060708090a0b0c0d0e0f"), 0x04030201u},
                     {hash_of("ffeeddccbbaa99887766554433221100"), 7u}};
  auto bytes = serialize_collection(members);
  ASSERT_EQ(bytes.size(), 40u);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(static_cast<unsigned char>(bytes[i]), i) << i;
  // Version 0x04030201, little-endian.
  EXPECT_EQ(static_cast<unsigned char>(bytes[16]), 0x01);
  EXPECT_EQ(static_cast<unsigned char>(bytes[17]), 0x02);
  EXPECT_EQ(static_cast<unsigned char>(bytes[18]), 0x03);
  EXPECT_EQ(static_cast<unsigned char>(bytes[19]), 0x04);
  EXPECT_EQ(static_cast<unsigned char>(bytes[20]), 0xff);
  EXPECT_EQ(static_cast<unsigned char>(bytes[35]), 0x00);
  EXPECT_EQ(static_cast<unsigned char>(bytes[36]), 7);
  EXPECT_EQ(bytes.substr(37), std::string(3, '\0'));
  EXPECT_EQ(collection_hash(members), core::md5_of(bytes));
}

TEST(CollectionTest, RoundTrip) {
  Collection members;
  for (std::uint32_t i = 0; i < 50; ++i) {
    members.push_back(ObjectRef{core::md5_of(std::to_string(i)), i % 3 == 0 ? 0u : i * 1000003u});
  }
  members.push_back(ObjectRef{core::md5_of("max"), 0xffffffffu});
  std::sort(members.begin(), members.end());
  auto back = deserialize_collection(serialize_collection(members));
  ASSERT_OK(back);
  EXPECT_EQ(*back, members);
}

TEST(CollectionTest, HashDependsOnMembersAndVersions) {
  Collection a{{core::md5_of("x"), 1}};
  Collection b{{core::md5_of("x"), 2}};
  Collection c{{core::md5_of("y"), 1}};
  EXPECT_NE(collection_hash(a), collection_hash(b));
  EXPECT_NE(collection_hash(a), collection_hash(c));
  EXPECT_EQ(collection_hash(a), collection_hash(Collection{{core::md5_of("x"), 1}}));
}

TEST(CollectionTest, CorruptLengthIsRejected) {
  Collection members{{core::md5_of("x"), 1}, {core::md5_of("y"), 2}};
  auto bytes = serialize_collection(members);
  for (std::size_t cut : {1u, 19u, 21u, 39u}) {
    auto back = deserialize_collection(std::string_view(bytes).substr(0, cut));
    ASSERT_FALSE(back.has_value()) << cut;
    EXPECT_EQ(back.error().code, ErrorCode::corruption);
    EXPECT_NE(back.error().message.find(std::to_string(cut)), std::string::npos) << back.error().message;
    EXPECT_FALSE(back.error().hint.empty());
  }
  auto longer = deserialize_collection(bytes + "z");
  EXPECT_FALSE(longer.has_value());
}

}  // namespace
}  // namespace ldb::store
