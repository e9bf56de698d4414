// app::stats over objects already selected (the web UI's kept selection)
// gives what app::stats over the same Selector gives; app::check_expression
// finds a filter's syntax error before any work.

#include "app/stats.hpp"

#include <gtest/gtest.h>

#include "app/browse.hpp"
#include "app/index.hpp"
#include "app/instance.hpp"
#include "app/json_output.hpp"
#include "app/storage.hpp"
#include "test_support.hpp"

namespace ldb::app {
namespace {

using ldb::testing::TempDir;

TEST(StatsOfRefsTest, SameAsTheSelectorsStatsInItsOrder) {
  TempDir dir;
  Context context;
  context.env.set("HOME", (dir.path() / "home").string());
  context.env.set("LDB_DIR", (dir.path() / "instance").string());
  context.env.set("LDB_CACHE_DIR", "none");
  context.cwd = dir.path();
  dir.write("data/a.png", "bytes of a");
  dir.write("data/a.json", R"({"class": "cat", "score": 0.5})");
  dir.write("data/b.png", "bytes of b");
  dir.write("data/b.json", R"({"class": "dog", "score": 1})");
  dir.write("data/c.png", "bytes of c");
  dir.write("data/c.json", R"({"class": "cat"})");
  ASSERT_OK(init_instance(context, "instance", false, false));
  Session session(context);
  ASSERT_OK(add_storage(session, {"data", std::nullopt, {}, false}));
  IndexSettings settings;
  settings.format = "bare-pairs";
  ASSERT_OK(index(session, {{"data"}, settings}));

  const Selector selector{{"ds:root"}, {Filter{"query", "class == 'cat' || score > `0.7`", {}}}};
  const StatsKeys keys{{"class", "score"}, {"fs.size"}, "3", "1"};
  auto refs = select_refs(session, {selector, std::nullopt, false});
  ASSERT_OK(refs);
  ASSERT_EQ(refs->size(), 3u);
  auto of_refs = stats(session, *refs, keys);
  ASSERT_OK(of_refs);
  auto of_selector = stats(session, {selector, std::nullopt, keys});
  ASSERT_OK(of_selector);
  EXPECT_EQ(stats_json(*of_refs), stats_json(*of_selector));
  EXPECT_EQ(of_refs->keys[1].missing, 1u);
  // A key every object misses is the same error either way (a bad argument, as `ldb stats` exits 2).
  auto missing = stats(session, *refs, {{"labels"}, {}, {}, {}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::invalid_argument);
  // Nothing selected: zero objects, not an error.
  auto none = stats(session, std::vector<ObjectRef>{}, {{"class"}, {}, {}, {}});
  ASSERT_OK(none);
  EXPECT_EQ(none->objects, 0u);
}

TEST(CheckExpressionTest, SyntaxErrorsOfQueryFileAndJqueryWithTheirColumn) {
  EXPECT_OK(check_expression({"query", "class == 'cat'", {}}));
  EXPECT_OK(check_expression({"file", "image.width > 100", {}}));
  auto query = check_expression({"query", "class ==", {}});
  ASSERT_FALSE(query);
  EXPECT_EQ(query_error_column(query.error()), 9u);
  // --jquery is standard JMESPath: a bare number is not a literal there.
  EXPECT_FALSE(check_expression({"jquery", "score > 0.5", {}}));
  EXPECT_OK(check_expression({"query", "score > 0.5", {}}));
  EXPECT_FALSE(check_expression({"file", "[", {}}));
  // Other filters are not its business.
  EXPECT_OK(check_expression({"path", "(", {}}));
  EXPECT_OK(check_expression({"limit", "ten", {}}));
}

}  // namespace
}  // namespace ldb::app
