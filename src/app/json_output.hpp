#pragma once
// The JSON documents of `--json` (docs/json-output.md) for results every front
// end shows: the CLI prints them, the Python module parses them into dicts and
// the web UI sends them, so that all three share one shape. Keys are sorted;
// text that is not UTF-8 is written with U+FFFD in its place.

#include <string>

#include "app/stats.hpp"
#include "app/workspace.hpp"

namespace ldb::app {

enum class JsonLayout { indented, compact };  // indented: two spaces, as the CLI prints

// ldb stats --json.
std::string stats_json(const StatsResult& result, JsonLayout layout = JsonLayout::indented);
// ldb diff --stats --json.
std::string diff_stats_json(const DiffStatsResult& result, JsonLayout layout = JsonLayout::indented);
// ldb status --json (a workspace) and ldb status ds:NAME --json (a committed version).
std::string workspace_status_json(const WorkspaceStatus& status, JsonLayout layout = JsonLayout::indented);
std::string version_json(const VersionSummary& version, JsonLayout layout = JsonLayout::indented);

}  // namespace ldb::app
