// The server over HTTP: started in-process on port 0 over an instance of real
// photos, asked with httplib's client. Each security rule of SPEC section 10
// has its test: the token (missing, wrong, then the cookie), a foreign Host
// header, and files only by object id (path traversal in every spelling).

#include "server/server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/browse.hpp"
#include "app/inspect.hpp"
#include "core/hash.hpp"
#include "server_fixture.hpp"
#include "test_support.hpp"

namespace ldb::server {
namespace {

using nlohmann::json;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A baseline JPEG's size from its SOF0 segment: {width, height}, or {0, 0}.
std::pair<int, int> jpeg_size(std::string_view jpeg) {
  for (std::size_t i = 2; i + 9 < jpeg.size();) {
    if (static_cast<unsigned char>(jpeg[i]) != 0xFF) return {0, 0};
    const auto marker = static_cast<unsigned char>(jpeg[i + 1]);
    const auto byte = [&](std::size_t k) { return static_cast<int>(static_cast<unsigned char>(jpeg[k])); };
    if (marker == 0xC0) return {byte(i + 7) << 8 | byte(i + 8), byte(i + 5) << 8 | byte(i + 6)};
    i += 2 + static_cast<std::size_t>(byte(i + 2) << 8 | byte(i + 3));
  }
  return {0, 0};
}

class ServerTest : public ServerFixture {
 protected:
  void SetUp() override {
    const std::filesystem::path photos = std::filesystem::path(LDB_TESTDATA_DIR) / "photos";
    for (const char* name : {"dog", "kite", "chelsea"}) {
      std::string ext = name == std::string_view("chelsea") ? ".png" : ".jpg";
      m_bytes[name] = read_file(photos / (name + ext));
      m_dir.write(fmt::format("data/{}{}", name, ext), m_bytes[name]);
      m_dir.write(
          fmt::format("data/{}.json", name),
          fmt::format(R"({{"class": "{}", "objects": [{{"bbox": [1, 2, 30, 40], "category": "{}"}}]}})", name, name));
    }
    start();
  }

  std::string id_of(const char* name) { return core::md5_of(m_bytes[name]).hex(); }

  std::map<std::string, std::string> m_bytes;
};

TEST_F(ServerTest, ListensOnLoopbackOnAFreePortWithAToken) {
  EXPECT_EQ(m_server->host(), "127.0.0.1");
  EXPECT_GT(m_server->port(), 0);
  EXPECT_EQ(m_server->token().size(), 64u);
  EXPECT_EQ(m_server->url(), fmt::format("http://127.0.0.1:{}/?token={}", m_server->port(), m_server->token()));
}

TEST_F(ServerTest, EveryRequestNeedsTheToken) {
  for (const std::string& path :
       std::vector<std::string>{"/", "/app.js", "/api/objects", "/api/count", "/api/object/" + id_of("dog"),
                                "/api/file/" + id_of("dog"), "/api/thumb/" + id_of("dog"), "/nothing"}) {
    auto res = client().Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 403) << path;
    EXPECT_EQ(res->body.find("\xFF\xD8"), std::string::npos) << path;
    auto wrong = client().Get(path + "?token=" + std::string(64, '0'));
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 403) << path;
    auto bad_cookie = client().Get(path, {{"Cookie", fmt::format("ldb_token_{}=abc", m_server->port())}});
    ASSERT_TRUE(bad_cookie);
    EXPECT_EQ(bad_cookie->status, 403) << path;
  }
}

TEST_F(ServerTest, TheTokenInTheUrlSetsAStrictHttpOnlyCookie) {
  auto res = client().Get("/?token=" + m_server->token());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Set-Cookie"),
            fmt::format("ldb_token_{}={}; Path=/; HttpOnly; SameSite=Strict", m_server->port(), m_server->token()));
  // The cookie alone is enough afterwards.
  auto later = get("/api/count");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200);
}

