#pragma once
// A workspace: a folder holding `.ldb_workspace/`, with one staged dataset.
// The staged state lives in one file, `.ldb_workspace/staged`: a JSON header
// line (dataset name, parent and base versions, instance) followed by the binary
// collection (store::serialize_collection: hashes, not row ids, so another
// instance can read it through ws:). It is replaced atomically on every save,
// so a crash leaves the old state or the new one.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

inline constexpr std::string_view k_workspace_dir = ".ldb_workspace";

struct WorkspaceState {
  std::string dataset_name;          // without "ds:"; "" for an unnamed dataset (get)
  std::uint32_t parent_version = 0;  // the committed version it started from; 0 = none
  std::string instance;              // the instance it was staged from
  store::Collection members;
  // Members whose transform set is not the default {self}, sorted by hash.
  // Entries for objects that are not members are dropped when saved.
  store::TransformAssignments transforms;
  // The dataset's latest version when the workspace was staged or last
  // committed (>= parent_version; larger when an old version was staged, a
  // rollback). A commit merges what was committed after it. 0 = none.
  std::uint32_t base_version = 0;
};

class Workspace {
 public:
  // Opens the workspace whose root is `root`. not_found when `root` holds none.
  static Result<Workspace> open(const std::filesystem::path& root);
  // Finds the workspace containing `start` (itself or a parent folder).
  static Result<Workspace> find(const std::filesystem::path& start);
  // The root of the workspace containing `start` (itself or a parent folder), if any.
  static std::optional<std::filesystem::path> find_root(const std::filesystem::path& start);
  // Makes `root` a workspace with the given state (creating folders), saved.
  static Result<Workspace> create(const std::filesystem::path& root, WorkspaceState state);
  // True when `root` holds a workspace.
  static bool exists(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return m_root; }
  std::filesystem::path meta_dir() const { return m_root / k_workspace_dir; }
  WorkspaceState& state() { return m_state; }
  const WorkspaceState& state() const { return m_state; }

  // Writes the staged state atomically.
  Status save() const;

 private:
  Workspace(std::filesystem::path root, WorkspaceState state) : m_root(std::move(root)), m_state(std::move(state)) {}
  std::filesystem::path m_root;
  WorkspaceState m_state;
};

// Dataset names are [A-Za-z0-9_-]+; invalid_argument naming the bad character otherwise.
Status validate_dataset_name(std::string_view name);

}  // namespace ldb::dataset
