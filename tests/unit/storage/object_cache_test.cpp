#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>

#include "storage/file_system.hpp"
#include "storage/object_cache.hpp"
#include "storage/routing_file_system.hpp"
#include "test_support.hpp"

namespace ldb::storage {
namespace {

namespace fs_std = std::filesystem;

Status write_text(const fs_std::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return {};
}

void set_mtime(const fs_std::path& path, long seconds) {
  struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
  ::utimensat(AT_FDCWD, path.c_str(), times, 0);
}

TEST(ObjectCache, FillVerifiesAndFindServes) {
  ldb::testing::TempDir dir;
  ObjectCache cache(dir.path() / "cache", 0);
  auto hash = core::md5_of("hello");
  EXPECT_FALSE(cache.find(hash).has_value());
  int fetches = 0;
  auto filled = cache.fill(
      hash,
      [&](const fs_std::path& p) {
        ++fetches;
        return write_text(p, "hello");
      },
      "s3://b/h");
  ASSERT_OK(filled);
  EXPECT_EQ(*filled, dir.path() / "cache" / hash.hex().substr(0, 2) / hash.hex());
  auto found = cache.find(hash);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, *filled);
  EXPECT_EQ(fetches, 1);
}

TEST(ObjectCache, WrongBytesNeverEnterTheCache) {
  ldb::testing::TempDir dir;
  ObjectCache cache(dir.path() / "cache", 0);
  auto hash = core::md5_of("expected");
  auto filled = cache.fill(
      hash, [&](const fs_std::path& p) { return write_text(p, "changed"); }, "s3://b/k.jpg");
  ASSERT_FALSE(filled.has_value());
  EXPECT_EQ(filled.error().code, ErrorCode::corruption);
  EXPECT_NE(filled.error().message.find("s3://b/k.jpg"), std::string::npos);
  EXPECT_FALSE(cache.find(hash).has_value());
  // Nothing half-written is left behind either.
  std::size_t files = 0;
  for (auto& entry : fs_std::recursive_directory_iterator(dir.path() / "cache")) files += entry.is_regular_file();
  EXPECT_EQ(files, 0u);
}

TEST(ObjectCache, AFailedFetchIsReportedAndLeavesNothing) {
  ldb::testing::TempDir dir;
  ObjectCache cache(dir.path() / "cache", 0);
  auto filled = cache.fill(
      core::md5_of("x"), [](const fs_std::path&) -> Status { return fail(ErrorCode::io, "server down", ""); },
      "s3://b/x");
  ASSERT_FALSE(filled.has_value());
  EXPECT_EQ(filled.error().message, "server down");
}

TEST(ObjectCache, EvictsLeastRecentlyUsedOverTheLimit) {
  ldb::testing::TempDir dir;
  ObjectCache cache(dir.path() / "cache", 25);
  std::string a(10, 'a'), b(10, 'b'), c(10, 'c');
  auto ha = core::md5_of(a), hb = core::md5_of(b), hc = core::md5_of(c);
  auto pa = cache.fill(
      ha, [&](const fs_std::path& p) { return write_text(p, a); }, "a");
  ASSERT_OK(pa);
  auto pb = cache.fill(
      hb, [&](const fs_std::path& p) { return write_text(p, b); }, "b");
  ASSERT_OK(pb);
  set_mtime(*pa, 1000);
  set_mtime(*pb, 2000);
  ASSERT_TRUE(cache.find(ha).has_value());  // a is now the most recently used
  auto pc = cache.fill(
      hc, [&](const fs_std::path& p) { return write_text(p, c); }, "c");
  ASSERT_OK(pc);
  EXPECT_TRUE(cache.find(ha).has_value());
  EXPECT_FALSE(cache.find(hb).has_value());
  EXPECT_TRUE(cache.find(hc).has_value());
}

TEST(ObjectCache, ByteSizes) {
  EXPECT_EQ(parse_byte_size("10G", "x").value(), 10ull << 30);
  EXPECT_EQ(parse_byte_size("512m", "x").value(), 512ull << 20);
  EXPECT_EQ(parse_byte_size("1234", "x").value(), 1234u);
  EXPECT_EQ(parse_byte_size("0", "x").value(), 0u);
  auto bad = parse_byte_size("lots", "core.cache_size");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("core.cache_size"), std::string::npos);
}

