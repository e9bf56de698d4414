// ldb stage, add, del, status, commit: the workspace's staged dataset.

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/index_options.hpp"
#include "core/paths.hpp"
#include "dataset/operations.hpp"
#include "dataset/pipe_plugin.hpp"
#include "formats/label_read_back.hpp"
#include "formats/workspace_changes.hpp"
#include "query/expression.hpp"

namespace ldb::cli {

dataset::Context make_context(CommandEnv& env, Instance& instance) {
  dataset::Context ctx{*instance.store, env.fs, env.pool, env.progress, instance.settings, instance.dir, {}};
  ctx.read_back_labels = formats::read_back_labels;
  return ctx;
}

void print_warnings(const CommandEnv& env, const dataset::Context& ctx) {
  if (env.verbosity.quiet) return;
  for (const auto& w : ctx.warnings) warn(w);
  for (const auto& n : ctx.notes) out_line(n);
}

Result<dataset::Workspace> current_workspace(const ParsedArgs& args) {
  if (auto t = args.get("target")) return dataset::Workspace::open(core::normalize_local_path(*t));
  return dataset::Workspace::find(std::filesystem::current_path());
}

// Objects named on the command line, filtered. With no object list and a
// filter, `default_source` is used; with neither, an error.
namespace {

Result<std::vector<dataset::FilterSpec>> checked_filters(const dataset::Context& ctx, const ParsedArgs& args) {
  auto filters = dataset::expand_plugin_sorts(ctx.instance_dir, args.filters);
  if (!filters) return std::unexpected(filters.error());
  LDB_TRY(dataset::validate_filters(*filters));
  return filters;
}

Result<dataset::Selection> run_filters(dataset::Context& ctx, dataset::Selection sources,
                                       const std::vector<dataset::FilterSpec>& filters) {
  const bool had_objects = !sources.empty();
  auto selected = dataset::apply_filters(ctx, std::move(sources), filters);
  if (selected && selected->empty() && had_objects) {
    // `--query 'class == "i"'` selecting nothing is most often a quoting slip.
    for (const auto& f : filters) {
      if (f.kind != dataset::FilterKind::query && f.kind != dataset::FilterKind::jquery) continue;
      auto expr = query::Expression::parse(f.value, f.kind == dataset::FilterKind::query ? query::Dialect::ldb
                                                                                          : query::Dialect::jmespath);
      if (expr && !expr->quoting_note().empty()) ctx.warnings.push_back(expr->quoting_note());
    }
  }
  return selected;
}

}  // namespace

Result<dataset::Selection> filter_selection(dataset::Context& ctx, const ParsedArgs& args, dataset::Selection sources) {
  auto filters = checked_filters(ctx, args);
  if (!filters) return std::unexpected(filters.error());
  return run_filters(ctx, std::move(sources), *filters);
}

Result<dataset::Selection> select_objects(dataset::Context& ctx, const ParsedArgs& args, std::string_view command,
                                          const std::vector<std::string>& default_source, NoObjects no_objects) {
  auto filters = checked_filters(ctx, args);
  if (!filters) return std::unexpected(filters.error());
  auto identifiers = args.positional;
  if (identifiers.empty()) {
    if (filters->empty() && no_objects == NoObjects::need_filter) {
      return fail(ErrorCode::invalid_argument, fmt::format("ldb {} needs objects or a filter", command),
                  fmt::format("for example: ldb {} /data/images or ldb {} --query 'class == `cat`'", command, command));
    }
    identifiers = default_source;
  }
  auto index_options = index_options_from(args);
  if (!index_options) return std::unexpected(index_options.error());
  // Commands that put objects into the staged dataset read paths as `add` does.
  auto mode = (command == "add" || command == "sync" || command == "get") ? dataset::PathMode::index_first
                                                                          : dataset::PathMode::indexed_first;
  dataset::SourceOptions source_options{*index_options, mode, {}};
  source_options.untouched_files = [](const dataset::Workspace& ws) { return untouched_instantiated_files(ws.root()); };
  auto sources = dataset::resolve_sources(ctx, identifiers, source_options);
  if (!sources) return std::unexpected(sources.error());
  return run_filters(ctx, std::move(*sources), *filters);
}

namespace {

std::string dataset_label(const dataset::WorkspaceState& s) {
  return s.dataset_name.empty() ? std::string("an unnamed dataset") : "ds:" + s.dataset_name;
}

Result<std::uint32_t> parse_version(std::string_view text) {
  std::uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v == 0) {
    return fail(ErrorCode::invalid_argument, fmt::format("--label-version expects a version number, got '{}'", text),
                "annotation versions start at 1; see them with: ldb show id:HASH");
  }
  return v;
}

}  // namespace

