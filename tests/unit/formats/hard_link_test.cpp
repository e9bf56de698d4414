// Tests for formats/hard_link.hpp and instantiate's link mode
// (Options::data_files = DataFiles::hard_link): data files are hard links to
// storage, read-only; re-runs, stale files and -f work as with copies; a
// source that cannot be linked fails before anything changes.

#include "formats/hard_link.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "formats/instantiate.hpp"
#include "formats_fixture.hpp"
#include "test_support.hpp"

namespace ldb::formats {
namespace {

namespace fs = std::filesystem;

struct stat stat_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

bool writable_by_anyone(const fs::path& path) { return (stat_of(path).st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) != 0; }

class HardLinkTest : public ::testing::Test {
 protected:
  HardLinkTest() : m_fs(storage::make_local_file_system()), m_pool(2) {
    m_target = m_dir.path() / "ws";
    fs::create_directories(m_target);
  }

  Member add(std::string relative, std::string content, std::string annotation = {}) {
    return fixture::storage_member(m_dir, std::move(relative), std::move(content), std::move(annotation));
  }

  Result<InstantiateResult> run(const std::vector<Member>& members, Overwrite force = Overwrite::no,
                                DataFiles data_files = DataFiles::hard_link) {
    Options options;
    options.data_files = data_files;
    options.force = force;
    options.removed_folder = m_dir.path() / "removed";
    core::NullProgress progress;
    auto result = instantiate(*m_fs, m_pool, progress, m_target, members, m_manifest, options);
    if (result) m_manifest = result->manifest;
    return result;
  }

  ldb::testing::TempDir m_dir;
  std::unique_ptr<storage::FileSystem> m_fs;
  core::ThreadPool m_pool;
  fs::path m_target;
  std::vector<ManifestEntry> m_manifest;
};

TEST_F(HardLinkTest, DataFilesAreReadOnlyLinksToStorage) {
  std::vector<Member> members{add("a/cat.jpg", "cat bytes", R"({"class":"cat"})"),
                              add("b/dog.jpg", "dog bytes", R"({"class":"dog"})")};
  auto result = run(members);
  ASSERT_OK(result);
  EXPECT_EQ(result->report.written, 4u);
  ASSERT_EQ(result->manifest.size(), 4u);
  for (const auto& m : members) {
    fs::path linked = m_target / (fs::path(m.storage_relative).stem().string() + "-" + m.hash.hex() + ".jpg");
    ASSERT_TRUE(fs::exists(linked)) << linked;
    EXPECT_EQ(stat_of(linked).st_ino, stat_of(m.source_path).st_ino) << linked;
    EXPECT_EQ(stat_of(linked).st_nlink, 2u);
    EXPECT_FALSE(writable_by_anyone(linked));
    EXPECT_FALSE(writable_by_anyone(m.source_path));  // the shared inode
  }
  // Annotation files are generated, never links.
  for (const auto& entry : result->manifest) {
    if (entry.path.ends_with(".json")) {
      EXPECT_EQ(stat_of(m_target / entry.path).st_nlink, 1u);
    }
  }
  // Nothing is left at a temporary name.
  for (const auto& entry : fs::directory_iterator(m_target)) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".ldb-tmp-")) << entry.path();
  }
}

TEST_F(HardLinkTest, SecondRunLinksNothingAndStaleLinksGo) {
  std::vector<Member> members{add("cat.jpg", "cat bytes", R"({"class":"cat"})"),
                              add("dog.jpg", "dog bytes", R"({"class":"dog"})")};
  ASSERT_OK(run(members));
  auto again = run(members);
  ASSERT_OK(again);
  EXPECT_EQ(again->report.written, 0u);
  EXPECT_EQ(again->report.unchanged, 4u);
  // Dropping a member removes its link but never the storage file.
  auto fewer = run({members[0]});
  ASSERT_OK(fewer);
  EXPECT_EQ(fewer->report.removed, 2u);  // the link and its annotation file
  EXPECT_TRUE(fs::exists(members[1].source_path));
  EXPECT_EQ(stat_of(members[1].source_path).st_nlink, 1u);
}

TEST_F(HardLinkTest, ForceMovesUnknownFilesAsideForLinks) {
  std::vector<Member> members{add("cat.jpg", "cat bytes", "{}")};
  fs::path planned = m_target / ("cat-" + members[0].hash.hex() + ".jpg");
  std::ofstream(planned) << "user bytes";
  std::ofstream(m_target / "notes.txt") << "mine";
  auto refused = run(members);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  auto forced = run(members, Overwrite::yes);
  ASSERT_OK(forced);
  EXPECT_FALSE(fs::exists(m_target / "notes.txt"));
  EXPECT_EQ(forced->report.moved, 2u);
  EXPECT_EQ(fixture::slurp(m_dir.path() / "removed" / "notes.txt"), "mine");
  EXPECT_EQ(fixture::slurp(m_dir.path() / "removed" / planned.filename()), "user bytes");
  EXPECT_EQ(stat_of(planned).st_ino, stat_of(members[0].source_path).st_ino);
}

