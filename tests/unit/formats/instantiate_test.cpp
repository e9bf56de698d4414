#include "formats/instantiate.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include <fmt/format.h>

#include "formats_fixture.hpp"
#include "storage/fault_injection.hpp"
#include "test_support.hpp"

namespace ldb::formats {
namespace {

namespace fs = std::filesystem;
using fixture::slurp;
using fixture::tree;

std::string h(std::string_view content) { return core::md5_of(content).hex(); }

class InstantiateTest : public ::testing::Test {
 protected:
  InstantiateTest() : m_local(storage::make_local_file_system()), m_fs(*m_local), m_pool(2) {
    m_target = m_dir.path() / "ws";
    fs::create_directories(m_target / ".ldb_workspace");
    std::ofstream(m_target / ".ldb_workspace" / "workspace.json") << "{}";
  }

  // A data object in "storage" with an optional annotation.
  Member add(std::string relative, std::string content, std::string annotation = {}) {
    return fixture::storage_member(m_dir, std::move(relative), std::move(content), std::move(annotation));
  }

  Result<InstantiateResult> run(const std::vector<Member>& members, Options options = {}) {
    if (options.removed_folder.empty()) options.removed_folder = removed();
    core::NullProgress progress;
    auto result = instantiate(m_fs, m_pool, progress, m_target, members, m_manifest, options);
    if (result) m_manifest = result->manifest;
    return result;
  }

  fs::path removed() const { return m_target / ".ldb_workspace" / "removed" / "now"; }

