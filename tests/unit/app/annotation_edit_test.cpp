// Editing a staged object's boxes through src/app, as the web UI does: a new
// annotation version is recorded (the old one kept), the workspace stages it,
// a commit saves it; a bad edit writes nothing.

#include "app/annotation_edit.hpp"

#include <gtest/gtest.h>

#include "app/browse.hpp"
#include "app/index.hpp"
#include "app/inspect.hpp"
#include "app/instance.hpp"
#include "app/members.hpp"
#include "app/storage.hpp"
#include "app/workspace.hpp"
#include "core/hash.hpp"
#include "test_support.hpp"

namespace ldb::app {
namespace {

using ldb::testing::TempDir;

constexpr std::string_view k_two_boxes =
    R"({"image": {"width": 100, "height": 80}, "objects": [)"
    R"({"bbox": [1, 2, 30, 40], "category": "cat", "category_id": 3, "score": 0.5},)"
    R"({"bbox": [50, 10, 20, 20], "category": "dog", "category_id": 7}]})";

class AnnotationEditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_context.env.set("HOME", (m_dir.path() / "home").string());
    m_context.env.set("LDB_DIR", (m_dir.path() / "instance").string());
    m_context.env.set("LDB_CACHE_DIR", "none");
    m_context.env.set("LDB_AUTHOR", "edit-test");
    m_context.cwd = m_dir.path();
    m_dir.write("data/a.png", "bytes of a");
    m_dir.write("data/a.json", k_two_boxes);
    m_dir.write("data/b.png", "bytes of b");
    m_dir.write("data/b.json", R"({"class": "cat"})");
    m_dir.write("data/c.png", "bytes of c");
    m_dir.write("data/c.json", R"({"image": {"width": 10, "height": 8}, "objects": []})");
    ASSERT_OK(init_instance(m_context, "instance", false, false));
    m_session = std::make_unique<Session>(m_context);
    ASSERT_OK(add_storage(*m_session, {"data", std::nullopt, {}, false}));
    ASSERT_OK(index(*m_session, {{"data"}, {}}));
    ASSERT_OK(stage(*m_session, {"ds:boxes", std::string("ws"), false}));
    ASSERT_OK(add(*m_session, {Selector{{"ds:root"}, {}}, std::string("ws"), {}, {}}));
    ASSERT_OK(commit(*m_session, {std::string("ws"), "first", {}, Resolution::none}));
  }

  core::Md5 id(std::string_view data) { return core::md5_of(data); }

  EditAnnotationRequest request(std::string_view data, std::vector<BoxEdit> edits) {
    return EditAnnotationRequest{id(data), std::nullopt, std::move(edits), std::string("ws")};
  }

  // The annotation and version the workspace's member holds.
  std::pair<std::uint32_t, std::string> staged(std::string_view data) {
    auto s = staged_annotation(*m_session, id(data), std::string("ws"));
    EXPECT_TRUE(s.has_value());
    return s ? std::pair{s->version, s->annotation} : std::pair<std::uint32_t, std::string>{};
  }

  TempDir m_dir;
  Context m_context;
  std::unique_ptr<Session> m_session;
};

TEST_F(AnnotationEditTest, AnEditIsANewVersionThatTheWorkspaceStagesAndACommitSaves) {
  auto [before_version, before] = staged("bytes of a");
  EXPECT_EQ(before_version, 1u);
  auto edited = edit_annotation(
      *m_session, request("bytes of a", {{0, BoxAction::set_category, "dog"}, {1, BoxAction::remove, ""}}));
  ASSERT_OK(edited);
  EXPECT_TRUE(edited->changed);
  EXPECT_EQ(edited->dataset, "boxes");
  EXPECT_EQ(edited->previous_version, 1u);
  EXPECT_EQ(edited->version, 2u);
  // Box 0 is a dog now, with the dog's category_id; its other keys stay; box 1 is gone.
  EXPECT_EQ(edited->annotation,
            R"({"image":{"height":80,"width":100},"objects":[{"bbox":[1,2,30,40],"category":"dog","category_id":7,)"
            R"("score":0.5}]})");

  // Both versions are kept; the new one is current.
  auto details = show(*m_session, "id:" + id("bytes of a").hex());
  ASSERT_OK(details);
  ASSERT_EQ(details->versions.size(), 2u);
  EXPECT_EQ(details->current_version, 2u);
  const ObjectRef old_ref{id("bytes of a"), 1};
  auto old_member = members(*m_session, {Selector{{"ds:boxes.v1"}, {}}, std::nullopt, false});
  ASSERT_OK(old_member);
  auto it = std::find_if(old_member->begin(), old_member->end(), [&](const Member& m) { return m.ref == old_ref; });
  ASSERT_NE(it, old_member->end());
  EXPECT_EQ(it->annotation, before);

  // The workspace stages the new version: status shows one modified member.
  EXPECT_EQ(staged("bytes of a"), std::pair(2u, edited->annotation));
  auto status = workspace_status(*m_session, std::string("ws"));
  ASSERT_OK(status);
  EXPECT_EQ(status->modified, 1u);

  // A commit records it; the committed version's member reads the new annotation.
  auto committed = commit(*m_session, {std::string("ws"), "relabel", {}, Resolution::none});
  ASSERT_OK(committed);
  EXPECT_TRUE(committed->committed);
  EXPECT_EQ(committed->version.version, 2u);
  auto v2 = members(*m_session, {Selector{{"ds:boxes.v2"}, {}}, std::nullopt, false});
  ASSERT_OK(v2);
  const ObjectRef new_ref{id("bytes of a"), 2};
  it = std::find_if(v2->begin(), v2->end(), [&](const Member& m) { return m.ref == new_ref; });
  ASSERT_NE(it, v2->end());
  EXPECT_EQ(it->annotation, edited->annotation);
}

