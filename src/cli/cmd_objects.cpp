// ldb tag, unindex: commands on indexed objects, whichever datasets hold them.

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/object_ops.hpp"

namespace ldb::cli {

Status cmd_tag(CommandEnv& env, const ParsedArgs& args) {
  auto add = dataset::parse_tag_list(args.all("add"), "-a");
  if (!add) return std::unexpected(add.error());
  auto remove = dataset::parse_tag_list(args.all("remove"), "-r");
  if (!remove) return std::unexpected(remove.error());
  if (add->empty() && remove->empty()) {
    return fail(ErrorCode::invalid_argument, "ldb tag needs tags to add (-a) or remove (-r)",
                "for example: ldb tag ds:root --query 'class == `cat`' -a cats,reviewed");
  }
  // No object list: ds:root with a filter, else the staged dataset.
  std::vector<std::string> defaults;
  if (args.positional.empty()) {
    if (!args.filters.empty()) {
      defaults.push_back("ds:root");
    } else {
      auto ws = current_workspace(args);
      if (!ws) return std::unexpected(ws.error());
      defaults.push_back("ws:" + ws->root().string());
    }
  }
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  auto selection = select_objects(ctx, args, "tag", defaults, NoObjects::use_default);
  if (!selection) return std::unexpected(selection.error());
  auto objects = dataset::normalize(std::move(*selection));
  auto outcome = dataset::tag_objects(ctx, objects, *add, *remove);
  if (!outcome) return std::unexpected(outcome.error());
  print_warnings(env, ctx);
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Tagged {} objects ({} changed)", outcome->selected, outcome->changed));
  }
  return {};
}

Status cmd_unindex(CommandEnv& env, const ParsedArgs& args) {
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  auto selection = select_objects(ctx, args, "unindex", {"ds:root"}, NoObjects::need_filter);
  if (!selection) return std::unexpected(selection.error());
  auto objects = dataset::normalize(std::move(*selection));
  // Objects staged in the workspace the command runs in (or -t) stay indexed.
  store::Collection staged;
  auto ws = args.has("target") ? current_workspace(args) : dataset::Workspace::find(std::filesystem::current_path());
  if (ws) {
    staged = ws->state().members;
  } else if (args.has("target")) {
    return std::unexpected(ws.error());
  }
  auto removed = dataset::unindex(ctx, objects, staged);
  if (!removed) return std::unexpected(removed.error());
  print_warnings(env, ctx);
  if (!env.verbosity.quiet) out_line(fmt::format("Unindexed {} objects", *removed));
  return {};
}

}  // namespace ldb::cli
