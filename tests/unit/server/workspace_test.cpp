// The workspace routes over HTTP (server/workspace.cpp): ldb ui started in a
// workspace adds, deletes, tags and commits the grid's selection and edits a
// staged object's boxes; a write from another origin, or without the page's
// header, is refused and changes nothing; outside a workspace every write
// answers a hint.

#include <filesystem>

#include "app/inspect.hpp"
#include "app/workspace.hpp"
#include "core/hash.hpp"
#include "server_fixture.hpp"

namespace ldb::server {
namespace {

using nlohmann::json;

class WorkspaceRoutesTest : public ServerFixture {
 protected:
  void SetUp() override {
    m_context.env.set("LDB_AUTHOR", "ui-test");
    for (const char* name : {"dog", "kite", "cat"}) {
      m_dir.write(fmt::format("data/{}.png", name), fmt::format("bytes of {}", name));
      m_dir.write(fmt::format("data/{}.json", name),
                  fmt::format(R"({{"class": "{0}", "objects": [{{"bbox": [1, 2, 30, 40], "category": "{0}"}},)"
                              R"({{"bbox": [5, 5, 10, 10], "category": "ball"}}]}})",
                              name));
    }
    ASSERT_OK(app::init_instance(m_context, "instance", false, false));
    app::Session session(m_context);
    ASSERT_OK(app::add_storage(session, {"data", std::nullopt, {}, false}));
    ASSERT_OK(app::index(session, {{"data"}, {}}));
    ASSERT_OK(app::stage(session, {"ds:pets", std::string("ws"), false}));
  }

  // Starts ldb ui with the Context's folder at `cwd` (relative to the test's folder).
  void start(const char* cwd) {
    app::Context context = m_context;
    context.cwd = m_dir.path() / cwd;
    m_session = std::make_unique<app::Session>(context);
    auto server = Server::start(*m_session, {});
    ASSERT_OK(server);
    m_server = std::move(*server);
  }

  std::string id_of(const char* name) { return core::md5_of(fmt::format("bytes of {}", name)).hex(); }
  std::string origin() const { return fmt::format("http://127.0.0.1:{}", m_server->port()); }
  httplib::Headers headers() const {
    return {{"Cookie", fmt::format("ldb_token_{}={}", m_server->port(), m_server->token())}};
  }

