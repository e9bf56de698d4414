#include "dataset/pipe_plugin.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "dataset/collection_ops.hpp"
#include "dataset/pipeline.hpp"
#include "dataset_fixture.hpp"

namespace ldb::dataset {
namespace {

// The test process's $PATH, as a front end passes it down.
std::string process_path() {
  const char* path = std::getenv("PATH");
  return path ? path : "";
}

using testing::DatasetFixture;

constexpr const char* k_python = "/usr/bin/python3";

// Objects p/0.jpg .. p/3.jpg; 0 and 2 are cats, 1 is a dog, 3 has no annotation.
class PipePluginTest : public DatasetFixture {
 protected:
  void SetUp() override {
    if (const char* path = std::getenv("PATH")) m_old_path = path;
    const char* annotations[] = {R"({"class":"cat"})", R"({"class":"dog"})", R"({"class":"cat"})", ""};
    for (int i = 0; i < 4; ++i) {
      auto hash = write_pair("p/" + std::to_string(i), "pipe object " + std::to_string(i), annotations[i]);
      m_index_of[hash] = i;
      m_selection.push_back({hash, i < 3 ? 1u : 0u});
    }
    index({"p"});
  }
  void TearDown() override { setenv("PATH", m_old_path.c_str(), 1); }

  std::filesystem::path plugin_dir() const { return m_instance / "custom_code" / "ldb_user_filters"; }

  // Writes an executable script (mode 0755, or 0644 when not executable).
  std::filesystem::path write_script(const std::filesystem::path& path, std::string_view body, bool executable = true) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << body;
    chmod(path.c_str(), executable ? 0755 : 0644);
    return path;
  }
  std::filesystem::path write_plugin(std::string_view name, std::string_view body) {
    return write_script(plugin_dir() / std::string(name), body);
  }
  // A python plugin body: `code` runs with `items` = the JSON array from stdin.
  static std::string python(std::string_view code) {
    return std::string("#!") + k_python + "\nimport json, os, sys\nitems = json.load(sys.stdin)\n" + std::string(code) +
           "\n";
  }

  void skip_without_python() {
    if (!std::filesystem::exists(k_python)) GTEST_SKIP() << "needs " << k_python;
  }

  Result<std::vector<store::ObjectRef>> run(std::string_view name, std::vector<std::string> args = {}) {
    return run_pipe_plugin(ctx(), m_selection, name, args);
  }
  std::vector<int> numbers(const std::vector<store::ObjectRef>& refs) {
    std::vector<int> out;
    for (const auto& r : refs) out.push_back(m_index_of.at(r.hash));
    return out;
  }

  std::string m_old_path;
  std::map<core::Md5, int> m_index_of;
  std::vector<store::ObjectRef> m_selection;
};

using V = std::vector<int>;

TEST_F(PipePluginTest, FindPluginReturnsNulloptWhenMissing) {
  EXPECT_FALSE(find_plugin(m_instance, "ldb-no-such-plugin-xyz", process_path()).has_value());
  EXPECT_FALSE(find_plugin(m_instance, "/no/such/ldb-plugin", process_path()).has_value());
}

TEST_F(PipePluginTest, FindPluginPrefersInstanceFolderToPath) {
  auto bin = m_dir.path() / "bin";
  auto on_path = write_script(bin / "ldb-test-model", "#!/bin/sh\n");
  setenv("PATH", (bin.string() + ":" + m_old_path).c_str(), 1);
  auto found = find_plugin(m_instance, "ldb-test-model", process_path());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, on_path);

  auto local = write_plugin("ldb-test-model", "#!/bin/sh\n");
  found = find_plugin(m_instance, "ldb-test-model", process_path());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, local);
}

