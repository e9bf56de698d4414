// Transform sets in the dataset layer: editing and pruning them
// (src/dataset/transform_sets.cpp), the workspace file carrying them
// (workspace.cpp), the transform-aware diff (collection_ops.cpp) and
// stage/commit/uncommitted_changes recording them (operations.cpp).

#include "dataset/transform_sets.hpp"

#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "dataset/collection_ops.hpp"
#include "dataset/operations.hpp"
#include "dataset_fixture.hpp"
#include "storage/file_system.hpp"

namespace ldb::dataset {
namespace {

using testing::DatasetFixture;
using testing::TempDir;

const std::string k_rotate = R"(["rotate","90"])";
const std::string k_blur = R"(["blur"])";
const std::string k_self(store::k_self_transform);

core::Md5 h(std::string_view s) { return core::md5_of(s); }

store::Collection members_abc() { return normalize({{h("a"), 1}, {h("b"), 0}, {h("c"), 2}}); }

TEST(TransformSetsTest, PruneDropsStrangersAndDefaultSets) {
  auto members = members_abc();
  store::TransformAssignments transforms{{h("zz"), {k_rotate}}};
  for (const auto& m : members)
    transforms.push_back({m.hash, m.hash == h("b") ? store::TransformSet{k_self} : store::TransformSet{k_rotate}});
  std::sort(transforms.begin(), transforms.end(), [](const auto& x, const auto& y) { return x.hash < y.hash; });
  auto pruned = prune_transforms(members, transforms);
  ASSERT_EQ(pruned.size(), 2u);
  for (const auto& entry : pruned) {
    EXPECT_NE(entry.hash, h("b"));
    EXPECT_NE(entry.hash, h("zz"));
  }
}

TEST(TransformSetsTest, SetOfAnUnassignedMemberIsSelf) {
  EXPECT_EQ(transform_set_of({}, h("a")), store::TransformSet{k_self});
  store::TransformAssignments transforms{{h("a"), {k_blur, k_rotate}}};
  EXPECT_EQ(transform_set_of(transforms, h("a")), (store::TransformSet{k_blur, k_rotate}));
}

TEST(TransformSetsTest, AddRemoveAndSet) {
  auto members = members_abc();
  store::Collection a_only{{h("a"), 1}};
  auto added = edit_transforms(members, {}, a_only, TransformEdit::add, {k_rotate});
  ASSERT_OK(added);
  EXPECT_EQ(added->changed, 1u);
  ASSERT_EQ(added->transforms.size(), 1u);
  EXPECT_EQ(added->transforms[0].transforms, (store::TransformSet{k_rotate, k_self}));

  // Adding again changes nothing.
  auto again = edit_transforms(members, added->transforms, a_only, TransformEdit::add, {k_rotate});
  ASSERT_OK(again);
  EXPECT_EQ(again->changed, 0u);

  auto removed = edit_transforms(members, added->transforms, a_only, TransformEdit::remove, {k_self});
  ASSERT_OK(removed);
  EXPECT_EQ(removed->transforms[0].transforms, store::TransformSet{k_rotate});

  // Setting {self} back returns to the default: nothing is recorded.
  auto reset = edit_transforms(members, removed->transforms, members, TransformEdit::set, {k_self});
  ASSERT_OK(reset);
  EXPECT_TRUE(reset->transforms.empty());
  EXPECT_EQ(reset->changed, 1u);
}

TEST(TransformSetsTest, RemovingTheLastTransformIsRefused) {
  auto members = members_abc();
  store::Collection a_only{{h("a"), 1}};
  auto result = edit_transforms(members, {}, a_only, TransformEdit::remove, {k_self});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(result.error().message.find(h("a").hex()), std::string::npos);
  EXPECT_NE(result.error().hint.find("-s self"), std::string::npos);
}

TEST(TransformSetsTest, ObjectsOutsideTheDatasetAreRefused) {
  auto result = edit_transforms(members_abc(), {}, {{h("stranger"), 0}}, TransformEdit::add, {k_rotate});
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message.find("not in the staged dataset"), std::string::npos);
}

TEST(TransformSetsTest, DiffListsChangedTransformSets) {
  auto members = members_abc();
  store::TransformAssignments before{{h("a"), {k_rotate}}};
  store::TransformAssignments after{{h("a"), {k_blur}}};
  auto d = diff(members, members, before, after);
  EXPECT_EQ(d.size(), 1u);
  ASSERT_EQ(d.retransformed.size(), 1u);
  EXPECT_EQ(d.retransformed[0].ref.hash, h("a"));
  EXPECT_EQ(d.retransformed[0].from, store::TransformSet{k_rotate});
  EXPECT_EQ(d.retransformed[0].to, store::TransformSet{k_blur});
  // Back to {self} is a change too; unchanged sets are not.
  EXPECT_EQ(diff(members, members, before, {}).retransformed.size(), 1u);
  EXPECT_EQ(diff(members, members, before, before).size(), 0u);
  // The plain diff ignores transforms.
  EXPECT_EQ(diff(members, members).size(), 0u);
}

// --- the workspace file ---------------------------------------------------

class WorkspaceTransformsTest : public ::testing::Test {
 protected:
  std::filesystem::path root() const { return m_dir.path() / "ws"; }
  std::filesystem::path staged() const { return root() / k_workspace_dir / "staged"; }
  TempDir m_dir;
};

TEST_F(WorkspaceTransformsTest, TransformSetsRoundTrip) {
  WorkspaceState state;
  state.dataset_name = "cats";
  state.members = members_abc();
  state.transforms = {{h("a"), {k_rotate, k_self}}};
  std::sort(state.transforms.begin(), state.transforms.end(),
            [](const auto& x, const auto& y) { return x.hash < y.hash; });
  ASSERT_OK(Workspace::create(root(), state));
  auto opened = Workspace::open(root());
  ASSERT_OK(opened);
  EXPECT_EQ(opened->state().transforms, state.transforms);
  EXPECT_EQ(opened->state().members, state.members);
  auto bytes = storage::read_local_file(staged());
  ASSERT_OK(bytes);
  auto header = nlohmann::json::parse(bytes->substr(0, bytes->find('\n')));
  EXPECT_EQ(header["format"], 2);
}

TEST_F(WorkspaceTransformsTest, PlainWorkspacesKeepTheFirstFormat) {
  WorkspaceState state;
  state.dataset_name = "cats";
  state.members = members_abc();
  // Sets of objects that left the dataset, or equal to {self}, are not written.
  state.transforms = {{h("gone"), {k_rotate}}};
  ASSERT_OK(Workspace::create(root(), state));
  auto bytes = storage::read_local_file(staged());
  ASSERT_OK(bytes);
  auto header = nlohmann::json::parse(bytes->substr(0, bytes->find('\n')));
  EXPECT_EQ(header["format"], 1);
  EXPECT_FALSE(header.contains("transforms"));
  auto opened = Workspace::open(root());
  ASSERT_OK(opened);
  EXPECT_TRUE(opened->state().transforms.empty());
}

TEST_F(WorkspaceTransformsTest, FilesWrittenBeforeTransformsStillOpen) {
  // The staged file as ldb wrote it before transform sets existed.
  auto members = members_abc();
  std::string old = R"({"dataset":"cats","format":1,"instance":"/i","parent_version":2})";
  old.push_back('\n');
  old += store::serialize_collection(members);
  std::filesystem::create_directories(staged().parent_path());
  ASSERT_OK(storage::write_file_atomic(staged(), old));
  auto opened = Workspace::open(root());
  ASSERT_OK(opened);
  EXPECT_EQ(opened->state().members, members);
  EXPECT_TRUE(opened->state().transforms.empty());
  EXPECT_EQ(opened->state().parent_version, 2u);
}

TEST_F(WorkspaceTransformsTest, BadTransformEntriesAreCorruption) {
  std::string bad =
      R"({"dataset":"cats","format":2,"instance":"/i","parent_version":0,"transforms":{"nothex":["self"]}})";
  bad.push_back('\n');
  std::filesystem::create_directories(staged().parent_path());
  ASSERT_OK(storage::write_file_atomic(staged(), bad));
  auto opened = Workspace::open(root());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::corruption);
  EXPECT_NE(opened.error().message.find("nothex"), std::string::npos);
}

