#include "storage/file_system.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "test_support.hpp"

namespace ldb::storage {
namespace {

namespace fs = std::filesystem;
using ldb::testing::TempDir;

std::vector<std::string> paths_of(const std::vector<FileInfo>& files, const fs::path& base) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(fs::path(f.path).lexically_relative(base).string());
  return out;
}

class LocalFileSystemTest : public ::testing::Test {
 protected:
  TempDir m_dir;
  std::unique_ptr<FileSystem> m_fs = make_local_file_system();
};

TEST_F(LocalFileSystemTest, ListsRecursivelySortedWithSizeAndMtime) {
  m_dir.write("b/2.jpg", "22");
  m_dir.write("a.jpg", "1");
  m_dir.write("b/1.jpg", "333");
  m_dir.write("b/c/d/e.txt", "");
  auto files = m_fs->list(m_dir.path().string());
  ASSERT_OK(files);
  EXPECT_EQ(paths_of(*files, m_dir.path()), (std::vector<std::string>{"a.jpg", "b/1.jpg", "b/2.jpg", "b/c/d/e.txt"}));
  EXPECT_EQ((*files)[1].size, 3u);
  struct stat st;
  ASSERT_EQ(::stat((m_dir.path() / "b/1.jpg").c_str(), &st), 0);
  EXPECT_EQ((*files)[1].mtime_ns, st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec);
  EXPECT_EQ(m_fs->protocol(), "file");
}

TEST_F(LocalFileSystemTest, SkipsHiddenFilesAndFolders) {
  m_dir.write("x.jpg", "x");
  m_dir.write(".hidden.jpg", "h");
  m_dir.write(".git/objects/a", "a");
  m_dir.write("d/.ldb_workspace/ws", "w");
  auto files = m_fs->list(m_dir.path().string());
  ASSERT_OK(files);
  EXPECT_EQ(paths_of(*files, m_dir.path()), (std::vector<std::string>{"x.jpg"}));
}

TEST_F(LocalFileSystemTest, SkipsFifosAndSockets) {
  m_dir.write("data.bin", "d");
  ASSERT_EQ(::mkfifo((m_dir.path() / "pipe").c_str(), 0600), 0);
  int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string sock_path = (m_dir.path() / "sock").string();
  ASSERT_LT(sock_path.size(), sizeof(addr.sun_path));
  std::strcpy(addr.sun_path, sock_path.c_str());
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  auto files = m_fs->list(m_dir.path().string());
  ::close(sock);
  ASSERT_OK(files);
  EXPECT_EQ(paths_of(*files, m_dir.path()), (std::vector<std::string>{"data.bin"}));
}

TEST_F(LocalFileSystemTest, FollowsSymlinksAndSurvivesLoops) {
  m_dir.write("real/a.jpg", "a");
  fs::create_directory_symlink(m_dir.path() / "real", m_dir.path() / "link");
  fs::create_directory_symlink(m_dir.path(), m_dir.path() / "real" / "loop");  // points back up
  fs::create_symlink(m_dir.path() / "missing", m_dir.path() / "dangling");
  auto files = m_fs->list(m_dir.path().string());
  ASSERT_OK(files);
  // Both paths of the linked folder are listed; a link back to a folder being
  // walked (here the root) is not entered, and the dangling link is skipped.
  EXPECT_EQ(paths_of(*files, m_dir.path()), (std::vector<std::string>{"link/a.jpg", "real/a.jpg"}));
  // Walking from inside the cycle terminates too: real/loop leads up to the
  // root, whose "real" and "link" both lead back into the folder being walked.
  auto from_real = m_fs->list((m_dir.path() / "real").string());
  ASSERT_OK(from_real);
  EXPECT_EQ(paths_of(*from_real, m_dir.path()), (std::vector<std::string>{"real/a.jpg"}));
}

TEST_F(LocalFileSystemTest, ListTopDoesNotEnterSubFolders) {
  m_dir.write("b/2.jpg", "22");
  m_dir.write("a.jpg", "1");
  m_dir.write("c.jpg", "333");
  m_dir.write(".hidden.jpg", "h");
  m_dir.write("b/c/d/e.txt", "");
  auto files = m_fs->list_top(m_dir.path().string());
  ASSERT_OK(files);
  EXPECT_EQ(paths_of(*files, m_dir.path()), (std::vector<std::string>{"a.jpg", "c.jpg"}));
  EXPECT_EQ((*files)[1].size, 3u);
  auto only_folders = m_fs->list_top((m_dir.path() / "b" / "c").string());
  ASSERT_OK(only_folders);
  EXPECT_TRUE(only_folders->empty());
  auto file = m_fs->list_top((m_dir.path() / "a.jpg").string());
  ASSERT_OK(file);
  EXPECT_EQ(paths_of(*file, m_dir.path()), (std::vector<std::string>{"a.jpg"}));
  auto missing = m_fs->list_top((m_dir.path() / "nope").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_F(LocalFileSystemTest, ListTopOfTheRootSkipsWhatCannotBeWalked) {
  // `/` holds /proc, whose /proc/1/cwd cannot be read in a container, even
  // by root: a full walk fails there, the top listing never looks.
  auto files = m_fs->list_top("/");
  ASSERT_OK(files);
  for (const auto& f : *files) EXPECT_EQ(fs::path(f.path).parent_path(), fs::path("/")) << f.path;
}

TEST_F(LocalFileSystemTest, FileRootListsItself) {
  auto path = m_dir.write("only.jpg", "12345");
  auto files = m_fs->list(path.string());
  ASSERT_OK(files);
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].path, path.string());
  EXPECT_EQ((*files)[0].size, 5u);
}

TEST_F(LocalFileSystemTest, RootIsNormalized) {
  m_dir.write("a/b.jpg", "b");
  auto files = m_fs->list((m_dir.path() / "a" / ".." / "a" / "").string());
  ASSERT_OK(files);
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].path, (m_dir.path() / "a" / "b.jpg").string());
}

