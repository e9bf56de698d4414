#pragma once
// The dataset workflow over a workspace: stage, add/del, status, commit, diff.
// Each either changes only the workspace file (atomically) or writes the store
// in one transaction.

#include <filesystem>
#include <optional>
#include <string>

#include "dataset/collection_ops.hpp"
#include "dataset/context.hpp"
#include "dataset/merge.hpp"
#include "dataset/sources.hpp"
#include "dataset/workspace.hpp"

namespace ldb::dataset {

enum class Force { no, yes };

// Makes `dir` a workspace for ds:NAME (latest or .vN). A dataset that does not
// exist yet starts empty (naming a version of it is an error). Refuses, unless
// forced, to replace a workspace whose staged dataset has uncommitted changes.
Result<Workspace> stage(Context& ctx, const std::filesystem::path& dir, const DatasetRef& ref, Force force);

// The staged members compared with the committed version they started from.
Result<Diff> uncommitted_changes(Context& ctx, const Workspace& ws);

struct CommitOutcome {
  bool committed = false;         // false: nothing to commit
  store::DatasetVersion version;  // the saved version, else the latest (which holds the members)
  // When others had committed after the workspace's base: the latest version
  // it was merged with (0 = no merge), and the conflicts the resolution decided.
  std::uint32_t merged_with = 0;
  std::size_t conflicts_decided = 0;
};
// Saves the staged dataset as the next version of its dataset (or of `rename`).
// When the dataset's latest version is newer than the workspace's base, the
// members saved are the three-way merge (dataset/merge.hpp) of the base, the
// workspace and that latest version, read and decided inside the store's
// write transaction; conflicts that `resolution` does not decide fail with
// `conflict`, listing them (at most 10, and how many more), and nothing is
// saved. With the latest version equal to the base the workspace is saved as
// it is, so committing an old version that was staged on purpose rolls back.
// Nothing to commit (the result equals the latest version) is not an error.
// Afterwards the workspace stages the saved (or latest) version, merged
// members included.
Result<CommitOutcome> commit(Context& ctx, Workspace& ws, std::string_view message,
                             const std::optional<std::string>& rename, Resolution resolution = Resolution::none);

// The dataset's latest version when it is newer than the workspace's base
// (others committed since the workspace was staged: commit will merge), else 0.
Result<std::uint32_t> moved_on_to(Context& ctx, const Workspace& ws);

// Members of a committed dataset version.
Result<store::Collection> dataset_members(Context& ctx, const DatasetRef& ref);

// Transform sets of a committed dataset version's members (those not {self}).
Result<store::TransformAssignments> dataset_transforms(Context& ctx, const DatasetRef& ref);

}  // namespace ldb::dataset
