// ldb list, eval, diff: looking at selections.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/json.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/operations.hpp"
#include "dataset/sources.hpp"
#include "dataset/transform_sets.hpp"
#include "cli/transforms.hpp"

namespace ldb::cli {

namespace {

// The staged dataset as an object-list identifier ("ws:DIR"), for commands
// whose default source is the workspace.
Result<std::vector<std::string>> workspace_source(const ParsedArgs& args) {
  auto ws = current_workspace(args);
  if (!ws) return std::unexpected(ws.error());
  return std::vector<std::string>{"ws:" + ws->root().string()};
}

Result<std::vector<std::string>> default_source_for(const ParsedArgs& args) {
  if (!args.positional.empty()) return std::vector<std::string>{};
  return workspace_source(args);
}

std::string pretty_json(std::string_view compact) {
  try {
    return nlohmann::json::parse(compact).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const nlohmann::json::exception&) {
    return std::string(compact);
  }
}

}  // namespace

Status cmd_list(CommandEnv& env, const ParsedArgs& args) {
  auto defaults = default_source_for(args);
  if (!defaults) return std::unexpected(defaults.error());
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  auto selection = select_objects(ctx, args, "list", *defaults, NoObjects::use_default);
  if (!selection) return std::unexpected(selection.error());
  print_warnings(env, ctx);
  if (args.has("summary")) {
    if (args.has("json")) {
      out_line(nlohmann::json{{"objects", selection->size()}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      out_line(fmt::format("{}", selection->size()));
    }
    return {};
  }
  std::vector<core::Md5> hashes;
  hashes.reserve(selection->size());
  for (const auto& r : *selection) hashes.push_back(r.hash);
  auto infos = ctx.store.objects_info(hashes);
  if (!infos) return std::unexpected(infos.error());
  // Transform sets come from the datasets listed (or the staged one); names from the config.
  const auto& identifiers = args.positional.empty() ? *defaults : args.positional;
  auto assignments = dataset::transforms_of_sources(ctx, identifiers);
  if (!assignments) return std::unexpected(assignments.error());
  TransformConfig transform_config;
  if (!assignments->empty()) {
    auto config = read_transform_config(ctx.instance_dir);
    if (!config) return std::unexpected(config.error());
    transform_config = std::move(*config);
  }
  auto transform_names = [&](const core::Md5& hash) {
    std::vector<std::string> names;
    for (const auto& command : dataset::transform_set_of(*assignments, hash)) {
      names.push_back(transform_display_name(transform_config, command));
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  if (args.has("json")) {
    auto arr = nlohmann::json::array();
    for (std::size_t i = 0; i < selection->size(); ++i) {
      const auto& info = (*infos)[i];
      // Paths that are not UTF-8 read as --file queries see them (\xhh escapes).
      std::vector<std::string> paths;
      for (const auto& path : info.paths) paths.push_back(core::escape_invalid_utf8(path));
      arr.push_back({{"id", "id:" + info.hash.hex()},
                     {"annotation_version", (*selection)[i].annotation_version},
                     {"path", paths.empty() ? "" : paths.front()},
                     {"paths", paths},
                     {"size", info.size},
                     {"tags", info.tags},
                     {"transforms", transform_names(info.hash)}});
    }
    out_line(arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return {};
  }
  std::string out;
  out += fmt::format("{:<35} {:>6}  {:<40}  {}\n", "Data Object Hash", "Annot.", "Data Object Path", "Transforms");
  for (std::size_t i = 0; i < selection->size(); ++i) {
    const auto& info = (*infos)[i];
    auto version = (*selection)[i].annotation_version;
    out += fmt::format("id:{} {:>6}  {:<40}  {}\n", info.hash.hex(), version ? fmt::format("{}", version) : "-",
                       info.paths.empty() ? "" : info.paths.front(), fmt::join(transform_names(info.hash), ","));
    if (env.verbosity.verbose) {
      for (std::size_t p = 1; p < info.paths.size(); ++p) out += fmt::format("{:<42}  {}\n", "", info.paths[p]);
    }
  }
  fmt::print("{}", out);
  return {};
}

Status cmd_eval(CommandEnv& env, const ParsedArgs& args) {
  auto defaults = default_source_for(args);
  if (!defaults) return std::unexpected(defaults.error());
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  // A trailing --query/--jquery/--file is printed instead of filtering.
  ParsedArgs filtering = args;
  std::optional<dataset::FilterSpec> shown;
  if (!filtering.filters.empty()) {
    auto kind = filtering.filters.back().kind;
    if (kind == dataset::FilterKind::query || kind == dataset::FilterKind::jquery || kind == dataset::FilterKind::file) {
      shown = filtering.filters.back();
      filtering.filters.pop_back();
      LDB_TRY(dataset::validate_filters(std::span(&*shown, 1)));
    }
  }
  auto selection = select_objects(ctx, filtering, "eval", *defaults, NoObjects::use_default);
  if (!selection) return std::unexpected(selection.error());
  print_warnings(env, ctx);
  const bool with_ids = args.has("with-ids");
  const bool values_only = args.has("json") && !with_ids;
  std::vector<dataset::Evaluation> results;
  if (shown) {
    auto evaluated = dataset::evaluate_each(ctx, *selection, *shown);
    if (!evaluated) return std::unexpected(evaluated.error());
    results = std::move(*evaluated);
  } else {
    auto annotations = ctx.store.annotations(*selection);
    if (!annotations) return std::unexpected(annotations.error());
    for (std::size_t i = 0; i < selection->size(); ++i) {
      results.push_back({(*selection)[i], true, (*annotations)[i].empty() ? "null" : (*annotations)[i]});
    }
  }
  std::size_t failed = 0;
  std::string first_error;
  for (const auto& r : results) {
    if (!r.ok) {
      if (!failed) first_error = r.json;
      ++failed;
      if (with_ids) {
        out_line(nlohmann::json{{"id", "id:" + r.ref.hash.hex()}, {"error", r.json}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace));
      } else if (!values_only) {
        out_line(fmt::format("id:{}\nerror: {}", r.ref.hash.hex(), r.json));
      }
      continue;
    }
    if (with_ids) {
      // The value is canonical JSON already: spliced in, not parsed again.
      out_line(fmt::format("{{\"id\":\"id:{}\",\"value\":{}}}", r.ref.hash.hex(), r.json));
    } else if (values_only) {
      out_line(r.json);
    } else {
      out_line(fmt::format("id:{}\n{}", r.ref.hash.hex(), pretty_json(r.json)));
    }
  }
  if (failed) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("the expression could not be evaluated on {} of {} objects: {}", failed, results.size(),
                            first_error),
                "check the expression's functions and argument types");
  }
  return {};
}

Status cmd_diff(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.size() > 2) {
    return fail(ErrorCode::invalid_argument, "ldb diff compares at most two datasets", "usage: ldb diff [-s] [DS1] [DS2]");
  }
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  auto resolve = [&](const std::string& ident) { return dataset::resolve_sources(ctx, std::span(&ident, 1), {}); };
  auto transforms_of = [&](const std::string& ident) {
    return dataset::transforms_of_sources(ctx, std::span(&ident, 1));
  };
  store::Collection from, to;
  store::TransformAssignments from_transforms, to_transforms;
  if (args.positional.size() == 2) {
    auto a = resolve(args.positional[0]);
    if (!a) return std::unexpected(a.error());
    auto b = resolve(args.positional[1]);
    if (!b) return std::unexpected(b.error());
    from = std::move(*a);
    to = std::move(*b);
    auto ta = transforms_of(args.positional[0]);
    if (!ta) return std::unexpected(ta.error());
    auto tb = transforms_of(args.positional[1]);
    if (!tb) return std::unexpected(tb.error());
    from_transforms = std::move(*ta);
    to_transforms = std::move(*tb);
  } else {
    auto ws = current_workspace(args);
    if (!ws) return std::unexpected(ws.error());
    to = ws->state().members;
    to_transforms = dataset::prune_transforms(to, ws->state().transforms);
    if (args.positional.size() == 1) {
      auto a = resolve(args.positional[0]);
      if (!a) return std::unexpected(a.error());
      from = std::move(*a);
      auto ta = transforms_of(args.positional[0]);
      if (!ta) return std::unexpected(ta.error());
      from_transforms = std::move(*ta);
    } else {
      const auto& s = ws->state();
      if (!s.dataset_name.empty() && s.parent_version) {
        auto members = dataset::dataset_members(ctx, {s.dataset_name, s.parent_version});
        if (!members) return std::unexpected(members.error());
        from = std::move(*members);
        auto transforms = dataset::dataset_transforms(ctx, {s.dataset_name, s.parent_version});
        if (!transforms) return std::unexpected(transforms.error());
        from_transforms = std::move(*transforms);
      }
    }
  }
  auto d = dataset::diff(from, to, from_transforms, to_transforms);
  // Transform changes are shown only when there are some, so that the output
  // of datasets without transforms is what it always was.
  if (args.has("summary")) {
    if (args.has("json")) {
      nlohmann::json j{{"added", d.added.size()}, {"deleted", d.deleted.size()}, {"modified", d.modified.size()}};
      if (!d.retransformed.empty()) j["transforms_changed"] = d.retransformed.size();
      out_line(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      out_line(fmt::format("Added: {}\nDeleted: {}\nModified: {}", d.added.size(), d.deleted.size(), d.modified.size()));
      if (!d.retransformed.empty()) out_line(fmt::format("Transforms changed: {}", d.retransformed.size()));
    }
    return {};
  }
  TransformConfig transform_config;
  if (!d.retransformed.empty()) {
    auto config = read_transform_config(ctx.instance_dir);
    if (!config) return std::unexpected(config.error());
    transform_config = std::move(*config);
  }
  auto names_of = [&](const store::TransformSet& set) {
    std::vector<std::string> names;
    for (const auto& command : set) names.push_back(transform_display_name(transform_config, command));
    std::sort(names.begin(), names.end());
    return names;
  };
  // Paths make the lines readable; one lookup for every object shown.
  std::vector<core::Md5> hashes;
  for (const auto& r : d.added) hashes.push_back(r.hash);
  for (const auto& r : d.deleted) hashes.push_back(r.hash);
  for (const auto& [a, b] : d.modified) hashes.push_back(a.hash);
  for (const auto& change : d.retransformed) hashes.push_back(change.ref.hash);
  auto infos = ctx.store.objects_info(hashes);
  if (!infos) return std::unexpected(infos.error());
  auto path_of = [&](std::size_t i) { return (*infos)[i].paths.empty() ? std::string() : (*infos)[i].paths.front(); };
  if (args.has("json")) {
    nlohmann::json j = {{"added", nlohmann::json::array()}, {"deleted", nlohmann::json::array()}, {"modified", nlohmann::json::array()}};
    std::size_t i = 0;
    for (const auto& r : d.added) j["added"].push_back({{"id", "id:" + r.hash.hex()}, {"annotation_version", r.annotation_version}, {"path", path_of(i++)}});
    for (const auto& r : d.deleted) j["deleted"].push_back({{"id", "id:" + r.hash.hex()}, {"annotation_version", r.annotation_version}, {"path", path_of(i++)}});
    for (const auto& [a, b] : d.modified) {
      j["modified"].push_back({{"id", "id:" + a.hash.hex()}, {"from_version", a.annotation_version}, {"to_version", b.annotation_version}, {"path", path_of(i++)}});
    }
    if (!d.retransformed.empty()) {
      auto& changed = j["transforms_changed"] = nlohmann::json::array();
      for (const auto& change : d.retransformed) {
        changed.push_back({{"id", "id:" + change.ref.hash.hex()}, {"from", names_of(change.from)},
                           {"to", names_of(change.to)}, {"path", path_of(i++)}});
      }
    }
    out_line(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return {};
  }
  std::string out;
  std::size_t i = 0;
  for (const auto& r : d.added) out += fmt::format("+ id:{}  v{}  {}\n", r.hash.hex(), r.annotation_version, path_of(i++));
  for (const auto& r : d.deleted) out += fmt::format("- id:{}  v{}  {}\n", r.hash.hex(), r.annotation_version, path_of(i++));
  for (const auto& [a, b] : d.modified) {
    out += fmt::format("m id:{}  v{} -> v{}  {}\n", a.hash.hex(), a.annotation_version, b.annotation_version, path_of(i++));
  }
  for (const auto& change : d.retransformed) {
    out += fmt::format("t id:{}  {} -> {}  {}\n", change.ref.hash.hex(), fmt::join(names_of(change.from), ","),
                       fmt::join(names_of(change.to), ","), path_of(i++));
  }
  fmt::print("{}", out);
  return {};
}

}  // namespace ldb::cli