  // A POST as the page sends it: the cookie, X-Ldb and its own Origin.
  httplib::Result post(const std::string& path, const json& body, httplib::Headers extra = {{"X-Ldb", "1"}}) {
    auto h = headers();
    h.insert(extra.begin(), extra.end());
    if (!h.contains("Origin")) h.emplace("Origin", origin());
    httplib::Client client("127.0.0.1", m_server->port());
    return client.Post(path, h, body.dump(), "application/json");
  }
  json post_json(const std::string& path, const json& body, int status = 200) {
    auto res = post(path, body);
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, status) << path << ": " << res->body;
    return json::parse(res->body);
  }
  std::size_t staged_count() {
    auto status = app::workspace_status(*m_session, (m_dir.path() / "ws").string());
    EXPECT_TRUE(status.has_value());
    return status ? status->objects : 0;
  }
};

const json k_dogs = {{"objects", {"ds:root"}}, {"query", {"class == 'dog'"}}};

TEST_F(WorkspaceRoutesTest, InfoTellsTheInstanceAndTheWorkspace) {
  start("ws");
  auto info = get_json("/api/info");
  EXPECT_EQ(info["instance"], (m_dir.path() / "instance").string());
  EXPECT_EQ(info["workspace"]["dataset"], "pets");
  EXPECT_EQ(info["workspace"]["objects"], 0);
  EXPECT_EQ(info["workspace"]["workspace"], (m_dir.path() / "ws").string());
}

TEST_F(WorkspaceRoutesTest, AddDeleteTagAndCommitTheGridsSelection) {
  start("ws");
  auto added = post_json("/api/workspace/add", {{"selection", k_dogs}});
  EXPECT_EQ(added["added"], 1);
  EXPECT_EQ(added["selected"], 1);
  EXPECT_EQ(added["workspace"]["objects"], 1);
  EXPECT_EQ(added["workspace"]["uncommitted"]["added"], 1);
  EXPECT_EQ(staged_count(), 1u);
  // ws: names the staged dataset in the grid.
  EXPECT_EQ(get_json("/api/objects?objects=ws:")["ids"], json::array({id_of("dog")}));

  auto all = post_json("/api/workspace/add", {{"selection", {{"objects", "ds:root"}}}});
  EXPECT_EQ(all["added"], 2);
  EXPECT_EQ(get_json("/api/count?objects=ws:")["count"], 3);  // the kept ws: selection was dropped
  auto deleted =
      post_json("/api/workspace/delete", {{"selection", {{"objects", {"ws:"}}, {"query", {"class == 'kite'"}}}}});
  EXPECT_EQ(deleted["deleted"], 1);
  EXPECT_EQ(deleted["workspace"]["objects"], 2);

  auto tagged = post_json("/api/workspace/tag", {{"selection", {{"objects", {"ws:"}}}}, {"add", "reviewed"}});
  EXPECT_EQ(tagged["selected"], 2);
  EXPECT_EQ(tagged["changed"], 2);
  EXPECT_EQ(get_json("/api/count?objects=ds:root&tag=reviewed")["count"], 2);
  auto untagged =
      post_json("/api/workspace/tag", {{"selection", {{"objects", {"id:" + id_of("dog")}}}}, {"remove", "reviewed"}});
  EXPECT_EQ(untagged["changed"], 1);

  auto committed = post_json("/api/workspace/commit", {{"message", "dogs and cats"}});
  EXPECT_EQ(committed["committed"], true);
  EXPECT_EQ(committed["dataset"], "pets");
  EXPECT_EQ(committed["version"], 1);
  EXPECT_EQ(committed["objects"], 2);
  EXPECT_EQ(committed["workspace"]["version"], 1);
  auto log = app::log(*m_session, "ds:pets");
  ASSERT_OK(log);
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ(log->front().message, "dogs and cats");
  auto again = post_json("/api/workspace/commit", {{"message", "again"}});
  EXPECT_EQ(again["committed"], false);
}

TEST_F(WorkspaceRoutesTest, CrossOriginAndHeaderlessWritesAreRefusedAndChangeNothing) {
  start("ws");
  const json body = {{"selection", k_dogs}};
  for (const httplib::Headers& extra :
       std::vector<httplib::Headers>{{{"X-Ldb", "1"}, {"Origin", "http://evil.example"}},  // another site's script
                                     {{"Origin", "http://evil.example"}},                  // another site's form
                                     {},                                    // no X-Ldb from the page's own origin
                                     {{"X-Ldb", "1"}, {"Origin", "null"}},  // a sandboxed frame
                                     {{"X-Ldb", "1"}, {"Origin", "http://localhost:1"}}}) {  // another local server
    auto res = post("/api/workspace/add", body, extra);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403) << res->body;
  }
  // The token in the URL does not do for a write: only the cookie.
  httplib::Client client("127.0.0.1", m_server->port());
  auto by_url = client.Post("/api/workspace/add?token=" + m_server->token(), {{"X-Ldb", "1"}, {"Origin", origin()}},
                            body.dump(), "application/json");
  ASSERT_TRUE(by_url);
  EXPECT_EQ(by_url->status, 403);
  // No cookie at all.
  auto no_cookie = client.Post("/api/workspace/add", {{"X-Ldb", "1"}}, body.dump(), "application/json");
  ASSERT_TRUE(no_cookie);
  EXPECT_EQ(no_cookie->status, 403);
  EXPECT_EQ(staged_count(), 0u);
  // The page's own request goes through.
  EXPECT_EQ(post_json("/api/workspace/add", body)["added"], 1);
}

