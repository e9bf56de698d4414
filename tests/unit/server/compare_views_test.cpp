// The routes of the duplicates and diff views (server/dups.cpp,
// server/diff.cpp) over HTTP, against what app::find_dups and app::diff
// (ldb dups --json, ldb diff --json) answer for the same input: real photos,
// two of them with a near-duplicate each (the same JPEG with bytes after its
// end: another object, the same pixels), and a dataset with two versions.

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/browse.hpp"
#include "app/images.hpp"
#include "app/index.hpp"
#include "app/inspect.hpp"
#include "app/instance.hpp"
#include "app/storage.hpp"
#include "app/workspace.hpp"
#include "core/hash.hpp"
#include "server/server.hpp"
#include "test_support.hpp"

namespace ldb::server {
namespace {

using ldb::testing::TempDir;
using nlohmann::json;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> ids_of(const json& list) { return list.get<std::vector<std::string>>(); }

class CompareViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_context.env.set("HOME", (m_dir.path() / "home").string());
    m_context.env.set("LDB_DIR", (m_dir.path() / "instance").string());
    m_context.env.set("LDB_CACHE_DIR", "none");
    // The server runs in a workspace (for the diff against it).
    std::filesystem::create_directories(m_dir.path() / "ws");
    m_context.cwd = m_dir.path() / "ws";
    const std::filesystem::path photos = std::filesystem::path(LDB_TESTDATA_DIR) / "photos";
    m_bytes["dog"] = read_file(photos / "dog.jpg");
    m_bytes["kite"] = read_file(photos / "kite.jpg");
    m_bytes["chelsea"] = read_file(photos / "chelsea.png");
    m_bytes["dog_copy"] = m_bytes["dog"] + "trailing bytes";
    m_bytes["kite_copy"] = m_bytes["kite"] + "trailing bytes";
    for (const auto& [name, bytes] : m_bytes) {
      const char* ext = name == "chelsea" ? ".png" : ".jpg";
      m_dir.write(fmt::format("data/{}{}", name, ext), bytes);
      write_annotation(name, name);
    }
    ASSERT_OK(app::init_instance(m_context, (m_dir.path() / "instance").string(), false, false));
    m_session = std::make_unique<app::Session>(m_context);
    ASSERT_OK(app::add_storage(*m_session, {data(), std::nullopt, {}, false}));
    index();
    auto server = Server::start(*m_session, {});
    ASSERT_OK(server);
    m_server = std::move(*server);
  }

  std::string data() const { return (m_dir.path() / "data").string(); }
  void write_annotation(const std::string& name, const std::string& cls) {
    m_dir.write(fmt::format("data/{}.json", name), fmt::format(R"({{"class": "{}"}})", cls));
  }
  void index() {
    app::IndexSettings settings;
    settings.format = "bare-pairs";
    ASSERT_OK(app::index(*m_session, {{data()}, settings}));
  }

  std::string id_of(const std::string& name) { return core::md5_of(m_bytes[name]).hex(); }

  json get_json(const std::string& path, int status = 200) {
    httplib::Client c("127.0.0.1", m_server->port());
    c.set_url_encode(false);
    auto res = c.Get(path, {{"Cookie", fmt::format("ldb_token_{}={}", m_server->port(), m_server->token())}});
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, status) << path << ": " << res->body;
    return json::parse(res->body);
  }

  // ds:pets.v1 = dog, dog_copy, kite, chelsea; then dog's annotation
  // changes, kite leaves and kite_copy comes: ds:pets.v2.
  void commit_two_versions() {
    const std::string ws = (m_dir.path() / "ws").string();
    ASSERT_OK(app::stage(*m_session, {"ds:pets", ws, false}));
    auto add = [&](std::vector<std::string> objects) {
      app::AddRequest request;
      request.selector.objects = std::move(objects);
      ASSERT_OK(app::add(*m_session, request));
    };
    add({"id:" + id_of("dog"), "id:" + id_of("dog_copy"), "id:" + id_of("kite"), "id:" + id_of("chelsea")});
    ASSERT_OK(app::commit(*m_session, {std::nullopt, "v1", std::nullopt, app::Resolution::none}));
    write_annotation("dog", "puppy");
    index();
    app::DelRequest del;
    del.selector.objects = {"id:" + id_of("kite")};
    ASSERT_OK(app::del(*m_session, del));
    add({"id:" + id_of("dog"), "id:" + id_of("kite_copy")});
    ASSERT_OK(app::commit(*m_session, {std::nullopt, "v2", std::nullopt, app::Resolution::none}));
  }

  TempDir m_dir;
  app::Context m_context;
  std::map<std::string, std::string> m_bytes;
  std::unique_ptr<app::Session> m_session;
  std::unique_ptr<Server> m_server;
};

