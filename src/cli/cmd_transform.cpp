// ldb transform, and what instantiate needs of transforms: the members'
// programs, and --apply (instantiate to a temporary folder, run a program on it).

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "cli/transforms.hpp"
#include "core/json.hpp"
#include "core/process.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/pipe_plugin.hpp"
#include "dataset/transform_sets.hpp"

namespace ldb::cli {

namespace {

// Removes a temporary folder on every path out of --apply, failures included.
struct TempFolder {
  std::filesystem::path path;
  TempFolder() = default;
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  ~TempFolder() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

Status cmd_transform(CommandEnv& env, const ParsedArgs& args) {
  int edits = (args.has("add") ? 1 : 0) + (args.has("remove") ? 1 : 0) + (args.has("set") ? 1 : 0);
  if (edits != 1) {
    return fail(ErrorCode::invalid_argument, "ldb transform needs exactly one of -a, -r and -s",
                "for example: ldb transform -a rotate (add), -r rotate (remove), -s self (set)");
  }
  auto ws = current_workspace(args);
  if (!ws) return std::unexpected(ws.error());
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto config = read_transform_config(instance->dir);
  if (!config) return std::unexpected(config.error());
  auto edit = args.has("add") ? dataset::TransformEdit::add
              : args.has("remove") ? dataset::TransformEdit::remove
                                   : dataset::TransformEdit::set;
  auto commands = resolve_transform_names(*config, args.all(args.has("add") ? "add" : args.has("remove") ? "remove" : "set"));
  if (!commands) return std::unexpected(commands.error());
  auto ctx = make_context(env, *instance);
  auto selection = select_objects(ctx, args, "transform", {"ws:" + ws->root().string()}, NoObjects::use_default);
  if (!selection) return std::unexpected(selection.error());
  auto targets = dataset::normalize(std::move(*selection));
  auto& state = ws->state();
  auto outcome = dataset::edit_transforms(state.members, state.transforms, targets, edit, *commands);
  if (!outcome) return std::unexpected(outcome.error());
  state.transforms = std::move(outcome->transforms);
  LDB_TRY(ws->save());
  print_warnings(env, ctx);
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Changed the transforms of {} of {} selected objects in {}", outcome->changed, targets.size(),
                         state.dataset_name.empty() ? std::string("an unnamed dataset") : "ds:" + state.dataset_name));
  }
  return {};
}

Result<std::vector<formats::Member>> with_transforms(dataset::Context& ctx, const ParsedArgs& args,
                                                     const std::filesystem::path& target,
                                                     std::vector<formats::Member> members) {
  std::vector<std::string> identifiers = args.positional;
  if (identifiers.empty()) {
    if (dataset::Workspace::exists(target)) {
      identifiers.push_back("ws:" + target.string());
    } else if (auto ws = dataset::Workspace::find(std::filesystem::current_path())) {
      identifiers.push_back("ws:" + ws->root().string());
    }
  }
  auto assignments = dataset::transforms_of_sources(ctx, identifiers);
  if (!assignments) return std::unexpected(assignments.error());
  if (assignments->empty()) return members;
  auto config = read_transform_config(ctx.instance_dir);
  if (!config) return std::unexpected(config.error());
  std::map<store::TransformSet, std::vector<formats::MemberTransform>> resolved;
  for (auto& member : members) {
    auto set = dataset::transform_set_of(*assignments, member.hash);
    if (set.size() == 1 && set.front() == store::k_self_transform) continue;
    auto it = resolved.find(set);
    if (it == resolved.end()) {
      auto programs = member_transforms(*config, ctx.instance_dir, set);
      if (!programs) return std::unexpected(programs.error());
      it = resolved.emplace(set, std::move(*programs)).first;
    }
    member.transforms = it->second;
  }
  return members;
}

Status instantiate_and_apply(CommandEnv& env, dataset::Context& ctx, const formats::Options& options,
                             const std::filesystem::path& final_dir, std::span<const formats::Member> members,
                             std::span<const std::string> apply) {
  if (apply.empty() || apply.front().empty()) {
    return fail(ErrorCode::invalid_argument, "--apply needs a program", "usage: ldb instantiate --apply EXEC [ARGS...]");
  }
  auto exe = dataset::find_plugin(ctx.instance_dir, apply.front());
  if (!exe) {
    return fail(ErrorCode::not_found, fmt::format("--apply program '{}' was not found", apply.front()),
                fmt::format("programs are looked up in {} and then on PATH (or give a path with '/')",
                            (ctx.instance_dir / "custom_code" / "ldb_user_filters").string()));
  }
  std::error_code ec;
  std::filesystem::create_directories(final_dir, ec);
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", final_dir.string(), ec.message()),
                "check that the target folder is writable");
  }
  TempFolder tmp;
  std::string pattern = (std::filesystem::temp_directory_path() / "ldb-apply-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    return fail(ErrorCode::io, fmt::format("cannot create a temporary folder: {}", std::strerror(errno)),
                "check that the temporary folder ($TMPDIR or /tmp) is writable");
  }
  tmp.path = pattern;
  formats::Options fresh = options;
  fresh.checkpoint = nullptr;  // nothing to resume: the folder is new and removed afterwards
  auto result = formats::instantiate(env.fs, env.pool, env.progress, tmp.path, members, {}, fresh);
  env.progress.finish();
  if (!result) return std::unexpected(result.error());
  std::string input = "[";
  core::append_json_string(tmp.path.string(), input);
  input.push_back(',');
  core::append_json_string(final_dir.string(), input);
  input.push_back(']');
  std::vector<std::string> program_args(apply.begin() + 1, apply.end());
  auto run = core::run_program(*exe, program_args, input, core::StdoutMode::inherit, exe->parent_path());
  if (!run) return std::unexpected(run.error());
  if (!run->succeeded()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("--apply program '{}' failed ({})", exe->string(), run->describe()),
                fmt::format("its error output is above; it ran in '{}' with {} on stdin (that temporary folder is "
                            "removed)",
                            exe->parent_path().string(), input));
  }
  print_warnings(env, ctx);
  if (env.verbosity.quiet) return {};
  for (const auto& w : result->report.warnings) warn(w);
  out_line(fmt::format("Applied '{}' to {} data objects and {} annotation files; output in '{}'", apply.front(),
                       result->report.data_files, result->report.annotation_files, final_dir.string()));
  return {};
}

}  // namespace ldb::cli
