// GET /api/stats: `ldb stats --json` (SPEC section 9, docs/stats.md) of the
// grid's selection, for the statistics view (web/stats.js). The selection is
// the one the grid made and the Api keeps, so the view's bars count exactly
// the objects the grid shows.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/json_output.hpp"
#include "app/stats.hpp"
#include "server/api.hpp"

namespace ldb::server {

namespace {

// A number parameter left empty is the default, as when it is not given.
std::optional<std::string> optional_value(const Params& params, std::string_view name) {
  auto value = value_of(params, name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

}  // namespace

Reply Api::stats(const Params& params) {
  if (auto bad = expression_error(params)) return std::move(*bad);
  app::StatsKeys keys{values_of(params, "by"), values_of(params, "file-by"), optional_value(params, "bins"),
                      optional_value(params, "top")};
  // Each key's syntax first, so that the error names the one that is wrong:
  // --by is read as --query is, --file-by as --file (ldb's dialect).
  if (auto bad = expression_error("by", "query", keys.by)) return std::move(*bad);
  if (auto bad = expression_error("file-by", "file", keys.file_by)) return std::move(*bad);
  auto ids = selection(params);
  if (!ids) return error_reply(ids.error());
  std::lock_guard lock(m_call);
  auto result = app::stats(m_session, **ids, keys);
  if (!result) return error_reply(result.error());
  return Reply{200, "application/json", app::stats_json(*result, app::JsonLayout::compact), {}};
}

}  // namespace ldb::server
