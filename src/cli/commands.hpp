#pragma once
// The commands of the ldb executable, one function each, and what they share.

#include <span>
#include <string>
#include <vector>

#include "cli/args.hpp"
#include "cli/instance.hpp"
#include "cli/output.hpp"
#include "core/thread_pool.hpp"
#include "dataset/context.hpp"
#include "dataset/pipeline.hpp"
#include "dataset/workspace.hpp"
#include "storage/file_system.hpp"

namespace ldb::cli {

struct CommandEnv {
  Verbosity verbosity;
  TerminalProgress& progress;
  core::ThreadPool& pool;
  storage::FileSystem& fs;
};

using CommandFn = Status (*)(CommandEnv&, const ParsedArgs&);

struct Command {
  std::string_view name;
  std::string_view usage;
  std::string_view summary;
  std::vector<OptionSpec> options;
  bool with_filters = false;
  CommandFn run = nullptr;
};

// The command table, in the order `ldb --help` lists it.
const std::vector<Command>& commands();

// A dataset::Context over an open instance; warnings collected there are
// printed by print_warnings.
dataset::Context make_context(CommandEnv& env, Instance& instance);
void print_warnings(const CommandEnv& env, const dataset::Context& ctx);

// The workspace for commands that act on the staged dataset: -t DIR or the
// current folder (or a parent).
Result<dataset::Workspace> current_workspace(const ParsedArgs& args);

// Objects named on the command line, passed through the filters in order.
// With no objects named, `default_source` is used — only when a filter is
// given if NoObjects::need_filter (add/del), always if NoObjects::use_default.
enum class NoObjects { need_filter, use_default };
Result<dataset::Selection> select_objects(dataset::Context& ctx, const ParsedArgs& args, std::string_view command,
                                          const std::vector<std::string>& default_source, NoObjects no_objects);

Status cmd_init(CommandEnv&, const ParsedArgs&);
Status cmd_add_storage(CommandEnv&, const ParsedArgs&);
Status cmd_storage(CommandEnv&, const ParsedArgs&);
Status cmd_index(CommandEnv&, const ParsedArgs&);
Status cmd_stage(CommandEnv&, const ParsedArgs&);
Status cmd_add(CommandEnv&, const ParsedArgs&);
Status cmd_del(CommandEnv&, const ParsedArgs&);
Status cmd_list(CommandEnv&, const ParsedArgs&);
Status cmd_eval(CommandEnv&, const ParsedArgs&);
Status cmd_status(CommandEnv&, const ParsedArgs&);
Status cmd_commit(CommandEnv&, const ParsedArgs&);
Status cmd_diff(CommandEnv&, const ParsedArgs&);
Status cmd_ds(CommandEnv&, const ParsedArgs&);
Status cmd_log(CommandEnv&, const ParsedArgs&);
Status cmd_show(CommandEnv&, const ParsedArgs&);
Status cmd_instantiate(CommandEnv&, const ParsedArgs&);

}  // namespace ldb::cli
