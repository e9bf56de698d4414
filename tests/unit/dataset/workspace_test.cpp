#include "dataset/workspace.hpp"

#include <algorithm>
#include <string>

#include "core/hash.hpp"
#include "storage/file_system.hpp"
#include "store/store.hpp"
#include "test_support.hpp"

namespace ldb::dataset {
namespace {

using testing::TempDir;

WorkspaceState sample_state() {
  WorkspaceState s;
  s.dataset_name = "cats-2";
  s.parent_version = 3;
  s.instance = "/some/instance";
  s.members = {{core::md5_of("a"), 1}, {core::md5_of("b"), 0}, {core::md5_of("c"), 7}};
  std::sort(s.members.begin(), s.members.end());
  return s;
}

class WorkspaceTest : public ::testing::Test {
 protected:
  std::filesystem::path staged_file() const { return m_dir.path() / "ws" / k_workspace_dir / "staged"; }

  // Writes raw bytes as the staged file and opens the workspace.
  Result<Workspace> open_with(std::string_view bytes) {
    std::filesystem::create_directories(staged_file().parent_path());
    EXPECT_OK(storage::write_file_atomic(staged_file(), bytes));
    return Workspace::open(m_dir.path() / "ws");
  }

  static void expect_corruption(const Result<Workspace>& ws, std::string_view why) {
    ASSERT_FALSE(ws.has_value());
    EXPECT_EQ(ws.error().code, ErrorCode::corruption);
    EXPECT_NE(ws.error().message.find("staged"), std::string::npos) << ws.error().message;
    EXPECT_NE(ws.error().message.find(why), std::string::npos) << ws.error().message;
    EXPECT_NE(ws.error().hint.find("ldb stage -f"), std::string::npos) << ws.error().hint;
  }

