// ldb pull, sync, get: bringing the staged dataset up to date with the index,
// with an object list or with the workspace's own files.

#include <charconv>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/paths.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/object_ops.hpp"
#include "dataset/workspace_files.hpp"
#include "formats/workspace_changes.hpp"

namespace ldb::cli {

namespace {

std::string staged_label(const dataset::WorkspaceState& s) {
  return s.dataset_name.empty() ? std::string("the unnamed dataset") : "ds:" + s.dataset_name;
}

Result<std::uint32_t> parse_pull_version(std::string_view text) {
  std::uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v == 0) {
    return fail(ErrorCode::invalid_argument, fmt::format("-v expects an annotation version number, got '{}'", text),
                "annotation versions start at 1; see them with: ldb show id:HASH");
  }
  return v;
}

}  // namespace

Status cmd_pull(CommandEnv& env, const ParsedArgs& args) {
  std::uint32_t version = 0;
  if (auto v = args.get("version")) {
    auto parsed = parse_pull_version(*v);
    if (!parsed) return std::unexpected(parsed.error());
    version = *parsed;
  }
  auto ws = current_workspace(args);
  if (!ws) return std::unexpected(ws.error());
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  auto selection = select_objects(ctx, args, "pull", {"ws:" + ws->root().string()}, NoObjects::use_default);
  if (!selection) return std::unexpected(selection.error());
  auto selected = dataset::normalize(std::move(*selection));
  auto& state = ws->state();
  auto outcome = dataset::pull(ctx, state.members, selected, version);
  if (!outcome) return std::unexpected(outcome.error());
  state.members = std::move(outcome->members);
  LDB_TRY(ws->save());
  print_warnings(env, ctx);
  if (env.verbosity.quiet) return {};
  std::string target = version ? fmt::format("annotation version {}", version) : "the current annotation version";
  out_line(fmt::format("Pulled {} objects of {} to {} ({} already there)", outcome->updated, staged_label(state),
                       target, outcome->unchanged));
  if (outcome->missing) {
    out_line(fmt::format("{} objects have no annotation version {} and were left as they were", outcome->missing,
                         version));
  }
  if (outcome->not_staged) out_line(fmt::format("{} selected objects are not staged and were ignored", outcome->not_staged));
  return {};
}

Status cmd_sync(CommandEnv& env, const ParsedArgs& args) {
  auto ws = current_workspace(args);
  if (!ws) return std::unexpected(ws.error());
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  store::Collection wanted;
  std::uint64_t edited = 0, copied = 0;
  std::vector<dataset::TakenFile> taken;
  if (args.positional.empty()) {
    // The workspace's own files, as `ldb add .` reads them.
    auto untouched = untouched_instantiated_files(ws->root());
    if (!untouched) return std::unexpected(untouched.error());
    auto files = dataset::read_workspace_files(ctx, *ws, *untouched);
    if (!files) return std::unexpected(files.error());
    wanted = std::move(files->members);
    taken = std::move(files->taken);
    if (!args.filters.empty()) {
      auto filtered = filter_selection(ctx, args, std::move(wanted));
      if (!filtered) return std::unexpected(filtered.error());
      wanted = dataset::normalize(std::move(*filtered));
      // Files of objects the filters left out stay the user's: taken in, the
      // next instantiate would remove them as ldb's files no longer staged.
      taken = dataset::taken_of_members(taken, wanted);
    }
    edited = files->edited_annotations;
    copied = files->copied_to.empty() ? 0 : files->new_objects;
    if (copied) ctx.notes.push_back(fmt::format("Copied {} new data objects to '{}'", copied, files->copied_to));
  } else {
    auto selection = select_objects(ctx, args, "sync", {}, NoObjects::use_default);
    if (!selection) return std::unexpected(selection.error());
    wanted = dataset::normalize(std::move(*selection));
  }
  auto& state = ws->state();
  auto change = dataset::diff(state.members, wanted);
  state.members = std::move(wanted);
  LDB_TRY(ws->save());
  // Only now: killed before, the files are read again next time.
  LDB_TRY(record_taken_in(ws->root(), ctx, taken, formats::MissingFiles::forget));
  print_warnings(env, ctx);
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Synced {}: {} added, {} deleted, {} with another annotation version ({} edited annotations)",
                         staged_label(state), change.added.size(), change.deleted.size(), change.modified.size(), edited));
  }
  return {};
}

Status cmd_get(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.empty() && args.filters.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb get needs objects", "for example: ldb get ds:cats -t cats/");
  }
  auto target = std::filesystem::path(core::normalize_local_path(args.get("target").value_or(".")));
  auto instance = open_instance(CreateIfMissing::yes);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  // One resolution of the objects and filters: what is staged is what is written.
  auto selection = select_objects(ctx, args, "get", {"ds:root"}, NoObjects::need_filter);
  if (!selection) return std::unexpected(selection.error());
  auto got = dataset::normalize(std::move(*selection));

  std::error_code ec;
  const bool created_dir = !std::filesystem::exists(target, ec);
  const bool created_ws = !dataset::Workspace::exists(target);
  auto undo = [&] {
    if (created_ws) std::filesystem::remove_all(target / dataset::k_workspace_dir, ec);
    if (created_dir && std::filesystem::is_empty(target, ec)) std::filesystem::remove(target, ec);
  };
  Result<dataset::Workspace> ws = std::unexpected(Error{});
  if (created_ws) {
    std::filesystem::create_directories(target, ec);
    if (ec) {
      return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", target.string(), ec.message()),
                  "check that the target folder is writable");
    }
    ws = dataset::Workspace::create(target, dataset::WorkspaceState{"", 0, instance->dir.string(), {}});
  } else {
    ws = dataset::Workspace::open(target);
  }
  if (!ws) {
    undo();
    return std::unexpected(ws.error());
  }
  auto& state = ws->state();
  auto merged = dataset::merge(state.members, got);
  // Write the objects got now, and keep what earlier runs wrote there.
  auto manifest = read_instantiated_manifest(target);
  if (!manifest) {
    undo();
    return std::unexpected(manifest.error());
  }
  store::Collection keep;
  for (const auto& entry : manifest->entries) keep.push_back({entry.md5, 0});
  auto to_write = dataset::intersect(merged, dataset::merge(dataset::normalize(std::move(keep)), got));
  auto written = instantiate_selection(env, args, ctx, target, to_write);
  if (!written) {
    undo();
    return std::unexpected(written.error());
  }
  auto change = dataset::diff(state.members, merged);
  state.members = std::move(merged);
  LDB_TRY(ws->save());
  // Reported in the order of the work: staged, added, then instantiated (the
  // files are written before the workspace is saved only so that a failure
  // leaves nothing behind).
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Added {} objects to {} in '{}' ({} selected)", change.added.size(), staged_label(state),
                         target.string(), got.size()));
  }
  if (*written) print_instantiated(env, target, **written);
  return {};
}

}  // namespace ldb::cli