Status cmd_stage(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.empty() || args.positional.size() > 2) {
    return fail(ErrorCode::invalid_argument, "ldb stage needs one dataset", "usage: ldb stage [-f] [-t DIR] ds:NAME[.vN] [DIR]");
  }
  auto ref = dataset::parse_dataset_ref(args.positional[0]);
  if (!ref) return std::unexpected(ref.error());
  if (ref->name == "root") {
    return fail(ErrorCode::invalid_argument, "ds:root is the index, not a dataset that can be staged",
                "stage a named dataset and add from the index: ldb stage ds:NAME; ldb add ds:root --query ...");
  }
  std::string dir = args.positional.size() == 2 ? args.positional[1] : args.get("target").value_or(".");
  auto root = core::normalize_local_path(dir);
  auto instance = open_instance(CreateIfMissing::yes);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  auto ws = dataset::stage(ctx, root, *ref, args.has("force") ? dataset::Force::yes : dataset::Force::no);
  if (!ws) return std::unexpected(ws.error());
  if (!env.verbosity.quiet) {
    const auto& s = ws->state();
    if (s.parent_version) {
      out_line(fmt::format("Staged ds:{}.v{} ({} objects) in '{}'", s.dataset_name, s.parent_version, s.members.size(), root));
    } else {
      out_line(fmt::format("Staged new dataset ds:{} in '{}'", s.dataset_name, root));
    }
  }
  return {};
}

Status cmd_add(CommandEnv& env, const ParsedArgs& args) {
  auto ws = current_workspace(args);
  if (!ws) return std::unexpected(ws.error());
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  auto selection = select_objects(ctx, args, "add", {"ds:root"}, NoObjects::need_filter);
  if (!selection) return std::unexpected(selection.error());
  auto incoming = dataset::normalize(std::move(*selection));
  auto pinned = dataset::Pinned::no;
  if (auto lv = args.get("label-version")) {
    auto version = parse_version(*lv);
    if (!version) return std::unexpected(version.error());
    std::vector<core::Md5> hashes;
    for (const auto& r : incoming) hashes.push_back(r.hash);
    auto infos = ctx.store.objects_info(hashes);
    if (!infos) return std::unexpected(infos.error());
    for (std::size_t i = 0; i < incoming.size(); ++i) {
      if ((*infos)[i].current_version < *version) {
        return fail(ErrorCode::not_found,
                    fmt::format("object id:{} has no annotation version {} (it has {})", incoming[i].hash.hex(), *version,
                                (*infos)[i].current_version),
                    fmt::format("see its versions with: ldb show id:{}", incoming[i].hash.hex()));
      }
      incoming[i].annotation_version = *version;
    }
    pinned = dataset::Pinned::yes;
  }
  auto& state = ws->state();
  auto before = state.members;
  state.members = dataset::merge(state.members, incoming, pinned);
  auto change = dataset::diff(before, state.members);
  LDB_TRY(ws->save());
  LDB_TRY(record_taken_in(ws->root(), ctx, {}, formats::MissingFiles::keep));
  print_warnings(env, ctx);
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Added {} objects to {} ({} selected, {} with another annotation version)", change.added.size(),
                         dataset_label(state), incoming.size(), change.modified.size()));
  }
  return {};
}

Status cmd_del(CommandEnv& env, const ParsedArgs& args) {
  auto ws = current_workspace(args);
  if (!ws) return std::unexpected(ws.error());
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  auto selection = select_objects(ctx, args, "del", {"ds:root"}, NoObjects::need_filter);
  if (!selection) return std::unexpected(selection.error());
  auto removing = dataset::normalize(std::move(*selection));
  auto& state = ws->state();
  auto before = state.members.size();
  state.members = dataset::subtract(state.members, removing);
  LDB_TRY(ws->save());
  print_warnings(env, ctx);
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Deleted {} objects from {}", before - state.members.size(), dataset_label(state)));
  }
  return {};
}

