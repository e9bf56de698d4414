// Torn and truncated writes of the workspace's staged file: whatever prefix of
// a saved file survives, opening it reports damage with a hint — it is never
// read as a smaller (or empty) staged dataset.

#include <algorithm>
#include <fstream>
#include <string>

#include "core/hash.hpp"
#include "dataset/workspace.hpp"
#include "storage/file_system.hpp"
#include "test_support.hpp"

namespace ldb::dataset {
namespace {

using testing::TempDir;

class WorkspaceTornTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WorkspaceState state;
    state.dataset_name = "cats";
    state.parent_version = 2;
    state.instance = "/inst";
    for (int i = 0; i < 10; ++i)
      state.members.push_back({core::md5_of(std::to_string(i)), static_cast<std::uint32_t>(i % 3)});
    std::sort(state.members.begin(), state.members.end());
    auto ws = Workspace::create(root(), state);
    ASSERT_OK(ws);
    auto bytes = storage::read_local_file(staged());
    ASSERT_OK(bytes);
    m_saved = *bytes;
  }

  std::filesystem::path root() const { return m_dir.path() / "ws"; }
  std::filesystem::path staged() const { return root() / k_workspace_dir / "staged"; }

  // Replaces the staged file by `bytes` in place (as a torn write leaves it).
  void tear(std::string_view bytes) {
    std::ofstream out(staged(), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  static void expect_damaged(const Result<Workspace>& ws, std::size_t length) {
    ASSERT_FALSE(ws.has_value()) << "a " << length << "-byte prefix was read as " << ws->state().members.size()
                                 << " members";
    EXPECT_EQ(ws.error().code, ErrorCode::corruption) << length;
    EXPECT_NE(ws.error().message.find("is damaged"), std::string::npos) << ws.error().message;
    EXPECT_NE(ws.error().hint.find("ldb stage -f"), std::string::npos) << ws.error().hint;
  }

  TempDir m_dir;
  std::string m_saved;
};

TEST_F(WorkspaceTornTest, EveryTruncationIsDetected) {
  ASSERT_OK(Workspace::open(root()));
  for (std::size_t length = 0; length < m_saved.size(); ++length) {
    tear(std::string_view(m_saved).substr(0, length));
    expect_damaged(Workspace::open(root()), length);
  }
}

TEST_F(WorkspaceTornTest, TruncationAfterTheHeaderIsNotAnEmptyDataset) {
  auto header_end = m_saved.find('\n');
  ASSERT_NE(header_end, std::string::npos);
  tear(std::string_view(m_saved).substr(0, header_end + 1));
  auto ws = Workspace::open(root());
  expect_damaged(ws, header_end + 1);
  EXPECT_NE(ws.error().message.find("0 of its 10 staged members"), std::string::npos) << ws.error().message;
}

TEST_F(WorkspaceTornTest, ZeroedTailIsDetected) {
  // A crash can leave the right length with zeros where data never landed.
  std::string bytes = m_saved;
  std::fill(bytes.end() - 20, bytes.end(), '\0');
  tear(bytes);
  auto ws = Workspace::open(root());
  expect_damaged(ws, bytes.size());
  EXPECT_NE(ws.error().message.find("checksum"), std::string::npos) << ws.error().message;
}

TEST_F(WorkspaceTornTest, EarlierMd5ChecksumIsStillVerified) {
  // Earlier builds wrote the MD5 of the members; this one writes XXH3.
  auto nl = m_saved.find('\n');
  std::string header = m_saved.substr(0, nl);
  auto body = m_saved.substr(nl + 1);
  const std::string key = "\"xxh3\":\"";
  auto at = header.find(key);
  ASSERT_NE(at, std::string::npos) << header;
  header.replace(at, key.size() + 16 + 1, "\"md5\":\"" + core::md5_of(body).hex() + "\"");
  tear(header + "\n" + body);
  ASSERT_OK(Workspace::open(root()));
  std::string zeroed = body;
  std::fill(zeroed.end() - 20, zeroed.end(), '\0');
  tear(header + "\n" + zeroed);
  auto ws = Workspace::open(root());
  expect_damaged(ws, header.size() + 1 + zeroed.size());
  EXPECT_NE(ws.error().message.find("checksum"), std::string::npos) << ws.error().message;
}

TEST_F(WorkspaceTornTest, FileWithoutCountAndChecksumStillOpens) {
  // Workspaces saved before the header kept a count and a checksum.
  std::string bytes = R"({"format":1,"dataset":"a","parent_version":0})"
                      "\n";
  tear(bytes);
  auto ws = Workspace::open(root());
  ASSERT_OK(ws);
  EXPECT_TRUE(ws->state().members.empty());
}

TEST_F(WorkspaceTornTest, SaveAfterDamageRepairs) {
  tear(std::string_view(m_saved).substr(0, 30));
  ASSERT_FALSE(Workspace::open(root()).has_value());
  WorkspaceState fresh;
  fresh.dataset_name = "cats";
  ASSERT_OK(Workspace::create(root(), fresh));
  ASSERT_OK(Workspace::open(root()));
}

}  // namespace
}  // namespace ldb::dataset
