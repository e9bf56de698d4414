#include "app/json_output.hpp"

#include <nlohmann/json.hpp>

namespace ldb::app {

namespace {

using nlohmann::json;

std::string dump(const json& j, JsonLayout layout) {
  return j.dump(layout == JsonLayout::indented ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

json number_json(const NumberStats& n) {
  auto quantiles = json::array();
  for (const auto& [level, value] : n.quantiles) quantiles.push_back({{"level", level}, {"value", value}});
  auto histogram = json::array();
  for (const auto& bin : n.histogram) histogram.push_back({{"low", bin.low}, {"high", bin.high}, {"count", bin.count}});
  return {{"count", n.count}, {"min", n.min},           {"max", n.max},          {"mean", n.mean},
          {"std", n.std},     {"quantiles", quantiles}, {"histogram", histogram}};
}

json value_json(const std::string& value, bool boolean) { return boolean ? json(value == "true") : json(value); }

double share(std::uint64_t n, std::uint64_t of) { return of ? static_cast<double>(n) / static_cast<double>(of) : 0; }

// What both stats and diff --stats give of one key on one selection.
json key_summary_json(const KeyStats& k) {
  json j{{"objects", k.objects}, {"missing", k.missing}, {"errors", k.errors},
         {"unit", k.unit},       {"values", k.values},   {"null_elements", k.null_elements},
         {"other", k.other}};
  if (k.numbers) j["numbers"] = number_json(*k.numbers);
  return j;
}

json key_json(const KeyStats& k) {
  auto j = key_summary_json(k);
  auto top = json::array();
  for (const auto& v : k.top) {
    top.push_back({{"value", value_json(v.value, v.boolean)}, {"count", v.count}, {"share", share(v.count, k.values)}});
  }
  j["key"] = k.key;
  j["source"] = k.source;
  j["distinct"] = k.distinct;
  j["top"] = top;
  j["other_values"] = k.other_values;
  j["other_count"] = k.other_count;
  return j;
}

}  // namespace

std::string stats_json(const StatsResult& result, JsonLayout layout) {
  auto coverage = json::array();
  for (const auto& c : result.coverage) {
    coverage.push_back(
        {{"key", c.key}, {"annotations", c.annotations}, {"share", share(c.annotations, result.objects)}});
  }
  auto keys = json::array();
  for (const auto& k : result.keys) keys.push_back(key_json(k));
  json j{{"objects", result.objects}, {"annotations", result.annotations}, {"keys", keys}};
  if (result.overview) j["coverage"] = coverage;
  return dump(j, layout);
}

std::string diff_stats_json(const DiffStatsResult& result, JsonLayout layout) {
  auto keys = json::array();
  for (const auto& k : result.keys) {
    auto changes = json::array();
    for (const auto& c : k.changes) {
      changes.push_back({{"value", value_json(c.value, c.boolean)},
                         {"from", c.from},
                         {"to", c.to},
                         {"change", static_cast<std::int64_t>(c.to) - static_cast<std::int64_t>(c.from)},
                         {"from_share", c.from_share},
                         {"to_share", c.to_share},
                         {"share_points", 100 * (c.to_share - c.from_share)}});
    }
    keys.push_back({{"key", k.key},
                    {"source", k.source},
                    {"from", key_summary_json(k.from)},
                    {"to", key_summary_json(k.to)},
                    {"changes", changes},
                    {"other_values", k.other_values}});
  }
  return dump(json{{"from_objects", result.from_objects}, {"to_objects", result.to_objects}, {"keys", keys}}, layout);
}

std::string workspace_status_json(const WorkspaceStatus& s, JsonLayout layout) {
  json status{{"dataset", s.dataset},
              {"version", s.version},
              {"workspace", s.root.string()},
              {"objects", s.objects},
              {"annotations", s.annotations},
              {"uncommitted", {{"added", s.added}, {"deleted", s.deleted}, {"modified", s.modified}}}};
  // Listed only when there are some: the output without transforms stays as it was.
  if (s.transforms_changed) status["uncommitted"]["transforms_changed"] = s.transforms_changed;
  // Likewise only when others committed since the workspace was staged.
  if (s.behind) status["behind"] = {{"latest", s.behind}};
  status["instantiate"] = {{"state", s.files.state}, {"files", s.files.files}, {"unwritten", s.files.unwritten}};
  status["files"] = {{"edited", s.files.edited}, {"deleted", s.files.deleted}, {"new", s.files.added}};
  return dump(status, layout);
}

std::string version_json(const VersionSummary& v, JsonLayout layout) {
  return dump({{"dataset", v.name}, {"version", v.version}, {"objects", v.objects}, {"annotations", v.annotations}},
              layout);
}

}  // namespace ldb::app