  TempDir m_dir;
};

TEST_F(WorkspaceTest, CreateThenOpenRoundTrips) {
  auto root = m_dir.path() / "ws";
  auto created = Workspace::create(root, sample_state());
  ASSERT_OK(created);
  EXPECT_TRUE(Workspace::exists(root));
  EXPECT_TRUE(std::filesystem::is_regular_file(staged_file()));
  EXPECT_EQ(created->meta_dir(), root / ".ldb_workspace");

  auto opened = Workspace::open(root);
  ASSERT_OK(opened);
  const auto& s = opened->state();
  auto expected = sample_state();
  EXPECT_EQ(opened->root(), root);
  EXPECT_EQ(s.dataset_name, expected.dataset_name);
  EXPECT_EQ(s.parent_version, expected.parent_version);
  EXPECT_EQ(s.instance, expected.instance);
  EXPECT_EQ(s.members, expected.members);
}

TEST_F(WorkspaceTest, UnnamedEmptyStateRoundTrips) {
  auto root = m_dir.path() / "ws";
  ASSERT_OK(Workspace::create(root, WorkspaceState{}));
  auto opened = Workspace::open(root);
  ASSERT_OK(opened);
  EXPECT_EQ(opened->state().dataset_name, "");
  EXPECT_EQ(opened->state().parent_version, 0u);
  EXPECT_TRUE(opened->state().members.empty());
}

TEST_F(WorkspaceTest, SaveReplacesState) {
  auto root = m_dir.path() / "ws";
  auto ws = Workspace::create(root, sample_state());
  ASSERT_OK(ws);
  ws->state().members.pop_back();
  ws->state().parent_version = 4;
  ASSERT_OK(ws->save());
  auto opened = Workspace::open(root);
  ASSERT_OK(opened);
  EXPECT_EQ(opened->state().members.size(), 2u);
  EXPECT_EQ(opened->state().parent_version, 4u);
  // Nothing but the staged file is left behind (no temporary files).
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(ws->meta_dir())) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST_F(WorkspaceTest, OpenPlainFolderIsNotFound) {
  EXPECT_FALSE(Workspace::exists(m_dir.path()));
  auto ws = Workspace::open(m_dir.path());
  ASSERT_FALSE(ws.has_value());
  EXPECT_EQ(ws.error().code, ErrorCode::not_found);
  EXPECT_NE(ws.error().message.find(m_dir.path().string()), std::string::npos);
  EXPECT_NE(ws.error().hint.find("ldb stage"), std::string::npos);
}

TEST_F(WorkspaceTest, FindFromNestedSubfolder) {
  auto root = m_dir.path() / "ws";
  ASSERT_OK(Workspace::create(root, sample_state()));
  auto nested = root / "images" / "cats";
  std::filesystem::create_directories(nested);
  auto found = Workspace::find(nested);
  ASSERT_OK(found);
  EXPECT_EQ(found->root(), root);
  EXPECT_EQ(found->state().dataset_name, "cats-2");
  // A path with "..": still the same workspace.
  auto dotted = Workspace::find(nested / ".." / "..");
  ASSERT_OK(dotted);
  EXPECT_EQ(dotted->root(), root);
}

TEST_F(WorkspaceTest, FindPrefersNearestWorkspace) {
  auto outer = m_dir.path() / "ws";
  auto inner = outer / "sub";
  ASSERT_OK(Workspace::create(outer, sample_state()));
  WorkspaceState other;
  other.dataset_name = "inner";
  ASSERT_OK(Workspace::create(inner, other));
  auto found = Workspace::find(inner / "deeper");
  // "deeper" does not exist: find still walks up lexically.
  ASSERT_OK(found);
  EXPECT_EQ(found->state().dataset_name, "inner");
}

TEST_F(WorkspaceTest, FindWithoutWorkspaceIsNotFound) {
  auto ws = Workspace::find(m_dir.path());
  ASSERT_FALSE(ws.has_value());
  EXPECT_EQ(ws.error().code, ErrorCode::not_found);
  EXPECT_NE(ws.error().hint.find("ldb stage"), std::string::npos);
}

TEST_F(WorkspaceTest, DamagedFileWithoutHeaderLine) { expect_corruption(open_with("garbage"), "no header line"); }

TEST_F(WorkspaceTest, DamagedHeaderJson) { expect_corruption(open_with("{not json\n"), "damaged"); }

TEST_F(WorkspaceTest, HeaderMissingField) {
  expect_corruption(open_with(R"({"format":1,"parent_version":0})"
                              "\n"),
                    "dataset");
}

TEST_F(WorkspaceTest, UnknownFormatVersion) {
  expect_corruption(open_with(R"({"format":3,"dataset":"a","parent_version":0})"
                              "\n"),
                    "unknown format version");
}

TEST_F(WorkspaceTest, TruncatedMembers) {
  std::string bytes = R"({"format":1,"dataset":"a","parent_version":0})"
                      "\n";
  bytes += store::serialize_collection(sample_state().members);
  bytes.pop_back();
  expect_corruption(open_with(bytes), "whole number");
}

TEST_F(WorkspaceTest, UnsortedMembers) {
  auto members = sample_state().members;
  std::swap(members[0], members[1]);
  std::string bytes = R"({"format":1,"dataset":"a","parent_version":0})"
                      "\n";
  bytes += store::serialize_collection(members);
  expect_corruption(open_with(bytes), "not sorted");
}

TEST_F(WorkspaceTest, DuplicateMembersAreCorruption) {
  auto members = sample_state().members;
  members[1] = members[0];
  std::string bytes = R"({"format":1,"dataset":"a","parent_version":0})"
                      "\n";
  bytes += store::serialize_collection(members);
  expect_corruption(open_with(bytes), "not sorted");
}

TEST_F(WorkspaceTest, CreateInUnwritablePlaceFails) {
  auto file = m_dir.write("plain-file", "x");
  auto ws = Workspace::create(file / "ws", sample_state());
  ASSERT_FALSE(ws.has_value());
  EXPECT_EQ(ws.error().code, ErrorCode::io);
  EXPECT_FALSE(ws.error().hint.empty());
}

TEST(ValidateDatasetNameTest, AcceptsLettersDigitsUnderscoreDash) {
  EXPECT_OK(validate_dataset_name("a"));
  EXPECT_OK(validate_dataset_name("Cats_and-Dogs-2024"));
  EXPECT_OK(validate_dataset_name("0"));
}

TEST(ValidateDatasetNameTest, RejectsEmpty) {
  auto st = validate_dataset_name("");
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(st.error().hint.empty());
}

TEST(ValidateDatasetNameTest, NamesTheIllegalCharacter) {
  for (std::string_view bad : {"bad/name", "a.b", "with space", "x:y", "caf\xc3\xa9"}) {
    auto st = validate_dataset_name(bad);
    ASSERT_FALSE(st.has_value()) << bad;
    EXPECT_EQ(st.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(st.error().message.find(std::string(bad)), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().hint.find("letters, digits"), std::string::npos);
  }
  EXPECT_NE(validate_dataset_name("bad/name").error().message.find("'/'"), std::string::npos);
}

}  // namespace
}  // namespace ldb::dataset