TEST_F(LocalFileSystemTest, MissingPathsAreNotFoundNamingThePath) {
  std::string missing = (m_dir.path() / "nope").string();
  auto listed = m_fs->list(missing);
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::not_found);
  EXPECT_NE(listed.error().message.find(missing), std::string::npos);
  EXPECT_FALSE(listed.error().hint.empty());
  for (auto code :
       {m_fs->read(missing).error().code, m_fs->hash(missing).error().code, m_fs->stat(missing).error().code}) {
    EXPECT_EQ(code, ErrorCode::not_found);
  }
  EXPECT_NE(m_fs->hash(missing).error().message.find(missing), std::string::npos);
  auto copied = m_fs->copy_to(missing, m_dir.path() / "dest");
  ASSERT_FALSE(copied);
  EXPECT_EQ(copied.error().code, ErrorCode::not_found);
}

TEST_F(LocalFileSystemTest, UnreadableFolderIsAnIoError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads everything";
  m_dir.write("locked/a.jpg", "a");
  fs::permissions(m_dir.path() / "locked", fs::perms::none);
  auto files = m_fs->list(m_dir.path().string());
  fs::permissions(m_dir.path() / "locked", fs::perms::owner_all);
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().code, ErrorCode::io);
  EXPECT_NE(files.error().message.find("permission denied"), std::string::npos);
  EXPECT_NE(files.error().message.find("locked"), std::string::npos);
}

TEST_F(LocalFileSystemTest, HashMatchesMd5OfContentIncludingLargeFiles) {
  std::string big(1'000'003, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + 7);
  auto small = m_dir.write("small", "hello");
  auto large = m_dir.write("large", big);
  auto empty = m_dir.write("empty", "");
  EXPECT_EQ(m_fs->hash(small.string()).value().hex(), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(m_fs->hash(large.string()).value(), core::md5_of(big));
  EXPECT_EQ(m_fs->hash(empty.string()).value().hex(), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_F(LocalFileSystemTest, HashIsThreadSafe) {
  std::vector<std::string> paths;
  for (int i = 0; i < 16; ++i)
    paths.push_back(m_dir.write(fmt::format("f{}", i), std::string(70'000 + i, 'a' + i)).string());
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 8; ++round) {
        for (int i = 0; i < 16; ++i) {
          auto h = m_fs->hash(paths[i]);
          if (!h || *h != core::md5_of(std::string(70'000 + i, 'a' + i))) ++mismatches;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(LocalFileSystemTest, ReadAndStat) {
  auto path = m_dir.write("a.json", "{\"x\": 1}");
  auto content = m_fs->read(path.string());
  ASSERT_OK(content);
  EXPECT_EQ(*content, "{\"x\": 1}");
  auto info = m_fs->stat(path.string());
  ASSERT_OK(info);
  EXPECT_EQ(info->size, 8u);
  auto folder = m_fs->read(m_dir.path().string());
  ASSERT_FALSE(folder);
  EXPECT_EQ(folder.error().code, ErrorCode::invalid_argument);
}

TEST_F(LocalFileSystemTest, CopyToWritesAnExactCopyAndLeavesNoTemporaryFiles) {
  std::string content(300'000, 'z');
  auto source = m_dir.write("src/a.bin", content);
  fs::create_directories(m_dir.path() / "out");
  auto dest = m_dir.path() / "out" / "a.bin";
  m_dir.write("out/a.bin", "old content to replace");
  ASSERT_OK(m_fs->copy_to(source.string(), dest));
  EXPECT_EQ(read_local_file(dest).value(), content);
  EXPECT_EQ(std::distance(fs::directory_iterator(m_dir.path() / "out"), fs::directory_iterator()), 1);
  auto no_parent = m_fs->copy_to(source.string(), m_dir.path() / "missing" / "a.bin");
  ASSERT_FALSE(no_parent);
  EXPECT_EQ(no_parent.error().code, ErrorCode::not_found);
}

TEST_F(LocalFileSystemTest, WriteFileAtomicReplacesWholeFile) {
  auto dest = m_dir.path() / "config";
  ASSERT_OK(write_file_atomic(dest, "first"));
  EXPECT_EQ(read_local_file(dest).value(), "first");
  ASSERT_OK(write_file_atomic(dest, "second, longer"));
  EXPECT_EQ(read_local_file(dest).value(), "second, longer");
  EXPECT_EQ(std::distance(fs::directory_iterator(m_dir.path()), fs::directory_iterator()), 1);
  struct stat st;
  ASSERT_EQ(::stat(dest.c_str(), &st), 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask);
}

TEST_F(LocalFileSystemTest, WriteFileAtomicIntoMissingFolderFailsNamingIt) {
  auto dest = m_dir.path() / "no" / "such" / "file";
  auto written = write_file_atomic(dest, "x");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::not_found);
  EXPECT_NE(written.error().message.find(dest.string()), std::string::npos);
}

TEST_F(LocalFileSystemTest, ReadLocalFileMissing) {
  auto content = read_local_file(m_dir.path() / "missing.txt");
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code, ErrorCode::not_found);
  EXPECT_NE(content.error().message.find("missing.txt"), std::string::npos);
}

}  // namespace
}  // namespace ldb::storage
