// The embedding view's routes over HTTP (server/embedding.cpp): the binary
// layout of /api/points against app::projected_points, the colour key's
// legend, pins narrowing the grid, and a POST from anywhere but the page
// itself refused (CSRF).

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstring>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/images.hpp"
#include "app/index.hpp"
#include "app/instance.hpp"
#include "app/storage.hpp"
#include "core/hash.hpp"
#include "server/server.hpp"
#include "server_fixture.hpp"
#include "test_support.hpp"

namespace ldb::server {
namespace {

using ldb::testing::read_bytes;
using ldb::testing::TempDir;
using nlohmann::json;

template <class T>
std::vector<T> array_at(const std::string& body, std::size_t offset, std::size_t count) {
  std::vector<T> out(count);
  if (offset + count * sizeof(T) <= body.size()) std::memcpy(out.data(), body.data() + offset, count * sizeof(T));
  return out;
}

struct Points {
  std::uint32_t magic = 0, n = 0, objects = 0, without = 0, categories = 0, legend_bytes = 0;
  std::vector<float> xy;
  std::vector<std::uint32_t> positions;
  std::vector<std::uint16_t> category;
  json legend;
};

// Reads the layout docs/ui.md gives, checking that the sizes add up.
Points parse_points(const std::string& body) {
  Points p;
  auto header = array_at<std::uint32_t>(body, 0, 6);
  p.magic = header[0], p.n = header[1], p.objects = header[2], p.without = header[3], p.categories = header[4],
  p.legend_bytes = header[5];
  std::size_t offset = 24;
  p.xy = array_at<float>(body, offset, 2 * p.n);
  offset += 8 * p.n;
  p.positions = array_at<std::uint32_t>(body, offset, p.n);
  offset += 4 * p.n;
  if (p.categories) {
    p.category = array_at<std::uint16_t>(body, offset, p.n);
    offset += 2 * p.n;
    offset += (4 - offset % 4) % 4;
    p.legend = json::parse(body.substr(offset, p.legend_bytes));
    offset += p.legend_bytes;
  }
  EXPECT_EQ(offset, body.size());
  return p;
}

class EmbeddingRoutesTest : public ServerFixture {
 protected:
  void SetUp() override {
    const std::filesystem::path photos = std::filesystem::path(LDB_TESTDATA_DIR) / "photos";
    for (const char* name : {"dog", "kite", "chelsea", "astronaut"}) {
      std::string ext = name == std::string_view("chelsea") || name == std::string_view("astronaut") ? ".png" : ".jpg";
      m_bytes[name] = read_bytes(photos / (name + ext));
      m_dir.write(fmt::format("data/{}{}", name, ext), m_bytes[name]);
      const char* kind = name == std::string_view("dog") || name == std::string_view("chelsea") ? "animal" : "thing";
      m_dir.write(fmt::format("data/{}.json", name), fmt::format(R"({{"class": "{}", "kind": "{}"}})", name, kind));
    }
    // An object that is not an image: it gets no embedding, so no point.
    m_dir.write("data/notes.txt", "not an image");
    m_dir.write("data/notes.json", R"({"class": "notes"})");
    start();
  }

  void project() {
    // The server holds the session; these run between requests, as in ldb ui's own tests.
    ASSERT_OK(app::embed(*m_session, {}));
    ASSERT_OK(app::project(*m_session, {}));
  }

  std::string cookie() const { return fmt::format("ldb_token_{}={}", m_server->port(), m_server->token()); }
  std::string origin() const { return fmt::format("http://127.0.0.1:{}", m_server->port()); }
  httplib::Result post(const std::string& path, const std::string& body, httplib::Headers headers,
                       const std::string& type = "application/octet-stream") {
    return client().Post(path, headers, body, type);
  }
  httplib::Result pin(const std::string& query, const std::vector<std::uint32_t>& positions) {
    std::string body(reinterpret_cast<const char*>(positions.data()), positions.size() * 4);
    return post("/api/pin?" + query, body, {{"Cookie", cookie()}, {"Origin", origin()}, {"X-Ldb", "1"}});
  }
  std::vector<std::string> grid_ids(const std::string& query) {
    auto res = get("/api/objects?limit=5000&" + query);
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body)["ids"].get<std::vector<std::string>>();
  }