  ldb::testing::TempDir m_dir;
  std::unique_ptr<storage::FileSystem> m_local;
  storage::FaultInjectingFileSystem m_fs;
  core::ThreadPool m_pool;
  fs::path m_target;
  std::vector<ManifestEntry> m_manifest;
};

TEST(ParseFormat, NamesAndAliases) {
  EXPECT_EQ(*parse_format("strict-pairs"), Format::strict_pairs);
  EXPECT_EQ(*parse_format("strict"), Format::strict_pairs);
  EXPECT_EQ(*parse_format("bare"), Format::bare_pairs);
  EXPECT_EQ(*parse_format("infer"), Format::tensorflow_inferred);
  EXPECT_EQ(*parse_format("tensorflow-inferred"), Format::tensorflow_inferred);
  EXPECT_EQ(*parse_format("annot"), Format::annotation_only);
  EXPECT_EQ(format_name(Format::annotation_only), "annotation-only");
  EXPECT_EQ(*parse_format("coco"), Format::coco);
  EXPECT_EQ(format_name(Format::coco), "coco");
  EXPECT_EQ(*parse_format("voc"), Format::voc);
  EXPECT_EQ(format_name(Format::voc), "voc");
  auto bad = parse_format("pairs");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(bad.error().hint.find("strict-pairs"), std::string::npos);
}

TEST_F(InstantiateTest, StrictPairsWritesPairsSideBySide) {
  std::vector<Member> members{add("x/a.jpg", "AAA", R"({"label":"cat"})"), add("b.png", "BB")};
  auto result = run(members);
  ASSERT_OK(result);
  auto files = tree(m_target);
  std::string stem = "a-" + h("AAA");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[stem + ".jpg"], "AAA");
  EXPECT_EQ(files[stem + ".json"], "{\n  \"label\": \"cat\"\n}\n");
  EXPECT_EQ(result->report.written, 2u);
  EXPECT_EQ(result->report.skipped, 1u);
  EXPECT_EQ(result->report.data_files, 1u);
  EXPECT_EQ(result->report.annotation_files, 1u);
  ASSERT_EQ(result->manifest.size(), 2u);
  EXPECT_EQ(result->manifest[0].path, stem + ".jpg");
  EXPECT_EQ(result->manifest[0].md5, members[0].hash);
  EXPECT_EQ(result->manifest[0].size, 3u);
  // The workspace's own folder is untouched.
  EXPECT_EQ(slurp(m_target / ".ldb_workspace" / "workspace.json"), "{}");
}

TEST_F(InstantiateTest, BarePairsAndAnnotationsOnly) {
  std::vector<Member> members{add("a.jpg", "AAA", "1"), add("b.png", "BB")};
  Options options;
  options.format = Format::bare_pairs;
  ASSERT_OK(run(members, options));
  EXPECT_EQ(tree(m_target).size(), 3u);
  EXPECT_EQ(tree(m_target)["b-" + h("BB") + ".png"], "BB");

  options.annotations_only = true;
  auto result = run(members, options);
  ASSERT_OK(result);
  EXPECT_EQ(tree(m_target), (std::map<std::string, std::string>{{"a-" + h("AAA") + ".json", "1\n"}}));
  EXPECT_EQ(result->report.removed, 2u);
  EXPECT_EQ(result->report.unchanged, 1u);
}

TEST_F(InstantiateTest, TensorflowInferredIsImageFolderLayout) {
  std::vector<Member> members{add("1.png", "one", R"({"label":"cat"})"),
                              add("2.png", "two", R"({"label":{"animal":"dog"}})"),
                              add("3.png", "three", R"({"label":"cat"})")};
  Options options;
  options.format = Format::tensorflow_inferred;
  ASSERT_OK(run(members, options));
  auto files = tree(m_target);
  EXPECT_EQ(files.size(), 3u);
  EXPECT_EQ(files["cat/1-" + h("one") + ".png"], "one");
  EXPECT_EQ(files["cat/3-" + h("three") + ".png"], "three");
  EXPECT_EQ(files["animal/dog/2-" + h("two") + ".png"], "two");

  // Relabel: the old class folder is emptied and pruned.
  members[1].annotation_json = R"({"label":"bird"})";
  members[0].annotation_json = R"({"label":"bird"})";
  members[2].annotation_json = R"({"label":"bird"})";
  auto result = run(members, options);
  ASSERT_OK(result);
  EXPECT_EQ(result->report.removed, 3u);
  EXPECT_FALSE(fs::exists(m_target / "cat"));
  EXPECT_FALSE(fs::exists(m_target / "animal"));
  EXPECT_EQ(tree(m_target).size(), 3u);
}

TEST_F(InstantiateTest, AnnotationOnlyFilesAndSingleFile) {
  std::vector<Member> members{add("a.jpg", "AAA", R"({"x":1})"), add("b.jpg", "BB")};
  Options options;
  options.format = Format::annotation_only;
  ASSERT_OK(run(members, options));
  auto files = tree(m_target);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_NE(files["a-" + h("AAA") + ".json"].find("\"data_object_id\": \"" + h("AAA") + "\""), std::string::npos);

  options.params = {{"single-file", "true"}};
  ASSERT_OK(run(members, options));
  files = tree(m_target);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(files["dataset.json"].starts_with("[\n"));
  EXPECT_NE(files["dataset.json"].find(h("AAA")), std::string::npos);
}

TEST_F(InstantiateTest, PreservePathsKeepsFolders) {
  std::vector<Member> members{add("x/y/a.jpg", "AAA", "1"), add("x/b.jpg", "BB", "2")};
  Options options;
  options.preserve_paths = true;
  ASSERT_OK(run(members, options));
  EXPECT_EQ(tree(m_target), (std::map<std::string, std::string>{
                                {"x/b.jpg", "BB"}, {"x/b.json", "2\n"}, {"x/y/a.jpg", "AAA"}, {"x/y/a.json", "1\n"}}));
}

TEST_F(InstantiateTest, PreservePathsCollisionNeverOverwrites) {
  Member first = add("d/a.jpg", "AAA", "1");
  Member second = add("other/a.jpg", "ZZZ", "2");
  second.storage_relative = "d/a.jpg";  // same relative path in another storage location
  Options options;
  options.preserve_paths = true;
  ASSERT_OK(run({first, second}, options));
  auto files = tree(m_target);
  EXPECT_EQ(files.size(), 4u);
  std::string contents;
  for (const auto& [path, content] : files) contents += content;
  EXPECT_NE(contents.find("AAA"), std::string::npos);
  EXPECT_NE(contents.find("ZZZ"), std::string::npos);
}

TEST_F(InstantiateTest, RefusesPathsEscapingTheTarget) {
  Member hostile = add("a.jpg", "AAA", "1");
  hostile.storage_relative = "../../escaped.jpg";
  Options options;
  options.preserve_paths = true;
  auto result = run({hostile}, options);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(fs::exists(m_dir.path() / "escaped.jpg"));
  EXPECT_TRUE(tree(m_target).empty());

  Member labeled = add("b.jpg", "BB", R"({"label":"../../up"})");
  options = {};
  options.format = Format::tensorflow_inferred;
  result = run({labeled}, options);
  ASSERT_FALSE(result);
  EXPECT_FALSE(fs::exists(m_dir.path() / "up"));
}

TEST_F(InstantiateTest, RemovesStaleFilesFromTheLastRun) {
  Member a = add("a.jpg", "AAA", "1");
  Member b = add("b.jpg", "BB", "2");
  ASSERT_OK(run({a, b}));
  EXPECT_EQ(tree(m_target).size(), 4u);
  auto result = run({a});
  ASSERT_OK(result);
  EXPECT_EQ(result->report.removed, 2u);
  EXPECT_EQ(result->report.unchanged, 2u);
  EXPECT_EQ(result->report.written, 0u);
  EXPECT_EQ(tree(m_target).size(), 2u);
  EXPECT_TRUE(fs::exists(m_target / ("a-" + h("AAA") + ".jpg")));
}

TEST_F(InstantiateTest, ChangedAnnotationVersionIsRewritten) {
  Member a = add("a.jpg", "AAA", R"({"v":1})");
  ASSERT_OK(run({a}));
  a.annotation_json = R"({"v":2})";
  a.annotation_version = 2;
  auto result = run({a});
  ASSERT_OK(result);
  EXPECT_EQ(result->report.written, 1u);
  EXPECT_EQ(result->report.unchanged, 1u);
  EXPECT_EQ(tree(m_target)["a-" + h("AAA") + ".json"], "{\n  \"v\": 2\n}\n");
}

TEST_F(InstantiateTest, EmptyDatasetEmptiesTheTargetOfLdbFiles) {
  ASSERT_OK(run({add("a.jpg", "AAA", "1"), add("c/b.jpg", "BB", "2")}, Options{.preserve_paths = true}));
  auto result = run({}, Options{.preserve_paths = true});
  ASSERT_OK(result);
  EXPECT_EQ(result->report.removed, 4u);
  EXPECT_TRUE(result->manifest.empty());
  EXPECT_TRUE(tree(m_target).empty());
  EXPECT_FALSE(fs::exists(m_target / "c"));
  EXPECT_TRUE(fs::exists(m_target / ".ldb_workspace" / "workspace.json"));
}

TEST_F(InstantiateTest, SecondRunWritesNothing) {
  std::vector<Member> members{add("a.jpg", "AAA", "1"), add("b.jpg", "BB", "2"), add("c.jpg", "C", "3")};
  ASSERT_OK(run(members));
  m_fs.clear_calls();
  auto result = run(members);
  ASSERT_OK(result);
  EXPECT_EQ(result->report.written, 0u);
  EXPECT_EQ(result->report.unchanged, 6u);
  EXPECT_EQ(result->report.removed, 0u);
  EXPECT_TRUE(m_fs.calls(storage::Operation::copy_to).empty());
}

TEST_F(InstantiateTest, RefusesUnknownUserFiles) {
  Member a = add("a.jpg", "AAA", "1");
  std::ofstream(m_target / "notes.txt") << "mine";
  fs::create_directories(m_target / "sub");
  std::ofstream(m_target / "sub" / "x.txt") << "mine too";
  auto result = run({a});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::conflict);
  // Every file is named (-f takes them all away), up to a limit.
  EXPECT_NE(result.error().message.find("2 file(s) that ldb did not write ('notes.txt', 'sub/x.txt')"),
            std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().hint.find("-f"), std::string::npos);
  // Nothing was written or removed.
  EXPECT_EQ(tree(m_target).size(), 2u);
  for (std::size_t i = 0; i < k_conflicts_named + 3; ++i) std::ofstream(m_target / fmt::format("u{:02}", i)) << i;
  auto many = run({a});
  ASSERT_FALSE(many);
  EXPECT_NE(many.error().message.find(fmt::format("{} file(s)", k_conflicts_named + 5)), std::string::npos);
  EXPECT_NE(many.error().message.find("and 5 more"), std::string::npos) << many.error().message;
}

