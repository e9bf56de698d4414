// Tests for storage/local_walk.cpp: the folder walk shared out to threads must
// find exactly what a plain recursive listing finds, sorted by path, however
// many threads.

#include "storage/local_walk.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <fmt/format.h>

#include "test_support.hpp"

namespace ldb::storage {
namespace {

namespace fs = std::filesystem;
using ldb::testing::TempDir;

std::set<std::string> walk(const fs::path& root, unsigned threads) {
  struct stat st;
  EXPECT_EQ(::stat(root.c_str(), &st), 0);
  auto found = walk_local_tree(root.string(), st, threads);
  EXPECT_TRUE(found.has_value()) << ldb::testing::describe(found);
  std::set<std::string> paths;
  if (!found) return paths;
  EXPECT_TRUE(std::is_sorted(found->begin(), found->end(),
                             [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; }))
      << "not sorted by path on " << threads << " threads";
  for (const auto& f : *found) {
    EXPECT_TRUE(paths.insert(f.path).second) << f.path << " found twice";
    EXPECT_EQ(f.size, fs::file_size(f.path)) << f.path;
  }
  return paths;
}

TEST(LocalWalkTest, EveryThreadCountFindsExactlyTheFiles) {
  TempDir dir;
  // A wide and deep tree: 30 folders of 3 levels, files at every level, and
  // hidden entries that must be skipped.
  std::set<std::string> expected;
  for (int a = 0; a < 30; ++a) {
    fs::path level = dir.path() / fmt::format("a{}", a);
    for (int depth = 0; depth < 3; ++depth) {
      fs::create_directories(level);
      for (int f = 0; f <= a % 4; ++f) {
        fs::path file = level / fmt::format("f{}.bin", f);
        std::ofstream(file) << std::string(static_cast<std::size_t>(a + depth + f), 'x');
        expected.insert(file.string());
      }
      std::ofstream(level / ".hidden") << "h";
      level /= fmt::format("d{}", depth);
    }
  }
  fs::create_directories(dir.path() / ".git" / "objects");
  std::ofstream(dir.path() / ".git" / "objects" / "x") << "x";
  std::ofstream(dir.path() / "top.bin") << "top";
  expected.insert((dir.path() / "top.bin").string());
  for (unsigned threads : {1u, 2u, 4u, 0u}) EXPECT_EQ(walk(dir.path(), threads), expected) << threads << " threads";
}

TEST(LocalWalkTest, SymlinkLoopsEndOnEveryThread) {
  TempDir dir;
  fs::create_directories(dir.path() / "a" / "b");
  std::ofstream(dir.path() / "a" / "b" / "f.bin") << "f";
  fs::create_directory_symlink(dir.path() / "a", dir.path() / "a" / "b" / "up");
  fs::create_directory_symlink(dir.path() / "a" / "b", dir.path() / "side");
  // The loop is cut where a folder would repeat on its own descent path; the
  // side link reaches b once more, from outside the loop.
  auto paths = walk(dir.path(), 4);
  EXPECT_TRUE(paths.count((dir.path() / "a" / "b" / "f.bin").string()));
  EXPECT_TRUE(paths.count((dir.path() / "side" / "f.bin").string()));
  EXPECT_LE(paths.size(), 4u);
}

TEST(LocalWalkTest, ASkippedEntryReadLastIsNotAnError) {
  // A dangling symlink or a loop is skipped; when it is the last entry a
  // folder lists, the walk must still end cleanly (found by a newcomer:
  // "'FOLDER' does not exist"). A folder holding nothing else lists it last.
  TempDir dir;
  fs::create_directories(dir.path() / "only-dangling");
  fs::create_symlink(dir.path() / "nowhere", dir.path() / "only-dangling" / "gone.png");
  fs::create_directories(dir.path() / "only-loop");
  fs::create_symlink("loop", dir.path() / "only-loop" / "loop");  // ELOOP
  fs::create_directories(dir.path() / "mixed");
  std::ofstream(dir.path() / "mixed" / "kept.bin") << "k";
  for (int i = 0; i < 20; ++i) fs::create_symlink(dir.path() / "nowhere", dir.path() / "mixed" / fmt::format("d{}", i));
  fs::create_symlink(dir.path() / "nowhere", dir.path() / "dangling-at-top");
  for (unsigned threads : {1u, 2u}) {
    EXPECT_EQ(walk(dir.path(), threads), (std::set<std::string>{(dir.path() / "mixed" / "kept.bin").string()}))
        << threads << " threads";
    EXPECT_EQ(walk(dir.path() / "only-dangling", threads), std::set<std::string>{});
    EXPECT_EQ(walk(dir.path() / "only-loop", threads), std::set<std::string>{});
  }
}

TEST(LocalWalkTest, AFailureNamesItsPathAndStopsTheWalk) {
  TempDir dir;
  fs::create_directories(dir.path() / "ok");
  std::ofstream(dir.path() / "ok" / "f.bin") << "f";
  fs::create_directory_symlink(dir.path() / "ok", dir.path() / "ok" / "self");  // a loop, skipped
  fs::path file = dir.path() / "plain.bin";
  std::ofstream(file) << "x";
  struct stat st;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  // Walking a file as if it were a folder: opendir fails, and the error says where.
  auto found = walk_local_tree(file.string(), st, 2);
  ASSERT_FALSE(found.has_value());
  EXPECT_NE(found.error().message.find(file.string()), std::string::npos) << found.error().message;
}

}  // namespace
}  // namespace ldb::storage
