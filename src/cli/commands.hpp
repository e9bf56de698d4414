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
#include "formats/instantiate.hpp"
#include "formats/manifest.hpp"
#include "formats/workspace_changes.hpp"
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
  std::vector<std::string_view> subcommands;  // `ds list|del`, `storage list|rm` (shell completion)
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

// `sources` passed through the filters of `args`, in order (for sources
// read otherwise than select_objects reads them).
Result<dataset::Selection> filter_selection(dataset::Context& ctx, const ParsedArgs& args, dataset::Selection sources);

// Instantiates `selection` into `target` with the instantiate options of
// `args` (-m, -p, -f, --annotations-only, --preserve-paths), keeping the
// manifest of what ldb wrote there (cmd_instantiate.cpp). Prints warnings;
// returns what was written for print_instantiated, or nullopt when --apply
// ran a program on it instead (which reports for itself).
Result<std::optional<formats::Report>> instantiate_selection(CommandEnv& env, const ParsedArgs& args,
                                                             dataset::Context& ctx, const std::filesystem::path& target,
                                                             const dataset::Selection& selection);
// The "Instantiated ..." lines of a report (nothing when quiet).
void print_instantiated(const CommandEnv& env, const std::filesystem::path& target, const formats::Report& report);
// Where instantiate keeps the manifest for `target`, and its entries (empty when none).
std::filesystem::path instantiated_manifest_path(const std::filesystem::path& target);
Result<formats::Manifest> read_instantiated_manifest(const std::filesystem::path& target);
// conflict (with the hint to run instantiate again) when the manifest is of a
// run that did not finish.
Status check_instantiate_finished(const std::filesystem::path& target, const formats::Manifest& manifest);
// Files an unfinished run had still to write that are not there.
std::size_t unwritten_files(const std::filesystem::path& target, const formats::Manifest& manifest);
// Absolute paths of the files below `target` that are still exactly as the last
// instantiate wrote them (same size and modification time as its manifest records).
// The check of the workspace's own files as a source (sync, add DIR): conflict
// when the last instantiate did not finish (check_instantiate_finished).
Result<std::vector<std::string>> untouched_instantiated_files(const std::filesystem::path& target);
// After the staged state of the workspace at `root` was saved from its own
// files: records `taken` (or, when empty, what ctx.workspace_reads took from
// `root`) in its manifest, so those files count as ldb's (formats::take_in).
Status record_taken_in(const std::filesystem::path& root, const dataset::Context& ctx,
                       std::span<const dataset::TakenFile> taken, formats::MissingFiles missing);

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
Status cmd_transform(CommandEnv&, const ParsedArgs&);

// Gives each member the transforms its dataset assigns it (cli/cmd_transform.cpp):
// those of the datasets named on the command line, else of the staged dataset
// of `target` (or of the current workspace). Errors: an unknown or malformed
// transform program, a bad instance config.
Result<std::vector<formats::Member>> with_transforms(dataset::Context& ctx, const ParsedArgs& args,
                                                     const std::filesystem::path& target,
                                                     std::vector<formats::Member> members);

// instantiate --apply EXEC ARGS...: instantiates `members` into a new
// temporary folder, runs EXEC (looked up like a pipe plugin) in its own folder
// with [tmp_dir, final_dir] as JSON on stdin, and removes the temporary folder
// whatever happens. invalid_argument when the program fails (naming it and its
// exit status), not_found when it is not installed.
Status instantiate_and_apply(CommandEnv& env, dataset::Context& ctx, const formats::Options& options,
                             const std::filesystem::path& final_dir, std::span<const formats::Member> members,
                             std::span<const std::string> apply);

}  // namespace ldb::cli