// The groups as ldb dups --json lists them: ids and distances, in order.
json expected_groups(const app::DupsResult& result) {
  json groups = json::array();
  for (const auto& g : result.groups) {
    json members = json::array();
    for (const auto& m : g) members.push_back({{"id", m.hash.hex()}, {"distance", m.distance}});
    groups.push_back({{"size", g.size()}, {"members", members}});
  }
  return groups;
}

TEST_F(CompareViewsTest, DupsAreTheGroupsOfLdbDups) {
  app::DupsResult expected;
  {
    auto found = app::find_dups(*m_session, {app::Selector{{"ds:root"}, {}}, std::nullopt, std::nullopt});
    ASSERT_OK(found);
    expected = std::move(*found);
  }
  ASSERT_EQ(expected.groups.size(), 2u);
  // The server asks without paths (a store lookup of every member): the same groups.
  auto bare = app::find_dups(*m_session,
                             {app::Selector{{"ds:root"}, {}}, std::nullopt, std::nullopt, app::DupsRequest::Paths::no});
  ASSERT_OK(bare);
  EXPECT_EQ(expected_groups(*bare), expected_groups(expected));
  EXPECT_EQ(bare->groups[0][0].path, "");
  EXPECT_NE(expected.groups[0][0].path, "");
  auto answer = get_json("/api/dups");
  EXPECT_EQ(answer["threshold"], app::default_dup_threshold());
  EXPECT_EQ(answer["objects"], 5);
  EXPECT_EQ(answer["without_hash"], 0);
  EXPECT_EQ(answer["group_count"], 2);
  EXPECT_EQ(answer["member_count"], 4);
  EXPECT_EQ(answer["offset"], 0);
  EXPECT_EQ(answer["groups"], expected_groups(expected));
  // Each group is a photo and its copy, the same pixels: distance 0.
  for (const auto& g : answer["groups"]) {
    std::vector<std::string> ids = {g["members"][0]["id"], g["members"][1]["id"]};
    std::sort(ids.begin(), ids.end());
    auto dog = std::vector{id_of("dog"), id_of("dog_copy")};
    auto kite = std::vector{id_of("kite"), id_of("kite_copy")};
    std::sort(dog.begin(), dog.end());
    std::sort(kite.begin(), kite.end());
    EXPECT_TRUE(ids == dog || ids == kite) << g;
    EXPECT_EQ(g["members"][1]["distance"], 0);
  }
  // A page of groups; the totals stay.
  auto page = get_json("/api/dups?offset=1&limit=1");
  EXPECT_EQ(page["group_count"], 2);
  EXPECT_EQ(page["groups"], json::array({expected_groups(expected)[1]}));
  EXPECT_EQ(get_json("/api/dups?offset=5")["groups"], json::array());
  // The threshold and the grid's filters go to find_dups as given.
  auto zero = app::find_dups(*m_session, {app::Selector{{"ds:root"}, {}}, std::nullopt, "0"});
  ASSERT_OK(zero);
  auto at_zero = get_json("/api/dups?threshold=0");
  EXPECT_EQ(at_zero["threshold"], 0);
  EXPECT_EQ(at_zero["groups"], expected_groups(*zero));
  auto dogs = get_json("/api/dups?query=class%20%3D%3D%20%27dog%27%20%7C%7C%20class%20%3D%3D%20%27dog_copy%27");
  EXPECT_EQ(dogs["objects"], 2);
  EXPECT_EQ(dogs["group_count"], 1);
  // ids= narrows the selection: one of each pair, no group.
  auto narrowed = get_json(fmt::format("/api/dups?ids={},{}", id_of("dog"), id_of("kite")));
  EXPECT_EQ(narrowed["objects"], 2);
  EXPECT_EQ(narrowed["group_count"], 0);
  EXPECT_EQ(get_json(fmt::format("/api/dups?ids={}&objects=id:{}", id_of("dog"), id_of("kite")))["objects"], 0);
}

