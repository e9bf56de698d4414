#include "dataset/operations.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dataset_fixture.hpp"
#include "storage/file_system.hpp"

namespace ldb::dataset {
namespace {

using testing::DatasetFixture;

class OperationsTest : public DatasetFixture {
 protected:
  void SetUp() override {
    ctx().author = "tester";
    m_a = write_pair("ops/a", "object a", R"({"n":1})");
    m_b = write_pair("ops/b", "object b", R"({"n":2})");
    m_c = write_pair("ops/c", "object c", R"({"n":3})");
    index({"ops"});
  }

  store::ObjectRef a() const { return {m_a, 1}; }
  store::ObjectRef b() const { return {m_b, 1}; }
  store::ObjectRef c() const { return {m_c, 1}; }

  store::DatasetVersion commit_in_store(std::string_view name, store::Collection members, std::uint32_t parent) {
    auto v = db().commit_dataset(name, normalize(std::move(members)), parent, "setup", "someone");
    EXPECT_TRUE(v.has_value()) << testing::describe(v);
    return v.value_or(store::DatasetVersion{});
  }

  Result<Workspace> stage_at(std::string_view ref_text, Force force = Force::no) {
    auto ref = parse_dataset_ref(ref_text);
    if (!ref) return std::unexpected(ref.error());
    return stage(ctx(), m_ws, *ref, force);
  }

  Workspace reopen() { return Workspace::open(m_ws).value(); }

