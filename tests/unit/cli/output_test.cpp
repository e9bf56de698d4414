#include "cli/output.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ldb::cli {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(TerminalProgressTest, TheFinalLineIsDrawnOnceWhenTheCliFinishesAgain) {
  TerminalProgress progress(true);
  ::testing::internal::CaptureStderr();
  progress.start("indexing", 4);
  progress.advance(4);
  progress.finish();  // the library ends its phase
  progress.finish();  // the CLI ends whatever may still run
  std::string err = ::testing::internal::GetCapturedStderr();
  // Redraws overwrite the line (\r); each newline leaves one on the terminal.
  EXPECT_EQ(count(err, "indexing: 4/4 (100%)\x1b[K\n"), 1u) << err;
  EXPECT_EQ(count(err, "\n"), 1u) << err;
  EXPECT_TRUE(err.ends_with("\n")) << err;
}

TEST(TerminalProgressTest, EachPhaseEndsWithItsOwnLine) {
  TerminalProgress progress(true);
  ::testing::internal::CaptureStderr();
  progress.start("scanning", 0);
  progress.advance(2);
  progress.finish();
  progress.start("indexing", 2);
  progress.advance(2);
  progress.finish();
  progress.finish();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(err, "scanning: 2\x1b[K\n"), 1u) << err;
  EXPECT_EQ(count(err, "indexing: 2/2 (100%)\x1b[K\n"), 1u) << err;
  EXPECT_EQ(count(err, "\n"), 2u) << err;
}

TEST(TerminalProgressTest, DisabledDrawsNothing) {
  TerminalProgress progress(false);
  ::testing::internal::CaptureStderr();
  progress.start("indexing", 1);
  progress.advance(1);
  progress.finish();
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace ldb::cli
