#pragma once
// The commands of the ldb executable, one function each, and what they share.

#include <csignal>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "app/formats.hpp"
#include "app/instantiate.hpp"
#include "app/selection.hpp"
#include "app/session.hpp"
#include "cli/args.hpp"
#include "cli/output.hpp"

namespace ldb::cli {

// What every command gets: how much to say, the terminal's progress bar, and
// the src/app Session the command runs its use case in.
struct CommandEnv {
  Verbosity verbosity;
  TerminalProgress& progress;
  app::Session& session;
};

using CommandFn = Status (*)(CommandEnv&, const ParsedArgs&);

struct Command {
  std::string_view name;
  std::string_view usage;
  std::string_view summary;
  std::vector<OptionSpec> options;
  bool with_filters = false;
  CommandFn run = nullptr;
  std::vector<std::string_view> subcommands;  // `ds list|del`, `storage list|rm` (shell completion)
  // Whose -p parameters its help lists (from the format registry): the
  // formats it reads (index, add, sync) or writes (instantiate, get).
  std::optional<app::FormatRole> format_params;
};

// The command table, in the order `ldb --help` lists it.
const std::vector<Command>& commands();

// The exit status of a command that failed with `e` (documented in the
// README and the manual page; scripts may rely on them).
int exit_code(const Error& e);
// The exit status when the reader of ldb's output went away (`ldb list | head`):
// what a death by SIGPIPE would give.
inline constexpr int k_exit_reader_gone = 128 + SIGPIPE;

// The objects named on the command line and the filters, in order.
app::Selector selector_of(const ParsedArgs& args);

// -m, -p, --add-tags, --annotation-update of the commands that index (index, add, sync).
Result<app::IndexSettings> index_settings_of(const ParsedArgs& args);

// -m/-p of the commands that write (instantiate, get).
Result<app::WriteOptions> write_options_of(const ParsedArgs& args);
// The "Instantiated ..." lines of a report (nothing when quiet).
void print_instantiated(const CommandEnv& env, const app::WriteReport& report);

Status cmd_init(CommandEnv&, const ParsedArgs&);
Status cmd_instance(CommandEnv&, const ParsedArgs&);
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
Status cmd_diff_stats(CommandEnv&, const ParsedArgs&);  // ldb diff --stats
Status cmd_stats(CommandEnv&, const ParsedArgs&);
Status cmd_ds(CommandEnv&, const ParsedArgs&);
Status cmd_log(CommandEnv&, const ParsedArgs&);
Status cmd_show(CommandEnv&, const ParsedArgs&);
Status cmd_instantiate(CommandEnv&, const ParsedArgs&);
Status cmd_tag(CommandEnv&, const ParsedArgs&);
Status cmd_pull(CommandEnv&, const ParsedArgs&);
Status cmd_sync(CommandEnv&, const ParsedArgs&);
Status cmd_get(CommandEnv&, const ParsedArgs&);
Status cmd_unindex(CommandEnv&, const ParsedArgs&);
Status cmd_completion(CommandEnv&, const ParsedArgs&);
Status cmd_fsck(CommandEnv&, const ParsedArgs&);
Status cmd_ui(CommandEnv&, const ParsedArgs&);
Status cmd_transform(CommandEnv&, const ParsedArgs&);
Status cmd_features(CommandEnv&, const ParsedArgs&);
Status cmd_dups(CommandEnv&, const ParsedArgs&);
Status cmd_embed(CommandEnv&, const ParsedArgs&);
Status cmd_project(CommandEnv&, const ParsedArgs&);
Status cmd_split(CommandEnv&, const ParsedArgs&);

}  // namespace ldb::cli