  std::filesystem::path m_ws = m_dir.path() / "ws";
  core::Md5 m_a, m_b, m_c;
};

TEST_F(OperationsTest, StageNewDataset) {
  auto ws = stage_at("ds:fresh");
  ASSERT_OK(ws);
  EXPECT_TRUE(Workspace::exists(m_ws));
  auto saved = reopen();
  EXPECT_EQ(saved.state().dataset_name, "fresh");
  EXPECT_EQ(saved.state().parent_version, 0u);
  EXPECT_EQ(saved.state().instance, m_instance.string());
  EXPECT_TRUE(saved.state().members.empty());
}

TEST_F(OperationsTest, StagingAVersionOfANewDatasetFails) {
  auto ws = stage_at("ds:fresh.v2");
  ASSERT_FALSE(ws.has_value());
  EXPECT_EQ(ws.error().code, ErrorCode::not_found);
  EXPECT_FALSE(Workspace::exists(m_ws));
}

TEST_F(OperationsTest, StageExistingLatestAndOlderVersion) {
  commit_in_store("pets", {a()}, 0);
  commit_in_store("pets", {a(), b()}, 1);
  auto latest = stage_at("ds:pets");
  ASSERT_OK(latest);
  EXPECT_EQ(latest->state().parent_version, 2u);
  EXPECT_EQ(latest->state().members, normalize({a(), b()}));
  // The workspace is clean, so staging another version needs no force.
  auto v1 = stage_at("ds:pets.v1");
  ASSERT_OK(v1);
  EXPECT_EQ(v1->state().parent_version, 1u);
  EXPECT_EQ(v1->state().members, (store::Collection{a()}));
  EXPECT_EQ(reopen().state().parent_version, 1u);
}

TEST_F(OperationsTest, StageRefusesDirtyWorkspaceUnlessForced) {
  commit_in_store("pets", {a()}, 0);
  auto ws = stage_at("ds:pets");
  ASSERT_OK(ws);
  ws->state().members = normalize({a(), c()});
  ASSERT_OK(ws->save());

  auto refused = stage_at("ds:other");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  EXPECT_NE(refused.error().message.find("ds:pets"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find(m_ws.string()), std::string::npos);
  EXPECT_NE(refused.error().hint.find("ldb stage -f"), std::string::npos);
  EXPECT_NE(refused.error().hint.find("ldb commit"), std::string::npos);
  // Staging the same version again would also lose the change.
  EXPECT_FALSE(stage_at("ds:pets").has_value());
  EXPECT_EQ(reopen().state().members, normalize({a(), c()}));

  auto forced = stage_at("ds:other", Force::yes);
  ASSERT_OK(forced);
  EXPECT_EQ(reopen().state().dataset_name, "other");
  EXPECT_TRUE(reopen().state().members.empty());
}

TEST_F(OperationsTest, RestagingTheSameNewDatasetKeepsItsMembers) {
  auto ws = stage_at("ds:fresh");
  ASSERT_OK(ws);
  ws->state().members = normalize({a(), b()});
  ASSERT_OK(ws->save());
  auto again = stage_at("ds:fresh");
  ASSERT_OK(again);
  EXPECT_EQ(again->state().members, normalize({a(), b()}));
  // Another dataset would lose them.
  auto other = stage_at("ds:other");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::conflict);
}

TEST_F(OperationsTest, DirtyUnnamedDatasetIsNamedAsSuch) {
  WorkspaceState state;
  state.members = {a()};
  ASSERT_OK(Workspace::create(m_ws, state));
  auto refused = stage_at("ds:x");
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("an unnamed dataset"), std::string::npos);
}

TEST_F(OperationsTest, UncommittedChanges) {
  commit_in_store("pets", {a(), b()}, 0);
  auto ws = stage_at("ds:pets");
  ASSERT_OK(ws);
  auto none = uncommitted_changes(ctx(), *ws);
  ASSERT_OK(none);
  EXPECT_EQ(none->size(), 0u);

  ws->state().members = normalize({{m_b, 0}, c()});
  auto changes = uncommitted_changes(ctx(), *ws);
  ASSERT_OK(changes);
  EXPECT_EQ(changes->added, (std::vector<store::ObjectRef>{c()}));
  EXPECT_EQ(changes->deleted, (std::vector<store::ObjectRef>{a()}));
  ASSERT_EQ(changes->modified.size(), 1u);
  EXPECT_EQ(changes->modified[0].first, b());
  EXPECT_EQ(changes->modified[0].second, (store::ObjectRef{m_b, 0}));
}

TEST_F(OperationsTest, UncommittedChangesWhenTheDatasetWasDeleted) {
  commit_in_store("pets", {a(), b()}, 0);
  auto ws = stage_at("ds:pets");
  ASSERT_OK(ws);
  ASSERT_OK(db().delete_dataset("pets"));
  auto changes = uncommitted_changes(ctx(), *ws);
  ASSERT_OK(changes);
  EXPECT_EQ(changes->added.size(), 2u);
  EXPECT_TRUE(changes->deleted.empty());
}

TEST_F(OperationsTest, CommitNewDatasetThenNothingToCommit) {
  auto ws = stage_at("ds:fresh");
  ASSERT_OK(ws);
  ws->state().members = normalize({a(), b()});
  auto first = commit(ctx(), *ws, "first version", std::nullopt);
  ASSERT_OK(first);
  EXPECT_TRUE(first->committed);
  EXPECT_EQ(first->version.name, "fresh");
  EXPECT_EQ(first->version.version, 1u);
  EXPECT_EQ(first->version.parent, 0u);
  EXPECT_EQ(first->version.message, "first version");
  EXPECT_EQ(first->version.author, "tester");
  EXPECT_EQ(first->version.num_objects, 2u);
  // The workspace now tracks v1, on disk too, and is clean.
  EXPECT_EQ(ws->state().parent_version, 1u);
  auto saved = reopen();
  EXPECT_EQ(saved.state().parent_version, 1u);
  EXPECT_EQ(uncommitted_changes(ctx(), saved).value().size(), 0u);
  auto members = dataset_members(ctx(), DatasetRef{"fresh", 1});
  ASSERT_OK(members);
  EXPECT_EQ(*members, normalize({a(), b()}));

  auto again = commit(ctx(), *ws, "again", std::nullopt);
  ASSERT_OK(again);
  EXPECT_FALSE(again->committed);
  EXPECT_EQ(again->version.version, 1u);
  EXPECT_EQ(db().dataset_log("fresh").value().size(), 1u);
}

TEST_F(OperationsTest, RollbackCommitsTheOldMembersAsANewVersion) {
  auto v1 = commit_in_store("pets", {a()}, 0);
  commit_in_store("pets", {a(), b()}, 1);
  auto ws = stage_at("ds:pets.v1");
  ASSERT_OK(ws);
  auto rolled = commit(ctx(), *ws, "roll back", std::nullopt);
  ASSERT_OK(rolled);
  EXPECT_TRUE(rolled->committed);
  EXPECT_EQ(rolled->version.version, 3u);
  EXPECT_EQ(rolled->version.parent, 1u);
  EXPECT_EQ(rolled->version.collection_hash, v1.collection_hash);
  EXPECT_EQ(reopen().state().parent_version, 3u);
}

TEST_F(OperationsTest, CommitAfterSomeoneElseCommittedMergesBothAdditions) {
  commit_in_store("pets", {a()}, 0);
  auto ws = stage_at("ds:pets");
  ASSERT_OK(ws);
  commit_in_store("pets", {a(), b()}, 1);  // another user, meanwhile
  auto behind = moved_on_to(ctx(), *ws);
  ASSERT_OK(behind);
  EXPECT_EQ(*behind, 2u);
  ws->state().members = normalize({a(), c()});
  auto mine = commit(ctx(), *ws, "mine", std::nullopt);
  ASSERT_OK(mine);
  EXPECT_TRUE(mine->committed);
  EXPECT_EQ(mine->merged_with, 2u);
  EXPECT_EQ(mine->conflicts_decided, 0u);
  EXPECT_EQ(mine->version.version, 3u);
  EXPECT_EQ(mine->version.parent, 1u);
  EXPECT_EQ(mine->version.merge_parent, 2u);
  EXPECT_EQ(dataset_members(ctx(), DatasetRef{"pets", 2}).value(), normalize({a(), b()}));
  EXPECT_EQ(dataset_members(ctx(), DatasetRef{"pets", 3}).value(), normalize({a(), b(), c()}));
  // The workspace stages the merge now, on disk too, and is up to date.
  auto saved = reopen();
  EXPECT_EQ(saved.state().parent_version, 3u);
  EXPECT_EQ(saved.state().base_version, 3u);
  EXPECT_EQ(saved.state().members, normalize({a(), b(), c()}));
  EXPECT_EQ(moved_on_to(ctx(), saved).value(), 0u);
  EXPECT_EQ(uncommitted_changes(ctx(), saved).value().size(), 0u);
}

TEST_F(OperationsTest, CommitKeepsTheOtherSidesDeletions) {
  commit_in_store("pets", {a(), b()}, 0);
  auto ws = stage_at("ds:pets");
  ASSERT_OK(ws);
  commit_in_store("pets", {a()}, 1);  // b deleted by another user
  ws->state().members = normalize({a(), b(), c()});
  auto mine = commit(ctx(), *ws, "mine", std::nullopt);
  ASSERT_OK(mine);
  EXPECT_EQ(dataset_members(ctx(), DatasetRef{"pets", 3}).value(), normalize({a(), c()}));
}

TEST_F(OperationsTest, UnchangedStaleWorkspaceHasNothingToCommitAndCatchesUp) {
  commit_in_store("pets", {a()}, 0);
  auto ws = stage_at("ds:pets");
  ASSERT_OK(ws);
  commit_in_store("pets", {a(), b()}, 1);
  auto outcome = commit(ctx(), *ws, "stale", std::nullopt);
  ASSERT_OK(outcome);
  EXPECT_FALSE(outcome->committed);  // v1 again would lose b
  EXPECT_EQ(outcome->merged_with, 2u);
  EXPECT_EQ(outcome->version.version, 2u);
  EXPECT_EQ(db().dataset_log("pets").value().size(), 2u);
  auto saved = reopen();
  EXPECT_EQ(saved.state().parent_version, 2u);
  EXPECT_EQ(saved.state().members, normalize({a(), b()}));
}

TEST_F(OperationsTest, ConflictRefusesTheCommitAndListsTheObjects) {
  // a gets annotation version 2 so that the two sides can pin it differently.
  write_pair("ops/a", "object a", R"({"n":10})");
  index({"ops"});
  commit_in_store("pets", {a(), b()}, 0);
  auto ws = stage_at("ds:pets");
  ASSERT_OK(ws);
  commit_in_store("pets", {store::ObjectRef{m_a, 2}, b()}, 1);
  ws->state().members = normalize({store::ObjectRef{m_a, 0}, b(), c()});
  auto refused = commit(ctx(), *ws, "mine", std::nullopt);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  const auto& message = refused.error().message;
  EXPECT_NE(message.find("ds:pets is at v2; you staged v1, and 1 object was changed differently"), std::string::npos)
      << message;
  EXPECT_NE(
      message.find(fmt::format("\n  id:{}  ours: no annotation, theirs: annotation v2 (was annotation v1)", m_a.hex())),
      std::string::npos)
      << message;
  EXPECT_NE(refused.error().hint.find("ldb commit --ours"), std::string::npos);
  EXPECT_NE(refused.error().hint.find("ldb commit --theirs"), std::string::npos);
  // Nothing was committed and the workspace is as it was.
  EXPECT_EQ(db().dataset_log("pets").value().size(), 2u);
  auto kept = reopen();
  EXPECT_EQ(kept.state().parent_version, 1u);
  EXPECT_EQ(kept.state().base_version, 1u);

  auto theirs = commit(ctx(), *ws, "theirs", std::nullopt, Resolution::theirs);
  ASSERT_OK(theirs);
  EXPECT_EQ(theirs->conflicts_decided, 1u);
  EXPECT_EQ(dataset_members(ctx(), DatasetRef{"pets", 3}).value(), normalize({store::ObjectRef{m_a, 2}, b(), c()}));
}

TEST_F(OperationsTest, OursDecidesConflictsForTheWorkspace) {
  write_pair("ops/a", "object a", R"({"n":10})");
  index({"ops"});
  commit_in_store("pets", {a()}, 0);
  auto ws = stage_at("ds:pets");
  ASSERT_OK(ws);
  commit_in_store("pets", {store::ObjectRef{m_a, 2}, b()}, 1);
  ws->state().members = normalize({store::ObjectRef{m_a, 0}});
  auto ours = commit(ctx(), *ws, "ours", std::nullopt, Resolution::ours);
  ASSERT_OK(ours);
  EXPECT_EQ(ours->conflicts_decided, 1u);
  EXPECT_EQ(dataset_members(ctx(), DatasetRef{"pets", 3}).value(), normalize({store::ObjectRef{m_a, 0}, b()}));
}

TEST_F(OperationsTest, ConflictListIsCappedWithACount) {
  std::vector<store::ObjectRef> base, ours, theirs;
  for (int i = 0; i < 13; ++i) {
    auto name = fmt::format("many/{}", i);
    auto hash = write_pair(name, fmt::format("object {}", i), R"({"k":1})");
    write_pair(name + "-again", fmt::format("object {}", i), R"({"k":2})");
    base.push_back({hash, 0});
    ours.push_back({hash, 1});
    theirs.push_back({hash, 2});
  }
  index({"many"});
  commit_in_store("lots", base, 0);
  auto ws = stage_at("ds:lots");
  ASSERT_OK(ws);
  commit_in_store("lots", theirs, 1);
  ws->state().members = normalize(ours);
  auto refused = commit(ctx(), *ws, "m", std::nullopt);
  ASSERT_FALSE(refused.has_value());
  const auto& message = refused.error().message;
  EXPECT_NE(message.find("13 objects were changed differently"), std::string::npos) << message;
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 11) << message;
  EXPECT_NE(message.find("\n  ... and 3 more"), std::string::npos) << message;
}

