// Running external programs (src/core/process.cpp).

#include "core/process.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace ldb::core {
namespace {

const std::filesystem::path k_sh = "/bin/sh";

Result<ProgramRun> sh(std::string script, std::string_view input = {}, StdoutMode mode = StdoutMode::capture,
                      const std::filesystem::path& dir = {}) {
  std::vector<std::string> args{"-c", std::move(script)};
  return run_program(k_sh, args, input, mode, dir);
}

TEST(ProcessTest, CapturesStdoutAndFeedsStdin) {
  auto run = sh("tr a-z A-Z", "hello");
  ASSERT_OK(run);
  EXPECT_TRUE(run->succeeded());
  EXPECT_EQ(run->output, "HELLO");
}

TEST(ProcessTest, ReportsTheExitStatus) {
  auto run = sh("exit 3");
  ASSERT_OK(run);
  EXPECT_FALSE(run->succeeded());
  EXPECT_TRUE(run->exited);
  EXPECT_EQ(run->exit_status, 3);
  EXPECT_EQ(run->describe(), "exit status 3");
}

TEST(ProcessTest, ReportsASignal) {
  auto run = sh("kill -9 $$");
  ASSERT_OK(run);
  EXPECT_FALSE(run->exited);
  EXPECT_EQ(run->signal, 9);
  EXPECT_EQ(run->describe(), "killed by a signal (9)");
}

TEST(ProcessTest, RunsInTheGivenFolder) {
  ldb::testing::TempDir dir;
  auto run = sh("pwd", {}, StdoutMode::capture, dir.path());
  ASSERT_OK(run);
  EXPECT_EQ(run->output, dir.path().string() + "\n");
}

TEST(ProcessTest, AProgramThatIgnoresItsInputIsNotAnError) {
  std::string big(4 << 20, 'x');
  auto run = sh("exit 0", big);
  ASSERT_OK(run);
  EXPECT_TRUE(run->succeeded());
}

TEST(ProcessTest, InheritedStdoutIsNotCaptured) {
  auto run = sh("true", {}, StdoutMode::inherit);
  ASSERT_OK(run);
  EXPECT_EQ(run->output, "");
}

TEST(ProcessTest, AMissingProgramOrFolderIsAnIoErrorNamingIt) {
  auto missing = run_program("/no/such/program", {}, {}, StdoutMode::capture);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::io);
  EXPECT_NE(missing.error().message.find("/no/such/program"), std::string::npos);
  auto bad_dir = sh("true", {}, StdoutMode::capture, "/no/such/folder");
  ASSERT_FALSE(bad_dir.has_value());
  EXPECT_NE(bad_dir.error().hint.find("/no/such/folder"), std::string::npos);
}

}  // namespace
}  // namespace ldb::core