  std::map<std::string, std::string> m_bytes;
};

TEST_F(EmbeddingRoutesTest, WithoutAProjectionTheErrorSaysHowToMakeOne) {
  auto res = get("/api/points");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  auto error = json::parse(res->body)["error"];
  EXPECT_EQ(error["message"], "none of the 5 selected objects has a point of projection 'pca' of model 'builtin'");
  EXPECT_EQ(error["hint"], "compute them: ldb embed -m builtin, then ldb project -m builtin --method pca");
  auto model = get("/api/points?model=nope");
  ASSERT_TRUE(model);
  EXPECT_EQ(model->status, 400);
  EXPECT_NE(model->body.find("unknown embedding model 'nope'"), std::string::npos);
}

TEST_F(EmbeddingRoutesTest, PointsAreFloat32PairsWithTheirPositionsInTheSelection) {
  project();
  auto res = get("/api/points?objects=ds:root&model=builtin&method=pca");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/octet-stream");
  auto p = parse_points(res->body);
  EXPECT_EQ(std::memcmp(&p.magic, "LDBP", 4), 0);
  EXPECT_EQ(p.n, 4u);
  EXPECT_EQ(p.objects, 5u);
  EXPECT_EQ(p.without, 1u);
  EXPECT_EQ(p.categories, 0u);
  EXPECT_EQ(res->body.size(), 24u + 4 * 12);
  auto ids = grid_ids("objects=ds:root");
  ASSERT_EQ(ids.size(), 5u);
  auto expected = app::projected_points(*m_session, {});
  ASSERT_OK(expected);
  ASSERT_EQ(expected->size(), 4u);
  std::map<std::string, std::pair<float, float>> by_id;
  for (const auto& e : *expected) by_id[e.hash.hex()] = {e.x, e.y};
  for (std::size_t i = 0; i < p.n; ++i) {
    ASSERT_LT(p.positions[i], ids.size());
    if (i) {
      EXPECT_LT(p.positions[i - 1], p.positions[i]);
    }
    const auto& id = ids[p.positions[i]];
    ASSERT_TRUE(by_id.contains(id)) << id;
    EXPECT_EQ(p.xy[2 * i], by_id[id].first);
    EXPECT_EQ(p.xy[2 * i + 1], by_id[id].second);
  }
}

TEST_F(EmbeddingRoutesTest, AColourKeyGivesACategoryPerPointAndALegend) {
  project();
  auto res = get("/api/points?color=kind");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto p = parse_points(res->body);
  ASSERT_EQ(p.n, 4u);
  // The legend counts points: the text file has no point, so no (none).
  EXPECT_EQ(p.legend, json::parse(R"([{"label": "animal", "count": 2}, {"label": "thing", "count": 2}])"));
  EXPECT_EQ(p.categories, 2u);
  auto ids = grid_ids("");
  for (std::size_t i = 0; i < p.n; ++i) {
    const auto& id = ids[p.positions[i]];
    const bool animal = id == core::md5_of(m_bytes["dog"]).hex() || id == core::md5_of(m_bytes["chelsea"]).hex();
    EXPECT_EQ(p.category[i], animal ? 0 : 1) << id;
  }
  // A key absent from every annotation: all (none).
  auto none = get("/api/points?color=missing_key");
  ASSERT_TRUE(none);
  auto q = parse_points(none->body);
  EXPECT_EQ(q.legend, json::parse(R"j([{"label": "(none)", "count": 4}])j"));
  // A key that does not parse: the column, named as the colour key's.
  auto bad = get("/api/points?color=kind%20%3D%3D");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto error = json::parse(bad->body)["error"];
  EXPECT_EQ(error["field"], "color");
  EXPECT_TRUE(error.contains("column"));
}

TEST_F(EmbeddingRoutesTest, APinNarrowsTheGridToThoseObjects) {
  project();
  auto ids = grid_ids("query=kind%20%3D%3D%20%27animal%27%20%7C%7C%20class%20%3D%3D%20%27notes%27");
  ASSERT_EQ(ids.size(), 3u);
  auto res = pin("query=kind%20%3D%3D%20%27animal%27%20%7C%7C%20class%20%3D%3D%20%27notes%27", {2, 0, 2});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto answer = json::parse(res->body);
  EXPECT_EQ(answer["count"], 2);
  const std::string key = answer["pin"];
  EXPECT_LE(key.size(), 8u);
  // The pin narrows any selection, keeping its order.
  auto pinned = grid_ids("pin=" + key);
  std::vector<std::string> expected;
  for (const auto& id : grid_ids("")) {
    if (id == ids[0] || id == ids[2]) expected.push_back(id);
  }
  EXPECT_EQ(pinned, expected);
  auto count = get("/api/count?pin=" + key + "&query=class%20%3D%3D%20%27notes%27");
  ASSERT_TRUE(count);
  EXPECT_EQ(json::parse(count->body)["count"], ids[2] == expected.back() || ids[2] == expected.front() ? 1 : 0);
  auto gone = get("/api/objects?pin=p999");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  EXPECT_NE(gone->body.find("no longer kept"), std::string::npos);
  auto outside = pin("", {5});
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->status, 400);
  EXPECT_NE(outside->body.find("position 5 is not in the selection of 5 objects"), std::string::npos);
  auto ragged = post("/api/pin", "abc", {{"Cookie", cookie()}, {"Origin", origin()}, {"X-Ldb", "1"}});
  ASSERT_TRUE(ragged);
  EXPECT_EQ(ragged->status, 400);
}

TEST_F(EmbeddingRoutesTest, APostFromAnotherOriginIsRefused) {
  const std::string body(4, '\0');
  const std::string port = std::to_string(m_server->port());
  for (const auto& headers : std::vector<httplib::Headers>{
           {{"Cookie", cookie()}, {"X-Ldb", "1"}},                                     // no Origin
           {{"Cookie", cookie()}, {"X-Ldb", "1"}, {"Origin", "http://evil.example"}},  // another site
           {{"Cookie", cookie()}, {"X-Ldb", "1"}, {"Origin", "http://127.0.0.1:" + std::to_string(m_server->port() + 1)}},
           {{"Cookie", cookie()}, {"X-Ldb", "1"}, {"Origin", "https://127.0.0.1:" + port}},  // another scheme
           {{"Cookie", cookie()}, {"X-Ldb", "1"}, {"Origin", "null"}},  // a sandboxed frame or file
           {{"X-Ldb", "1"}, {"Origin", origin()}},                       // no token
           {{"Cookie", cookie()}, {"Origin", origin()}},                 // no X-Ldb
       }) {
    auto res = post("/api/pin", body, headers);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403) << res->body;
    EXPECT_EQ(res->body.find("\"pin\""), std::string::npos);
  }
  // What a form or a no-cors fetch can send without a preflight: no X-Ldb.
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}) {
    auto res = post("/api/pin", body, {{"Cookie", cookie()}, {"Origin", origin()}}, type);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403) << type;
  }
  auto own = post("/api/pin", body,
                  {{"Cookie", cookie()}, {"Origin", fmt::format("http://localhost:{}", port)}, {"X-Ldb", "1"}});
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
}

}  // namespace
}  // namespace ldb::server
