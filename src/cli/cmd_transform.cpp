// ldb transform: add, remove or set the staged members' transforms.

#include <fmt/format.h>

#include "app/workspace.hpp"
#include "cli/commands.hpp"

namespace ldb::cli {

Status cmd_transform(CommandEnv& env, const ParsedArgs& args) {
  int edits = (args.has("add") ? 1 : 0) + (args.has("remove") ? 1 : 0) + (args.has("set") ? 1 : 0);
  if (edits != 1) {
    return fail(ErrorCode::invalid_argument, "ldb transform needs exactly one of -a, -r and -s",
                "for example: ldb transform -a rotate (add), -r rotate (remove), -s self (set)");
  }
  app::TransformRequest request{selector_of(args), args.get("target"), app::TransformEdit::add, {}};
  request.edit = args.has("add")      ? app::TransformEdit::add
                 : args.has("remove") ? app::TransformEdit::remove
                                      : app::TransformEdit::set;
  request.names = args.all(args.has("add") ? "add" : args.has("remove") ? "remove" : "set");
  auto outcome = app::transform(env.session, request);
  if (!outcome) return std::unexpected(outcome.error());
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Changed the transforms of {} of {} selected objects in {}", outcome->changed,
                         outcome->selected, app::dataset_label(outcome->dataset, "an unnamed dataset")));
  }
  return {};
}

}  // namespace ldb::cli