TEST_F(HardLinkTest, CopiesAlreadyInPlaceAreKept) {
  std::vector<Member> members{add("cat.jpg", "cat bytes", "{}")};
  ASSERT_OK(run(members, Overwrite::no, DataFiles::copy));
  auto linked = run(members);
  ASSERT_OK(linked);
  EXPECT_EQ(linked->report.written, 0u);  // the copy already holds the right bytes
}

TEST_F(HardLinkTest, NonLocalSourceFailsBeforeAnythingChanges) {
  std::vector<Member> members{add("cat.jpg", "cat bytes", "{}"), add("dog.jpg", "dog bytes", "{}")};
  ASSERT_OK(run({members[0]}));
  Member remote = members[1];
  remote.source_path = "s3://bucket/dog.jpg";
  auto result = run({remote});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::unsupported);
  EXPECT_NE(result.error().message.find("s3://bucket/dog.jpg"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().hint.find("without --link"), std::string::npos) << result.error().hint;
  // The stale link of the first run was not removed: nothing changed.
  EXPECT_TRUE(fs::exists(m_target / ("cat-" + members[0].hash.hex() + ".jpg")));
}

TEST_F(HardLinkTest, OtherFileSystemFailsNamingTheFile) {
  // /dev/shm is a tmpfs on most systems: another device than the temp folder.
  const fs::path shm = "/dev/shm";
  struct stat shm_st {};
  if (::stat(shm.c_str(), &shm_st) != 0 || shm_st.st_dev == stat_of(m_target).st_dev ||
      ::access(shm.c_str(), W_OK) != 0) {
    GTEST_SKIP() << "no writable second file system at /dev/shm";
  }
  fs::path source = shm / ("ldb-link-test-" + std::to_string(::getpid()) + ".jpg");
  std::ofstream(source) << "far bytes";
  Member far;
  far.hash = core::md5_of("far bytes");
  far.source_path = source.string();
  far.storage_relative = "far.jpg";
  far.size = 9;
  far.annotation_version = 1;
  far.annotation_json = "{}";
  auto result = run({far});
  fs::remove(source);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::unsupported);
  EXPECT_NE(result.error().message.find(source.string()), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("another file system"), std::string::npos) << result.error().message;
  EXPECT_TRUE(fs::is_empty(m_target));
}

TEST(HardLink, LinkReadOnlyOfAMissingSourceIsNotFound) {
  ldb::testing::TempDir dir;
  auto status = link_read_only((dir.path() / "missing.jpg").string(), dir.path() / "out.jpg");
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::not_found);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out.jpg"));
}

TEST(HardLink, LinkReadOnlyCreatesAndReplacesLeavingNoTemporary) {
  ldb::testing::TempDir dir;
  auto write = [](const fs::path& path, std::string_view text) { std::ofstream(path) << text; };
  write(dir.path() / "a.jpg", "aaaa");
  write(dir.path() / "b.jpg", "bbbb");
  fs::create_directories(dir.path() / "ws");
  fs::path dest = dir.path() / "ws" / "x.jpg";
  auto list = [&] {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir.path() / "ws")) names.push_back(entry.path().filename());
    return names;
  };
  // Nothing there yet: linked straight to its name.
  ASSERT_OK(link_read_only((dir.path() / "a.jpg").string(), dest));
  EXPECT_EQ(stat_of(dest).st_ino, stat_of(dir.path() / "a.jpg").st_ino);
  EXPECT_FALSE(writable_by_anyone(dest));
  // A file there (another inode): replaced, through a temporary name that goes.
  ASSERT_OK(link_read_only((dir.path() / "b.jpg").string(), dest));
  EXPECT_EQ(stat_of(dest).st_ino, stat_of(dir.path() / "b.jpg").st_ino);
  // Already this very inode: rename does nothing, and the temporary still goes.
  ASSERT_OK(link_read_only((dir.path() / "b.jpg").string(), dest));
  EXPECT_EQ(stat_of(dest).st_ino, stat_of(dir.path() / "b.jpg").st_ino);
  EXPECT_EQ(list(), std::vector<std::string>{"x.jpg"});
  EXPECT_EQ(stat_of(dir.path() / "a.jpg").st_nlink, 1u);
}

}  // namespace
}  // namespace ldb::formats
