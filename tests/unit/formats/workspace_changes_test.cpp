#include "formats/workspace_changes.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>

#include "formats/instantiate.hpp"
#include "formats_fixture.hpp"
#include "storage/fault_injection.hpp"
#include "test_support.hpp"

namespace ldb::formats {
namespace {

namespace fs = std::filesystem;
using Paths = std::vector<std::string>;

std::string h(std::string_view content) { return core::md5_of(content).hex(); }

class WorkspaceChangesTest : public ::testing::Test {
 protected:
  WorkspaceChangesTest() : m_local(storage::make_local_file_system()), m_fs(*m_local), m_pool(2) {
    m_root = m_dir.path() / "ws";
    fs::create_directories(m_root / ".ldb_workspace");
  }

  // Instantiates a.jpg and b.jpg with annotations; the manifest it returns.
  Manifest instantiate_two() {
    std::vector<Member> members{fixture::storage_member(m_dir, "a.jpg", "AAA", "1"),
                                fixture::storage_member(m_dir, "b.jpg", "BB", "2")};
    core::NullProgress progress;
    auto result = instantiate(m_fs, m_pool, progress, m_root, members, {}, Options{});
    EXPECT_TRUE(result.has_value());
    return Manifest{RunState::finished, result->manifest};
  }

  FileChanges compare(const Manifest& manifest) {
    auto changes = compare_with_manifest(m_fs, m_pool, m_root, manifest);
    EXPECT_TRUE(changes.has_value()) << ldb::testing::describe(changes);
    return changes ? *changes : FileChanges{};
  }

  ldb::testing::TempDir m_dir;
  std::unique_ptr<storage::FileSystem> m_local;
  storage::FaultInjectingFileSystem m_fs;
  core::ThreadPool m_pool;
  fs::path m_root;
};

TEST_F(WorkspaceChangesTest, UntouchedFilesAreNotReadAtAll) {
  auto manifest = instantiate_two();
  m_fs.clear_calls();
  auto changes = compare(manifest);
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(changes.unwritten, 0u);
  EXPECT_TRUE(m_fs.calls(storage::Operation::hash).empty());
  EXPECT_TRUE(m_fs.calls(storage::Operation::read).empty());
}

TEST_F(WorkspaceChangesTest, EditedDeletedAndNewFilesAreListed) {
  auto manifest = instantiate_two();
  std::string a_json = "a-" + h("AAA") + ".json";
  std::string b_data = "b-" + h("BB") + ".jpg";
  std::string b_json = "b-" + h("BB") + ".json";
  std::ofstream(m_root / a_json) << "{\"edited\": true}\n";  // other size: no hash needed
  fs::remove(m_root / b_data);
  // Same size, other bytes, other mtime: found by hashing.
  std::ofstream(m_root / b_json) << "9\n";
  fs::last_write_time(m_root / b_json, fs::last_write_time(m_root / b_json) + std::chrono::seconds(5));
  fs::create_directories(m_root / "src");
  std::ofstream(m_root / "src" / "train.py") << "code";
  std::ofstream(m_root / ".hidden") << "never listed";
  m_fs.clear_calls();
  auto changes = compare(manifest);
  EXPECT_EQ(changes.edited, (Paths{a_json, b_json}));
  EXPECT_EQ(changes.deleted, (Paths{b_data}));
  EXPECT_EQ(changes.added, (Paths{"src/train.py"}));
  EXPECT_EQ(m_fs.calls(storage::Operation::hash).size(), 1u);
}

TEST_F(WorkspaceChangesTest, TouchedButIdenticalFileIsNotEdited) {
  auto manifest = instantiate_two();
  fs::path data = m_root / ("a-" + h("AAA") + ".jpg");
  fs::last_write_time(data, fs::last_write_time(data) - std::chrono::hours(1));
  auto changes = compare(manifest);
  EXPECT_TRUE(changes.empty());
}

TEST_F(WorkspaceChangesTest, PendingEntriesAreCountedNotListed) {
  Manifest manifest = instantiate_two();
  manifest.state = RunState::unfinished;
  // One written file, one pending file written, one pending file not written yet.
  manifest.entries.push_back(ManifestEntry{"c.jpg", 3, k_pending_mtime, core::md5_of("CCC")});
  manifest.entries.push_back(ManifestEntry{"d.jpg", 3, k_pending_mtime, core::md5_of("DDD")});
  std::ofstream(m_root / "c.jpg") << "CC";  // torn: still not "edited"
  auto changes = compare(manifest);
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(changes.unwritten, 1u);
}

TEST_F(WorkspaceChangesTest, NoManifestListsEveryFileAsNew) {
  std::ofstream(m_root / "x.png") << "x";
  auto changes = compare(Manifest{});
  EXPECT_EQ(changes.added, (Paths{"x.png"}));
}

TEST_F(WorkspaceChangesTest, TakeInReplacesAddsAndForgetsMissingFiles) {
  auto manifest = instantiate_two();
  std::string a_json = "a-" + h("AAA") + ".json";
  std::string b_data = "b-" + h("BB") + ".jpg";
  fs::remove(m_root / b_data);
  std::vector<ManifestEntry> taken{{a_json, 16, 42, core::md5_of("{\"edited\": true}\n")},
                                   {"new.png", 3, 43, core::md5_of("NEW")}};
  auto kept = take_in(m_root, manifest.entries, taken, MissingFiles::keep);
  ASSERT_EQ(kept.size(), 5u);
  EXPECT_TRUE(std::is_sorted(kept.begin(), kept.end(),
                             [](const ManifestEntry& a, const ManifestEntry& b) { return a.path < b.path; }));
  auto forgot = take_in(m_root, manifest.entries, taken, MissingFiles::forget);
  Paths paths;
  for (const auto& entry : forgot) paths.push_back(entry.path);
  EXPECT_EQ(paths, (Paths{"a-" + h("AAA") + ".jpg", a_json, "b-" + h("BB") + ".json", "new.png"}));
  EXPECT_EQ(forgot[1], taken[0]);
}

TEST_F(WorkspaceChangesTest, AddForgetsAMissingFileWhoseContentMoved) {
  auto manifest = instantiate_two();
  std::string b_data = "b-" + h("BB") + ".jpg";
  fs::create_directories(m_root / "coat");
  fs::rename(m_root / b_data, m_root / "coat" / b_data);
  // add takes the moved file in at its new path (same bytes, same MD5).
  std::vector<ManifestEntry> taken{{"coat/" + b_data, 2, 44, core::md5_of("BB")}};
  Paths paths;
  for (const auto& entry : take_in(m_root, manifest.entries, taken, MissingFiles::keep)) paths.push_back(entry.path);
  EXPECT_EQ(paths,
            (Paths{"a-" + h("AAA") + ".jpg", "a-" + h("AAA") + ".json", "b-" + h("BB") + ".json", "coat/" + b_data}));
}

}  // namespace
}  // namespace ldb::formats
