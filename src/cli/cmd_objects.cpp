// ldb tag, unindex: commands on indexed objects, whichever datasets hold them.

#include <fmt/format.h>

#include "app/objects.hpp"
#include "cli/commands.hpp"

namespace ldb::cli {

Status cmd_tag(CommandEnv& env, const ParsedArgs& args) {
  auto outcome = app::tag(env.session, {selector_of(args), args.get("target"), args.all("add"), args.all("remove")});
  if (!outcome) return std::unexpected(outcome.error());
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Tagged {} objects ({} changed)", outcome->selected, outcome->changed));
  }
  return {};
}

Status cmd_unindex(CommandEnv& env, const ParsedArgs& args) {
  auto removed = app::unindex(env.session, {selector_of(args), args.get("target")});
  if (!removed) return std::unexpected(removed.error());
  if (!env.verbosity.quiet) out_line(fmt::format("Unindexed {} objects", *removed));
  return {};
}

}  // namespace ldb::cli
