#include "dataset/operations.hpp"

#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>

#include "dataset/transform_sets.hpp"

namespace ldb::dataset {

Result<store::Collection> dataset_members(Context& ctx, const DatasetRef& ref) {
  auto version = ctx.store.dataset_version(ref.name, ref.version);
  if (!version) return std::unexpected(version.error());
  return ctx.store.collection(version->collection_hash);
}

namespace {

struct VersionContent {
  store::Collection members;
  store::TransformAssignments transforms;
};

// The members (and their transform sets) of the version a workspace started
// from (empty for a new dataset).
Result<VersionContent> parent_content(Context& ctx, const Workspace& ws) {
  const auto& s = ws.state();
  if (s.dataset_name.empty() || s.parent_version == 0) return VersionContent{};
  auto version = ctx.store.dataset_version(s.dataset_name, s.parent_version);
  if (!version && version.error().code == ErrorCode::not_found) {
    // The dataset was deleted since staging: everything staged is new.
    return VersionContent{};
  }
  if (!version) return std::unexpected(version.error());
  auto members = ctx.store.collection(version->collection_hash);
  if (!members) return std::unexpected(members.error());
  auto transforms = ctx.store.transform_assignments(version->transforms_hash);
  if (!transforms) return std::unexpected(transforms.error());
  return VersionContent{std::move(*members), std::move(*transforms)};
}

}  // namespace

Result<store::TransformAssignments> dataset_transforms(Context& ctx, const DatasetRef& ref) {
  auto version = ctx.store.dataset_version(ref.name, ref.version);
  if (!version) return std::unexpected(version.error());
  return ctx.store.transform_assignments(version->transforms_hash);
}

Result<Diff> uncommitted_changes(Context& ctx, const Workspace& ws) {
  auto parent = parent_content(ctx, ws);
  if (!parent) return std::unexpected(parent.error());
  const auto& s = ws.state();
  return diff(parent->members, s.members, parent->transforms, prune_transforms(s.members, s.transforms));
}

Result<Workspace> stage(Context& ctx, const std::filesystem::path& dir, const DatasetRef& ref, Force force) {
  if (Workspace::exists(dir) && force == Force::no) {
    auto existing = Workspace::open(dir);
    if (existing) {
      auto changes = uncommitted_changes(ctx, *existing);
      bool same_new_dataset = existing->state().dataset_name == ref.name && existing->state().parent_version == 0;
      bool dirty = changes && (changes->size() > 0 || (existing->state().parent_version == 0 &&
                                                       !existing->state().members.empty()));
      if (dirty && !same_new_dataset) {
        return fail(ErrorCode::conflict,
                    fmt::format("the workspace '{}' has uncommitted changes to {}", dir.string(),
                                existing->state().dataset_name.empty() ? std::string("an unnamed dataset")
                                                                       : "ds:" + existing->state().dataset_name),
                    "commit them with ldb commit, or discard them with ldb stage -f");
      }
      if (dirty && same_new_dataset) return std::move(*existing);  // keep working on it
    }
  }
  WorkspaceState state;
  state.dataset_name = ref.name;
  state.instance = ctx.instance_dir.string();
  auto version = ctx.store.dataset_version(ref.name, ref.version);
  if (version) {
    auto members = ctx.store.collection(version->collection_hash);
    if (!members) return std::unexpected(members.error());
    auto transforms = ctx.store.transform_assignments(version->transforms_hash);
    if (!transforms) return std::unexpected(transforms.error());
    state.parent_version = version->version;
    state.members = std::move(*members);
    state.transforms = std::move(*transforms);
  } else if (version.error().code != ErrorCode::not_found || ref.version != 0) {
    return std::unexpected(version.error());
  }
  return Workspace::create(dir, std::move(state));
}

Result<CommitOutcome> commit(Context& ctx, Workspace& ws, std::string_view message,
                             const std::optional<std::string>& rename) {
  auto& state = ws.state();
  std::string name = rename ? *rename : state.dataset_name;
  if (name.empty()) {
    return fail(ErrorCode::invalid_argument, "the staged dataset has no name",
                "name it when committing: ldb commit ds:NAME");
  }
  LDB_TRY(validate_dataset_name(name));
  state.transforms = prune_transforms(state.members, std::move(state.transforms));
  auto latest = ctx.store.dataset_version(name, 0);
  if (!latest && latest.error().code != ErrorCode::not_found) return std::unexpected(latest.error());
  if (latest) {
    auto members = ctx.store.collection(latest->collection_hash);
    if (!members) return std::unexpected(members.error());
    if (*members == state.members && latest->transforms_hash == store::transform_assignments_hash(state.transforms)) {
      // Already saved: the workspace now tracks that version.
      if (state.dataset_name != name || state.parent_version != latest->version) {
        state.dataset_name = name;
        state.parent_version = latest->version;
        LDB_TRY(ws.save());
      }
      return CommitOutcome{false, *latest};
    }
  }
  // The version the workspace started from is the parent, if it still exists
  // (the dataset may have been deleted, and its history restarted, since).
  std::uint32_t parent = (name == state.dataset_name) ? state.parent_version : 0;
  if (!latest || parent > latest->version) parent = 0;
  auto saved = ctx.store.commit_dataset_with_transforms(name, state.members, state.transforms, parent, message,
                                                       current_author());
  if (!saved) return std::unexpected(saved.error());
  state.dataset_name = name;
  state.parent_version = saved->version;
  LDB_TRY(ws.save());
  return CommitOutcome{true, *saved};
}

std::string current_author() {
  if (const char* a = std::getenv("LDB_AUTHOR"); a && *a) return a;
  if (const auto* pw = getpwuid(getuid()); pw && pw->pw_name) return pw->pw_name;
  if (const char* u = std::getenv("USER"); u && *u) return u;
  return "unknown";
}

}  // namespace ldb::dataset
