#include "formats/manifest.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ldb::formats {
namespace {

TEST(Manifest, RoundTrips) {
  std::vector<ManifestEntry> entries{
      {"a-1.jpg", 10, 1700000000123456789, core::md5_of("a")},
      {"cat/with space.png", 0, k_pending_mtime, core::md5_of("b")},
  };
  std::string text = serialize_manifest(entries);
  EXPECT_TRUE(text.starts_with("ldb-instantiated 1\n"));
  auto parsed = parse_manifest(text, "m");
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->entries, entries);
  EXPECT_EQ(parsed->state, RunState::finished);
  EXPECT_EQ(parsed->pending(), 1u);
}

TEST(Manifest, UnfinishedRunRoundTrips) {
  std::vector<ManifestEntry> entries{{"a-1.jpg", 10, k_pending_mtime, core::md5_of("a")}};
  std::string text = serialize_manifest(entries, RunState::unfinished);
  EXPECT_TRUE(text.starts_with("ldb-instantiated 1 unfinished\n"));
  auto parsed = parse_manifest(text, "m");
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->state, RunState::unfinished);
  EXPECT_EQ(parsed->entries, entries);
  // Finished again once written with the default state.
  auto finished = parse_manifest(serialize_manifest(entries), "m");
  ASSERT_OK(finished);
  EXPECT_EQ(finished->state, RunState::finished);
}

TEST(Manifest, EmptyTextIsEmpty) {
  auto parsed = parse_manifest("", "m");
  ASSERT_OK(parsed);
  EXPECT_TRUE(parsed->entries.empty());
  EXPECT_EQ(parsed->state, RunState::finished);
  auto header_only = parse_manifest(serialize_manifest({}), "m");
  ASSERT_OK(header_only);
  EXPECT_TRUE(header_only->entries.empty());
}

TEST(Manifest, RejectsCorruptLinesNamingThem) {
  std::string md5 = core::md5_of("a").hex();
  struct Case {
    std::string text;
    std::string expect;
  };
  for (const auto& c : std::vector<Case>{
           {"garbage\n", "m:1"},
           {"ldb-instantiated 1 half-done\n", "m:1"},
           {"ldb-instantiated 1\nnothex 1 2 a\n", "m:2"},
           {"ldb-instantiated 1\n" + md5 + " x 2 a\n", "m:2"},
           {"ldb-instantiated 1\n" + md5 + " 1 2 a\n" + md5 + " 1 zz b\n", "m:3"},
           {"ldb-instantiated 1\n" + md5 + " 1 2 ../../etc/passwd\n", "m:2"},
           {"ldb-instantiated 1\n" + md5 + " 1 2 /abs\n", "m:2"},
           {"ldb-instantiated 1\n" + md5 + " 1 2 .ldb_workspace/x\n", "m:2"},
       }) {
    auto parsed = parse_manifest(c.text, "m");
    ASSERT_FALSE(parsed) << c.text;
    EXPECT_EQ(parsed.error().code, ErrorCode::corruption);
    EXPECT_NE(parsed.error().message.find(c.expect), std::string::npos) << parsed.error().message;
    EXPECT_FALSE(parsed.error().hint.empty());
  }
}

}  // namespace
}  // namespace ldb::formats
