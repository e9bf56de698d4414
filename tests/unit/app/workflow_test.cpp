// The seed workflow through src/app alone, as a front end other than the CLI
// (the web UI, the Python module) runs it: add-storage, index, stage, add --query,
// commit, diff, instantiate; nothing read from the process environment or
// its current folder.

#include <gtest/gtest.h>

#include <fstream>

#include "app/index.hpp"
#include "app/inspect.hpp"
#include "app/instance.hpp"
#include "app/instantiate.hpp"
#include "app/storage.hpp"
#include "app/workspace.hpp"
#include "test_support.hpp"

namespace ldb::app {
namespace {

using ldb::testing::TempDir;

class WorkflowTest : public ::testing::Test {
 protected:
  WorkflowTest() {
    m_context.env.set("HOME", (m_dir.path() / "home").string());
    m_context.env.set("LDB_DIR", (m_dir.path() / "instance").string());
    m_context.env.set("LDB_CACHE_DIR", "none");
    m_context.env.set("LDB_AUTHOR", "api-test");
    // Relative paths are the Context's, not the process's: the test never chdirs.
    m_context.cwd = m_dir.path();
    m_context.warn = [this](std::string_view w) { m_warnings.emplace_back(w); };
    // Three pairs: two cats, one dog.
    write_pair("data/a", "bytes of a", R"({"class": "cat", "n": 1})");
    write_pair("data/b", "bytes of b", R"({"class": "dog", "n": 2})");
    write_pair("data/c", "bytes of c", R"({"class": "cat", "n": 3})");
  }

  void write_pair(const std::string& stem, std::string_view data, std::string_view annotation) {
    m_dir.write(stem + ".png", data);
    m_dir.write(stem + ".json", annotation);
  }

  TempDir m_dir;
  Context m_context;
  std::vector<std::string> m_warnings;
};

Selector query(std::string_view expression) { return Selector{{}, {Filter{"query", std::string(expression), {}}}}; }

TEST_F(WorkflowTest, IndexStageAddCommitDiffInstantiate) {
  ASSERT_OK(init_instance(m_context, "instance", false, false));
  {
    Session session(m_context);
    auto registered = add_storage(session, {"data", std::nullopt, {}, false});
    ASSERT_OK(registered);
    EXPECT_EQ(registered->location.path, (m_dir.path() / "data").string());
    auto indexed = index(session, {{"data"}, {}});
    ASSERT_OK(indexed);
    EXPECT_EQ(indexed->data_objects_found, 3u);
    EXPECT_EQ(indexed->new_annotations, 3u);
    EXPECT_EQ(indexed->formats.front(), "strict-pairs");
  }
  Session session(m_context);
  auto staged = stage(session, {"ds:cats", std::string("ws"), false});
  ASSERT_OK(staged);
  EXPECT_EQ(staged->root, m_dir.path() / "ws");
  EXPECT_EQ(staged->version, 0u);

  auto added = add(session, {query("class == 'cat'"), std::string("ws"), {}, {}});
  ASSERT_OK(added);
  EXPECT_EQ(added->added, 2u);
  EXPECT_EQ(added->dataset, "cats");

  auto status = workspace_status(session, std::string("ws"));
  ASSERT_OK(status);
  EXPECT_EQ(status->objects, 2u);
  EXPECT_EQ(status->added, 2u);

  auto committed = commit(session, {std::string("ws"), "two cats", {}, Resolution::none});
  ASSERT_OK(committed);
  EXPECT_TRUE(committed->committed);
  EXPECT_EQ(committed->version.version, 1u);
  EXPECT_EQ(committed->version.objects, 2u);

  auto history = log(session, "ds:cats");
  ASSERT_OK(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ(history->front().author, "api-test");
  EXPECT_EQ(history->front().message, "two cats");

  // A second version with the dog too, diffed against the first.
  ASSERT_OK(add(session, {{{"data/b.png"}, {}}, std::string("ws"), {}, {}}));
  ASSERT_OK(commit(session, {std::string("ws"), "and a dog", {}, Resolution::none}));
  auto d = diff(session, {{"ds:cats.v1", "ds:cats.v2"}, {}, true});
  ASSERT_OK(d);
  ASSERT_EQ(d->added.size(), 1u);
  EXPECT_EQ(d->added.front().path, (m_dir.path() / "data/b.png").string());
  EXPECT_TRUE(d->deleted.empty());

  auto written = instantiate(session, {{}, std::string("ws"), {}});
  ASSERT_OK(written);
  EXPECT_EQ(written->data_files, 3u);
  EXPECT_EQ(written->annotation_files, 3u);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(m_dir.path() / "ws")) {
    if (entry.is_regular_file()) ++files;
  }
  EXPECT_EQ(files, 6u);
  EXPECT_TRUE(m_warnings.empty());
}

TEST_F(WorkflowTest, ErrorsCarryTheirHintAndChangeNothing) {
  ASSERT_OK(init_instance(m_context, "instance", false, false));
  Session session(m_context);
  auto staged = stage(session, {"ds:root", std::nullopt, false});
  ASSERT_FALSE(staged);
  EXPECT_EQ(staged.error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(staged.error().hint.empty());
  // add needs objects or a filter, and the folder is no workspace.
  auto added = add(session, {{}, std::string("nowhere"), {}, {}});
  ASSERT_FALSE(added);
  EXPECT_FALSE(std::filesystem::exists(m_dir.path() / "nowhere"));
  auto bad_filter = list(session, {Selector{{"ds:root"}, {Filter{"no-such-filter", "", {}}}}, {}, true});
  ASSERT_FALSE(bad_filter);
  EXPECT_EQ(bad_filter.error().code, ErrorCode::invalid_argument);
}

TEST_F(WorkflowTest, NoInstanceConfiguredIsNotFound) {
  m_context.env.unset("LDB_DIR");
  Session session(m_context);
  auto listed = list(session, {Selector{{"ds:root"}, {}}, {}, false});
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace ldb::app
