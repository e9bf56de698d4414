#include "app/inspect.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "app/browse.hpp"
#include "app/detail/diff_sides.hpp"
#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "app/detail/transforms.hpp"
#include "dataset/annotation_scan.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/operations.hpp"
#include "dataset/sources.hpp"
#include "dataset/transform_sets.hpp"

namespace ldb::app {

namespace {

// Display names of transform sets, from the instance's config (read only when needed).
class TransformNames {
 public:
  explicit TransformNames(std::filesystem::path instance_dir) : m_dir(std::move(instance_dir)) {}
  Result<std::vector<std::string>> of(const store::TransformSet& set) {
    const bool only_self =
        std::all_of(set.begin(), set.end(), [](const std::string& c) { return c == store::k_self_transform; });
    if (!m_config && !only_self) {
      auto config = detail::read_transform_config(m_dir);
      if (!config) return std::unexpected(config.error());
      m_config = std::move(*config);
    }
    std::vector<std::string> names;
    for (const auto& command : set) {
      names.push_back(m_config ? detail::transform_display_name(*m_config, command) : command);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::filesystem::path m_dir;
  std::optional<detail::TransformConfig> m_config;
};

}  // namespace

namespace {

// The objects list() and select_refs() show, in ctx (over the session's instance).
Result<dataset::Selection> listed(Session& session, dataset::Context& ctx, const ListRequest& request,
                                  const std::vector<std::string>& defaults) {
  detail::SelectOptions select{"list", defaults, detail::NoObjects::use_default};
  auto selection = detail::select_objects(session, ctx, request.selector, select);
  if (!selection) return std::unexpected(selection.error());
  detail::report(session, ctx);
  return selection;
}

}  // namespace

Result<std::vector<ObjectRef>> select_refs(Session& session, const ListRequest& request) {
  LDB_TRY_ASSIGN(auto defaults, detail::default_source_for(session.context(), request.selector, request.target));
  LDB_TRY_ASSIGN(auto* instance, detail::instance(session));
  auto ctx = detail::dataset_context(session, *instance);
  LDB_TRY_ASSIGN(auto selection, listed(session, ctx, request, defaults));
  return detail::to_refs(selection);
}

Result<Listing> list(Session& session, const ListRequest& request) {
  auto defaults = detail::default_source_for(session.context(), request.selector, request.target);
  if (!defaults) return std::unexpected(defaults.error());
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = detail::dataset_context(session, **instance);
  auto selection = listed(session, ctx, request, *defaults);
  if (!selection) return std::unexpected(selection.error());
  Listing out;
  out.count = selection->size();
  if (!request.details) return out;
  std::vector<core::Md5> hashes;
  hashes.reserve(selection->size());
  for (const auto& r : *selection) hashes.push_back(r.hash);
  auto infos = ctx.store.objects_info(hashes);
  if (!infos) return std::unexpected(infos.error());
  // Transform sets come from the datasets listed (or the staged one); names from the config.
  std::vector<std::string> identifiers;
  for (const auto& ident : request.selector.objects.empty() ? *defaults : request.selector.objects) {
    identifiers.push_back(detail::absolute_identifier(session.context(), ident));
  }
  auto assignments = dataset::transforms_of_sources(ctx, identifiers);
  if (!assignments) return std::unexpected(assignments.error());
  TransformNames names(ctx.instance_dir);
  out.rows.reserve(selection->size());
  for (std::size_t i = 0; i < selection->size(); ++i) {
    auto& info = (*infos)[i];
    ObjectRow row{
        {info.hash, (*selection)[i].annotation_version}, std::move(info.paths), info.size, std::move(info.tags), {}};
    auto transforms = names.of(dataset::transform_set_of(*assignments, info.hash));
    if (!transforms) return std::unexpected(transforms.error());
    row.transforms = std::move(*transforms);
    out.rows.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<Evaluation>> eval(Session& session, const EvalRequest& request) {
  auto defaults = detail::default_source_for(session.context(), request.selector, request.target);
  if (!defaults) return std::unexpected(defaults.error());
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = detail::dataset_context(session, **instance);
  // A trailing --query/--jquery/--file is printed instead of filtering.
  Selector filtering = request.selector;
  std::optional<dataset::FilterSpec> shown;
  if (!filtering.filters.empty()) {
    const auto* info = find_filter(filtering.filters.back().name);
    if (info != nullptr && info->is_expression) {
      auto specs = detail::filter_specs(session.context(), std::span(&filtering.filters.back(), 1));
      if (!specs) return std::unexpected(specs.error());
      shown = specs->front();
      filtering.filters.pop_back();
      LDB_TRY(dataset::validate_filters(std::span(&*shown, 1)));
    }
  }
  detail::SelectOptions select{"eval", *defaults, detail::NoObjects::use_default};
  auto selection = detail::select_objects(session, ctx, filtering, select);
  if (!selection) return std::unexpected(selection.error());
  detail::report(session, ctx);
  std::vector<Evaluation> out;
  if (shown) {
    auto evaluated = dataset::evaluate_each(ctx, *selection, *shown);
    if (!evaluated) return std::unexpected(evaluated.error());
    out.reserve(evaluated->size());
    for (auto& e : *evaluated) out.push_back({{e.ref.hash, e.ref.annotation_version}, e.ok, std::move(e.json)});
    return out;
  }
  auto annotations = dataset::annotation_texts(ctx, *selection);
  if (!annotations) return std::unexpected(annotations.error());
  out.reserve(selection->size());
  for (std::size_t i = 0; i < selection->size(); ++i) {
    const auto& r = (*selection)[i];
    out.push_back(
        {{r.hash, r.annotation_version}, true, (*annotations)[i].empty() ? "null" : std::move((*annotations)[i])});
  }
  return out;
}

Result<DiffResult> diff(Session& session, const DiffRequest& request) {
  LDB_TRY_ASSIGN(auto* instance, detail::instance(session));
  auto ctx = detail::dataset_context(session, *instance);
  LDB_TRY_ASSIGN(auto sides, detail::diff_sides(session, ctx, request));
  auto d = dataset::diff(sides.from, sides.to, sides.from_transforms, sides.to_transforms);
  auto ref = [](const store::ObjectRef& r) { return ObjectRef{r.hash, r.annotation_version}; };
  DiffResult out;
  for (const auto& r : d.added) out.added.push_back({{}, ref(r), {}, {}, {}});
  for (const auto& r : d.deleted) out.deleted.push_back({ref(r), {}, {}, {}, {}});
  for (const auto& [a, b] : d.modified) out.modified.push_back({ref(a), ref(b), {}, {}, {}});
  if (!request.details) {
    for (const auto& change : d.retransformed) out.transforms_changed.push_back({{}, ref(change.ref), {}, {}, {}});
    return out;
  }
  TransformNames names(ctx.instance_dir);
  for (const auto& change : d.retransformed) {
    auto a = names.of(change.from);
    if (!a) return std::unexpected(a.error());
    auto b = names.of(change.to);
    if (!b) return std::unexpected(b.error());
    out.transforms_changed.push_back({{}, ref(change.ref), {}, std::move(*a), std::move(*b)});
  }
  // Paths make the lines readable; one lookup for every object shown.
  std::vector<core::Md5> hashes;
  for (auto* list : {&out.added, &out.deleted, &out.modified, &out.transforms_changed}) {
    for (const auto& e : *list)
      hashes.push_back(list == &out.deleted || list == &out.modified ? e.from.hash : e.to.hash);
  }
  auto infos = ctx.store.objects_info(hashes);
  if (!infos) return std::unexpected(infos.error());
  std::size_t i = 0;
  for (auto* list : {&out.added, &out.deleted, &out.modified, &out.transforms_changed}) {
    for (auto& e : *list) {
      const auto& paths = (*infos)[i++].paths;
      e.path = paths.empty() ? std::string() : paths.front();
    }
  }
  return out;
}

Result<std::vector<DatasetInfo>> datasets(Session& session) {
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto all = (*instance)->store->datasets();
  if (!all) return std::unexpected(all.error());
  std::vector<DatasetInfo> out;
  for (const auto& d : *all) {
    out.push_back({d.name, d.latest.version, d.latest.num_objects, d.latest.num_annotations, d.latest.time});
  }
  return out;
}

Result<std::vector<std::string>> delete_datasets(Session& session, const std::vector<std::string>& datasets) {
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto& store = *(*instance)->store;
  // Check every name first so that a typo deletes nothing.
  std::vector<std::string> names;
  for (const auto& given : datasets) {
    auto ref = dataset::parse_dataset_ref(given);
    if (!ref) return std::unexpected(ref.error());
    if (ref->version) {
      return fail(ErrorCode::invalid_argument, "ldb ds del deletes whole datasets, not single versions",
                  fmt::format("write: ldb ds del ds:{}", ref->name));
    }
    auto exists = store.dataset_version(ref->name, 0);
    if (!exists) return std::unexpected(exists.error());
    names.push_back(ref->name);
  }
  for (const auto& n : names) LDB_TRY(store.delete_dataset(n));
  return names;
}

Result<std::vector<LogEntry>> log(Session& session, const std::string& dataset) {
  auto ref = dataset::parse_dataset_ref(dataset);
  if (!ref) return std::unexpected(ref.error());
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto& store = *(*instance)->store;
  auto versions = store.dataset_log(ref->name);
  if (!versions) return std::unexpected(versions.error());
  std::vector<LogEntry> entries;
  for (const auto& v : *versions) {
    LogEntry e{
        {v.name, v.version, v.num_objects, v.num_annotations}, v.parent, v.merge_parent, v.time, v.author, v.message};
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
  std::reverse(entries.begin(), entries.end());
  return entries;
}

Result<ObjectDetails> show(Session& session, const std::string& object) {
  if (!object.starts_with("id:")) {
    return fail(ErrorCode::invalid_argument, "ldb show needs one object id", "usage: ldb show id:HASH");
  }
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto& store = *(*instance)->store;
  auto hash = dataset::resolve_object_id(store, object);
  if (!hash) return std::unexpected(hash.error());
  auto info = store.object_info(*hash);
  if (!info) return std::unexpected(info.error());
  auto holders = store.datasets_containing(*hash);
  if (!holders) return std::unexpected(holders.error());
  ObjectDetails out;
  out.hash = info->hash;
  out.size = info->size;
  out.paths = std::move(info->paths);
  out.tags = std::move(info->tags);
  out.first_indexed = info->first_indexed;
  out.last_indexed = info->last_indexed;
  out.current_version = info->current_version;
  for (const auto& v : info->versions) out.versions.push_back({v.version, v.indexed_at, v.content_hash});
  // The object's transform set in each version holding it, where not {self}.
  TransformNames names((*instance)->dir);
  for (const auto& [name, version] : *holders) {
    auto label = fmt::format("ds:{}.v{}", name, version);
    out.datasets.push_back(label);
    auto v = store.dataset_version(name, version);
    if (!v) return std::unexpected(v.error());
    if (v->transforms_hash == core::Md5{}) continue;
    auto assigned = store.transform_assignments(v->transforms_hash);
    if (!assigned) return std::unexpected(assigned.error());
    auto set = dataset::transform_set_of(*assigned, *hash);
    if (set.size() == 1 && set.front() == store::k_self_transform) continue;
    auto transforms = names.of(set);
    if (!transforms) return std::unexpected(transforms.error());
    out.dataset_transforms[label] = std::move(*transforms);
  }
  return out;
}

}  // namespace ldb::app
