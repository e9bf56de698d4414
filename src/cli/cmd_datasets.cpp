// ldb ds list/del, log, show: what the instance holds.

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/sources.hpp"
#include "dataset/transform_sets.hpp"
#include "cli/transforms.hpp"

namespace ldb::cli {

Status cmd_ds(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb ds needs a subcommand", "usage: ldb ds list | ldb ds del ds:NAME...");
  }
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto& store = *instance->store;
  const auto& sub = args.positional[0];
  if (sub == "list" || sub == "ls") {
    auto all = store.datasets();
    if (!all) return std::unexpected(all.error());
    if (args.has("json")) {
      auto arr = nlohmann::json::array();
      for (const auto& d : *all) {
        arr.push_back({{"name", d.name}, {"version", d.latest.version}, {"objects", d.latest.num_objects},
                       {"annotations", d.latest.num_annotations}, {"time", iso_time(d.latest.time)}});
      }
      out_line(arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return {};
    }
    std::string out = fmt::format("{:<30} {:>8} {:>10}  {}\n", "Dataset", "Version", "Objects", "Committed");
    for (const auto& d : *all) {
      out += fmt::format("{:<30} {:>8} {:>10}  {}\n", "ds:" + d.name, fmt::format("v{}", d.latest.version),
                         d.latest.num_objects, human_time(d.latest.time));
    }
    fmt::print("{}", out);
    return {};
  }
  if (sub == "del" || sub == "rm" || sub == "delete") {
    if (args.positional.size() < 2) {
      return fail(ErrorCode::invalid_argument, "ldb ds del needs a dataset", "usage: ldb ds del ds:NAME...");
    }
    // Check every name first so that a typo deletes nothing.
    std::vector<std::string> names;
    for (std::size_t i = 1; i < args.positional.size(); ++i) {
      auto ref = dataset::parse_dataset_ref(args.positional[i]);
      if (!ref) return std::unexpected(ref.error());
      if (ref->version) {
        return fail(ErrorCode::invalid_argument, "ldb ds del deletes whole datasets, not single versions",
                    fmt::format("write: ldb ds del ds:{}", ref->name));
      }
      auto exists = store.dataset_version(ref->name, 0);
      if (!exists) return std::unexpected(exists.error());
      names.push_back(ref->name);
    }
    for (const auto& n : names) {
      LDB_TRY(store.delete_dataset(n));
      if (!env.verbosity.quiet) out_line(fmt::format("Deleted ds:{}", n));
    }
    return {};
  }
  return fail(ErrorCode::invalid_argument, fmt::format("unknown ds subcommand '{}'", sub),
              "usage: ldb ds list | ldb ds del ds:NAME...");
}

Status cmd_log(CommandEnv& env, const ParsedArgs& args) {
  (void)env;
  if (args.positional.size() != 1) {
    return fail(ErrorCode::invalid_argument, "ldb log needs one dataset", "usage: ldb log ds:NAME");
  }
  auto ref = dataset::parse_dataset_ref(args.positional[0]);
  if (!ref) return std::unexpected(ref.error());
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto& store = *instance->store;
  auto versions = store.dataset_log(ref->name);
  if (!versions) return std::unexpected(versions.error());
  struct Entry {
    store::DatasetVersion v;
    std::size_t added = 0, deleted = 0, modified = 0, transforms_changed = 0;
    std::uint32_t against = 0;  // the version the counts are against (0 = none)
  };
  std::vector<Entry> entries;
  for (const auto& v : *versions) {
    Entry e{v};
    auto members = store.collection(v.collection_hash);
    if (!members) return std::unexpected(members.error());
    auto transforms = store.transform_assignments(v.transforms_hash);
    if (!transforms) return std::unexpected(transforms.error());
    store::Collection parent;
    store::TransformAssignments parent_transforms;
    // A merge is counted against the latest version it was merged with: what
    // it brought on top of the history before it.
    e.against = v.merge_parent ? v.merge_parent : v.parent;
    if (e.against) {
      auto it = std::find_if(versions->begin(), versions->end(), [&](const auto& p) { return p.version == e.against; });
      if (it != versions->end()) {
        auto pm = store.collection(it->collection_hash);
        if (!pm) return std::unexpected(pm.error());
        parent = std::move(*pm);
        auto pt = store.transform_assignments(it->transforms_hash);
        if (!pt) return std::unexpected(pt.error());
        parent_transforms = std::move(*pt);
      }
    }
    auto d = dataset::diff(parent, *members, parent_transforms, *transforms);
    e.added = d.added.size();
    e.deleted = d.deleted.size();
    e.modified = d.modified.size();
    e.transforms_changed = d.retransformed.size();
    entries.push_back(std::move(e));
  }
  if (args.has("json")) {
    auto arr = nlohmann::json::array();
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      const auto& v = it->v;
      nlohmann::json entry{{"version", v.version}, {"parent", v.parent}, {"time", iso_time(v.time)},
                           {"author", v.author}, {"message", v.message}, {"objects", v.num_objects},
                           {"annotations", v.num_annotations}, {"added", it->added}, {"deleted", it->deleted},
                           {"modified", it->modified}, {"transforms_changed", it->transforms_changed}};
      // Only merges carry these: the entries of other versions stay as they were.
      if (v.merge_parent) {
        entry["merge_parent"] = v.merge_parent;
        entry["against"] = it->against;
      }
      arr.push_back(std::move(entry));
    }
    out_line(arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return {};
  }
  std::string out;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const auto& v = it->v;
    std::string parents;
    if (v.merge_parent) {
      parents = v.parent ? fmt::format(" (merge: staged from v{}, merged with v{})", v.parent, v.merge_parent)
                         : fmt::format(" (merge: new, merged with v{})", v.merge_parent);
    } else if (v.parent) {
      parents = fmt::format(" (parent v{})", v.parent);
    }
    out += fmt::format("ds:{}.v{}{}\n", v.name, v.version, parents);
    out += fmt::format("Date:    {}\nAuthor:  {}\n", human_time(v.time), v.author);
    out += fmt::format("Objects: {} ({} annotations), +{} -{} m{}{}{}\n", v.num_objects, v.num_annotations, it->added,
                       it->deleted, it->modified,
                       it->transforms_changed ? fmt::format(" t{}", it->transforms_changed) : std::string(),
                       v.merge_parent ? fmt::format(" against v{}", v.merge_parent) : std::string());
    out += fmt::format("\n    {}\n\n", v.message.empty() ? "(no message)" : v.message);
  }
  fmt::print("{}", out);
  return {};
}

