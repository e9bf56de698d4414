// server/security.hpp: the token, its cookie, the Host check and object ids.

#include "server/security.hpp"

#include <gtest/gtest.h>

#include <set>

#include "test_support.hpp"

namespace ldb::server {
namespace {

TEST(Security, TokensAreLongRandomAndHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    auto token = new_token();
    ASSERT_OK(token);
    EXPECT_EQ(token->size(), 64u);
    EXPECT_EQ(token->find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(*token);
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(Security, SameTokenComparesWholeStrings) {
  EXPECT_TRUE(same_token("abc", "abc"));
  EXPECT_FALSE(same_token("abc", "abd"));
  EXPECT_FALSE(same_token("abc", "ab"));
  EXPECT_FALSE(same_token("", "a"));
}

TEST(Security, CookieIsHttpOnlyStrictAndNamedByPort) {
  EXPECT_EQ(token_cookie(8080, "t0k"), "ldb_token_8080=t0k; Path=/; HttpOnly; SameSite=Strict");
  EXPECT_EQ(cookie_value("a=1; ldb_token_8080=t0k; b=2", "ldb_token_8080"), "t0k");
  EXPECT_EQ(cookie_value("ldb_token_8080=t0k", "ldb_token_8080"), "t0k");
  EXPECT_EQ(cookie_value("ldb_token_80=x; xldb_token_8080=y", "ldb_token_8080"), std::nullopt);
  EXPECT_EQ(cookie_value("", "ldb_token_8080"), std::nullopt);
}

TEST(Security, Loopback) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "localhost", "LocalHost"}) {
    EXPECT_TRUE(is_loopback(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "10.0.0.1", "::", "example.com", "localhost.example.com", ""}) {
    EXPECT_FALSE(is_loopback(host)) << host;
  }
}

TEST(Security, HostHeaderMustNameThisServer) {
  EXPECT_TRUE(host_allowed("127.0.0.1:8080", "127.0.0.1", 8080));
  EXPECT_TRUE(host_allowed("localhost:8080", "127.0.0.1", 8080));
  EXPECT_TRUE(host_allowed("[::1]:8080", "::1", 8080));
  // DNS rebinding: a foreign name resolving to 127.0.0.1 still sends its name.
  EXPECT_FALSE(host_allowed("evil.example:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(host_allowed("localhost.evil.example:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(host_allowed("127.0.0.1:8081", "127.0.0.1", 8080));
  EXPECT_FALSE(host_allowed("127.0.0.1", "127.0.0.1", 8080));
  EXPECT_FALSE(host_allowed("", "127.0.0.1", 8080));
  EXPECT_FALSE(host_allowed(":8080", "127.0.0.1", 8080));
  EXPECT_FALSE(host_allowed("10.0.0.5:8080", "127.0.0.1", 8080));
  // Bound to every address: any IP literal, never a name but localhost.
  EXPECT_TRUE(host_allowed("10.0.0.5:8080", "0.0.0.0", 8080));
  EXPECT_TRUE(host_allowed("[fe80::1]:8080", "::", 8080));
  EXPECT_FALSE(host_allowed("evil.example:8080", "0.0.0.0", 8080));
}

TEST(Security, WritesNeedTheHeaderAndTheirOwnOrigin) {
  EXPECT_TRUE(write_allowed("http://127.0.0.1:8080", true, "127.0.0.1", 8080));
  EXPECT_TRUE(write_allowed("http://localhost:8080", true, "127.0.0.1", 8080));
  EXPECT_FALSE(write_allowed("http://127.0.0.1:8080", false, "127.0.0.1", 8080));  // a form cannot send X-Ldb
  EXPECT_FALSE(write_allowed("", true, "127.0.0.1", 8080));  // browsers send Origin with every POST
  EXPECT_FALSE(write_allowed("", false, "127.0.0.1", 8080));
  EXPECT_FALSE(write_allowed("http://evil.example", true, "127.0.0.1", 8080));
  EXPECT_FALSE(write_allowed("http://evil.example:8080", true, "127.0.0.1", 8080));
  EXPECT_FALSE(write_allowed("http://127.0.0.1:9090", true, "127.0.0.1", 8080));
  EXPECT_FALSE(write_allowed("https://127.0.0.1:8080", true, "127.0.0.1", 8080));
  EXPECT_FALSE(write_allowed("null", true, "127.0.0.1", 8080));
}

TEST(Security, ObjectIdsAreExactly32HexDigits) {
  auto id = parse_object_id("0123456789ABCDEF0123456789abcdef");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->hex(), "0123456789abcdef0123456789abcdef");
  for (const char* bad : {"", "0123", "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0",
                          "0123456789abcdef0123456789abcdeg", "../../../../etc/passwd", "/etc/passwd",
                          "id:0123456789abcdef0123456789abcdef", "%2e%2e%2f%2e%2e%2fetc%2fpasswd00000",
                          "0123456789abcdef0123456789abcd/."}) {
    EXPECT_FALSE(parse_object_id(bad)) << bad;
  }
}

TEST(Security, Urls) {
  EXPECT_EQ(server_url("127.0.0.1", 8080, "t"), "http://127.0.0.1:8080/?token=t");
  EXPECT_EQ(server_url("::1", 8080), "http://[::1]:8080/");
}

}  // namespace
}  // namespace ldb::server
