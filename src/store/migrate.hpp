#pragma once
// Copying an instance's SQLite store into a PostgreSQL database (`ldb
// instance migrate --to postgresql://...`, SPEC section 12). Both backends
// share the schema version (k_schema_version) and the table and column names,
// so the copy is table by table, ids included.
//
// The whole copy is one PostgreSQL transaction: create the schema, drop its
// foreign keys and secondary indexes, COPY every table (binary COPY FROM
// STDIN), make the keys and indexes again (the keys validate what was
// copied), move each identity sequence past the largest id copied, verify,
// COMMIT. Any failure, or a killed process, rolls it back
// and leaves the database as it was (empty). While it runs, the SQLite store
// is held under its write lock (BEGIN IMMEDIATE), so no other process changes
// what is being copied; nothing is written to it.
//
// Verification, before COMMIT: for every table, the row count and an MD5 over
// the rows in primary-key order in one canonical encoding (PostgreSQL's binary
// COPY format: per row the field count, then per field its length and bytes,
// integers and reals as 8 big-endian bytes) - computed from the rows read out
// of SQLite, and from the rows PostgreSQL returns for `COPY (SELECT ... ORDER
// BY key) TO STDOUT`. Then the root collection and every dataset version's
// collection are read through both Stores and their hashes compared. Any
// difference aborts, naming the table or dataset version.
//
// Internal to src/store's callers in src/app (app/migrate.hpp); both backends'
// internals are needed, which is why this lives here.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/types.hpp"

namespace ldb::store {

// One table copied: its rows and the digest both sides agreed on.
struct MigratedTable {
  std::string name;
  std::uint64_t rows = 0;
  Md5 digest;
};

struct MigrationReport {
  std::vector<MigratedTable> tables;   // in copy order
  std::uint64_t rows = 0;              // over all tables
  Md5 root_collection;                 // the hash both sides' root collections have
  std::uint64_t dataset_versions = 0;  // versions whose collections were compared
  // True when the database already held this very instance (an earlier run
  // committed the copy but did not switch the instance over): nothing was
  // copied, the verification passed against what is there.
  bool already_copied = false;
};

// The tables the copy covers, in copy order (foreign keys first): every table
// of the schema but each backend's own bookkeeping (SQLite's meta,
// PostgreSQL's ldb_schema_migrations).
std::vector<std::string_view> migrated_tables();

// Copies the SQLite store of the instance in `instance_dir` (its database file
// k_database_file; an older schema is upgraded first, as opening does) into
// the PostgreSQL database at `url`, and verifies it.
//
// Errors: those of opening either side (a URL with a password, an unreachable
// server, a refused login: PgConnection::connect); invalid_argument when the
// database holds another program's tables; already_exists when it holds an
// ldb instance that is not a verified copy of this one; conflict when the
// SQLite store is busy; corruption naming the table or dataset version whose
// copy does not match. After any error the database is unchanged.
Result<MigrationReport> migrate_sqlite_to_postgres(const std::filesystem::path& instance_dir, std::string_view url,
                                                   std::chrono::milliseconds busy_timeout);

}  // namespace ldb::store
