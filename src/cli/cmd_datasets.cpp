// ldb ds list/del, log, show: what the instance holds.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "app/inspect.hpp"
#include "cli/commands.hpp"

namespace ldb::cli {

namespace {

std::string dump(const nlohmann::json& j) { return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

Status cmd_ds(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb ds needs a subcommand", "usage: ldb ds list | ldb ds del ds:NAME...");
  }
  const auto& sub = args.positional[0];
  if (sub == "list" || sub == "ls") {
    auto all = app::datasets(env.session);
    if (!all) return std::unexpected(all.error());
    if (args.has("json")) {
      auto arr = nlohmann::json::array();
      for (const auto& d : *all) {
        arr.push_back({{"name", d.name},
                       {"version", d.version},
                       {"objects", d.objects},
                       {"annotations", d.annotations},
                       {"time", iso_time(d.time)}});
      }
      out_line(dump(arr));
      return {};
    }
    std::string out = fmt::format("{:<30} {:>8} {:>10}  {}\n", "Dataset", "Version", "Objects", "Committed");
    for (const auto& d : *all) {
      out += fmt::format("{:<30} {:>8} {:>10}  {}\n", "ds:" + d.name, fmt::format("v{}", d.version), d.objects,
                         human_time(d.time));
    }
    fmt::print("{}", out);
    return {};
  }
  if (sub == "del" || sub == "rm" || sub == "delete") {
    if (args.positional.size() < 2) {
      return fail(ErrorCode::invalid_argument, "ldb ds del needs a dataset", "usage: ldb ds del ds:NAME...");
    }
    auto deleted = app::delete_datasets(env.session, {args.positional.begin() + 1, args.positional.end()});
    if (!deleted) return std::unexpected(deleted.error());
    if (!env.verbosity.quiet) {
      for (const auto& n : *deleted) out_line(fmt::format("Deleted ds:{}", n));
    }
    return {};
  }
  return fail(ErrorCode::invalid_argument, fmt::format("unknown ds subcommand '{}'", sub),
              "usage: ldb ds list | ldb ds del ds:NAME...");
}

Status cmd_log(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.size() != 1) {
    return fail(ErrorCode::invalid_argument, "ldb log needs one dataset", "usage: ldb log ds:NAME");
  }
  auto entries = app::log(env.session, args.positional[0]);
  if (!entries) return std::unexpected(entries.error());
  if (args.has("json")) {
    auto arr = nlohmann::json::array();
    for (const auto& e : *entries) {
      nlohmann::json entry{{"version", e.version.version},
                           {"parent", e.parent},
                           {"time", iso_time(e.time)},
                           {"author", e.author},
                           {"message", e.message},
                           {"objects", e.version.objects},
                           {"annotations", e.version.annotations},
                           {"added", e.added},
                           {"deleted", e.deleted},
                           {"modified", e.modified},
                           {"transforms_changed", e.transforms_changed}};
      // Only merges carry these: the entries of other versions stay as they were.
      if (e.merge_parent) {
        entry["merge_parent"] = e.merge_parent;
        entry["against"] = e.against;
      }
      arr.push_back(std::move(entry));
    }
    out_line(dump(arr));
    return {};
  }
  std::string out;
  for (const auto& e : *entries) {
    std::string parents;
    if (e.merge_parent) {
      parents = e.parent ? fmt::format(" (merge: staged from v{}, merged with v{})", e.parent, e.merge_parent)
                         : fmt::format(" (merge: new, merged with v{})", e.merge_parent);
    } else if (e.parent) {
      parents = fmt::format(" (parent v{})", e.parent);
    }
    out += fmt::format("ds:{}.v{}{}\n", e.version.name, e.version.version, parents);
    out += fmt::format("Date:    {}\nAuthor:  {}\n", human_time(e.time), e.author);
    out += fmt::format("Objects: {} ({} annotations), +{} -{} m{}{}{}\n", e.version.objects, e.version.annotations,
                       e.added, e.deleted, e.modified,
                       e.transforms_changed ? fmt::format(" t{}", e.transforms_changed) : std::string(),
                       e.merge_parent ? fmt::format(" against v{}", e.merge_parent) : std::string());
    out += fmt::format("\n    {}\n\n", e.message.empty() ? "(no message)" : e.message);
  }
  fmt::print("{}", out);
  return {};
}

Status cmd_show(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.size() != 1) {
    return fail(ErrorCode::invalid_argument, "ldb show needs one object id", "usage: ldb show id:HASH");
  }
  auto info = app::show(env.session, args.positional[0]);
  if (!info) return std::unexpected(info.error());
  if (args.has("json")) {
    auto versions = nlohmann::json::array();
    for (const auto& v : info->versions) {
      versions.push_back(
          {{"version", v.version}, {"indexed", iso_time(v.indexed_at)}, {"annotation_hash", v.annotation_hash.hex()}});
    }
    out_line(dump(nlohmann::json{{"id", "id:" + info->hash.hex()},
                                 {"size", info->size},
                                 {"paths", info->paths},
                                 {"tags", info->tags},
                                 {"first_indexed", iso_time(info->first_indexed)},
                                 {"last_indexed", iso_time(info->last_indexed)},
                                 {"current_annotation_version", info->current_version},
                                 {"annotation_versions", versions},
                                 {"datasets", info->datasets},
                                 {"dataset_transforms", info->dataset_transforms}}));
    return {};
  }
  std::string out = fmt::format("id:{}\nSize:   {} bytes\nIndexed: {} (first), {} (last)\n", info->hash.hex(),
                                info->size, human_time(info->first_indexed), human_time(info->last_indexed));
  out += "Paths:\n";
  for (const auto& p : info->paths) out += fmt::format("  {}\n", p);
  out += fmt::format("Tags:   {}\n", info->tags.empty() ? "(none)" : fmt::format("{}", fmt::join(info->tags, ", ")));
  out += "Annotation versions:\n";
  if (info->versions.empty()) out += "  (none)\n";
  for (const auto& v : info->versions) {
    out += fmt::format("  v{}  {}{}\n", v.version, human_time(v.indexed_at),
                       v.version == info->current_version ? "  (current)" : "");
  }
  out += "Datasets:\n";
  if (info->datasets.empty()) out += "  (none)\n";
  for (const auto& label : info->datasets) {
    auto it = info->dataset_transforms.find(label);
    out += it == info->dataset_transforms.end()
               ? fmt::format("  {}\n", label)
               : fmt::format("  {}  transforms: {}\n", label, fmt::join(it->second, ", "));
  }
  fmt::print("{}", out);
  return {};
}

}  // namespace ldb::cli
