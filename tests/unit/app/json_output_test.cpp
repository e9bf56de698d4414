// The --json shapes front ends share (docs/json-output.md): sorted keys, the
// CLI's two-space layout or a compact one with the same content.

#include "app/json_output.hpp"

#include <gtest/gtest.h>

namespace ldb::app {
namespace {

TEST(JsonOutput, VersionIndentedAndCompact) {
  VersionSummary v{"pets", 2, 3, 1};
  EXPECT_EQ(version_json(v, JsonLayout::compact), R"({"annotations":1,"dataset":"pets","objects":3,"version":2})");
  EXPECT_EQ(version_json(v),
            "{\n  \"annotations\": 1,\n  \"dataset\": \"pets\",\n  \"objects\": 3,\n  \"version\": 2\n}");
}

TEST(JsonOutput, StatsKeysCountsAndShares) {
  StatsResult r;
  r.objects = 4;
  r.annotations = 4;
  KeyStats k;
  k.key = "class";
  k.source = "annotation";
  k.objects = 4;
  k.unit = "objects";
  k.values = 4;
  k.distinct = 2;
  k.top = {{"cat", false, 3}, {"true", true, 1}};
  r.keys.push_back(k);
  EXPECT_EQ(stats_json(r, JsonLayout::compact),
            R"({"annotations":4,"keys":[{"distinct":2,"errors":0,"key":"class","missing":0,"null_elements":0,)"
            R"("objects":4,"other":0,"other_count":0,"other_values":0,"source":"annotation","top":[)"
            R"({"count":3,"share":0.75,"value":"cat"},{"count":1,"share":0.25,"value":true}],"unit":"objects",)"
            R"("values":4}],"objects":4})");
  // Coverage only in the overview.
  r.overview = true;
  r.coverage = {{"class", 4}};
  EXPECT_NE(stats_json(r, JsonLayout::compact).find(R"("coverage":[{"annotations":4,"key":"class","share":1.0}])"),
            std::string::npos);
}

TEST(JsonOutput, StatusListsTransformsAndBehindOnlyWhenThere) {
  WorkspaceStatus s;
  s.dataset = "pets";
  s.root = "/w";
  s.files.state = "none";
  auto plain = workspace_status_json(s, JsonLayout::compact);
  EXPECT_EQ(plain.find("transforms_changed"), std::string::npos);
  EXPECT_EQ(plain.find("behind"), std::string::npos);
  s.transforms_changed = 1;
  s.behind = 3;
  auto moved = workspace_status_json(s, JsonLayout::compact);
  EXPECT_NE(moved.find(R"("transforms_changed":1)"), std::string::npos);
  EXPECT_NE(moved.find(R"("behind":{"latest":3})"), std::string::npos);
}

}  // namespace
}  // namespace ldb::app