namespace {

// The workspace's files against the manifest of the last instantiate.
struct FilesStatus {
  std::string state;      // "none" (never instantiated), "finished", "unfinished"
  std::size_t files = 0;  // files the manifest lists
  formats::FileChanges changes;
};

Result<FilesStatus> workspace_files_status(CommandEnv& env, const std::filesystem::path& root) {
  FilesStatus out;
  std::error_code ec;
  const bool instantiated = std::filesystem::exists(instantiated_manifest_path(root), ec);
  auto manifest = read_instantiated_manifest(root);
  if (!manifest) return std::unexpected(manifest.error());
  out.state = !instantiated ? "none" : manifest->state == formats::RunState::finished ? "finished" : "unfinished";
  out.files = manifest->entries.size();
  auto changes = formats::compare_with_manifest(env.fs, env.pool, root, *manifest);
  if (!changes) return std::unexpected(changes.error());
  out.changes = std::move(*changes);
  return out;
}

// git-style lines for the changed files, at most k_listed of each kind unless verbose.
void print_files_status(const FilesStatus& status, bool verbose) {
  constexpr std::size_t k_listed = 20;
  if (status.state == "unfinished") {
    out_line(fmt::format("Instantiate did not finish: {} of {} files not written (run ldb instantiate to finish it; "
                         "sync and add refuse to read the workspace until then)",
                         status.changes.unwritten, status.files));
  }
  const auto& c = status.changes;
  if (c.empty()) return;
  out_line(status.state == "none" ? "Files in the workspace, not taken in yet (ldb sync or ldb add . takes them in):"
                                  : "Files changed since instantiate, not taken in yet (ldb sync or ldb add . takes "
                                    "them in; ldb instantiate refuses to replace them without -f):");
  bool cut = false;
  auto list = [&](std::string_view label, const std::vector<std::string>& paths) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (!verbose && i == k_listed) {
        out_line(fmt::format("  ... and {} more {}", paths.size() - k_listed, label));
        cut = true;
        break;
      }
      out_line(fmt::format("  {:<9}{}", std::string(label) + ":", paths[i]));
    }
  };
  list("edited", c.edited);
  list("deleted", c.deleted);
  list("new", c.added);
  if (cut) out_line("(ldb status -v lists them all)");
}

}  // namespace