TEST_F(WorkspaceRoutesTest, BadBodiesAreRefusedWithAHint) {
  start("ws");
  for (const json& body : {json::array(), json{{"selection", "ds:root"}}, json{{"selection", {{"objects", {1}}}}},
                           json{{"selection", {{"objects", {"/etc"}}}}}}) {
    auto answer = post_json("/api/workspace/add", body, 400);
    EXPECT_FALSE(answer["error"]["hint"].get<std::string>().empty()) << body;
  }
  auto no_tags = post_json("/api/workspace/tag", {{"selection", k_dogs}}, 400);
  EXPECT_EQ(no_tags["error"]["message"], "no tag to add or remove");
  EXPECT_EQ(staged_count(), 0u);
}

TEST_F(WorkspaceRoutesTest, OutsideAWorkspaceWritesAnswerAHint) {
  start(".");
  EXPECT_TRUE(get_json("/api/info")["workspace"].is_null());
  for (const char* route : {"/api/workspace/add", "/api/workspace/delete", "/api/workspace/tag",
                            "/api/workspace/commit", "/api/workspace/annotation"}) {
    auto answer = post_json(route, {{"selection", k_dogs}, {"add", "x"}}, 404);
    EXPECT_EQ(answer["error"]["message"], "ldb ui was not started in a workspace, so there is nothing to change")
        << route;
    EXPECT_NE(answer["error"]["hint"].get<std::string>().find("ldb stage"), std::string::npos);
  }
  EXPECT_EQ(get_json("/api/workspace/annotation/" + id_of("dog"), 404)["error"]["code"], "not_found");
  EXPECT_EQ(get_json("/api/objects?objects=ws:", 404)["error"]["code"], "not_found");
}

TEST_F(WorkspaceRoutesTest, EditingABoxStagesANewAnnotationVersion) {
  start("ws");
  post_json("/api/workspace/add", {{"selection", k_dogs}});
  const std::string dog = id_of("dog");
  auto staged = get_json("/api/workspace/annotation/" + dog);
  EXPECT_EQ(staged["staged"], true);
  EXPECT_EQ(staged["version"], 1);
  EXPECT_EQ(staged["annotation"]["objects"].size(), 2u);
  EXPECT_EQ(get_json("/api/workspace/annotation/" + id_of("kite"))["staged"], false);

  // Out of range: refused, nothing written.
  auto bad = post_json("/api/workspace/annotation",
                       {{"id", dog}, {"version", 1}, {"edits", {{{"index", 2}, {"delete", true}}}}}, 400);
  EXPECT_EQ(bad["error"]["message"],
            fmt::format("the annotation of id:{} has no box 2 (it has 2, numbered from 0)", dog));
  auto stale = post_json("/api/workspace/annotation",
                         {{"id", dog}, {"version", 7}, {"edits", {{{"index", 0}, {"delete", true}}}}}, 409);
  EXPECT_EQ(stale["error"]["code"], "conflict");

  auto edited = post_json("/api/workspace/annotation",
                          {{"id", dog},
                           {"version", 1},
                           {"edits", {{{"index", 0}, {"category", "wolf"}}, {{"index", 1}, {"delete", true}}}}});
  EXPECT_EQ(edited["changed"], true);
  EXPECT_EQ(edited["previous_version"], 1);
  EXPECT_EQ(edited["version"], 2);
  EXPECT_EQ(edited["annotation"]["objects"], json::parse(R"([{"bbox": [1, 2, 30, 40], "category": "wolf"}])"));
  EXPECT_EQ(edited["workspace"]["uncommitted"]["added"], 1);
  staged = get_json("/api/workspace/annotation/" + dog);
  EXPECT_EQ(staged["version"], 2);
  EXPECT_EQ(staged["annotation"]["objects"][0]["category"], "wolf");
  // Both versions are kept; a query sees the new one.
  EXPECT_EQ(get_json("/api/object/" + dog)["versions"].size(), 2u);
  EXPECT_EQ(get_json("/api/count?objects=ws:&query=objects%5B0%5D.category%20%3D%3D%20%27wolf%27")["count"], 1);
}

}  // namespace
}  // namespace ldb::server
