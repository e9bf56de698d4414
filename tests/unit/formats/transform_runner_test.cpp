// Instantiating members with transforms (src/formats/transform_runner.cpp and
// its use by layout.cpp / instantiate.cpp), with transforms written as small
// shell scripts that read the JSON contract with python3.

#include "formats/transform_runner.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include <fmt/format.h>

#include "formats_fixture.hpp"
#include "test_support.hpp"

namespace ldb::formats {
namespace {

namespace fs = std::filesystem;
using fixture::slurp;
using fixture::tree;

// Reads [data, annotation, output_dir, name] and runs BODY (python) on them.
constexpr std::string_view k_script_head =
    "#!/usr/bin/env python3\n"
    "import json, os, sys\n"
    "data, annotation, out, name = json.load(sys.stdin)\n";

class TransformRunnerTest : public ::testing::Test {
 protected:
  TransformRunnerTest() : m_fs(storage::make_local_file_system()), m_pool(2) {
    m_target = m_dir.path() / "ws";
    fs::create_directories(m_target);
  }

  Member add(std::string relative, std::string content, std::string annotation = {}) {
    return fixture::storage_member(m_dir, std::move(relative), std::move(content), std::move(annotation));
  }

  // An executable python script named `name` whose body follows the JSON parsing.
  std::string script(std::string_view name, std::string_view body) {
    auto path = m_dir.write(fmt::format("bin/{}", name), fmt::format("{}{}", k_script_head, body));
    ::chmod(path.c_str(), 0755);
    return path.string();
  }

  Result<InstantiateResult> run(const std::vector<Member>& members, Options options = {}) {
    core::NullProgress progress;
    auto result = instantiate(*m_fs, m_pool, progress, m_target, members, m_manifest, options);
    if (result) m_manifest = result->manifest;
    return result;
  }

  // The temporary folders of transform runs left in $TMPDIR.
  std::size_t leftover_temp_folders() const {
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(m_tmp)) {
      if (entry.path().filename().string().starts_with("ldb-transform-")) ++n;
    }
    return n;
  }

  void SetUp() override {
    m_tmp = m_dir.path() / "tmp";
    fs::create_directories(m_tmp);
    m_old_tmpdir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "";
    setenv("TMPDIR", m_tmp.c_str(), 1);
  }
  void TearDown() override {
    if (m_old_tmpdir.empty())
      unsetenv("TMPDIR");
    else
      setenv("TMPDIR", m_old_tmpdir.c_str(), 1);
  }

