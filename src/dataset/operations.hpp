#pragma once
// The dataset workflow over a workspace: stage, add/del, status, commit, diff.
// Each either changes only the workspace file (atomically) or writes the store
// in one transaction.

#include <filesystem>
#include <optional>
#include <string>

#include "dataset/collection_ops.hpp"
#include "dataset/context.hpp"
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
  bool committed = false;  // false: nothing to commit
  store::DatasetVersion version;
};
// Saves the staged dataset as the next version of its dataset (or of `rename`).
// Nothing to commit (members equal to the latest version) is not an error.
Result<CommitOutcome> commit(Context& ctx, Workspace& ws, std::string_view message,
                             const std::optional<std::string>& rename);

// Members of a committed dataset version.
Result<store::Collection> dataset_members(Context& ctx, const DatasetRef& ref);

// Transform sets of a committed dataset version's members (those not {self}).
Result<store::TransformAssignments> dataset_transforms(Context& ctx, const DatasetRef& ref);

// The author recorded on commits: $LDB_AUTHOR, else the user name.
std::string current_author();

}  // namespace ldb::dataset