TEST_F(InstantiateTest, ForceMovesUnknownFilesAsideAndWritesExactlyTheDataset) {
  Member a = add("a.jpg", "AAA", "1");
  std::ofstream(m_target / "notes.txt") << "mine";
  fs::create_directories(m_target / "src" / "deep");
  std::ofstream(m_target / "src" / "deep" / "train.py") << "code";
  std::ofstream(m_target / ("a-" + h("AAA") + ".json")) << "user edit at a planned path";
  auto result = run({a}, Options{.force = Overwrite::yes});
  ASSERT_OK(result);
  EXPECT_EQ(result->report.removed, 0u);
  EXPECT_EQ(result->report.moved, 3u);
  EXPECT_EQ(result->report.written, 2u);
  EXPECT_EQ(tree(m_target), (std::map<std::string, std::string>{{"a-" + h("AAA") + ".jpg", "AAA"},
                                                                {"a-" + h("AAA") + ".json", "1\n"}}));
  // Nothing of the user's is lost: each file is below the removed folder at its path.
  EXPECT_EQ(tree(removed()),
            (std::map<std::string, std::string>{{"a-" + h("AAA") + ".json", "user edit at a planned path"},
                                                {"notes.txt", "mine"},
                                                {"src/deep/train.py", "code"}}));
  EXPECT_FALSE(fs::exists(m_target / "src"));  // emptied folders are pruned
}

