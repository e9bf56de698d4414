// app::members(): what the Python module's select() and dataset() return —
// every member with its paths, size and pinned annotation, in selection order.

#include "app/members.hpp"

#include <gtest/gtest.h>

#include "app/index.hpp"
#include "app/instance.hpp"
#include "app/storage.hpp"
#include "app/workspace.hpp"
#include "core/hash.hpp"
#include "test_support.hpp"

namespace ldb::app {
namespace {

using ldb::testing::TempDir;

class MembersTest : public ::testing::Test {
 protected:
  MembersTest() {
    m_context.env.set("HOME", (m_dir.path() / "home").string());
    m_context.env.set("LDB_DIR", (m_dir.path() / "instance").string());
    m_context.env.set("LDB_CACHE_DIR", "none");
    m_context.cwd = m_dir.path();
    m_dir.write("data/a.png", "bytes of a");
    m_dir.write("data/a.json", R"({"n": 1, "class": "cat"})");
    m_dir.write("data/b.png", "bytes of b");
    m_dir.write("data/b.json", R"({"class": "dog", "n": 2})");
    m_dir.write("data/copy/a.png", "bytes of a");  // a second path of a
    m_dir.write("data/copy/a.json", R"({"n": 1, "class": "cat"})");
    m_dir.write("data/c.png", "bytes of c, no annotation");
  }

  void index_data(Session& session, std::optional<std::string> format = "bare-pairs") {
    IndexSettings settings;
    settings.format = std::move(format);
    ASSERT_OK(index(session, {{"data"}, settings}));
  }

  static std::string hash_of(std::string_view bytes) { return core::md5_of(bytes).hex(); }

  TempDir m_dir;
  Context m_context;
};

const Member* find(const std::vector<Member>& members, const std::string& hex) {
  for (const auto& m : members) {
    if (m.ref.hash.hex() == hex) return &m;
  }
  return nullptr;
}

TEST_F(MembersTest, PathsSizesAndCanonicalAnnotations) {
  ASSERT_OK(init_instance(m_context, "instance", false, false));
  Session session(m_context);
  ASSERT_OK(add_storage(session, {"data", std::nullopt, {}, false}));
  index_data(session);
  auto all = members(session, {Selector{{"ds:root"}, {}}, {}, true});
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 3u);
  const auto* a = find(*all, hash_of("bytes of a"));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->ref.annotation_version, 1u);
  EXPECT_EQ(a->size, std::string_view("bytes of a").size());
  EXPECT_EQ(a->paths, (std::vector<std::string>{(m_dir.path() / "data/a.png").string(),
                                                (m_dir.path() / "data/copy/a.png").string()}));
  EXPECT_EQ(a->annotation, R"({"class":"cat","n":1})");
  const auto* c = find(*all, hash_of("bytes of c, no annotation"));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->ref.annotation_version, 0u);
  EXPECT_EQ(c->annotation, "");
}

TEST_F(MembersTest, FiltersKeepTheirOrder) {
  ASSERT_OK(init_instance(m_context, "instance", false, false));
  Session session(m_context);
  ASSERT_OK(add_storage(session, {"data", std::nullopt, {}, false}));
  index_data(session);
  Selector sorted{{"ds:root"}, {Filter{"sort-desc", "n", {}}, Filter{"limit", "1", {}}}};
  auto top = members(session, {sorted, {}, true});
  ASSERT_OK(top);
  ASSERT_EQ(top->size(), 1u);
  EXPECT_EQ(top->front().ref.hash.hex(), hash_of("bytes of b"));
  EXPECT_EQ(top->front().annotation, R"({"class":"dog","n":2})");
}

TEST_F(MembersTest, ADatasetVersionKeepsItsPinnedAnnotation) {
  ASSERT_OK(init_instance(m_context, "instance", false, false));
  Session session(m_context);
  ASSERT_OK(add_storage(session, {"data", std::nullopt, {}, false}));
  index_data(session);
  ASSERT_OK(stage(session, {"ds:pets", std::string("ws"), false}));
  ASSERT_OK(add(session, {Selector{{"ds:root"}, {Filter{"query", "class == 'dog'", {}}}}, std::string("ws"), {}, {}}));
  ASSERT_OK(commit(session, {std::string("ws"), "the dog", {}, Resolution::none}));
  // The dog's annotation changes: the index moves on, ds:pets.v1 does not.
  m_dir.write("data/b.json", R"({"class": "wolf", "n": 2})");
  index_data(session);
  auto v1 = members(session, {Selector{{"ds:pets.v1"}, {}}, {}, true});
  ASSERT_OK(v1);
  ASSERT_EQ(v1->size(), 1u);
  EXPECT_EQ(v1->front().ref.annotation_version, 1u);
  EXPECT_EQ(v1->front().annotation, R"({"class":"dog","n":2})");
  auto now = members(session, {Selector{{"ds:root"}, {Filter{"query", "class == 'wolf'", {}}}}, {}, true});
  ASSERT_OK(now);
  ASSERT_EQ(now->size(), 1u);
  EXPECT_EQ(now->front().ref.annotation_version, 2u);
  // No objects: the staged dataset of the workspace, as ldb list.
  auto staged = members(session, {Selector{}, std::string("ws"), true});
  ASSERT_OK(staged);
  EXPECT_EQ(staged->size(), 1u);
}

TEST_F(MembersTest, AnUnknownDatasetIsNotFound) {
  ASSERT_OK(init_instance(m_context, "instance", false, false));
  Session session(m_context);
  auto none = members(session, {Selector{{"ds:nope"}, {}}, {}, true});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::not_found);
  EXPECT_NE(none.error().message.find("nope"), std::string::npos);
  EXPECT_FALSE(none.error().hint.empty());
}

TEST_F(MembersTest, OpenInstanceReportsAMissingOne) {
  m_context.env.unset("LDB_DIR");
  Session missing(m_context);
  auto dir = open_instance(missing);
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().code, ErrorCode::not_found);
  m_context.env.set("LDB_DIR", (m_dir.path() / "instance").string());
  ASSERT_OK(init_instance(m_context, "instance", false, false));
  Session session(m_context);
  auto opened = open_instance(session);
  ASSERT_OK(opened);
  EXPECT_EQ(*opened, m_dir.path() / "instance");
}

}  // namespace
}  // namespace ldb::app