TEST_F(OperationsTest, StagingAnOldVersionRecordsTheLatestAsBase) {
  commit_in_store("pets", {a()}, 0);
  commit_in_store("pets", {a(), b()}, 1);
  auto ws = stage_at("ds:pets.v1");
  ASSERT_OK(ws);
  EXPECT_EQ(reopen().state().parent_version, 1u);
  EXPECT_EQ(reopen().state().base_version, 2u);
  EXPECT_EQ(moved_on_to(ctx(), *ws).value(), 0u);  // not behind: rolling back
}

TEST_F(OperationsTest, RollbackStillKeepsWhatOthersCommittedMeanwhile) {
  commit_in_store("pets", {a()}, 0);
  commit_in_store("pets", {a(), b()}, 1);
  auto ws = stage_at("ds:pets.v1");  // roll back: drop b
  ASSERT_OK(ws);
  commit_in_store("pets", {a(), b(), c()}, 2);  // another user adds c
  EXPECT_EQ(moved_on_to(ctx(), *ws).value(), 3u);
  auto rolled = commit(ctx(), *ws, "roll back", std::nullopt);
  ASSERT_OK(rolled);
  EXPECT_EQ(rolled->version.version, 4u);
  EXPECT_EQ(rolled->version.parent, 1u);
  EXPECT_EQ(rolled->version.merge_parent, 3u);
  EXPECT_EQ(dataset_members(ctx(), DatasetRef{"pets", 4}).value(), normalize({a(), c()}));
}