TEST_F(InstantiateTest, CheckpointComesBeforeAnyChangeAndLeavesForeignPathsUnlisted) {
  Member a = add("a.jpg", "AAA", "1");
  Member b = add("b.jpg", "BB", "2");
  ASSERT_OK(run({a}));
  std::ofstream(m_target / ("b-" + h("BB") + ".jpg")) << "user bytes at a planned path";
  std::vector<ManifestEntry> saved;
  Options options{.force = Overwrite::yes};
  options.checkpoint = [&](std::span<const ManifestEntry> intent) -> Status {
    saved.assign(intent.begin(), intent.end());
    // Nothing has changed yet: the stale files and the user's file are in place.
    EXPECT_TRUE(fs::exists(m_target / ("a-" + h("AAA") + ".jpg")));
    EXPECT_TRUE(fs::exists(m_target / ("b-" + h("BB") + ".jpg")));
    EXPECT_FALSE(fs::exists(removed()));
    return fail(ErrorCode::internal, "simulated crash");
  };
  ASSERT_FALSE(run({b}, options));
  std::map<std::string, std::int64_t> listed;
  for (const auto& entry : saved) listed[entry.path] = entry.mtime_ns;
  // The stale files stay listed (so the next run still removes them), the
  // annotation to write is pending, the user's file's path is not listed.
  EXPECT_EQ(listed.size(), 3u);
  EXPECT_NE(listed.at("a-" + h("AAA") + ".jpg"), k_pending_mtime);
  EXPECT_NE(listed.at("a-" + h("AAA") + ".json"), k_pending_mtime);
  EXPECT_EQ(listed.at("b-" + h("BB") + ".json"), k_pending_mtime);
  EXPECT_FALSE(listed.contains("b-" + h("BB") + ".jpg"));
  // Resumed from that manifest without -f, the user's file is still refused.
  m_manifest = saved;
  auto resumed = run({b});
  ASSERT_FALSE(resumed);
  EXPECT_EQ(resumed.error().code, ErrorCode::conflict);
}

TEST_F(InstantiateTest, StoragePathsAreNeverRemovedOrOverwritten) {
  Member a = add("a.jpg", "AAA", "1");
  Member b = add("b.jpg", "BB", "2");
  ASSERT_OK(run({a, b}));
  auto before = tree(m_target);
  std::ofstream(m_target / "indexed.png") << "an object's only copy";
  Options force{.force = Overwrite::yes};
  force.storage_paths = {"indexed.png", "b-" + h("BB") + ".jpg"};
  // -f would delete the unknown file: refused before any change.
  auto result = run({a, b}, force);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::conflict);
  EXPECT_NE(result.error().message.find("indexed.png' is an indexed object's storage path"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("would move it aside"), std::string::npos);
  // A stale instantiated file that is a storage path is not removed either.
  fs::remove(m_target / "indexed.png");
  auto stale = run({a}, force);
  ASSERT_FALSE(stale);
  EXPECT_EQ(tree(m_target), before);
  // Kept as it is, a storage path is fine.
  ASSERT_OK(run({a, b}, force));
  EXPECT_EQ(tree(m_target), before);
}

