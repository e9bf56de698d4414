#pragma once
// Consistency check of a SQLite instance database (what check_store in
// store/factory.hpp runs for the sqlite backend): SQLite's own integrity and
// foreign-key checks, the schema version, and ldb's invariants that SQLite
// cannot express — every dataset version's collection present, decodable and
// stored under its own hash, every member's object and annotation version
// present, the counts kept beside them right.

#include <chrono>
#include <filesystem>

#include "core/error.hpp"
#include "store/check_report.hpp"
#include "store/types.hpp"

namespace ldb::store {

// Checks the SQLite store of the instance in `instance_dir` without changing
// it (no migration, read-only snapshot). Damage is reported as problems, even
// a database that cannot be opened as one; the Error cases are not_found (no
// database file), io (cannot read it at all) and conflict (another process
// held its lock for over `busy_timeout`).
Result<CheckReport> check_sqlite_instance(const std::filesystem::path& instance_dir,
                                          std::chrono::milliseconds busy_timeout = k_default_busy_timeout);

}  // namespace ldb::store
