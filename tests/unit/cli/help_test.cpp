#include "cli/help.hpp"

#include <gtest/gtest.h>

namespace ldb::cli {
namespace {

TEST(RoffEscape, EscapesWhatRoffWouldInterpret) {
  EXPECT_EQ(roff_escape("plain text"), "plain text");
  EXPECT_EQ(roff_escape("--force -f"), "\\-\\-force \\-f");
  EXPECT_EQ(roff_escape("C:\\path"), "C:\\epath");
  EXPECT_EQ(roff_escape("say \"hi\""), "say \\(dqhi\\(dq");
  // A '.' or '\'' would start a request at the start of a line, not elsewhere.
  EXPECT_EQ(roff_escape(".hidden 'x'"), "\\&.hidden 'x'");
  EXPECT_EQ(roff_escape("'quoted'\n.next"), "\\&'quoted'\n\\&.next");
  EXPECT_EQ(roff_escape("a.b"), "a.b");
}

TEST(RoffEscape, WritesCharactersBeyondAsciiAsCodePoints) {
  EXPECT_EQ(roff_escape("ldb \xE2\x80\x94 a"), "ldb \\[u2014] a");  // em dash
  EXPECT_EQ(roff_escape("caf\xC3\xA9"), "caf\\[u00E9]");
  EXPECT_EQ(roff_escape("\xF0\x9F\x98\x80"), "\\[u1F600]");
  // Malformed UTF-8 (a lone continuation byte, a truncated sequence) stays visible.
  EXPECT_EQ(roff_escape("a\x80z"), "a\\[uFFFD]z");
  EXPECT_EQ(roff_escape("a\xE2\x80"), "a\\[uFFFD]");
}

TEST(ManPage, HasASectionPerCommandAndNoRawNonAscii) {
  const std::string page = man_page();
  EXPECT_EQ(page.rfind(".\\\"", 0), 0u);
  EXPECT_NE(page.find("\n.TH LDB 1 "), std::string::npos);
  for (const auto& c : commands()) {
    EXPECT_NE(page.find(".SS \"ldb " + roff_escape(c.name) + "\"\n"), std::string::npos) << c.name;
  }
  for (char byte : page) EXPECT_LT(static_cast<unsigned char>(byte), 0x80);
}

}  // namespace
}  // namespace ldb::cli
