// FileSystem::hash_with_head: the MD5 and the first bytes from one streamed
// pass, on the local backend and through the fault injector.

#include <gtest/gtest.h>

#include <string>

#include "core/hash.hpp"
#include "storage/fault_injection.hpp"
#include "storage/file_system.hpp"
#include "test_support.hpp"

namespace ldb::storage {
namespace {

using ldb::testing::TempDir;

std::string pattern(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 131 + i / 7) & 0xFF);
  return out;
}

class HashWithHeadTest : public ::testing::Test {
 protected:
  TempDir m_dir;
  std::unique_ptr<FileSystem> m_fs = make_local_file_system();
};

TEST_F(HashWithHeadTest, HeadIsThePrefixAndHashIsTheWholeFile) {
  // Smaller than, equal to and larger than one 128 KiB read, and several reads.
  for (std::size_t size : {0u, 10u, 65536u, 131072u, 300000u}) {
    auto content = pattern(size);
    auto p = m_dir.write("f" + std::to_string(size), content).string();
    auto got = m_fs->hash_with_head(p, 65536);
    ASSERT_OK(got);
    EXPECT_EQ(got->hash, core::md5_of(content)) << size;
    EXPECT_EQ(got->head, content.substr(0, 65536)) << size;
    EXPECT_EQ(m_fs->hash(p).value(), got->hash) << size;
  }
}

TEST_F(HashWithHeadTest, HeadLargerThanOneReadAndZeroHead) {
  auto content = pattern(400000);
  auto p = m_dir.write("big", content).string();
  auto wide = m_fs->hash_with_head(p, 200000);
  ASSERT_OK(wide);
  EXPECT_EQ(wide->head, content.substr(0, 200000));
  auto none = m_fs->hash_with_head(p, 0);
  ASSERT_OK(none);
  EXPECT_TRUE(none->head.empty());
  EXPECT_EQ(none->hash, core::md5_of(content));
}

TEST_F(HashWithHeadTest, MissingFileIsNotFoundNamingIt) {
  auto missing = (m_dir.path() / "missing.jpg").string();
  auto got = m_fs->hash_with_head(missing, 16);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::not_found);
  EXPECT_NE(got.error().message.find(missing), std::string::npos);
}

TEST_F(HashWithHeadTest, FaultInjectorTreatsItAsAHash) {
  auto a = m_dir.write("a.png", "A").string();
  auto b = m_dir.write("b.png", "B").string();
  FaultInjectingFileSystem faulty(*m_fs);
  faulty.add_fault({Operation::hash, "b.png", no_space_error(b)});
  EXPECT_OK(faulty.hash_with_head(a, 4));
  EXPECT_FALSE(faulty.hash_with_head(b, 4).has_value());
  EXPECT_EQ(faulty.calls(Operation::hash), (std::vector<std::string>{a, b}));
}

}  // namespace
}  // namespace ldb::storage