TEST_F(InstantiateTest, HiddenEntriesAreNeitherUnknownNorRemoved) {
  fs::create_directories(m_target / ".git");
  std::ofstream(m_target / ".git" / "HEAD") << "ref";
  std::ofstream(m_target / ".DS_Store") << "x";
  ASSERT_OK(run({add("a.jpg", "AAA", "1")}, Options{.force = Overwrite::yes}));
  ASSERT_OK(run({}, Options{.force = Overwrite::yes}));
  EXPECT_TRUE(fs::exists(m_target / ".git" / "HEAD"));
  EXPECT_TRUE(fs::exists(m_target / ".DS_Store"));
}

TEST_F(InstantiateTest, ModifiedInstantiatedFileIsAConflict) {
  Member a = add("a.jpg", "AAA", "1");
  ASSERT_OK(run({a}));
  fs::path json = m_target / ("a-" + h("AAA") + ".json");
  std::ofstream(json) << "{\"edited\": true}\n";
  auto result = run({a});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::conflict);
  EXPECT_NE(result.error().message.find("changed since ldb wrote them"), std::string::npos);
  EXPECT_EQ(slurp(json), "{\"edited\": true}\n");
  ASSERT_OK(run({a}, Options{.force = Overwrite::yes}));
  EXPECT_EQ(slurp(json), "1\n");
  EXPECT_EQ(slurp(removed() / json.filename()), "{\"edited\": true}\n");
}

TEST_F(InstantiateTest, TouchedButIdenticalFileIsKept) {
  Member a = add("a.jpg", "AAA", "1");
  ASSERT_OK(run({a}));
  fs::path data = m_target / ("a-" + h("AAA") + ".jpg");
  fs::last_write_time(data, fs::last_write_time(data) - std::chrono::hours(1));
  m_fs.clear_calls();
  auto result = run({a});
  ASSERT_OK(result);
  EXPECT_EQ(result->report.written, 0u);
  EXPECT_TRUE(m_fs.calls(storage::Operation::copy_to).empty());
}

TEST_F(InstantiateTest, SymlinkIsNeverWrittenThrough) {
  Member a = add("a.png", "AAA", R"({"label":"cat"})");
  fs::path outside = m_dir.path() / "outside";
  fs::create_directories(outside);
  fs::create_directory_symlink(outside, m_target / "cat");
  Options options;
  options.format = Format::tensorflow_inferred;
  auto refused = run({a}, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  options.force = Overwrite::yes;
  ASSERT_OK(run({a}, options));
  EXPECT_TRUE(fs::is_empty(outside));
  EXPECT_FALSE(fs::is_symlink(m_target / "cat"));
  EXPECT_EQ(tree(m_target).size(), 1u);
}

TEST_F(InstantiateTest, FailedCopyIsReportedAndTheRunRestarts) {
  std::vector<Member> members;
  for (int i = 0; i < 20; ++i) {
    members.push_back(add(fmt::format("f{}.jpg", i), fmt::format("content {}", i), fmt::format("{}", i)));
  }
  m_fs.add_fault({.operation = storage::Operation::copy_to,
                  .path_substring = "f7.jpg",
                  .error = storage::no_space_error("f7.jpg"),
                  .action = storage::FaultAction::torn_copy});
  auto failed = run(members);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::io);
  EXPECT_TRUE(m_manifest.empty());  // the caller saved nothing
  // No torn file is left under a final name.
  EXPECT_FALSE(fs::exists(m_target / ("f7-" + h("content 7") + ".jpg")));

  m_fs.clear_faults();
  m_fs.clear_calls();
  auto again = run(members);
  ASSERT_OK(again);  // files of the failed run are recognized by content, not refused
  EXPECT_EQ(again->report.written + again->report.unchanged, 40u);
  // Data files copied before the failure are not copied again.
  EXPECT_GT(again->report.unchanged, 0u);
  EXPECT_LT(m_fs.calls(storage::Operation::copy_to).size(), 20u);
  EXPECT_EQ(tree(m_target).size(), 40u);
  EXPECT_EQ(tree(m_target)["f7-" + h("content 7") + ".jpg"], "content 7");
}