TEST(RoutingFileSystem, LocalPathsNeverLoadSettings) {
  ldb::testing::TempDir dir;
  ASSERT_OK(write_text(dir.path() / "a.txt", "abc"));
  int loads = 0;
  RoutingFileSystem fs(make_local_file_system(), [&]() -> Result<StorageSettings> {
    ++loads;
    return StorageSettings{};
  });
  auto listed = fs.list(dir.path().string());
  ASSERT_OK(listed);
  EXPECT_EQ(listed->size(), 1u);
  auto hash = fs.hash((dir.path() / "a.txt").string());
  ASSERT_OK(hash);
  EXPECT_EQ(*hash, core::md5_of("abc"));
  ASSERT_OK(fs.copy_object_to((dir.path() / "a.txt").string(), *hash, dir.path() / "b.txt"));
  ASSERT_OK(fs.write((dir.path() / "sub" / "c.txt").string(), "new"));
  EXPECT_EQ(read_local_file(dir.path() / "sub" / "c.txt").value(), "new");
  EXPECT_EQ(loads, 0);
}

TEST(RoutingFileSystem, ReadCheckedVerifiesLocalBytesAgainstTheObject) {
  ldb::testing::TempDir dir;
  ASSERT_OK(write_text(dir.path() / "a.txt", "abc"));
  RoutingFileSystem fs(make_local_file_system(), [] { return Result<StorageSettings>(StorageSettings{}); });
  const std::string path = (dir.path() / "a.txt").string();
  EXPECT_EQ(fs.read_checked(path, core::md5_of("abc")).value(), "abc");
  auto changed = fs.read_checked(path, core::md5_of("abd"));
  ASSERT_FALSE(changed.has_value());
  EXPECT_EQ(changed.error().code, ErrorCode::corruption);
  EXPECT_NE(changed.error().message.find(path), std::string::npos);
  EXPECT_NE(changed.error().message.find("id:" + core::md5_of("abd").hex()), std::string::npos);
  EXPECT_NE(changed.error().hint.find("ldb index"), std::string::npos);
}

TEST(RoutingFileSystem, SettingsErrorsAndUnsupportedProtocolsAreReported) {
  RoutingFileSystem failing(make_local_file_system(), []() -> Result<StorageSettings> {
    return fail(ErrorCode::invalid_argument, "bad config", "fix it");
  });
  auto listed = failing.list("s3://bucket/x");
  ASSERT_FALSE(listed.has_value());
  EXPECT_EQ(listed.error().message, "bad config");
  RoutingFileSystem fs(make_local_file_system(), [] { return Result<StorageSettings>(StorageSettings{}); });
  auto ftp = fs.stat("ftp://host/x");
  ASSERT_FALSE(ftp.has_value());
  EXPECT_EQ(ftp.error().code, ErrorCode::unsupported);
}

TEST(RoutingFileSystem, LocationOptionsApplyByLongestPrefix) {
  // A location whose options are invalid fails when used; its neighbour does not.
  StorageSettings settings;
  settings.locations.push_back({"s3://bucket", {{"anon", "true"}}});
  settings.locations.push_back({"s3://bucket/strict", {{"regoin", "x"}}});
  RoutingFileSystem fs(make_local_file_system(), [&] { return Result<StorageSettings>(settings); });
  auto strict = fs.stat("s3://bucket/strict/a.jpg");
  ASSERT_FALSE(strict.has_value());
  EXPECT_NE(strict.error().message.find("regoin"), std::string::npos);
}

}  // namespace
}  // namespace ldb::storage