TEST_F(PipePluginTest, FindPluginSkipsNonExecutablesAndFolders) {
  auto bin = m_dir.path() / "bin";
  auto on_path = write_script(bin / "ldb-test-model", "#!/bin/sh\n");
  setenv("PATH", ("::" + bin.string()).c_str(), 1);
  write_script(plugin_dir() / "ldb-test-model", "#!/bin/sh\n", false);
  auto found = find_plugin(m_instance, "ldb-test-model", process_path());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, on_path);

  std::filesystem::create_directories(plugin_dir() / "a-folder");
  EXPECT_FALSE(find_plugin(m_instance, "a-folder", process_path()).has_value());
}

TEST_F(PipePluginTest, FindPluginTakesPathsWithSlashAsGiven) {
  auto script = write_script(m_dir.path() / "tools" / "model", "#!/bin/sh\n");
  auto found = find_plugin(m_instance, script.string(), process_path());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, script);
  // A name with a slash is not looked up in the plugin folder.
  write_plugin("model", "#!/bin/sh\n");
  EXPECT_FALSE(find_plugin(m_instance, "sub/model", process_path()).has_value());
}

TEST_F(PipePluginTest, ReversingPluginOrdersTheSelection) {
  skip_without_python();
  write_plugin("reverse", python("for h, data, ann in reversed(items): print(h)"));
  auto out = run("reverse");
  ASSERT_OK(out);
  EXPECT_EQ(numbers(*out), (V{3, 2, 1, 0}));
  // The refs keep their annotation versions.
  EXPECT_EQ(out->front(), m_selection.back());
}

