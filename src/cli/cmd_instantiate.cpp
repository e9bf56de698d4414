// ldb instantiate: write the staged dataset's files into the workspace.

#include <fmt/format.h>

#include "app/instantiate.hpp"
#include "cli/commands.hpp"

namespace ldb::cli {

Result<app::WriteOptions> write_options_of(const ParsedArgs& args) {
  app::WriteOptions options;
  options.format = args.get("format");
  LDB_TRY_ASSIGN(options.params, app::parse_params(args.all("param")));
  options.annotations_only = args.has("annotations-only");
  options.preserve_paths = args.has("preserve-paths");
  options.force = args.has("force");
  options.link = args.has("link");
  options.apply = args.all("apply");
  return options;
}

void print_instantiated(const CommandEnv& env, const app::WriteReport& r) {
  if (env.verbosity.quiet) return;
  out_line(
      fmt::format("Instantiated {} data objects and {} annotation files in '{}' ({} written, {} unchanged, {} removed)",
                  r.data_files, r.annotation_files, r.target.string(), r.written, r.unchanged, r.removed));
  if (r.moved) {
    out_line(
        fmt::format("Moved {} file(s) that ldb did not write or that were changed to '{}' (delete the folder "
                    "once you no longer need them)",
                    r.moved, r.moved_to.string()));
  }
}

Status cmd_instantiate(CommandEnv& env, const ParsedArgs& args) {
  auto write = write_options_of(args);
  if (!write) return std::unexpected(write.error());
  auto report = app::instantiate(env.session, {selector_of(args), args.get("target"), *write});
  if (!report) return std::unexpected(report.error());
  if (!report->applied) {
    print_instantiated(env, *report);
  } else if (!env.verbosity.quiet) {
    out_line(fmt::format("Applied '{}' to {} data objects and {} annotation files; output in '{}'",
                         write->apply.front(), report->data_files, report->annotation_files, report->target.string()));
  }
  return {};
}

}  // namespace ldb::cli