TEST_F(CompareViewsTest, DupsErrorsAreOneClearLine) {
  auto bad = get_json("/api/dups?threshold=many", 400);
  EXPECT_NE(bad["error"]["message"].get<std::string>().find("'many'"), std::string::npos);
  EXPECT_FALSE(bad["error"]["hint"].get<std::string>().empty());
  EXPECT_EQ(get_json("/api/dups?limit=100000", 400)["error"]["code"], "invalid_argument");
  EXPECT_EQ(get_json("/api/dups?objects=/etc", 400)["error"]["hint"], "select by ds:NAME[.vN], ds:root, id:HASH or ws: (the workspace's staged dataset)");
  EXPECT_EQ(get_json("/api/dups?query=%5B", 400)["error"]["column"], 2);
}

TEST_F(CompareViewsTest, TheGridTakesIdsAndTheDedupFlag) {
  // ids=: the selection narrowed to those objects (the group a view shows).
  auto group = get_json(fmt::format("/api/objects?ids={},id:{}", id_of("dog"), id_of("dog_copy")));
  auto expected = std::vector{id_of("dog"), id_of("dog_copy")};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(group["count"], 2);
  EXPECT_EQ(ids_of(group["ids"]), expected);
  EXPECT_EQ(get_json(fmt::format("/api/count?ids={}&query=class%20%3D%3D%20%27kite%27", id_of("dog")))["count"], 0);
  auto bad = get_json("/api/count?ids=../../etc/passwd", 400);
  EXPECT_NE(bad["error"]["message"].get<std::string>().find("not an object id"), std::string::npos);
  std::string many = "/api/count?ids=" + id_of("dog");
  for (int i = 0; i < 200; ++i) many += fmt::format(",{:032x}", i);
  EXPECT_NE(get_json(many, 400)["error"]["message"].get<std::string>().find("more than 200"), std::string::npos);
  // dedup (a flag: any value sets it) keeps the first of each group, as ldb list --dedup.
  auto kept = app::select_refs(*m_session, {app::Selector{{"ds:root"}, {{"dedup", "", {}}}}, std::nullopt, false});
  ASSERT_OK(kept);
  ASSERT_EQ(kept->size(), 3u);
  std::vector<std::string> kept_ids;
  for (const auto& r : *kept) kept_ids.push_back(r.hash.hex());
  EXPECT_EQ(ids_of(get_json("/api/objects?dedup=1")["ids"]), kept_ids);
  EXPECT_EQ(get_json("/api/count?dedup=")["count"], 3);
}

TEST_F(CompareViewsTest, DiffIsWhatLdbDiffFinds) {
  commit_two_versions();
  auto expected = app::diff(*m_session, {{"ds:pets.v1", "ds:pets.v2"}, std::nullopt, false});
  ASSERT_OK(expected);
  ASSERT_EQ(expected->added.size(), 1u);
  ASSERT_EQ(expected->deleted.size(), 1u);
  ASSERT_EQ(expected->modified.size(), 1u);
  auto answer = get_json("/api/diff?a=ds:pets.v1&b=ds:pets.v2");
  EXPECT_EQ(answer["a"], "ds:pets.v1");
  EXPECT_EQ(answer["b"], "ds:pets.v2");
  EXPECT_EQ(answer["added"]["count"], 1);
  EXPECT_EQ(ids_of(answer["added"]["ids"]), std::vector{id_of("kite_copy")});
  EXPECT_EQ(answer["removed"]["count"], 1);
  EXPECT_EQ(ids_of(answer["removed"]["ids"]), std::vector{id_of("kite")});
  EXPECT_EQ(answer["changed"]["count"], 1);
  EXPECT_EQ(ids_of(answer["changed"]["ids"]), std::vector{id_of("dog")});
  EXPECT_EQ(answer["changed"]["versions"], json::array({json::array({1, 2})}));
  EXPECT_EQ(answer["transforms_changed"], 0);
  // dataset=ds:NAME alone: its latest version against the one before.
  auto latest = get_json("/api/diff?dataset=ds:pets");
  EXPECT_EQ(latest["a"], "ds:pets.v1");
  EXPECT_EQ(latest["b"], "ds:pets.v2");
  EXPECT_EQ(latest["changed"], answer["changed"]);
  // One section, a page of it.
  auto added = get_json("/api/diff?a=ds:pets.v1&b=ds:pets.v2&section=added&offset=1");
  EXPECT_EQ(added["added"]["count"], 1);
  EXPECT_EQ(added["added"]["ids"], json::array());
  EXPECT_FALSE(added.contains("removed"));
  // Backwards: added and removed swap.
  auto back = get_json("/api/diff?a=ds:pets.v2&b=ds:pets.v1");
  EXPECT_EQ(back["added"]["ids"], answer["removed"]["ids"]);
  EXPECT_EQ(back["changed"]["versions"], json::array({json::array({2, 1})}));
}