TEST_F(PipePluginTest, PluginReadsDataAndAnnotationFilesAndArguments) {
  skip_without_python();
  write_plugin("keep-class", python(R"(for h, data, ann in items:
    assert os.path.isfile(data), data
    if ann and json.load(open(ann)).get("class") == sys.argv[1]:
        print("id:" + h + "\r"))"));
  auto cats = run("keep-class", {"cat"});
  ASSERT_OK(cats);
  EXPECT_EQ(numbers(*cats), (V{0, 2}));
  auto dogs = run("keep-class", {"dog"});
  ASSERT_OK(dogs);
  EXPECT_EQ(numbers(*dogs), V{1});
}

TEST_F(PipePluginTest, UnannotatedObjectsGetAnEmptyAnnotationPath) {
  skip_without_python();
  write_plugin("no-annotation", python("[print(h) for h, data, ann in items if ann == '']"));
  auto out = run("no-annotation");
  ASSERT_OK(out);
  EXPECT_EQ(numbers(*out), V{3});
}

TEST_F(PipePluginTest, EmptyOutputAndEmptySelection) {
  write_plugin("nothing", "#!/bin/sh\ncat > /dev/null\n");
  auto out = run("nothing");
  ASSERT_OK(out);
  EXPECT_TRUE(out->empty());
  auto none = run_pipe_plugin(ctx(), {}, "nothing", {});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(PipePluginTest, RepeatedHashIsKeptOnce) {
  std::string h = m_selection[1].hash.hex();
  write_plugin("twice", "#!/bin/sh\ncat > /dev/null\necho " + h + "\necho " + h + "\n");
  auto out = run("twice");
  ASSERT_OK(out);
  EXPECT_EQ(numbers(*out), V{1});
}

TEST_F(PipePluginTest, FailingPluginIsAnError) {
  write_plugin("fails", "#!/bin/sh\ncat > /dev/null\nexit 3\n");
  auto out = run("fails");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(out.error().message.find("'fails'"), std::string::npos);
  EXPECT_NE(out.error().message.find("exit status 3"), std::string::npos) << out.error().message;
  EXPECT_NE(out.error().hint.find("by hand"), std::string::npos);
}

TEST_F(PipePluginTest, PluginKilledByASignal) {
  write_plugin("killed", "#!/bin/sh\nkill -9 $$\n");
  auto out = run("killed");
  ASSERT_FALSE(out.has_value());
  EXPECT_NE(out.error().message.find("killed by a signal"), std::string::npos) << out.error().message;
}

TEST_F(PipePluginTest, PluginExitingWithoutReadingALargeInput) {
  // More input than a pipe buffers (64 KiB): long data paths. The writer must
  // get EPIPE (not a fatal SIGPIPE) when the plugin exits without reading.
  std::string deep = "deep";
  for (int level = 0; level < 12; ++level) deep += "/" + std::string(240, static_cast<char>('a' + level));
  std::vector<store::ObjectRef> big;
  for (int i = 0; i < 30; ++i) {
    auto hash = write_pair(deep + "/" + std::to_string(i), "deep object " + std::to_string(i), "");
    big.push_back({hash, 0});
  }
  index({"deep"});
  write_plugin("exit-1", "#!/bin/sh\nexit 1\n");
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto out = run_pipe_plugin(ctx(), normalize(big), "exit-1", {});
    ASSERT_FALSE(out.has_value());
    EXPECT_NE(out.error().message.find("exit status 1"), std::string::npos) << out.error().message;
  }
}

TEST_F(PipePluginTest, PluginThatCannotBeExecutedIsAnError) {
  write_plugin("no-shebang", "echo this file has no interpreter line\n");
  auto out = run("no-shebang");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(out.error().message.find("no-shebang"), std::string::npos) << out.error().message;
}

TEST_F(PipePluginTest, UnknownHashIsAnError) {
  write_plugin("stranger", "#!/bin/sh\ncat > /dev/null\necho 0123456789abcdef0123456789abcdef\n");
  auto out = run("stranger");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(out.error().message.find("0123456789abcdef0123456789abcdef"), std::string::npos);
  EXPECT_NE(out.error().hint.find("only hashes it received"), std::string::npos);

  write_plugin("chatty", "#!/bin/sh\ncat > /dev/null\necho loading model...\n");
  auto chatty = run("chatty");
  ASSERT_FALSE(chatty.has_value());
  EXPECT_NE(chatty.error().message.find("loading model..."), std::string::npos);
}

TEST_F(PipePluginTest, HashOfAnObjectNotGivenIsAnError) {
  // Objects 0-2 go in; printing object 3's hash is refused.
  std::string h3 = m_selection[3].hash.hex();
  write_plugin("other", "#!/bin/sh\ncat > /dev/null\necho " + h3 + "\n");
  auto out = run_pipe_plugin(ctx(), {m_selection.begin(), m_selection.begin() + 3}, "other", {});
  ASSERT_FALSE(out.has_value());
  EXPECT_NE(out.error().message.find(h3), std::string::npos);
}

TEST_F(PipePluginTest, MissingPluginIsNotFoundWithHint) {
  auto out = run("ldb-no-such-plugin-xyz");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, ErrorCode::not_found);
  EXPECT_NE(out.error().message.find("ldb-no-such-plugin-xyz"), std::string::npos);
  EXPECT_NE(out.error().hint.find(plugin_dir().string()), std::string::npos);
}

TEST_F(PipePluginTest, TemporaryAnnotationFilesAreRemoved) {
  skip_without_python();
  auto record = m_dir.path() / "seen.txt";
  write_plugin("record", python("open(sys.argv[1], 'w').write(items[0][2])"));
  auto out = run("record", {record.string()});
  ASSERT_OK(out);
  auto seen = storage::read_local_file(record);
  ASSERT_OK(seen);
  ASSERT_FALSE(seen->empty());
  EXPECT_FALSE(std::filesystem::exists(*seen)) << *seen;
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(*seen).parent_path()));
}

TEST_F(PipePluginTest, PipeFilterInThePipeline) {
  skip_without_python();
  write_plugin("reverse", python("for h, data, ann in reversed(items): print(h)"));
  std::vector<FilterSpec> filters{
      {FilterKind::limit, "3", {}}, {FilterKind::pipe, "reverse", {}}, {FilterKind::limit, "2", {}}};
  auto out = apply_filters(ctx(), m_selection, filters);
  ASSERT_OK(out);
  EXPECT_EQ(numbers(*out), (V{2, 1}));
}