TEST_F(OperationsTest, TwoNewDatasetsOfOneNameMerge) {
  auto ws = stage_at("ds:fresh");
  ASSERT_OK(ws);
  commit_in_store("fresh", {a()}, 0);  // someone created it meanwhile
  EXPECT_EQ(moved_on_to(ctx(), *ws).value(), 1u);
  ws->state().members = normalize({b()});
  auto mine = commit(ctx(), *ws, "mine", std::nullopt);
  ASSERT_OK(mine);
  EXPECT_EQ(mine->version.version, 2u);
  EXPECT_EQ(mine->version.parent, 0u);
  EXPECT_EQ(mine->version.merge_parent, 1u);
  EXPECT_EQ(dataset_members(ctx(), DatasetRef{"fresh", 2}).value(), normalize({a(), b()}));
}

TEST_F(OperationsTest, WorkspaceFilesWithoutABaseReadAsStagedFromTheirParent) {
  commit_in_store("pets", {a()}, 0);
  commit_in_store("pets", {a(), b()}, 1);
  ASSERT_OK(stage_at("ds:pets.v1"));
  // Rewrite the header as a build before merging commits wrote it.
  auto file = m_ws / ".ldb_workspace" / "staged";
  auto bytes = storage::read_local_file(file).value();
  auto at = bytes.find(R"("base_version":2,)");
  ASSERT_NE(at, std::string::npos) << bytes.substr(0, bytes.find('\n'));
  bytes.erase(at, std::string_view(R"("base_version":2,)").size());
  auto header_end = bytes.find('\n');
  auto header = nlohmann::json::parse(bytes.substr(0, header_end));
  EXPECT_FALSE(header.contains("base_version"));
  ASSERT_OK(storage::write_file_atomic(file, bytes));
  auto old = reopen();
  EXPECT_EQ(old.state().parent_version, 1u);
  EXPECT_EQ(old.state().base_version, 1u);
  EXPECT_EQ(moved_on_to(ctx(), old).value(), 2u);
}

