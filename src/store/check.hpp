#pragma once
// Consistency check of an instance database (`ldb fsck`): SQLite's own
// integrity and foreign-key checks, the schema version, and ldb's invariants
// that SQLite cannot express — every dataset version's collection present,
// decodable and stored under its own hash, every member's object and
// annotation version present, the counts kept beside them right.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ldb::store {

// One thing found wrong: where it is ("dataset ds:cats v3", "table objects"),
// what is wrong, and what the user can do about it.
struct Problem {
  std::string where;
  std::string message;
  std::string hint;
};

// What a check looked at, and what it found (empty problems = healthy).
struct CheckReport {
  int schema_version = 0;
  std::uint64_t objects = 0;
  std::uint64_t annotation_versions = 0;
  std::uint64_t datasets = 0;
  std::uint64_t dataset_versions = 0;
  std::uint64_t collections = 0;
  std::vector<Problem> problems;
};

// Checks the SQLite store of the instance in `instance_dir` without changing
// it (no migration, read-only snapshot). Damage is reported as problems, even
// a database that cannot be opened as one; the Error cases are not_found (no
// database file) and io (cannot read it at all).
Result<CheckReport> check_sqlite_instance(const std::filesystem::path& instance_dir);

}  // namespace ldb::store