TEST_F(ServerTest, AForeignHostHeaderIsRefused) {
  for (const std::string& host :
       std::vector<std::string>{"evil.example", fmt::format("evil.example:{}", m_server->port()),
                                fmt::format("127.0.0.1:{}", m_server->port() + 1), "127.0.0.1"}) {
    auto res = get("/api/count", {{"Host", host}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403) << host;
    auto page = client().Get("/?token=" + m_server->token(), {{"Host", host}});
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 403) << host;
    EXPECT_FALSE(page->has_header("Set-Cookie")) << host;
  }
  auto localhost = get("/api/count", {{"Host", fmt::format("localhost:{}", m_server->port())}});
  ASSERT_TRUE(localhost);
  EXPECT_EQ(localhost->status, 200);
}

TEST_F(ServerTest, ThePageComesFromTheBinaryWithAStrictPolicy) {
  auto res = get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(res->body.find("<!doctype html>"), std::string::npos);
  EXPECT_EQ(res->get_header_value("Content-Security-Policy").rfind("default-src 'self'", 0), 0u);
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(res->get_header_value("Referrer-Policy"), "no-referrer");
  const std::string etag = res->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = get("/", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  auto js = get("/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  auto css = get("/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
}

TEST_F(ServerTest, FilesOnlyByObjectIdNeverByPath) {
  const std::string passwd = read_file("/etc/passwd");
  const std::string dog = id_of("dog");
  for (const std::string& path : std::vector<std::string>{
           "/etc/passwd", "/../../../../etc/passwd", "/api/file/../../../../etc/passwd",
           "/api/file/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/api/file/%2e%2e/%2e%2e/etc/passwd",
           "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/api/file//etc/passwd", "/api/file/%2Fetc%2Fpasswd",
           "/api/file/" + dog + "/../../../etc/passwd", "/api/file/" + dog.substr(0, 31), "/api/file/id:" + dog,
           "/api/thumb/..%2F..%2Fdata%2Fdog.jpg", "/api/object/%00" + dog, "/api/file/" + dog + "%00",
           "/..%2F..%2F..%2Fetc%2Fpasswd", "/index.html/../../../etc/passwd", "/web/app.js"}) {
    auto res = get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_TRUE(res->status == 400 || res->status == 404) << path << ": " << res->status;
    if (!passwd.empty()) {
      EXPECT_EQ(res->body.find(passwd.substr(0, 16)), std::string::npos) << path;
    }
    EXPECT_EQ(res->body.find(m_bytes["dog"].substr(0, 64)), std::string::npos) << path;
  }
  // A valid id the instance does not hold.
  auto json = get_json("/api/file/" + std::string(32, 'a'), 404);
  EXPECT_EQ(json["error"]["code"], "not_found");
}

TEST_F(ServerTest, FileBytesByIdWithTheirImageType) {
  auto res = get("/api/file/" + id_of("dog"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, m_bytes["dog"]);
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/jpeg");
  auto png = get("/api/file/" + id_of("chelsea"));
  ASSERT_TRUE(png);
  EXPECT_EQ(png->get_header_value("Content-Type"), "image/png");
  // Upper-case hex names the same object.
  std::string upper = id_of("dog");
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto again = get("/api/file/" + upper);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, m_bytes["dog"]);
}

TEST_F(ServerTest, GridPagesAndCounts) {
  auto refs = app::select_refs(*m_session, {app::Selector{{"ds:root"}, {}}, std::nullopt, false});
  ASSERT_OK(refs);
  std::vector<std::string> expected;
  for (const auto& ref : *refs) expected.push_back(ref.hash.hex());
  ASSERT_EQ(expected.size(), 3u);
  auto all = get_json("/api/objects");
  EXPECT_EQ(all["count"], 3);
  EXPECT_EQ(all["ids"].get<std::vector<std::string>>(), expected);
  auto page = get_json("/api/objects?objects=ds:root&offset=1&limit=1");
  EXPECT_EQ(page["count"], 3);
  EXPECT_EQ(page["offset"], 1);
  EXPECT_EQ(page["ids"].get<std::vector<std::string>>(), std::vector<std::string>{expected[1]});
  auto past = get_json("/api/objects?offset=10");
  EXPECT_EQ(past["ids"].size(), 0u);
  auto cats = get_json("/api/count?query=class%20%3D%3D%20%27chelsea%27");
  EXPECT_EQ(cats["count"], 1);
  auto cat_ids = get_json("/api/objects?query=class%20%3D%3D%20%27chelsea%27");
  EXPECT_EQ(cat_ids["ids"].get<std::vector<std::string>>(), std::vector<std::string>{id_of("chelsea")});
  auto by_id = get_json("/api/count?objects=id:" + id_of("kite"));
  EXPECT_EQ(by_id["count"], 1);
}

TEST_F(ServerTest, QueryErrorsCarryTheirColumn) {
  auto error = get_json("/api/count?query=class%20%3D%3D", 400);
  EXPECT_EQ(error["error"]["code"], "invalid_argument");
  EXPECT_EQ(error["error"]["column"], 9);
  EXPECT_EQ(error["error"]["field"], "query");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("query syntax error at column 9"), std::string::npos);
  EXPECT_FALSE(error["error"]["hint"].get<std::string>().empty());
  auto page = get_json("/api/objects?query=%5B", 400);
  EXPECT_EQ(page["error"]["column"], 2);
  // Bad parameters: one clear error each.
  auto limit = get_json("/api/objects?limit=ten", 400);
  EXPECT_NE(limit["error"]["message"].get<std::string>().find("'limit'"), std::string::npos);
  auto path = get_json("/api/objects?objects=/etc", 400);
  EXPECT_EQ(path["error"]["hint"], "select by ds:NAME[.vN], ds:root, id:HASH or ws: (the workspace's staged dataset)");
  auto dataset = get_json("/api/count?objects=ds:nope", 404);
  EXPECT_EQ(dataset["error"]["code"], "not_found");
}

TEST_F(ServerTest, ObjectDetailsAndAnnotation) {
  auto object = get_json("/api/object/" + id_of("dog"));
  EXPECT_EQ(object["id"], id_of("dog"));
  EXPECT_EQ(object["size"], m_bytes["dog"].size());
  EXPECT_EQ(object["paths"], json::array({(m_dir.path() / "data/dog.jpg").string()}));
  EXPECT_EQ(object["annotation"]["class"], "dog");
  EXPECT_EQ(object["annotation"]["objects"][0]["bbox"], json::array({1, 2, 30, 40}));
  EXPECT_EQ(object["current_version"], 1);
  EXPECT_EQ(object["versions"].size(), 1u);
  EXPECT_TRUE(object["datasets"].is_array());
  auto missing = get_json("/api/object/" + std::string(32, 'b'), 404);
  EXPECT_EQ(missing["error"]["code"], "not_found");
}

TEST_F(ServerTest, ThumbnailsAreSmallJpegsKeptInTheInstance) {
  const std::string dog = id_of("dog");
  auto res = get("/api/thumb/" + dog);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_NE(res->get_header_value("Cache-Control").find("immutable"), std::string::npos);
  ASSERT_GT(res->body.size(), 100u);
  EXPECT_EQ(res->body.substr(0, 2), "\xFF\xD8");
  EXPECT_LT(res->body.size(), m_bytes["dog"].size());
  // dog.jpg is 768 x 576: the longer side becomes 160.
  EXPECT_EQ(jpeg_size(res->body), std::make_pair(160, 120));
  auto kept = m_dir.path() / "instance" / "thumbnails" / "160" / dog.substr(0, 2) / (dog + ".jpg");
  ASSERT_TRUE(std::filesystem::exists(kept));
  EXPECT_EQ(read_file(kept), res->body);
  // Served from the instance the second time, even with the original gone.
  std::filesystem::remove(m_dir.path() / "data/dog.jpg");
  auto again = get("/api/thumb/" + dog);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(again->body, res->body);
  auto gone = get_json("/api/file/" + dog, 404);
  EXPECT_NE(gone["error"]["hint"].get<std::string>().find("index"), std::string::npos);
}

TEST_F(ServerTest, StopIsPromptAndIdempotent) {
  auto res = get("/api/count");
  ASSERT_TRUE(res);
  m_server->stop();
  m_server->stop();
  auto after = get("/api/count");
  EXPECT_FALSE(after);
}

}  // namespace
}  // namespace ldb::server
