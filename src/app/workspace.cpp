#include "app/workspace.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "app/detail/instantiated.hpp"
#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "app/detail/transforms.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/object_ops.hpp"
#include "dataset/operations.hpp"
#include "dataset/transform_sets.hpp"
#include "dataset/workspace_files.hpp"
#include "formats/workspace_changes.hpp"

namespace ldb::app {

std::string dataset_label(const std::string& name, std::string_view unnamed) {
  return name.empty() ? std::string(unnamed) : "ds:" + name;
}

namespace {

VersionSummary summary_of(const store::DatasetVersion& v) {
  return VersionSummary{v.name, v.version, v.num_objects, v.num_annotations};
}

// A workspace command's workspace and the session's dataset context.
struct Opened {
  dataset::Workspace ws;
  dataset::Context ctx;
};

Result<Opened> open_workspace(Session& session, const std::optional<std::string>& target) {
  auto ws = detail::workspace(session.context(), target);
  if (!ws) return std::unexpected(ws.error());
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  return Opened{std::move(*ws), detail::dataset_context(session, **instance)};
}

Result<FilesStatus> files_status(Session& session, const std::filesystem::path& root) {
  FilesStatus out;
  std::error_code ec;
  const bool instantiated = std::filesystem::exists(detail::instantiated_manifest_path(root), ec);
  auto manifest = detail::read_instantiated_manifest(root);
  if (!manifest) return std::unexpected(manifest.error());
  out.state = !instantiated ? "none" : manifest->state == formats::RunState::finished ? "finished" : "unfinished";
  out.files = manifest->entries.size();
  auto& state = session.state();
  auto changes = formats::compare_with_manifest(state.fs, state.pool, root, *manifest);
  if (!changes) return std::unexpected(changes.error());
  out.edited = std::move(changes->edited);
  out.deleted = std::move(changes->deleted);
  out.added = std::move(changes->added);
  out.unwritten = changes->unwritten;
  return out;
}

}  // namespace

Result<StageOutcome> stage(Session& session, const StageRequest& request) {
  auto ref = dataset::parse_dataset_ref(request.dataset);
  if (!ref) return std::unexpected(ref.error());
  if (ref->name == "root") {
    return fail(ErrorCode::invalid_argument, "ds:root is the index, not a dataset that can be staged",
                "stage a named dataset and add from the index: ldb stage ds:NAME; ldb add ds:root --query ...");
  }
  auto root = session.context().absolute(request.folder.value_or("."));
  auto instance = detail::instance(session, detail::CreateIfMissing::yes);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = detail::dataset_context(session, **instance);
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  auto ws = dataset::stage(ctx, root, *ref, request.force ? dataset::Force::yes : dataset::Force::no);
  if (!ws) return std::unexpected(ws.error());
  const auto& s = ws->state();
  return StageOutcome{s.dataset_name, s.parent_version, s.members.size(), root};
}

Result<AddOutcome> add(Session& session, const AddRequest& request) {
  auto opened = open_workspace(session, request.target);
  if (!opened) return std::unexpected(opened.error());
  auto& [ws, ctx] = *opened;
  detail::SelectOptions select{
      "add", {"ds:root"}, detail::NoObjects::need_filter, detail::PathsAs::index_first, request.index};
  auto selection = detail::select_objects(session, ctx, request.selector, select);
  if (!selection) return std::unexpected(selection.error());
  auto incoming = dataset::normalize(std::move(*selection));
  auto pinned = dataset::Pinned::no;
  if (request.label_version) {
    const std::uint32_t version = *request.label_version;
    std::vector<core::Md5> hashes;
    for (const auto& r : incoming) hashes.push_back(r.hash);
    auto infos = ctx.store.objects_info(hashes);
    if (!infos) return std::unexpected(infos.error());
    for (std::size_t i = 0; i < incoming.size(); ++i) {
      if ((*infos)[i].current_version < version) {
        return fail(ErrorCode::not_found,
                    fmt::format("object id:{} has no annotation version {} (it has {})", incoming[i].hash.hex(),
                                version, (*infos)[i].current_version),
                    fmt::format("see its versions with: ldb show id:{}", incoming[i].hash.hex()));
      }
      incoming[i].annotation_version = version;
    }
    pinned = dataset::Pinned::yes;
  }
  auto& state = ws.state();
  auto before = state.members;
  state.members = dataset::merge(state.members, incoming, pinned);
  auto change = dataset::diff(before, state.members);
  LDB_TRY(ws.save());
  LDB_TRY(detail::record_taken_in(ws.root(), ctx, {}, formats::MissingFiles::keep));
  detail::report(session, ctx);
  return AddOutcome{state.dataset_name, change.added.size(), incoming.size(), change.modified.size()};
}

Result<DelOutcome> del(Session& session, const DelRequest& request) {
  auto opened = open_workspace(session, request.target);
  if (!opened) return std::unexpected(opened.error());
  auto& [ws, ctx] = *opened;
  detail::SelectOptions select{"del", {"ds:root"}, detail::NoObjects::need_filter};
  auto selection = detail::select_objects(session, ctx, request.selector, select);
  if (!selection) return std::unexpected(selection.error());
  auto removing = dataset::normalize(std::move(*selection));
  auto& state = ws.state();
  auto before = state.members.size();
  state.members = dataset::subtract(state.members, removing);
  LDB_TRY(ws.save());
  detail::report(session, ctx);
  return DelOutcome{state.dataset_name, before - state.members.size()};
}

Result<VersionSummary> dataset_status(Session& session, const std::string& dataset) {
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto ref = dataset::parse_dataset_ref(dataset);
  if (!ref) return std::unexpected(ref.error());
  auto v = (*instance)->store->dataset_version(ref->name, ref->version);
  if (!v) return std::unexpected(v.error());
  return summary_of(*v);
}

namespace {

// What workspace_status says but the files.
Result<WorkspaceStatus> staged_status(Opened& opened) {
  auto& [ws, ctx] = opened;
  auto changes = dataset::uncommitted_changes(ctx, ws);
  if (!changes) return std::unexpected(changes.error());
  auto moved_on_to = dataset::moved_on_to(ctx, ws);
  if (!moved_on_to) return std::unexpected(moved_on_to.error());
  const auto& s = ws.state();
  WorkspaceStatus out;
  out.dataset = s.dataset_name;
  out.version = s.parent_version;
  out.root = ws.root();
  out.objects = s.members.size();
  out.annotations = static_cast<std::size_t>(std::count_if(
      s.members.begin(), s.members.end(), [](const store::ObjectRef& r) { return r.annotation_version != 0; }));
  out.added = changes->added.size();
  out.deleted = changes->deleted.size();
  out.modified = changes->modified.size();
  out.transforms_changed = changes->retransformed.size();
  out.behind = *moved_on_to;
  return out;
}

}  // namespace

Result<WorkspaceStatus> workspace_status(Session& session, const std::optional<std::string>& target) {
  // The instance first: with none configured, that is the error to see.
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto opened = open_workspace(session, target);
  if (!opened) return std::unexpected(opened.error());
  LDB_TRY_ASSIGN(auto out, staged_status(*opened));
  auto files = files_status(session, opened->ws.root());
  if (!files) return std::unexpected(files.error());
  out.files = std::move(*files);
  return out;
}

std::optional<std::filesystem::path> workspace_root(const Context& context) {
  return dataset::Workspace::find_root(context.cwd);
}

Result<std::optional<WorkspaceStatus>> find_workspace(Session& session) {
  auto root = workspace_root(session.context());
  if (!root) return std::optional<WorkspaceStatus>();
  auto opened = open_workspace(session, root->string());
  if (!opened) return std::unexpected(opened.error());
  LDB_TRY_ASSIGN(auto out, staged_status(*opened));
  return std::optional<WorkspaceStatus>(std::move(out));
}

Result<CommitOutcome> commit(Session& session, const CommitRequest& request) {
  auto opened = open_workspace(session, request.target);
  if (!opened) return std::unexpected(opened.error());
  auto& [ws, ctx] = *opened;
  std::optional<std::string> rename;
  if (request.dataset) {
    auto ref = dataset::parse_dataset_ref(*request.dataset);
    if (!ref) return std::unexpected(ref.error());
    if (ref->version) {
      return fail(ErrorCode::invalid_argument, "commit creates the next version; a version number cannot be given",
                  fmt::format("write: ldb commit ds:{}", ref->name));
    }
    rename = ref->name;
  }
  auto resolution = request.resolution == Resolution::ours     ? dataset::Resolution::ours
                    : request.resolution == Resolution::theirs ? dataset::Resolution::theirs
                                                               : dataset::Resolution::none;
  CommitOutcome out;
  out.staged_from = ws.state().parent_version;
  auto outcome = dataset::commit(ctx, ws, request.message, rename, resolution);
  if (!outcome) return std::unexpected(outcome.error());
  out.version = summary_of(outcome->version);
  out.committed = outcome->committed;
  out.merged_with = outcome->merged_with;
  out.conflicts_decided = outcome->conflicts_decided;
  return out;
}

Result<PullOutcome> pull(Session& session, const PullRequest& request) {
  auto opened = open_workspace(session, request.target);
  if (!opened) return std::unexpected(opened.error());
  auto& [ws, ctx] = *opened;
  detail::SelectOptions select{"pull", {"ws:" + ws.root().string()}, detail::NoObjects::use_default};
  auto selection = detail::select_objects(session, ctx, request.selector, select);
  if (!selection) return std::unexpected(selection.error());
  auto selected = dataset::normalize(std::move(*selection));
  auto& state = ws.state();
  auto outcome = dataset::pull(ctx, state.members, selected, request.version);
  if (!outcome) return std::unexpected(outcome.error());
  state.members = std::move(outcome->members);
  LDB_TRY(ws.save());
  detail::report(session, ctx);
  return PullOutcome{state.dataset_name, outcome->updated, outcome->unchanged, outcome->missing, outcome->not_staged};
}

Result<SyncOutcome> sync(Session& session, const SyncRequest& request) {
  auto opened = open_workspace(session, request.target);
  if (!opened) return std::unexpected(opened.error());
  auto& [ws, ctx] = *opened;
  store::Collection wanted;
  std::uint64_t edited = 0;
  std::vector<dataset::TakenFile> taken;
  if (request.selector.objects.empty()) {
    // The workspace's own files, as `ldb add .` reads them.
    auto untouched = detail::untouched_instantiated_files(ws.root());
    if (!untouched) return std::unexpected(untouched.error());
    auto files = dataset::read_workspace_files(ctx, ws, *untouched);
    if (!files) return std::unexpected(files.error());
    wanted = std::move(files->members);
    taken = std::move(files->taken);
    if (!request.selector.filters.empty()) {
      auto filtered = detail::filter_selection(session.context(), ctx, request.selector.filters, std::move(wanted));
      if (!filtered) return std::unexpected(filtered.error());
      wanted = dataset::normalize(std::move(*filtered));
      // Files of objects the filters left out stay the user's: taken in, the
      // next instantiate would remove them as ldb's files no longer staged.
      taken = dataset::taken_of_members(taken, wanted);
    }
    edited = files->edited_annotations;
    const std::uint64_t copied = files->copied_to.empty() ? 0 : files->new_objects;
    if (copied) ctx.notes.push_back(fmt::format("Copied {} new data objects to '{}'", copied, files->copied_to));
  } else {
    detail::SelectOptions select{
        "sync", {}, detail::NoObjects::use_default, detail::PathsAs::index_first, request.index};
    auto selection = detail::select_objects(session, ctx, request.selector, select);
    if (!selection) return std::unexpected(selection.error());
    wanted = dataset::normalize(std::move(*selection));
  }
  auto& state = ws.state();
  auto change = dataset::diff(state.members, wanted);
  state.members = std::move(wanted);
  LDB_TRY(ws.save());
  // Only now: killed before, the files are read again next time.
  LDB_TRY(detail::record_taken_in(ws.root(), ctx, taken, formats::MissingFiles::forget));
  detail::report(session, ctx);
  return SyncOutcome{state.dataset_name, change.added.size(), change.deleted.size(), change.modified.size(), edited};
}

Result<TransformOutcome> transform(Session& session, const TransformRequest& request) {
  auto ws = detail::workspace(session.context(), request.target);
  if (!ws) return std::unexpected(ws.error());
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto config = detail::read_transform_config((*instance)->dir);
  if (!config) return std::unexpected(config.error());
  auto edit = request.edit == TransformEdit::add      ? dataset::TransformEdit::add
              : request.edit == TransformEdit::remove ? dataset::TransformEdit::remove
                                                      : dataset::TransformEdit::set;
  auto commands = detail::resolve_transform_names(*config, request.names);
  if (!commands) return std::unexpected(commands.error());
  auto ctx = detail::dataset_context(session, **instance);
  detail::SelectOptions select{"transform", {"ws:" + ws->root().string()}, detail::NoObjects::use_default};
  auto selection = detail::select_objects(session, ctx, request.selector, select);
  if (!selection) return std::unexpected(selection.error());
  auto targets = dataset::normalize(std::move(*selection));
  auto& state = ws->state();
  auto outcome = dataset::edit_transforms(state.members, state.transforms, targets, edit, *commands);
  if (!outcome) return std::unexpected(outcome.error());
  state.transforms = std::move(outcome->transforms);
  LDB_TRY(ws->save());
  detail::report(session, ctx);
  return TransformOutcome{state.dataset_name, outcome->changed, targets.size()};
}

}  // namespace ldb::app