TEST_F(CompareViewsTest, DiffAgainstTheWorkspace) {
  commit_two_versions();
  app::DelRequest del;
  del.selector.objects = {"id:" + id_of("chelsea")};
  ASSERT_OK(app::del(*m_session, del));
  // No sides: the staged dataset against the version it was staged from.
  auto staged = get_json("/api/diff");
  EXPECT_EQ(staged["a"], "");
  EXPECT_EQ(staged["b"], "workspace");
  EXPECT_EQ(staged["removed"]["count"], 1);
  EXPECT_EQ(ids_of(staged["removed"]["ids"]), std::vector{id_of("chelsea")});
  EXPECT_EQ(staged["added"]["count"], 0);
  auto expected = app::diff(*m_session, {{"ds:pets.v1"}, std::nullopt, false});
  ASSERT_OK(expected);
  auto from_v1 = get_json("/api/diff?a=ds:pets.v1&b=workspace");
  EXPECT_EQ(from_v1["added"]["count"], expected->added.size());
  EXPECT_EQ(from_v1["removed"]["count"], expected->deleted.size());
  EXPECT_EQ(from_v1["removed"]["count"], 2);
  EXPECT_EQ(from_v1["changed"]["count"], expected->modified.size());
}

TEST_F(CompareViewsTest, DiffNamesOnlyDatasetsAndTheWorkspace) {
  commit_two_versions();
  for (const char* query :
       {"a=/etc&b=ds:pets.v2", "a=ds:pets.v1&b=..%2F..%2Fetc", "a=id:00&b=ds:pets", "dataset=data/dog.jpg"}) {
    auto error = get_json(fmt::format("/api/diff?{}", query), 400);
    EXPECT_NE(error["error"]["message"].get<std::string>().find("does not compare"), std::string::npos) << query;
  }
  EXPECT_EQ(get_json("/api/diff?b=ds:pets.v2", 400)["error"]["code"], "invalid_argument");
  EXPECT_EQ(get_json("/api/diff?a=workspace&b=ds:pets.v2", 400)["error"]["code"], "invalid_argument");
  EXPECT_EQ(get_json("/api/diff?a=ds:pets.v1&b=ds:pets.v2&section=moved", 400)["error"]["code"], "invalid_argument");
  EXPECT_EQ(get_json("/api/diff?a=ds:nope.v1&b=ds:pets.v2", 404)["error"]["code"], "not_found");
  // One version: nothing to compare, and the hint says what to do.
  const std::string ws2 = (m_dir.path() / "ws2").string();
  ASSERT_OK(app::stage(*m_session, {"ds:single", ws2, false}));
  app::AddRequest add;
  add.selector.objects = {"id:" + id_of("chelsea")};
  add.target = ws2;
  ASSERT_OK(app::add(*m_session, add));
  ASSERT_OK(app::commit(*m_session, {ws2, "v1", std::nullopt, app::Resolution::none}));
  auto single = get_json("/api/diff?dataset=ds:single", 400);
  EXPECT_EQ(single["error"]["message"], "ds:single.v1 is the first version: none before it to compare with");
  EXPECT_EQ(single["error"]["hint"],
            "commit another version, or compare it with the workspace: a=ds:single.v1&b=workspace");
  EXPECT_EQ(get_json("/api/diff?dataset=ds:pets.v1", 400)["error"]["message"],
            "ds:pets.v1 is the first version: none before it to compare with");
  EXPECT_EQ(get_json("/api/diff?dataset=ds:pets.v2")["a"], "ds:pets.v1");
}

}  // namespace
}  // namespace ldb::server
