#include "dataset/operations.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dataset/transform_sets.hpp"

namespace ldb::dataset {

Result<store::Collection> dataset_members(Context& ctx, const DatasetRef& ref) {
  auto version = ctx.store.dataset_version(ref.name, ref.version);
  if (!version) return std::unexpected(version.error());
  return ctx.store.collection(version->collection_hash);
}

namespace {

// The members and transform sets of a committed version.
Result<DatasetContent> version_content(Context& ctx, const store::DatasetVersion& version) {
  auto members = ctx.store.collection(version.collection_hash);
  if (!members) return std::unexpected(members.error());
  auto transforms = ctx.store.transform_assignments(version.transforms_hash);
  if (!transforms) return std::unexpected(transforms.error());
  return DatasetContent{std::move(*members), std::move(*transforms)};
}

// The content of version `number` of `name` (empty for 0, or when the
// dataset was deleted since the workspace was staged).
Result<DatasetContent> content_of(Context& ctx, std::string_view name, std::uint32_t number) {
  if (name.empty() || number == 0) return DatasetContent{};
  auto version = ctx.store.dataset_version(name, number);
  if (!version && version.error().code == ErrorCode::not_found) return DatasetContent{};
  if (!version) return std::unexpected(version.error());
  return version_content(ctx, *version);
}

// The members (and their transform sets) of the version a workspace started
// from (empty for a new dataset, or one deleted since: everything staged is new).
Result<DatasetContent> parent_content(Context& ctx, const Workspace& ws) {
  return content_of(ctx, ws.state().dataset_name, ws.state().parent_version);
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
      bool dirty = changes && (changes->size() > 0 ||
                               (existing->state().parent_version == 0 && !existing->state().members.empty()));
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
    auto content = version_content(ctx, *version);
    if (!content) return std::unexpected(content.error());
    state.parent_version = version->version;
    state.members = std::move(content->members);
    state.transforms = std::move(content->transforms);
    // Staging an older version on purpose starts from it on top of the
    // latest (a rollback): changes are counted from the latest.
    state.base_version = version->version;
    if (ref.version != 0) {
      auto latest = ctx.store.dataset_version(ref.name, 0);
      if (!latest) return std::unexpected(latest.error());
      state.base_version = latest->version;
    }
  } else if (version.error().code != ErrorCode::not_found || ref.version != 0) {
    return std::unexpected(version.error());
  }
  return Workspace::create(dir, std::move(state));
}

namespace {

std::string side_text(const MergeSide& side) {
  if (!side.member) return "deleted";
  std::string out = side.annotation_version ? fmt::format("annotation v{}", side.annotation_version) : "no annotation";
  if (side.transforms != store::TransformSet{std::string(store::k_self_transform)}) {
    out += fmt::format(" with transforms {{{}}}", fmt::join(side.transforms, ", "));
  }
  return out;
}

Error conflict_error(std::string_view name, std::uint32_t staged, std::uint32_t latest,
                     const std::vector<MergeConflict>& conflicts) {
  constexpr std::size_t k_listed = 10;
  std::string message = fmt::format(
      "ds:{} is at v{}; you staged {}, and {} object{} changed differently on both sides "
      "(ours: this workspace, theirs: ds:{}.v{}); nothing was committed:",
      name, latest, staged ? fmt::format("v{}", staged) : std::string("it before it existed"), conflicts.size(),
      conflicts.size() == 1 ? " was" : "s were", name, latest);
  for (std::size_t i = 0; i < conflicts.size() && i < k_listed; ++i) {
    const auto& c = conflicts[i];
    message += fmt::format("\n  id:{}  ours: {}, theirs: {} ({})", c.hash.hex(), side_text(c.ours), side_text(c.theirs),
                           c.base.member ? "was " + side_text(c.base) : "added on both sides");
  }
  if (conflicts.size() > k_listed) message += fmt::format("\n  ... and {} more", conflicts.size() - k_listed);
  return Error{ErrorCode::conflict, std::move(message),
               "keep this workspace's side of every conflict with: ldb commit --ours, or the latest version's "
               "with: ldb commit --theirs (or change those members first, e.g. ldb add ID --label-version N)"};
}

}  // namespace

Result<std::uint32_t> moved_on_to(Context& ctx, const Workspace& ws) {
  const auto& s = ws.state();
  if (s.dataset_name.empty()) return 0u;
  auto latest = ctx.store.dataset_version(s.dataset_name, 0);
  if (!latest && latest.error().code == ErrorCode::not_found) return 0u;
  if (!latest) return std::unexpected(latest.error());
  return latest->version > s.base_version ? latest->version : 0u;
}

Result<CommitOutcome> commit(Context& ctx, Workspace& ws, std::string_view message,
                             const std::optional<std::string>& rename, Resolution resolution) {
  auto& state = ws.state();
  std::string name = rename ? *rename : state.dataset_name;
  if (name.empty()) {
    return fail(ErrorCode::invalid_argument, "the staged dataset has no name",
                "name it when committing: ldb commit ds:NAME");
  }
  LDB_TRY(validate_dataset_name(name));
  if (name == "root") {
    return fail(ErrorCode::invalid_argument, "ds:root is the index, not a dataset that can be committed to",
                "commit under a name of your own: ldb commit ds:NAME");
  }
  state.transforms = prune_transforms(state.members, std::move(state.transforms));
  // Committed under another name the workspace has no base there: its
  // members are saved as they are on top of that dataset.
  const bool same_dataset = name == state.dataset_name;
  CommitOutcome outcome;
  std::optional<DatasetContent> merged;  // the members to stage afterwards, when a merge changed them
  auto decide = [&](const std::optional<store::DatasetVersion>& latest) -> Result<std::optional<store::NewVersion>> {
    // Runs once, inside the store's write transaction.
    DatasetContent ours{state.members, state.transforms};
    if (!latest) return store::NewVersion{std::move(ours.members), std::move(ours.transforms), 0, 0};
    auto theirs = version_content(ctx, *latest);
    if (!theirs) return std::unexpected(theirs.error());
    if (!same_dataset || latest->version <= state.base_version) {
      // Nobody committed since the workspace's base (or the dataset was
      // deleted and started again): the workspace is what gets saved.
      if (ours == *theirs) {
        outcome.version = *latest;
        return std::nullopt;
      }
      std::uint32_t parent = same_dataset && state.parent_version <= latest->version ? state.parent_version : 0;
      return store::NewVersion{std::move(ours.members), std::move(ours.transforms), parent, 0};
    }
    auto base = content_of(ctx, name, state.base_version);
    if (!base) return std::unexpected(base.error());
    auto result = merge_three_way(*base, ours, *theirs, resolution);
    if (!result.conflicts.empty() && resolution == Resolution::none) {
      return std::unexpected(conflict_error(name, state.parent_version, latest->version, result.conflicts));
    }
    outcome.merged_with = latest->version;
    outcome.conflicts_decided = result.conflicts.size();
    merged = std::move(result.merged);
    if (*merged == *theirs) {
      outcome.version = *latest;
      return std::nullopt;
    }
    return store::NewVersion{merged->members, merged->transforms, state.parent_version, latest->version};
  };
  auto saved = ctx.store.commit_dataset_decided(name, decide, message, ctx.author);
  if (!saved) return std::unexpected(saved.error());
  if (*saved) {
    outcome.committed = true;
    outcome.version = std::move(**saved);
  }
  // The workspace now stages what was saved (or the latest, which already
  // holds it).
  const auto now_at = outcome.version.version;
  if (!outcome.committed && !merged && state.dataset_name == name && state.parent_version == now_at &&
      state.base_version == now_at) {
    return outcome;
  }
  if (merged) {
    state.members = std::move(merged->members);
    state.transforms = std::move(merged->transforms);
  }
  state.dataset_name = name;
  state.parent_version = now_at;
  state.base_version = now_at;
  LDB_TRY(ws.save());
  return outcome;
}

}  // namespace ldb::dataset