TEST_F(OperationsTest, CommitUnderAnotherName) {
  commit_in_store("pets", {a()}, 0);
  auto ws = stage_at("ds:pets");
  ASSERT_OK(ws);
  ws->state().members = normalize({a(), b()});
  auto renamed = commit(ctx(), *ws, "copy", std::string("pets-copy"));
  ASSERT_OK(renamed);
  EXPECT_TRUE(renamed->committed);
  EXPECT_EQ(renamed->version.name, "pets-copy");
  EXPECT_EQ(renamed->version.version, 1u);
  EXPECT_EQ(renamed->version.parent, 0u);  // a parent of another dataset is not recorded
  EXPECT_EQ(db().dataset_log("pets").value().size(), 1u);
  auto saved = reopen();
  EXPECT_EQ(saved.state().dataset_name, "pets-copy");
  EXPECT_EQ(saved.state().parent_version, 1u);
}

TEST_F(OperationsTest, CommitUnderANameWhoseLatestIsEqualTracksIt) {
  commit_in_store("pets", {a()}, 0);
  commit_in_store("same", {a()}, 0);
  auto ws = stage_at("ds:pets");
  ASSERT_OK(ws);
  auto outcome = commit(ctx(), *ws, "", std::string("same"));
  ASSERT_OK(outcome);
  EXPECT_FALSE(outcome->committed);
  EXPECT_EQ(outcome->version.name, "same");
  EXPECT_EQ(reopen().state().dataset_name, "same");
}

TEST_F(OperationsTest, UnnamedDatasetNeedsANameToCommit) {
  WorkspaceState state;
  state.members = {a()};
  auto ws = Workspace::create(m_ws, state);
  ASSERT_OK(ws);
  auto refused = commit(ctx(), *ws, "m", std::nullopt);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(refused.error().message.find("no name"), std::string::npos);
  EXPECT_NE(refused.error().hint.find("ldb commit ds:NAME"), std::string::npos);

  auto bad = commit(ctx(), *ws, "m", std::string("bad/name"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);

  auto named = commit(ctx(), *ws, "m", std::string("named"));
  ASSERT_OK(named);
  EXPECT_TRUE(named->committed);
  EXPECT_EQ(reopen().state().dataset_name, "named");
}

TEST_F(OperationsTest, DatasetMembersOfUnknownDataset) {
  auto members = dataset_members(ctx(), DatasetRef{"nope", 0});
  ASSERT_FALSE(members.has_value());
  EXPECT_EQ(members.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace ldb::dataset
