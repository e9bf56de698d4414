#pragma once
// ldb fsck: checks the instance (through its store's own check), its config,
// and a workspace (staged state, instantiation manifest, whether the last
// instantiate finished).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "app/session.hpp"

namespace ldb::app {

// One thing found wrong: where, what, and what the user can do about it.
struct Problem {
  std::string where;
  std::string message;
  std::string hint;
};

struct FsckReport {
  std::filesystem::path instance;
  int schema_version = 0;
  std::uint64_t objects = 0;
  std::uint64_t annotation_versions = 0;
  std::uint64_t datasets = 0;
  std::uint64_t dataset_versions = 0;
  std::uint64_t collections = 0;
  std::string workspace;          // the workspace checked; "" when none
  std::vector<Problem> problems;  // empty: healthy
};

// Damage is reported as problems. Errors: no instance configured, or `target`
// (a workspace to check) that is not a folder or not a workspace (not_found).
// Without a target, the workspace around the Context's cwd, if any, is checked.
Result<FsckReport> fsck(Session& session, const std::optional<std::string>& target);

}  // namespace ldb::app