// --- stage, commit, uncommitted changes -------------------------------------

class TransformOperationsTest : public DatasetFixture {
 protected:
  void SetUp() override {
    ctx().author = "tester";
    m_a = write_pair("t/a", "object a", R"({"n":1})");
    m_b = write_pair("t/b", "object b", R"({"n":2})");
    index({"t"});
  }
  Workspace staged(std::string_view ref) {
    return stage(ctx(), m_ws, parse_dataset_ref(ref).value(), Force::yes).value();
  }
  std::filesystem::path m_ws = m_dir.path() / "ws";
  core::Md5 m_a, m_b;
};

TEST_F(TransformOperationsTest, ChangingOnlyTransformsIsAChangeAndCommits) {
  auto ws = staged("ds:cats");
  ws.state().members = normalize({{m_a, 1}, {m_b, 1}});
  ASSERT_OK(commit(ctx(), ws, "plain", std::nullopt));
  auto clean = uncommitted_changes(ctx(), ws);
  ASSERT_OK(clean);
  EXPECT_EQ(clean->size(), 0u);

  auto edited = edit_transforms(ws.state().members, ws.state().transforms, {{m_a, 1}}, TransformEdit::add, {k_rotate});
  ASSERT_OK(edited);
  ws.state().transforms = edited->transforms;
  ASSERT_OK(ws.save());
  auto changes = uncommitted_changes(ctx(), ws);
  ASSERT_OK(changes);
  EXPECT_EQ(changes->retransformed.size(), 1u);

  auto outcome = commit(ctx(), ws, "rotated", std::nullopt);
  ASSERT_OK(outcome);
  EXPECT_TRUE(outcome->committed);
  EXPECT_EQ(outcome->version.version, 2u);
  auto saved = dataset_transforms(ctx(), {"cats", 2});
  ASSERT_OK(saved);
  ASSERT_EQ(saved->size(), 1u);
  EXPECT_EQ((*saved)[0].transforms, (store::TransformSet{k_rotate, k_self}));

  // Committing again is nothing to commit.
  auto again = commit(ctx(), ws, "again", std::nullopt);
  ASSERT_OK(again);
  EXPECT_FALSE(again->committed);
}

