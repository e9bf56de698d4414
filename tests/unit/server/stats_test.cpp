// GET /api/stats (the statistics view): `ldb stats --json` of the grid's
// selection, over an instance of known labels — the same document as
// app::stats_json of app::stats over the same selection — and its errors,
// each naming the parameter (and which of its values) that is wrong.

#include <gtest/gtest.h>
#include <httplib.h>

#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/json_output.hpp"
#include "app/stats.hpp"
#include "server_fixture.hpp"

namespace ldb::server {
namespace {

using nlohmann::json;

// Percent-encodes a query parameter's value (the client sends it as given).
std::string encoded(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

class StatsRouteTest : public ServerFixture {
 protected:
  void SetUp() override {
    // Six labelled objects (one class with a quote in it), one without a label.
    const std::pair<const char*, double> labels[] = {{"cat", 0.9},  {"cat", 0.8}, {"cat", 0.15},
                                                     {"dog", 0.55}, {"dog", 0.4}, {"it's", 0.1}};
    for (std::size_t i = 0; i < std::size(labels); ++i) {
      m_dir.write(fmt::format("data/{}.png", i), fmt::format("bytes of {}", i));
      m_dir.write(fmt::format("data/{}.json", i),
                  json{{"class", labels[i].first}, {"inference", {{"confidence", labels[i].second}}}}.dump());
    }
    m_dir.write("data/unlabelled.png", "bytes without a label");
    start();
  }

  // What `ldb stats --json` gives for the same selection and keys.
  json cli_stats(app::Selector selector, app::StatsKeys keys) {
    auto result = app::stats(*m_session, {std::move(selector), std::nullopt, std::move(keys)});
    EXPECT_OK(result);
    return result ? json::parse(app::stats_json(*result)) : json{};
  }
};

TEST_F(StatsRouteTest, TheDocumentOfLdbStatsJsonOverTheGridsSelection) {
  auto got = get_json("/api/stats?objects=ds:root&by=class&by=inference.confidence&bins=4&top=2");
  EXPECT_EQ(got, cli_stats(app::Selector{{"ds:root"}, {}}, {{"class", "inference.confidence"}, {}, "4", "2"}));
  EXPECT_EQ(got["objects"], 7);
  EXPECT_EQ(got["annotations"], 6);
  const auto& by_class = got["keys"][0];
  EXPECT_EQ(by_class["missing"], 1);
  EXPECT_EQ(by_class["top"][0]["value"], "cat");
  EXPECT_EQ(by_class["top"][0]["count"], 3);
  EXPECT_EQ(by_class["top"][1]["value"], "dog");
  EXPECT_EQ(by_class["other_values"], 1);
  EXPECT_EQ(by_class["other_count"], 1);
  std::vector<std::uint64_t> bins;
  for (const auto& bin : got["keys"][1]["numbers"]["histogram"]) bins.push_back(bin["count"]);
  EXPECT_EQ(bins, (std::vector<std::uint64_t>{2, 1, 1, 2}));  // [0.1, 0.3) [0.3, 0.5) [0.5, 0.7) [0.7, 0.9]

  // The grid's filters narrow it, as --query does for ldb stats.
  const std::string cats = "class == 'cat'";
  auto filtered = get_json("/api/stats?query=" + encoded(cats) + "&by=class");
  EXPECT_EQ(filtered, cli_stats(app::Selector{{"ds:root"}, {app::Filter{"query", cats, {}}}}, {{"class"}, {}, {}, {}}));
  EXPECT_EQ(filtered["objects"], 3);
  // Empty numbers are the defaults (10 bins, the top 20).
  auto defaults = get_json("/api/stats?by=inference.confidence&bins=&top=");
  EXPECT_EQ(defaults["keys"][0]["numbers"]["histogram"].size(), 10u);
}

TEST_F(StatsRouteTest, WithoutAKeyTheOverviewListsTheTopLevelKeys) {
  auto got = get_json("/api/stats");
  EXPECT_EQ(got, cli_stats(app::Selector{{"ds:root"}, {}}, {}));
  ASSERT_EQ(got["coverage"].size(), 2u);
  EXPECT_EQ(got["coverage"][0]["key"], "class");
  EXPECT_EQ(got["coverage"][0]["annotations"], 6);
}

TEST_F(StatsRouteTest, ErrorsNameTheKeyOrExpressionThatIsWrong) {
  // The second key's syntax: its column, "field" and "index".
  auto syntax = get_json("/api/stats?by=class&by=" + encoded("class =="), 400);
  EXPECT_EQ(syntax["error"]["field"], "by");
  EXPECT_EQ(syntax["error"]["index"], 1);
  EXPECT_EQ(syntax["error"]["column"], 9);
  auto file_key = get_json("/api/stats?file-by=" + encoded("fs.size >"), 400);
  EXPECT_EQ(file_key["error"]["field"], "file-by");
  EXPECT_EQ(file_key["error"]["index"], 0);
  // A key no object has: a bad argument as `ldb stats` (exit 2), the hint
  // names the keys there are.
  auto missing = get_json("/api/stats?by=labels", 400);
  EXPECT_EQ(missing["error"]["code"], "invalid_argument");
  EXPECT_NE(missing["error"]["hint"].get<std::string>().find("class (6)"), std::string::npos);
  auto bins = get_json("/api/stats?by=class&bins=0", 400);
  EXPECT_NE(bins["error"]["message"].get<std::string>().find("--bins"), std::string::npos);
  auto dataset = get_json("/api/stats?objects=ds:nope&by=class", 404);
  EXPECT_EQ(dataset["error"]["code"], "not_found");
}

TEST_F(StatsRouteTest, OfSeveralQueriesTheOneWithTheSyntaxErrorIsNamed) {
  // The query box's own, then a view's filter: the second is wrong.
  const std::string good = "query=" + encoded("class == 'cat'");
  for (const std::string route : {"/api/count?", "/api/objects?", "/api/stats?by=class&"}) {
    auto second = get_json(route + good + "&query=" + encoded("inference.confidence >"), 400);
    EXPECT_EQ(second["error"]["field"], "query") << route;
    EXPECT_EQ(second["error"]["index"], 1) << route;
    EXPECT_EQ(second["error"]["column"], 23) << route;
    auto first = get_json(route + "query=" + encoded("[") + "&" + good, 400);
    EXPECT_EQ(first["error"]["index"], 0) << route;
    EXPECT_EQ(first["error"]["column"], 2) << route;
  }
  // --file before --query (the order the filters apply).
  auto file = get_json("/api/count?query=" + encoded("[") + "&file=" + encoded("fs.size >"), 400);
  EXPECT_EQ(file["error"]["field"], "file");
  EXPECT_EQ(file["error"]["index"], 0);
}

}  // namespace
}  // namespace ldb::server
