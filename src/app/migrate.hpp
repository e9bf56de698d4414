#pragma once
// `ldb instance migrate --to postgresql://USER@HOST:PORT/DB` (SPEC section
// 12): moves the instance in use from its SQLite store to a PostgreSQL
// database, for a team to share.
//
// In order:
//  1. the SQLite store is copied into the (empty) database and verified, in
//     one PostgreSQL transaction (store/migrate.hpp: a failure or a kill
//     leaves the database empty and the instance untouched);
//  2. the instance's config gets `[core] store = "URL"` (written to a
//     temporary file, then renamed), so every later command uses PostgreSQL;
//  3. the SQLite file is renamed ldb.sqlite.migrated-YYYYMMDD (and -2, -3...
//     when taken), kept until the user deletes it; nothing opens it again.
//
// Interrupted runs: killed in 1 - nothing changed, run again. Killed between
// the COMMIT of 1 and 2 - the database holds the copy while the config still
// names SQLite: a second run finds that the database holds exactly this
// instance (every table's count and digest and every collection verified
// again) and finishes 2 and 3 without copying; if the database holds anything
// else it refuses (already_exists). Killed between 2 and 3 - the config names
// the database and ldb.sqlite is left over: a second run with the same URL
// renames the leftover; with another URL it refuses, as for any instance that
// already uses PostgreSQL.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "app/context.hpp"
#include "core/error.hpp"

namespace ldb::app {

struct MigratedTableSummary {
  std::string name;
  std::uint64_t rows = 0;
};

struct MigrateOutcome {
  std::filesystem::path instance_dir;
  std::string url;                           // the database the config now names
  std::vector<MigratedTableSummary> tables;  // empty when only a leftover file was renamed
  std::uint64_t rows = 0;
  std::uint64_t dataset_versions = 0;  // whose collections were verified
  std::string root_collection;         // hex hash both sides agreed on
  double seconds = 0;
  // What an earlier, interrupted run had done already: "copied" (the data
  // was in the database; verified, not copied again), "switched" (the config
  // named the database; only the SQLite file was left to rename), or "".
  std::string resumed;
  std::filesystem::path kept_sqlite;  // where the SQLite file is now
};

// Migrates the instance in use (find_instance_location) to the PostgreSQL
// database at `url`. invalid_argument for a URL that is not postgresql://
// or carries a password, and for an instance whose store is not SQLite;
// the errors of store::migrate_sqlite_to_postgres otherwise (unreachable
// server, another program's tables, a database holding another instance).
// unsupported when this ldb is built without PostgreSQL.
Result<MigrateOutcome> migrate_instance(const Context& context, std::string_view url);

}  // namespace ldb::app