TEST_F(TransformOperationsTest, StagingAVersionBringsItsTransforms) {
  store::Collection members = normalize({{m_a, 1}, {m_b, 1}});
  store::TransformAssignments transforms{{m_b, {k_blur}}};
  ASSERT_OK(db().commit_dataset_with_transforms("cats", members, transforms, 0, "m", "someone"));
  ASSERT_OK(db().commit_dataset("cats", members, 1, "plain", "someone"));
  auto ws = staged("ds:cats.v1");
  EXPECT_EQ(ws.state().transforms, transforms);
  auto reopened = Workspace::open(m_ws);
  ASSERT_OK(reopened);
  EXPECT_EQ(reopened->state().transforms, transforms);
  // From the sources: ds:cats.v1 and ws: give the set, ds:cats (v2) none.
  std::vector<std::string> v1{"ds:cats.v1"};
  auto from_ds = transforms_of_sources(ctx(), v1);
  ASSERT_OK(from_ds);
  EXPECT_EQ(*from_ds, transforms);
  std::vector<std::string> latest{"ds:cats", "ds:root"};
  auto none = transforms_of_sources(ctx(), latest);
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  std::vector<std::string> workspace{"ws:" + m_ws.string()};
  auto from_ws = transforms_of_sources(ctx(), workspace);
  ASSERT_OK(from_ws);
  EXPECT_EQ(*from_ws, transforms);
}

}  // namespace
}  // namespace ldb::dataset
