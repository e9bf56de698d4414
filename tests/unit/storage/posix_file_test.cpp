// Tests for storage/posix_file.cpp's TempFile: a file appears under its name
// only when committed and complete, replacing an existing one, and an
// uncommitted one leaves nothing, whichever way the file system names it.
// And link_replacing, which both TempFile and instantiate --link use.

#include "storage/posix_file.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace ldb::storage {
namespace {

namespace fs = std::filesystem;
using ldb::testing::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(TempFileTest, AppearsOnlyWhenCommitted) {
  TempDir dir;
  fs::path dest = dir.path() / "out.json";
  auto temp = TempFile::create_beside(dest);
  ASSERT_OK(temp);
  ASSERT_OK(write_all(temp->fd(), "{\"a\":1}", dest.string()));
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_EQ(entries(dir.path()), temp->path().empty() ? 0u : 1u);  // unnamed, or one hidden temporary
  ASSERT_OK(temp->commit(Sync::no));
  EXPECT_EQ(slurp(dest), "{\"a\":1}");
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(TempFileTest, CommitReplacesAnExistingFile) {
  TempDir dir;
  fs::path dest = dir.path() / "out.json";
  std::ofstream(dest) << "old contents, longer than the new";
  auto temp = TempFile::create_beside(dest);
  ASSERT_OK(temp);
  ASSERT_OK(write_all(temp->fd(), "new", dest.string()));
  EXPECT_EQ(slurp(dest), "old contents, longer than the new");
  ASSERT_OK(temp->commit(Sync::yes));
  EXPECT_EQ(slurp(dest), "new");
  EXPECT_EQ(entries(dir.path()), 1u);  // no temporary name left behind
}

TEST(LinkReplacingTest, LinksReplacesAndLeavesNoTemporaryName) {
  TempDir dir;
  fs::create_directories(dir.path() / "ws");
  std::ofstream(dir.path() / "a") << "aaaa";
  std::ofstream(dir.path() / "b") << "bbbb";
  fs::path dest = dir.path() / "ws" / "x";
  auto inode = [](const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_ino;
  };
  EXPECT_EQ(link_replacing((dir.path() / "a").string(), dest, 0), 0);  // free name
  EXPECT_EQ(inode(dest), inode(dir.path() / "a"));
  EXPECT_EQ(link_replacing((dir.path() / "b").string(), dest, 0), 0);  // replaces another inode
  EXPECT_EQ(inode(dest), inode(dir.path() / "b"));
  EXPECT_EQ(link_replacing((dir.path() / "b").string(), dest, 0), 0);  // already this inode
  EXPECT_EQ(slurp(dest), "bbbb");
  EXPECT_EQ(entries(dir.path() / "ws"), 1u);
  // A missing source is its errno, and nothing appears.
  EXPECT_EQ(link_replacing((dir.path() / "missing").string(), dir.path() / "ws" / "y", 0), ENOENT);
  EXPECT_EQ(link_replacing((dir.path() / "missing").string(), dest, 0), ENOENT);
  EXPECT_EQ(slurp(dest), "bbbb");
  EXPECT_EQ(entries(dir.path() / "ws"), 1u);
}

TEST(TempFileTest, UncommittedLeavesNothing) {
  TempDir dir;
  {
    auto temp = TempFile::create_beside(dir.path() / "never.json");
    ASSERT_OK(temp);
    ASSERT_OK(write_all(temp->fd(), "partial", "never.json"));
  }
  EXPECT_EQ(entries(dir.path()), 0u);
}

TEST(TempFileTest, PermissionsFollowTheUmask) {
  TempDir dir;
  fs::path dest = dir.path() / "masked";
  mode_t old = ::umask(077);
  auto temp = TempFile::create_beside(dest);
  ::umask(old);
  ASSERT_OK(temp);
  ASSERT_OK(temp->commit(Sync::no));
  struct stat st;
  ASSERT_EQ(::stat(dest.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(TempFileTest, MissingFolderIsAnErrorNamingTheFile) {
  TempDir dir;
  fs::path dest = dir.path() / "no" / "such" / "out.json";
  auto temp = TempFile::create_beside(dest);
  ASSERT_FALSE(temp.has_value());
  EXPECT_NE(temp.error().message.find("out.json"), std::string::npos) << temp.error().message;
}

}  // namespace
}  // namespace ldb::storage