Status cmd_status(CommandEnv& env, const ParsedArgs& args) {
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  const bool json = args.has("json");
  if (!args.positional.empty()) {
    auto ref = dataset::parse_dataset_ref(args.positional[0]);
    if (!ref) return std::unexpected(ref.error());
    auto v = ctx.store.dataset_version(ref->name, ref->version);
    if (!v) return std::unexpected(v.error());
    if (json) {
      out_line(nlohmann::json{{"dataset", v->name}, {"version", v->version}, {"objects", v->num_objects},
                              {"annotations", v->num_annotations}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      out_line(fmt::format("Dataset ds:{}.v{}: {} objects, {} annotations", v->name, v->version, v->num_objects,
                           v->num_annotations));
    }
    return {};
  }
  auto ws = current_workspace(args);
  if (!ws) return std::unexpected(ws.error());
  auto changes = dataset::uncommitted_changes(ctx, *ws);
  if (!changes) return std::unexpected(changes.error());
  auto moved_on_to = dataset::moved_on_to(ctx, *ws);
  if (!moved_on_to) return std::unexpected(moved_on_to.error());
  auto files = workspace_files_status(env, ws->root());
  if (!files) return std::unexpected(files.error());
  const auto& s = ws->state();
  auto annotations = std::count_if(s.members.begin(), s.members.end(),
                                   [](const store::ObjectRef& r) { return r.annotation_version != 0; });
  if (json) {
    nlohmann::json status{{"dataset", s.dataset_name},
                          {"version", s.parent_version},
                          {"workspace", ws->root().string()},
                          {"objects", s.members.size()},
                          {"annotations", annotations},
                          {"uncommitted", {{"added", changes->added.size()},
                                           {"deleted", changes->deleted.size()},
                                           {"modified", changes->modified.size()}}}};
    // Listed only when there are some: the output without transforms stays as it was.
    if (!changes->retransformed.empty()) status["uncommitted"]["transforms_changed"] = changes->retransformed.size();
    // Likewise only when others committed since the workspace was staged.
    if (*moved_on_to) status["behind"] = {{"latest", *moved_on_to}};
    status["instantiate"] = {{"state", files->state}, {"files", files->files}, {"unwritten", files->changes.unwritten}};
    status["files"] = {{"edited", files->changes.edited}, {"deleted", files->changes.deleted},
                       {"new", files->changes.added}};
    out_line(status.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return {};
  }
  std::string name = s.dataset_name.empty() ? "(unnamed)" : "ds:" + s.dataset_name;
  out_line(fmt::format("Dataset {}{}, {} objects, {} annotations", name,
                       s.parent_version ? fmt::format(".v{}", s.parent_version) : std::string(" (new, not committed)"),
                       s.members.size(), annotations));
  out_line(fmt::format("Workspace: {}", ws->root().string()));
  if (*moved_on_to) {
    out_line(fmt::format("Behind: ds:{} is at v{}; you staged {} (ldb commit merges the two)", s.dataset_name,
                         *moved_on_to,
                         s.parent_version ? fmt::format("v{}", s.parent_version) : std::string("it before it existed")));
  }
  if (changes->size() == 0 && (s.parent_version != 0 || s.members.empty())) {
    out_line("No uncommitted changes");
  } else {
    out_line(fmt::format("Uncommitted changes: {} added, {} deleted, {} annotation versions changed{}",
                         changes->added.size(), changes->deleted.size(), changes->modified.size(),
                         changes->retransformed.empty()
                             ? std::string()
                             : fmt::format(", {} transform sets changed", changes->retransformed.size())));
  }
  print_files_status(*files, env.verbosity.verbose);
  return {};
}

Status cmd_commit(CommandEnv& env, const ParsedArgs& args) {
  auto ws = current_workspace(args);
  if (!ws) return std::unexpected(ws.error());
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  std::optional<std::string> rename;
  if (args.positional.size() > 1) {
    return fail(ErrorCode::invalid_argument, "ldb commit takes at most one dataset", "usage: ldb commit [-m MSG] [ds:NAME]");
  }
  if (args.positional.size() == 1) {
    auto ref = dataset::parse_dataset_ref(args.positional[0]);
    if (!ref) return std::unexpected(ref.error());
    if (ref->version) {
      return fail(ErrorCode::invalid_argument, "commit creates the next version; a version number cannot be given",
                  fmt::format("write: ldb commit ds:{}", ref->name));
    }
    rename = ref->name;
  }
  if (args.has("ours") && args.has("theirs")) {
    return fail(ErrorCode::invalid_argument, "--ours and --theirs decide conflicts in opposite ways; give one",
                "ldb commit --ours keeps this workspace's side, ldb commit --theirs the latest version's");
  }
  auto resolution = args.has("ours")     ? dataset::Resolution::ours
                    : args.has("theirs") ? dataset::Resolution::theirs
                                         : dataset::Resolution::none;
  const auto staged_from = ws->state().parent_version;
  auto outcome = dataset::commit(ctx, *ws, args.get("message").value_or(""), rename, resolution);
  if (!outcome) return std::unexpected(outcome.error());
  if (env.verbosity.quiet) return {};
  const auto& v = outcome->version;
  if (outcome->merged_with) {
    out_line(fmt::format("Merged ds:{}.v{} (the latest) with this workspace (staged from v{}){}", v.name,
                         outcome->merged_with, staged_from,
                         outcome->conflicts_decided == 0
                             ? std::string()
                             : fmt::format(": {} conflicting object{} kept {}", outcome->conflicts_decided,
                                           outcome->conflicts_decided == 1 ? "" : "s",
                                           resolution == dataset::Resolution::ours ? "ours" : "theirs")));
  }
  if (!outcome->committed) {
    out_line(fmt::format("Nothing to commit: ds:{}.v{} already holds these {} objects", v.name, v.version,
                         v.num_objects));
  } else {
    out_line(fmt::format("Committed ds:{}.v{} ({} objects, {} annotations)", v.name, v.version, v.num_objects,
                         v.num_annotations));
  }
  return {};
}

}  // namespace ldb::cli