TEST_F(InstantiateTest, CheckpointMakesTornFilesOurs) {
  Member a = add("a.jpg", "AAA", "1");
  std::vector<ManifestEntry> saved;
  Options options;
  // Simulate a crash right after the checkpoint: a torn data file on disk.
  options.checkpoint = [&](std::span<const ManifestEntry> intent) -> Status {
    saved.assign(intent.begin(), intent.end());
    std::ofstream(m_target / ("a-" + h("AAA") + ".jpg")) << "A";
    return fail(ErrorCode::internal, "simulated crash");
  };
  ASSERT_FALSE(run({a}, options));
  ASSERT_EQ(saved.size(), 2u);
  EXPECT_EQ(saved[0].mtime_ns, k_pending_mtime);
  m_manifest = saved;
  options.checkpoint = nullptr;
  auto result = run({a}, options);
  ASSERT_OK(result);  // the torn file is ldb's (pending), so no conflict
  EXPECT_EQ(tree(m_target)["a-" + h("AAA") + ".jpg"], "AAA");
  for (const auto& entry : result->manifest) EXPECT_NE(entry.mtime_ns, k_pending_mtime);
}

TEST_F(InstantiateTest, SourceOfAnotherSizeIsAConflictWithAWayOut) {
  // Storage changed behind ldb's back: the instance is whole (not corruption).
  Member a = add("a.jpg", "AAA", "1");
  a.size = 99;
  auto result = run({a}, Options{.format = Format::bare_pairs});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::conflict);
  EXPECT_NE(result.error().message.find("a.jpg"), std::string::npos);
  EXPECT_NE(result.error().hint.find("ldb del id:" + h("AAA")), std::string::npos) << result.error().hint;
  EXPECT_NE(result.error().hint.find("ldb index"), std::string::npos) << result.error().hint;
  EXPECT_FALSE(fs::exists(m_target / ("a-" + h("AAA") + ".jpg")));
}

TEST_F(InstantiateTest, MissingSourceIsAnErrorNamingItAndTheWayOut) {
  // Copies and links alike: re-indexing cannot bring a deleted file back,
  // so the hint says to restore it or drop the object.
  for (DataFiles mode : {DataFiles::copy, DataFiles::hard_link}) {
    Member a = add("a.jpg", "AAA", "1");
    fs::remove(a.source_path);
    Options options;
    options.data_files = mode;
    auto result = run({a}, options);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::not_found);
    EXPECT_NE(result.error().message.find("a.jpg"), std::string::npos);
    EXPECT_NE(result.error().hint.find("ldb del id:" + h("AAA")), std::string::npos) << result.error().hint;
    EXPECT_EQ(result.error().hint.find("ldb index"), std::string::npos) << result.error().hint;
  }
}

TEST_F(InstantiateTest, TrailingSlashTargetIsNeverPruned) {
  core::NullProgress progress;
  fs::path target = m_dir.path() / "plain";
  fs::create_directories(target);
  Member a = add("d/a.jpg", "AAA", "1");
  Options options{.preserve_paths = true};
  auto first = instantiate(m_fs, m_pool, progress, target.string() + "/", std::vector<Member>{a}, {}, options);
  ASSERT_OK(first);
  auto second = instantiate(m_fs, m_pool, progress, target.string() + "/", {}, first->manifest, options);
  ASSERT_OK(second);
  EXPECT_EQ(second->report.removed, 2u);
  EXPECT_TRUE(fs::is_directory(target));
  EXPECT_TRUE(fs::is_empty(target));
}

TEST_F(InstantiateTest, TargetMustBeAFolder) {
  core::NullProgress progress;
  auto result = instantiate(m_fs, m_pool, progress, m_dir.path() / "nope", {}, {}, Options{});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::not_found);
}

TEST_F(InstantiateTest, ManyFilesInParallel) {
  std::vector<Member> members;
  for (int i = 0; i < 300; ++i) {
    members.push_back(add(fmt::format("d{}/img{}.jpg", i % 7, i), fmt::format("bytes {}", i),
                          fmt::format(R"({{"label":"c{}"}})", i % 5)));
  }
  Options options;
  options.format = Format::tensorflow_inferred;
  auto result = run(members, options);
  ASSERT_OK(result);
  EXPECT_EQ(result->report.written, 300u);
  auto files = tree(m_target);
  EXPECT_EQ(files.size(), 300u);
  for (int c = 0; c < 5; ++c) EXPECT_TRUE(fs::is_directory(m_target / fmt::format("c{}", c)));
  auto again = run(members, options);
  ASSERT_OK(again);
  EXPECT_EQ(again->report.unchanged, 300u);
}

}  // namespace
}  // namespace ldb::formats
