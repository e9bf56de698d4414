// ldb fsck: checks the instance, its config and the workspace it runs in
// (src/app/fsck.hpp). Prints one line per problem with a hint; exit 6
// (corruption) when any. A -t folder that is not a workspace is not_found
// (exit 3), not damage.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/fsck.hpp"
#include "cli/commands.hpp"

namespace ldb::cli {

Status cmd_fsck(CommandEnv& env, const ParsedArgs& args) {
  if (!args.positional.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb fsck takes no arguments", "usage: ldb fsck [-t DIR] [--json]");
  }
  auto report = app::fsck(env.session, args.get("target"));
  if (!report) return std::unexpected(report.error());
  const auto& problems = report->problems;
  const std::string dir = report->instance.string();
  if (args.has("json")) {
    auto list = nlohmann::json::array();
    for (const auto& p : problems) list.push_back({{"where", p.where}, {"problem", p.message}, {"hint", p.hint}});
    nlohmann::json out = {
        {"instance", dir},
        {"healthy", problems.empty()},
        {"schema_version", report->schema_version},
        {"objects", report->objects},
        {"annotation_versions", report->annotation_versions},
        {"datasets", report->datasets},
        {"dataset_versions", report->dataset_versions},
        {"collections", report->collections},
        {"workspace", report->workspace.empty() ? nlohmann::json(nullptr) : nlohmann::json(report->workspace)},
        {"problems", list}};
    out_line(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    for (const auto& p : problems) out_line(fmt::format("{}: {} (hint: {})", p.where, p.message, p.hint));
    if (problems.empty() && !env.verbosity.quiet) {
      out_line(fmt::format("Instance {}: ok (schema {}, {} objects, {} annotation versions, {} datasets, {} versions)",
                           dir, report->schema_version, report->objects, report->annotation_versions, report->datasets,
                           report->dataset_versions));
      if (!report->workspace.empty()) out_line(fmt::format("Workspace {}: ok", report->workspace));
    }
  }
  if (!problems.empty()) {
    return fail(ErrorCode::corruption, fmt::format("ldb fsck found {} problem(s) in '{}'", problems.size(), dir),
                "see the lines above; restore a damaged instance from a backup, re-stage a damaged workspace");
  }
  return {};
}

}  // namespace ldb::cli