  ldb::testing::TempDir m_dir;
  std::unique_ptr<storage::FileSystem> m_fs;
  core::ThreadPool m_pool;
  fs::path m_target;
  fs::path m_tmp;
  std::string m_old_tmpdir;
  std::vector<ManifestEntry> m_manifest;
};

constexpr std::string_view k_suffix_body =
    "ext = os.path.splitext(data)[1]\n"
    "with open(data, 'rb') as f: content = f.read()\n"
    "with open(os.path.join(out, 'result' + ext), 'wb') as f: f.write(content + b'+' + name.encode())\n";

TEST_F(TransformRunnerTest, SelfAndATransformWriteBothCopies) {
  auto rotate = script("rot", k_suffix_body);
  Member m = add("cat.png", "cat bytes", R"({"label":"cat"})");
  m.transforms = {{"self", {}}, {"rotate", {rotate}}};
  auto result = run({m});
  ASSERT_OK(result);
  std::string stem = fmt::format("cat-{}", m.hash.hex());
  auto files = tree(m_target);
  ASSERT_EQ(files.size(), 3u) << fmt::format("{}", files.size());
  EXPECT_EQ(files[stem + ".png"], "cat bytes");
  EXPECT_EQ(files[stem + "--rotate.png"], "cat bytes+rotate");
  EXPECT_TRUE(files.contains(stem + ".json"));
  EXPECT_EQ(result->report.data_files, 2u);
  EXPECT_EQ(leftover_temp_folders(), 0u);

  // A second run with the same result leaves the files alone.
  auto again = run({m});
  ASSERT_OK(again);
  EXPECT_EQ(again->report.written, 0u);
  EXPECT_EQ(again->report.unchanged, 3u);
}

TEST_F(TransformRunnerTest, WithoutSelfOnlyTheOutputsAreWritten) {
  auto rotate = script("rot", k_suffix_body);
  Member m = add("cat.png", "cat bytes", R"({"label":"cat"})");
  Member plain = add("dog.png", "dog bytes", R"({"label":"dog"})");
  m.transforms = {{"rotate", {rotate}}};
  auto result = run({m, plain});
  ASSERT_OK(result);
  auto files = tree(m_target);
  EXPECT_EQ(files.size(), 3u);
  EXPECT_TRUE(files.contains(fmt::format("cat-{}--rotate.png", m.hash.hex())));
  EXPECT_FALSE(files.contains(fmt::format("cat-{}.png", m.hash.hex())));
  EXPECT_TRUE(files.contains(fmt::format("dog-{}.png", plain.hash.hex())));
}

TEST_F(TransformRunnerTest, SeveralOutputsKeepTheirNames) {
  auto split = script("split",
                      "assert annotation.endswith('.json') and json.load(open(annotation))['label'] == 'cat'\n"
                      "for part in ('left', 'right'):\n"
                      "    open(os.path.join(out, part + '.txt'), 'w').write(part)\n");
  Member m = add("cat.png", "cat bytes", R"({"label":"cat"})");
  m.transforms = {{"split", {split}}};
  ASSERT_OK(run({m}, Options{.format = Format::bare_pairs}));
  auto files = tree(m_target);
  std::string stem = fmt::format("cat-{}--split--", m.hash.hex());
  EXPECT_EQ(files[stem + "left.txt"], "left");
  EXPECT_EQ(files[stem + "right.txt"], "right");
  EXPECT_EQ(files.size(), 2u);
}

TEST_F(TransformRunnerTest, ArgumentsFromTheCommandArePassed) {
  auto tagger = script("tagger", "open(os.path.join(out, 'x.txt'), 'w').write(' '.join(sys.argv[1:]))\n");
  Member m = add("cat.png", "cat bytes");
  m.transforms = {{"tag", {tagger, "-a", "b c"}}};
  ASSERT_OK(run({m}, Options{.format = Format::bare_pairs}));
  EXPECT_EQ(tree(m_target)[fmt::format("cat-{}--tag.txt", m.hash.hex())], "-a b c");
}

TEST_F(TransformRunnerTest, FailingTransformNamesItAndWritesNothing) {
  auto broken = script("broken", "sys.stderr.write('boom\\n')\nsys.exit(3)\n");
  auto rotate = script("rot", k_suffix_body);
  Member good = add("dog.png", "dog bytes", R"({"label":"dog"})");
  Member m = add("cat.png", "cat bytes", R"({"label":"cat"})");
  good.transforms = {{"self", {}}, {"rotate", {rotate}}};
  m.transforms = {{"self", {}}, {"broken", {broken}}};
  auto result = run({good, m});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(result.error().message.find("transform 'broken'"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find(m.hash.hex()), std::string::npos);
  EXPECT_NE(result.error().message.find("exit status 3"), std::string::npos);
  EXPECT_TRUE(tree(m_target).empty());
  EXPECT_EQ(leftover_temp_folders(), 0u);
}

TEST_F(TransformRunnerTest, MissingOutputIsAnError) {
  auto lazy = script("lazy", "pass\n");
  Member m = add("cat.png", "cat bytes", R"({"label":"cat"})");
  m.transforms = {{"lazy", {lazy}}};
  auto result = run({m});
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message.find("wrote no output"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("'lazy'"), std::string::npos);
  EXPECT_TRUE(tree(m_target).empty());
}

TEST_F(TransformRunnerTest, FoldersAndHiddenFilesInTheOutputAreRefused) {
  auto folder = script("folder", "os.mkdir(os.path.join(out, 'sub'))\n");
  Member m = add("cat.png", "cat bytes", R"({"label":"cat"})");
  m.transforms = {{"folder", {folder}}};
  auto result = run({m});
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message.find("'sub'"), std::string::npos) << result.error().message;
}

TEST_F(TransformRunnerTest, FormatsThatCannotPlaceOutputsAreRefused) {
  auto rotate = script("rot", k_suffix_body);
  Member m = add("cat.png", "cat bytes", R"({"label":"cat"})");
  m.transforms = {{"rotate", {rotate}}};
  for (Format format : {Format::coco, Format::yolo, Format::annotation_only}) {
    auto result = run({m}, Options{.format = format});
    ASSERT_FALSE(result.has_value());
    EXPECT_NE(result.error().message.find("has transforms"), std::string::npos) << result.error().message;
  }
  auto annotations_only = run({m}, Options{.format = Format::strict_pairs, .annotations_only = true});
  ASSERT_FALSE(annotations_only.has_value());
}

TEST_F(TransformRunnerTest, TensorflowInferredPlacesOutputsInTheClassFolder) {
  auto rotate = script("rot", k_suffix_body);
  Member m = add("cat.png", "cat bytes", R"({"label":"cat"})");
  m.transforms = {{"self", {}}, {"rotate", {rotate}}};
  ASSERT_OK(run({m}, Options{.format = Format::tensorflow_inferred}));
  auto files = tree(m_target);
  EXPECT_TRUE(files.contains(fmt::format("cat/cat-{}.png", m.hash.hex())));
  EXPECT_EQ(files[fmt::format("cat/cat-{}--rotate.png", m.hash.hex())], "cat bytes+rotate");
}

TEST_F(TransformRunnerTest, ManyMembersRunInParallel) {
  auto rotate = script("rot", k_suffix_body);
  std::vector<Member> members;
  for (int i = 0; i < 12; ++i) {
    Member m = add(fmt::format("img{}.png", i), fmt::format("bytes {}", i), fmt::format(R"({{"i":{}}})", i));
    m.transforms = {{"rotate", {rotate}}};
    members.push_back(std::move(m));
  }
  auto result = run(members);
  ASSERT_OK(result);
  EXPECT_EQ(tree(m_target).size(), 12u);
  EXPECT_EQ(leftover_temp_folders(), 0u);
}

TEST(TransformOutputName, OneOutputTakesTheTransformNameSeveralKeepTheirs) {
  TransformOutput out{"rotate", "image.PNG", {}, 0, {}};
  EXPECT_EQ(transform_output_name("cat-1", out, true), "cat-1--rotate.png");
  EXPECT_EQ(transform_output_name("cat-1", out, false), "cat-1--rotate--image.PNG");
}

}  // namespace
}  // namespace ldb::formats