TEST_F(AnnotationEditTest, AnEditThatChangesNothingWritesNothing) {
  auto edited = edit_annotation(*m_session, request("bytes of a", {{1, BoxAction::set_category, "dog"}}));
  ASSERT_OK(edited);
  EXPECT_FALSE(edited->changed);
  EXPECT_EQ(edited->version, 1u);
  auto details = show(*m_session, "id:" + id("bytes of a").hex());
  ASSERT_OK(details);
  EXPECT_EQ(details->versions.size(), 1u);
}

TEST_F(AnnotationEditTest, BadEditsFailWithNothingWritten) {
  auto expect_refused = [&](EditAnnotationRequest r, ErrorCode code, std::string_view message_part) {
    auto edited = edit_annotation(*m_session, r);
    ASSERT_FALSE(edited) << "expected an error containing: " << message_part;
    EXPECT_EQ(edited.error().code, code) << edited.error().message;
    EXPECT_NE(edited.error().message.find(message_part), std::string::npos) << edited.error().message;
    EXPECT_FALSE(edited.error().hint.empty());
  };
  expect_refused(request("bytes of a", {{2, BoxAction::remove, ""}}), ErrorCode::invalid_argument, "has no box 2");
  expect_refused(request("bytes of a", {}), ErrorCode::invalid_argument, "no change");
  expect_refused(request("bytes of a", {{0, BoxAction::set_category, ""}}), ErrorCode::invalid_argument, "empty");
  expect_refused(request("bytes of b", {{0, BoxAction::set_category, "dog"}}), ErrorCode::invalid_argument,
                 "not in the detection shape");
  expect_refused(request("bytes of c", {{0, BoxAction::remove, ""}}), ErrorCode::invalid_argument, "has no box 0");
  auto stale = request("bytes of a", {{0, BoxAction::remove, ""}});
  stale.version = 5;
  expect_refused(stale, ErrorCode::conflict, "the edit was made on version 5");
  ASSERT_OK(del(*m_session, {Selector{{"id:" + id("bytes of a").hex()}, {}}, std::string("ws")}));
  expect_refused(request("bytes of a", {{0, BoxAction::remove, ""}}), ErrorCode::not_found, "is not staged");
  auto outside = request("bytes of a", {{0, BoxAction::remove, ""}});
  outside.target = "data";
  auto no_ws = edit_annotation(*m_session, outside);
  ASSERT_FALSE(no_ws);
  EXPECT_EQ(no_ws.error().code, ErrorCode::not_found);

  // Nothing was recorded: each object still has its one version.
  for (std::string_view data : {"bytes of a", "bytes of b", "bytes of c"}) {
    auto details = show(*m_session, "id:" + id(data).hex());
    ASSERT_OK(details);
    EXPECT_EQ(details->versions.size(), 1u) << data;
  }
  auto status = workspace_status(*m_session, std::string("ws"));
  ASSERT_OK(status);
  EXPECT_EQ(status->modified, 0u);
}

TEST_F(AnnotationEditTest, FindWorkspaceLooksFromTheContextsFolderUp) {
  EXPECT_FALSE(workspace_root(m_context));
  auto none = find_workspace(*m_session);
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  Context inside = m_context;
  inside.cwd = m_dir.path() / "ws";
  Session session(inside);
  EXPECT_EQ(workspace_root(inside), m_dir.path() / "ws");
  auto found = find_workspace(session);
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->dataset, "boxes");
  EXPECT_EQ((*found)->objects, 3u);
  EXPECT_EQ((*found)->version, 1u);
  // Without a target, the edit finds the workspace from the Context's folder too.
  auto edited = edit_annotation(session, {id("bytes of a"), 1u, {{1, BoxAction::remove, ""}}, std::nullopt});
  ASSERT_OK(edited);
  EXPECT_EQ(edited->version, 2u);
}

}  // namespace
}  // namespace ldb::app