Status cmd_show(CommandEnv& env, const ParsedArgs& args) {
  (void)env;
  if (args.positional.size() != 1 || !args.positional[0].starts_with("id:")) {
    return fail(ErrorCode::invalid_argument, "ldb show needs one object id", "usage: ldb show id:HASH");
  }
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto& store = *instance->store;
  auto hash = dataset::resolve_object_id(store, args.positional[0]);
  if (!hash) return std::unexpected(hash.error());
  auto info = store.object_info(*hash);
  if (!info) return std::unexpected(info.error());
  auto holders = store.datasets_containing(*hash);
  if (!holders) return std::unexpected(holders.error());
  // The object's transform set in each version holding it, where not {self}.
  std::map<std::string, std::vector<std::string>> transforms;
  TransformConfig transform_config;
  bool config_read = false;
  for (const auto& [name, version] : *holders) {
    auto v = store.dataset_version(name, version);
    if (!v) return std::unexpected(v.error());
    if (v->transforms_hash == core::Md5{}) continue;
    auto assigned = store.transform_assignments(v->transforms_hash);
    if (!assigned) return std::unexpected(assigned.error());
    auto set = dataset::transform_set_of(*assigned, *hash);
    if (set.size() == 1 && set.front() == store::k_self_transform) continue;
    if (!config_read) {
      auto config = read_transform_config(instance->dir);
      if (!config) return std::unexpected(config.error());
      transform_config = std::move(*config);
      config_read = true;
    }
    std::vector<std::string> names;
    for (const auto& command : set) names.push_back(transform_display_name(transform_config, command));
    std::sort(names.begin(), names.end());
    transforms[fmt::format("ds:{}.v{}", name, version)] = std::move(names);
  }
  if (args.has("json")) {
    auto versions = nlohmann::json::array();
    for (const auto& v : info->versions) {
      versions.push_back({{"version", v.version}, {"indexed", iso_time(v.indexed_at)}, {"annotation_hash", v.content_hash.hex()}});
    }
    auto datasets = nlohmann::json::array();
    for (const auto& [name, version] : *holders) datasets.push_back(fmt::format("ds:{}.v{}", name, version));
    out_line(nlohmann::json{{"id", "id:" + info->hash.hex()},
                            {"size", info->size},
                            {"paths", info->paths},
                            {"tags", info->tags},
                            {"first_indexed", iso_time(info->first_indexed)},
                            {"last_indexed", iso_time(info->last_indexed)},
                            {"current_annotation_version", info->current_version},
                            {"annotation_versions", versions},
                            {"datasets", datasets},
                            {"dataset_transforms", transforms}}
                 .dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return {};
  }
  std::string out = fmt::format("id:{}\nSize:   {} bytes\nIndexed: {} (first), {} (last)\n", info->hash.hex(), info->size,
                                human_time(info->first_indexed), human_time(info->last_indexed));
  out += "Paths:\n";
  for (const auto& p : info->paths) out += fmt::format("  {}\n", p);
  out += fmt::format("Tags:   {}\n", info->tags.empty() ? "(none)" : fmt::format("{}", fmt::join(info->tags, ", ")));
  out += "Annotation versions:\n";
  if (info->versions.empty()) out += "  (none)\n";
  for (const auto& v : info->versions) {
    out += fmt::format("  v{}  {}{}\n", v.version, human_time(v.indexed_at), v.version == info->current_version ? "  (current)" : "");
  }
  out += "Datasets:\n";
  if (holders->empty()) out += "  (none)\n";
  for (const auto& [name, version] : *holders) {
    auto label = fmt::format("ds:{}.v{}", name, version);
    auto it = transforms.find(label);
    out += it == transforms.end() ? fmt::format("  {}\n", label)
                                  : fmt::format("  {}  transforms: {}\n", label, fmt::join(it->second, ", "));
  }
  fmt::print("{}", out);
  return {};
}

}  // namespace ldb::cli
