#include "storage/fault_injection.hpp"

#include "test_support.hpp"

namespace ldb::storage {
namespace {

using ldb::testing::TempDir;

class FaultInjectionTest : public ::testing::Test {
 protected:
  TempDir m_dir;
  std::unique_ptr<FileSystem> m_local = make_local_file_system();
  FaultInjectingFileSystem m_fs{*m_local};
};

TEST_F(FaultInjectionTest, PassesThroughAndRecordsCalls) {
  auto a = m_dir.write("a.jpg", "a").string();
  auto b = m_dir.write("b.jpg", "b").string();
  ASSERT_OK(m_fs.list(m_dir.path().string()));
  ASSERT_OK(m_fs.hash(b));
  ASSERT_OK(m_fs.hash(a));
  ASSERT_OK(m_fs.read(a));
  EXPECT_EQ(m_fs.calls(Operation::hash), (std::vector<std::string>{a, b}));
  EXPECT_EQ(m_fs.calls(Operation::read), (std::vector<std::string>{a}));
  EXPECT_EQ(m_fs.calls(Operation::list).size(), 1u);
  EXPECT_EQ(m_fs.protocol(), "file");
  m_fs.clear_calls();
  EXPECT_TRUE(m_fs.calls(Operation::hash).empty());
}

TEST_F(FaultInjectionTest, FailsMatchingPathAndOperationOnly) {
  auto a = m_dir.write("a.jpg", "a").string();
  auto b = m_dir.write("b.jpg", "b").string();
  m_fs.add_fault({Operation::hash, "b.jpg", vanished_error(b)});
  auto failed = m_fs.hash(b);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::not_found);
  EXPECT_NE(failed.error().message.find(b), std::string::npos);
  EXPECT_OK(m_fs.hash(a));
  EXPECT_OK(m_fs.read(b));  // another operation on the same path works
  m_fs.clear_faults();
  EXPECT_OK(m_fs.hash(b));
}

TEST_F(FaultInjectionTest, LimitedFaultsStopAfterTheirCount) {
  auto a = m_dir.write("a.jpg", "a").string();
  m_fs.add_fault({Operation::read, "", no_space_error(a), FaultAction::fail, 2});
  EXPECT_FALSE(m_fs.read(a));
  EXPECT_FALSE(m_fs.read(a));
  EXPECT_OK(m_fs.read(a));
}

TEST_F(FaultInjectionTest, NoSpaceOnCopy) {
  auto a = m_dir.write("a.jpg", "abcdef").string();
  auto dest = m_dir.path() / "copy.jpg";
  m_fs.add_fault({Operation::copy_to, "a.jpg", no_space_error(dest.string())});
  auto copied = m_fs.copy_to(a, dest);
  ASSERT_FALSE(copied);
  EXPECT_EQ(copied.error().code, ErrorCode::io);
  EXPECT_NE(copied.error().message.find("no space"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dest));
}

TEST_F(FaultInjectionTest, TornCopyLeavesHalfAFile) {
  auto a = m_dir.write("a.jpg", "abcdef").string();
  auto dest = m_dir.path() / "copy.jpg";
  m_fs.add_fault({Operation::copy_to, "a.jpg", no_space_error(dest.string()), FaultAction::torn_copy, 1});
  ASSERT_FALSE(m_fs.copy_to(a, dest));
  EXPECT_EQ(read_local_file(dest).value(), "abc");
  ASSERT_OK(m_fs.copy_to(a, dest));  // the fault was used up; a retry repairs it
  EXPECT_EQ(read_local_file(dest).value(), "abcdef");
}

TEST_F(FaultInjectionTest, ListAndStatFaults) {
  m_fs.add_fault({Operation::list, "", Error{ErrorCode::io, "listing failed", "retry"}});
  m_fs.add_fault({Operation::stat, "", Error{ErrorCode::io, "stat failed", "retry"}});
  EXPECT_EQ(m_fs.list(m_dir.path().string()).error().message, "listing failed");
  EXPECT_EQ(m_fs.stat(m_dir.path().string()).error().message, "stat failed");
}

}  // namespace
}  // namespace ldb::storage