TEST(SplitWordsTest, BlanksSeparateAndQuotesGroup) {
  auto words = split_words(R"(CLIP "dog dance"  'a b' x\y "say \"hi\"")");
  ASSERT_OK(words);
  EXPECT_EQ(*words, (std::vector<std::string>{"CLIP", "dog dance", "a b", "x\\y", "say \"hi\""}));
  auto adjacent = split_words(R"(a"b c"d '')");
  ASSERT_OK(adjacent);
  EXPECT_EQ(*adjacent, (std::vector<std::string>{"ab cd", ""}));
  auto empty = split_words("   ");
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(SplitWordsTest, UnterminatedQuoteIsAnError) {
  auto words = split_words(R"(CLIP "dog dance)");
  ASSERT_FALSE(words);
  EXPECT_NE(words.error().message.find("unterminated"), std::string::npos);
  EXPECT_NE(words.error().message.find("position 6"), std::string::npos);
}

TEST_F(PipePluginTest, SortNamingAnInstalledPluginBecomesAPipe) {
  skip_without_python();
  write_plugin("CLIP", python("for h, data, ann in reversed(items): print(h)"));
  std::vector<FilterSpec> filters{{FilterKind::sort, R"(CLIP "dog dance")", {}},
                                  {FilterKind::sort, "class", {}},
                                  {FilterKind::sort_desc, "class", {}}};
  auto expanded = expand_plugin_sorts(m_instance, filters, process_path());
  ASSERT_OK(expanded);
  ASSERT_EQ(expanded->size(), 3u);
  EXPECT_EQ((*expanded)[0].kind, FilterKind::pipe);
  EXPECT_EQ((*expanded)[0].value, "CLIP");
  EXPECT_EQ((*expanded)[0].args, std::vector<std::string>{"dog dance"});
  EXPECT_EQ((*expanded)[1].kind, FilterKind::sort);
  EXPECT_EQ((*expanded)[1].value, "class");
  EXPECT_EQ((*expanded)[2].kind, FilterKind::sort_desc);
  std::vector<FilterSpec> plugin_then_limit{{FilterKind::sort, R"(CLIP "dog dance")", {}},
                                            {FilterKind::limit, "2", {}}};
  auto sorted = expand_plugin_sorts(m_instance, plugin_then_limit, process_path());
  ASSERT_OK(sorted);
  auto out = apply_filters(ctx(), m_selection, *sorted);
  ASSERT_OK(out);
  EXPECT_EQ(numbers(*out), (V{3, 2}));
}

TEST_F(PipePluginTest, SortNamingAMissingPluginSaysWherePluginsAreLookedUp) {
  std::vector<FilterSpec> filters{{FilterKind::sort, R"(CLIPX "dog dance")", {}}};
  auto expanded = expand_plugin_sorts(m_instance, filters, process_path());
  ASSERT_FALSE(expanded);
  EXPECT_EQ(expanded.error().code, ErrorCode::not_found);
  EXPECT_NE(expanded.error().message.find("'CLIPX'"), std::string::npos);
  EXPECT_NE(expanded.error().hint.find(plugin_dir().string()), std::string::npos);
  // One word naming a program on PATH (not in the plugin folder) is a key.
  std::vector<FilterSpec> path_program{{FilterKind::sort, "size", {}}, {FilterKind::sort, "true", {}}};
  auto keys_kept = expand_plugin_sorts(m_instance, path_program, process_path());
  ASSERT_OK(keys_kept);
  EXPECT_EQ((*keys_kept)[0].kind, FilterKind::sort);
  EXPECT_EQ((*keys_kept)[1].kind, FilterKind::sort);
  // A key that merely is not a plugin stays a sort key, expressions too.
  std::vector<FilterSpec> keys{{FilterKind::sort, "CLIPX", {}}, {FilterKind::sort, "a || b", {}}};
  auto kept = expand_plugin_sorts(m_instance, keys, process_path());
  ASSERT_OK(kept);
  EXPECT_EQ((*kept)[0].kind, FilterKind::sort);
  EXPECT_EQ((*kept)[1].value, "a || b");
}

}  // namespace
}  // namespace ldb::dataset
