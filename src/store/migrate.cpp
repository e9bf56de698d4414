#include "store/migrate.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "core/hash.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"

// How `ldb instance migrate` copies a SQLite store into PostgreSQL; the
// header says what is guaranteed. The copy is generic over the tables: the
// column list and types come from PostgreSQL's catalog (the schema the copy
// just created), checked against SQLite's; k_tables only fixes the order
// (foreign keys first) and each table's key. A table on either side that
// k_tables does not name stops the copy, so a new schema version cannot be
// migrated with a table left out.

namespace ldb::store {

namespace {

struct TableSpec {
  std::string_view name;
  std::string_view key;  // the primary key's columns, the order rows are compared in
};

constexpr TableSpec k_tables[] = {
    {"objects", "id"},
    {"paths", "path"},
    {"annotation_contents", "id"},
    {"annotation_versions", "object_id, version"},
    {"tags", "object_id, tag"},
    {"collections", "hash"},
    {"datasets", "id"},
    {"transform_sets", "id"},
    {"transform_assignments", "hash"},
    {"dataset_versions", "dataset_id, version"},
    {"storage_locations", "prefix"},
    {"indexed_roots", "prefix"},
    {"image_features", "object_id"},
    {"embedding_models", "id"},
    {"embeddings", "model_id, object_id"},
    {"projections", "model_id, method, object_id"},
};
// Each backend's own bookkeeping, not copied: SQLite's meta holds the schema
// version, which PostgreSQL records in ldb_schema_migrations when the schema
// is created.
constexpr std::string_view k_sqlite_own = "meta";
constexpr std::string_view k_postgres_own = "ldb_schema_migrations";

constexpr const char* k_bug_hint =
    "nothing was written to the database; report this as an ldb bug with the output of ldb fsck";

// A column as binary COPY encodes it.
enum class ColumnType { int8, int4, float8, bytes };
struct Column {
  std::string name;
  ColumnType type = ColumnType::bytes;
};
struct TablePlan {
  TableSpec spec;
  std::vector<Column> columns;
  std::vector<std::string> identity;  // identity columns (their sequences follow the ids copied)
};

std::string column_list(const TablePlan& table) {
  std::vector<std::string> quoted;
  for (const auto& c : table.columns) quoted.push_back(fmt::format("\"{}\"", c.name));
  return fmt::format("{}", fmt::join(quoted, ", "));
}

// SELECT of the table's columns in key order; the same text serves SQLite
// and PostgreSQL.
std::string select_sql(const TablePlan& table) {
  return fmt::format("SELECT {} FROM \"{}\" ORDER BY {}", column_list(table), table.spec.name, table.spec.key);
}

// --- SQLite side -------------------------------------------------------------

struct FinalizeStatement {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using RawStatement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

Result<RawStatement> prepare(Database& db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db.handle(), sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(db.error(rc, sql));
  return RawStatement(stmt);
}

// The names in the first column of `sql`'s rows.
Result<std::set<std::string>> sqlite_names(Database& db, const std::string& sql, std::string_view bound = {}) {
  LDB_TRY_ASSIGN(auto stmt, prepare(db, sql));
  if (!bound.empty()) sqlite3_bind_text(stmt.get(), 1, bound.data(), static_cast<int>(bound.size()), SQLITE_STATIC);
  std::set<std::string> out;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    out.emplace(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0)));
  }
  if (rc != SQLITE_DONE) return std::unexpected(db.error(rc, sql));
  return out;
}

// --- the canonical encoding: PostgreSQL's binary COPY format ---------------

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}
void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

// Signature, flags (no OIDs), header extension length: what COPY TO writes.
constexpr std::string_view k_copy_signature{"PGCOPY\n\377\r\n\0", 11};
void put_copy_header(std::string& out) {
  out.append(k_copy_signature);
  put_u32(out, 0);
  put_u32(out, 0);
}
void put_copy_trailer(std::string& out) { put_u16(out, 0xffff); }

// Appends the current row of `stmt` (columns as `table` lists them).
Status put_sqlite_row(std::string& out, sqlite3_stmt* stmt, const TablePlan& table) {
  put_u16(out, static_cast<std::uint16_t>(table.columns.size()));
  for (int i = 0; i < static_cast<int>(table.columns.size()); ++i) {
    const Column& column = table.columns[i];
    int type = sqlite3_column_type(stmt, i);
    if (type == SQLITE_NULL) {
      put_u32(out, 0xffffffffU);
      continue;
    }
    auto wrong = [&](std::string_view expected) -> Status {
      return fail(ErrorCode::corruption,
                  fmt::format("table {} column {} holds a value that is not {} (SQLite type {})", table.spec.name,
                              column.name, expected, type),
                  "run ldb fsck on the instance; restore it from a backup if it reports damage");
    };
    switch (column.type) {
      case ColumnType::int8:
        if (type != SQLITE_INTEGER) return wrong("an integer");
        put_u32(out, 8);
        put_u64(out, static_cast<std::uint64_t>(sqlite3_column_int64(stmt, i)));
        break;
      case ColumnType::int4: {
        if (type != SQLITE_INTEGER) return wrong("an integer");
        auto value = sqlite3_column_int64(stmt, i);
        if (value < INT32_MIN || value > INT32_MAX) return wrong("a 32-bit integer");
        put_u32(out, 4);
        put_u32(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(value)));
        break;
      }
      case ColumnType::float8:
        if (type != SQLITE_FLOAT && type != SQLITE_INTEGER) return wrong("a number");
        put_u32(out, 8);
        put_u64(out, std::bit_cast<std::uint64_t>(sqlite3_column_double(stmt, i)));
        break;
      case ColumnType::bytes: {
        // Text and blobs alike: their bytes as stored.
        const void* data = sqlite3_column_blob(stmt, i);
        auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, i));
        put_u32(out, static_cast<std::uint32_t>(size));
        if (size > 0) out.append(static_cast<const char*>(data), size);
        break;
      }
    }
  }
  return {};
}

// Streams the table's rows out of SQLite, in key order and the binary COPY
// format (header, rows, trailer), to `sink` in chunks of about 1 MB. Returns
// the number of rows.
Result<std::uint64_t> stream_sqlite_table(Database& db, const TablePlan& table,
                                          const std::function<Status(std::string_view)>& sink) {
  constexpr std::size_t k_chunk = 1 << 20;
  std::string sql = select_sql(table);
  LDB_TRY_ASSIGN(auto stmt, prepare(db, sql));
  std::string buffer;
  buffer.reserve(k_chunk + 4096);
  put_copy_header(buffer);
  std::uint64_t rows = 0;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    LDB_TRY(put_sqlite_row(buffer, stmt.get(), table));
    ++rows;
    if (buffer.size() >= k_chunk) {
      LDB_TRY(sink(buffer));
      buffer.clear();
    }
  }
  if (rc != SQLITE_DONE) return std::unexpected(db.error(rc, sql));
  put_copy_trailer(buffer);
  LDB_TRY(sink(buffer));
  return rows;
}

// The row count and digest of a table as SQLite holds it, without copying.
Result<MigratedTable> sqlite_digest(Database& db, const TablePlan& table) {
  core::Md5Hasher hasher;
  LDB_TRY_ASSIGN(auto rows, stream_sqlite_table(db, table, [&](std::string_view chunk) -> Status {
                   hasher.update(chunk);
                   return {};
                 }));
  return MigratedTable{std::string(table.spec.name), rows, hasher.finish()};
}

// --- PostgreSQL side ---------------------------------------------------------

Error in_table(Error error, std::string_view table) {
  error.message = fmt::format("copying table {}: {}", table, error.message);
  return error;
}

// Reads the results left after a COPY ends; the first must be a success.
Status finish_copy(PgConnection& conn, std::string_view what) {
  PGconn* pg = conn.handle();
  PgResult result(PQgetResult(pg));
  Status status;
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) status = std::unexpected(conn.error(result.get(), what));
  while (PGresult* more = PQgetResult(pg)) PQclear(more);
  return status;
}

// Copies the table from SQLite into PostgreSQL (binary COPY FROM STDIN) and
// returns what SQLite held: rows and digest of the bytes sent.
Result<MigratedTable> copy_table(Database& db, PgConnection& conn, const TablePlan& table) {
  PGconn* pg = conn.handle();
  std::string sql = fmt::format("COPY \"{}\"({}) FROM STDIN (FORMAT binary)", table.spec.name, column_list(table));
  {
    PgResult started(PQexec(pg, sql.c_str()));
    if (PQresultStatus(started.get()) != PGRES_COPY_IN) {
      return std::unexpected(in_table(conn.error(started.get(), sql), table.spec.name));
    }
  }
  core::Md5Hasher hasher;
  auto rows = stream_sqlite_table(db, table, [&](std::string_view chunk) -> Status {
    hasher.update(chunk);
    if (PQputCopyData(pg, chunk.data(), static_cast<int>(chunk.size())) != 1) {
      return std::unexpected(conn.error(nullptr, sql));
    }
    return {};
  });
  // Ends the COPY either way (a failed one with a message, which aborts the
  // transaction), so that the connection leaves the COPY state.
  if (PQputCopyEnd(pg, rows ? nullptr : "ldb stopped the copy") != 1) {
    return std::unexpected(in_table(conn.error(nullptr, sql), table.spec.name));
  }
  auto finished = finish_copy(conn, sql);
  if (!rows) return std::unexpected(in_table(rows.error(), table.spec.name));
  if (!finished) return std::unexpected(in_table(finished.error(), table.spec.name));
  return MigratedTable{std::string(table.spec.name), *rows, hasher.finish()};
}

// The row count and digest of a table as PostgreSQL holds it: the bytes of
// COPY (SELECT ... ORDER BY key) TO STDOUT in binary format.
Result<MigratedTable> postgres_digest(PgConnection& conn, const TablePlan& table) {
  PGconn* pg = conn.handle();
  std::string sql = fmt::format("COPY ({}) TO STDOUT (FORMAT binary)", select_sql(table));
  {
    PgResult started(PQexec(pg, sql.c_str()));
    if (PQresultStatus(started.get()) != PGRES_COPY_OUT) return std::unexpected(conn.error(started.get(), sql));
  }
  core::Md5Hasher hasher;
  for (;;) {
    char* data = nullptr;
    int size = PQgetCopyData(pg, &data, 0);
    if (size > 0) {
      hasher.update(std::string_view(data, static_cast<std::size_t>(size)));
      PQfreemem(data);
      continue;
    }
    if (size == -1) break;  // done
    (void)finish_copy(conn, sql);
    return std::unexpected(conn.error(nullptr, sql));
  }
  LDB_TRY(finish_copy(conn, sql));
  LDB_TRY_ASSIGN(auto count, conn.query(fmt::format("SELECT count(*) FROM \"{}\"", table.spec.name)));
  return MigratedTable{std::string(table.spec.name), static_cast<std::uint64_t>(count.integer(0, 0)), hasher.finish()};
}

// --- the plan: both schemas must hold exactly k_tables with the same columns -

Result<ColumnType> column_type(std::string_view table, std::string_view column, std::string_view type) {
  if (type == "bigint") return ColumnType::int8;
  if (type == "integer") return ColumnType::int4;
  if (type == "double precision") return ColumnType::float8;
  if (type == "text" || type == "bytea") return ColumnType::bytes;
  return fail(ErrorCode::internal,
              fmt::format("table {} column {} has the PostgreSQL type {}, which ldb's migrate does not copy", table,
                          column, type),
              k_bug_hint);
}

Status same_tables(std::string_view where, std::set<std::string> found, std::string_view own) {
  found.erase(std::string(own));
  std::set<std::string> known;
  for (const auto& t : k_tables) known.emplace(t.name);
  for (const auto& name : found) {
    if (!known.contains(name)) {
      return fail(ErrorCode::internal,
                  fmt::format("the {} schema has a table {} that ldb's migrate does not know", where, name),
                  k_bug_hint);
    }
  }
  for (const auto& name : known) {
    if (!found.contains(name)) {
      return fail(ErrorCode::internal, fmt::format("the {} schema has no table {}", where, name), k_bug_hint);
    }
  }
  return {};
}

Result<std::vector<TablePlan>> plan_tables(Database& db, PgConnection& conn) {
  LDB_TRY_ASSIGN(auto sqlite_tables,
                 sqlite_names(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"));
  LDB_TRY(same_tables("SQLite", std::move(sqlite_tables), k_sqlite_own));
  LDB_TRY_ASSIGN(auto pg_tables, conn.query("SELECT tablename::text FROM pg_catalog.pg_tables WHERE schemaname = "
                                            "current_schema()"));
  std::set<std::string> pg_names;
  for (int r = 0; r < pg_tables.rows(); ++r) pg_names.emplace(pg_tables.text(r, 0));
  // The work queue of scale-out indexing is coordination, not instance data.
  for (auto name : k_postgres_work_queue_tables) pg_names.erase(std::string(name));
  LDB_TRY(same_tables("PostgreSQL", std::move(pg_names), k_postgres_own));

  std::vector<TablePlan> plans;
  for (const auto& spec : k_tables) {
    TablePlan plan{spec, {}, {}};
    PgParams params;
    params.add(spec.name);
    LDB_TRY_ASSIGN(auto columns, conn.query("SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), "
                                            "a.attidentity <> '' FROM pg_catalog.pg_attribute a WHERE a.attrelid = "
                                            "to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY "
                                            "a.attnum",
                                            params));
    std::set<std::string> pg_columns;
    for (int r = 0; r < columns.rows(); ++r) {
      std::string name(columns.text(r, 0));
      LDB_TRY_ASSIGN(auto type, column_type(spec.name, name, columns.text(r, 1)));
      if (columns.integer(r, 2) != 0) plan.identity.push_back(name);
      pg_columns.insert(name);
      plan.columns.push_back(Column{std::move(name), type});
    }
    LDB_TRY_ASSIGN(auto sqlite_columns, sqlite_names(db, "SELECT name FROM pragma_table_info(?1)", spec.name));
    if (sqlite_columns != pg_columns) {
      return fail(ErrorCode::internal,
                  fmt::format("table {} has the columns {} in SQLite but {} in PostgreSQL", spec.name,
                              fmt::join(sqlite_columns, ","), fmt::join(pg_columns, ",")),
                  k_bug_hint);
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

// --- verification ------------------------------------------------------------

// What differs between the table's two sides, or nothing.
std::optional<std::string> table_difference(const MigratedTable& sqlite, const MigratedTable& pg) {
  if (sqlite.rows == pg.rows && sqlite.digest == pg.digest) return std::nullopt;
  return fmt::format("table {}: SQLite holds {} rows (digest {}), PostgreSQL {} rows (digest {})", sqlite.name,
                     sqlite.rows, sqlite.digest.hex(), pg.rows, pg.digest.hex());
}

// The root collection and every dataset version's collection, read through
// both stores, must have the same hashes. Returns what differs first, or
// nothing; counts the versions compared into `report`.
Result<std::optional<std::string>> collection_difference(Store& sqlite, Store& pg, MigrationReport& report) {
  LDB_TRY_ASSIGN(auto root_a, sqlite.root_collection());
  LDB_TRY_ASSIGN(auto root_b, pg.root_collection());
  Md5 hash_a = collection_hash(root_a);
  Md5 hash_b = collection_hash(root_b);
  if (hash_a != hash_b) {
    return fmt::format("the root collection: SQLite {} objects (hash {}), PostgreSQL {} (hash {})", root_a.size(),
                       hash_a.hex(), root_b.size(), hash_b.hex());
  }
  report.root_collection = hash_a;
  LDB_TRY_ASSIGN(auto datasets_a, sqlite.datasets());
  LDB_TRY_ASSIGN(auto datasets_b, pg.datasets());
  if (datasets_a.size() != datasets_b.size()) {
    return fmt::format("the datasets: SQLite holds {}, PostgreSQL {}", datasets_a.size(), datasets_b.size());
  }
  for (const auto& dataset : datasets_a) {
    LDB_TRY_ASSIGN(auto log_a, sqlite.dataset_log(dataset.name));
    auto log_b = pg.dataset_log(dataset.name);
    if (!log_b || log_a.size() != log_b->size()) {
      return fmt::format("dataset ds:{}: SQLite holds {} versions, PostgreSQL {}", dataset.name, log_a.size(),
                         log_b ? log_b->size() : 0);
    }
    for (std::size_t i = 0; i < log_a.size(); ++i) {
      const auto& a = log_a[i];
      const auto& b = (*log_b)[i];
      std::string where = fmt::format("dataset ds:{} v{}", a.name, a.version);
      if (a.version != b.version || a.collection_hash != b.collection_hash || a.transforms_hash != b.transforms_hash) {
        return fmt::format("{}: its version record differs", where);
      }
      auto members = pg.collection(b.collection_hash);
      if (!members || collection_hash(*members) != a.collection_hash) {
        return fmt::format("{}: PostgreSQL's collection does not have the hash {}", where, a.collection_hash.hex());
      }
      ++report.dataset_versions;
    }
  }
  return std::optional<std::string>();
}

std::unexpected<Error> copy_mismatch(const std::string& what) {
  return fail(ErrorCode::corruption, fmt::format("the copy does not match the SQLite store: {}", what), k_bug_hint);
}

// Moves each identity sequence past the largest id copied, so that the next
// row PostgreSQL numbers does not collide with a copied one.
Status advance_sequences(PgConnection& conn, const TablePlan& table) {
  for (const auto& column : table.identity) {
    LDB_TRY(
        conn.query(fmt::format("SELECT setval(pg_get_serial_sequence('\"{0}\"', '{1}'), coalesce((SELECT "
                               "max(\"{1}\") FROM \"{0}\"), 0) + 1, false)",
                               table.spec.name, column)));
  }
  return {};
}

// Foreign keys and secondary indexes are dropped before the copy and made
// again after it (in the same transaction, with their definitions read from
// the catalog): one validating join and one sorted index build per table are
// several times faster than a foreign-key trigger and an index insertion per
// row. The schema that COMMIT makes permanent is the one created.
struct Deferred {
  std::vector<std::string> drop;  // statements, run before the copy
  std::vector<std::string> make;  // and after it, in this order
};

Result<Deferred> defer_constraints(PgConnection& conn) {
  Deferred out;
  LDB_TRY_ASSIGN(auto indexes, conn.query("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM "
                                          "pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
                                          "WHERE c.relnamespace = current_schema()::regnamespace AND NOT EXISTS "
                                          "(SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = "
                                          "i.indexrelid) ORDER BY 1"));
  for (int r = 0; r < indexes.rows(); ++r) {
    out.drop.push_back(fmt::format("DROP INDEX {}", indexes.text(r, 0)));
    out.make.emplace_back(indexes.text(r, 1));
  }
  LDB_TRY_ASSIGN(auto keys, conn.query("SELECT conrelid::regclass::text, quote_ident(conname), "
                                       "pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint WHERE contype = 'f' "
                                       "AND connamespace = current_schema()::regnamespace ORDER BY 1, 2"));
  for (int r = 0; r < keys.rows(); ++r) {
    out.drop.push_back(fmt::format("ALTER TABLE {} DROP CONSTRAINT {}", keys.text(r, 0), keys.text(r, 1)));
    out.make.push_back(
        fmt::format("ALTER TABLE {} ADD CONSTRAINT {} {}", keys.text(r, 0), keys.text(r, 1), keys.text(r, 2)));
  }
  return out;
}

// The whole copy in one transaction. Sets `holds_instance` when the database
// already holds an instance (found before anything is written).
Result<MigrationReport> copy_into(SqliteStore& source, PostgresStore& target, bool& holds_instance) {
  PgConnection& conn = target.connection();
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(conn, PgTransaction::Kind::write));
  auto created = create_postgres_schema(conn);
  if (!created) {
    holds_instance = created.error().code == ErrorCode::already_exists;
    return std::unexpected(created.error());
  }
  LDB_TRY_ASSIGN(auto plans, plan_tables(source.db(), conn));
  LDB_TRY_ASSIGN(auto deferred, defer_constraints(conn));
  for (const auto& sql : deferred.drop) LDB_TRY(conn.exec(sql));
  LDB_TRY(conn.exec("SET LOCAL maintenance_work_mem = '256MB'"));  // for the index builds
  MigrationReport report;
  for (const auto& plan : plans) {
    LDB_TRY_ASSIGN(auto copied, copy_table(source.db(), conn, plan));
    LDB_TRY(advance_sequences(conn, plan));
    report.rows += copied.rows;
    report.tables.push_back(std::move(copied));
  }
  for (const auto& sql : deferred.make) LDB_TRY(conn.exec(sql));
  // Read back inside the transaction: what COMMIT would make permanent.
  for (std::size_t i = 0; i < plans.size(); ++i) {
    LDB_TRY_ASSIGN(auto stored, postgres_digest(conn, plans[i]));
    if (auto difference = table_difference(report.tables[i], stored)) return copy_mismatch(*difference);
  }
  LDB_TRY_ASSIGN(auto difference, collection_difference(source, target, report));
  if (difference) return copy_mismatch(*difference);
  LDB_TRY(conn.exec("ANALYZE"));  // plans for the tables just filled, before the first query needs them
  LDB_TRY(txn.commit());
  return report;
}

// The database already holds an instance: succeeds (already_copied) when it
// is exactly this SQLite store's copy, so that a run interrupted after COMMIT
// can finish switching; already_exists otherwise.
Result<MigrationReport> verify_existing(SqliteStore& source, PostgresStore& target, Error exists) {
  PgConnection& conn = target.connection();
  LDB_TRY(open_postgres_schema(conn));
  LDB_TRY_ASSIGN(auto snapshot, PgTransaction::begin(conn, PgTransaction::Kind::snapshot));
  LDB_TRY_ASSIGN(auto plans, plan_tables(source.db(), conn));
  MigrationReport report;
  report.already_copied = true;
  auto not_this_one = [&](const std::string& what) {
    exists.message = fmt::format("{}, which is not a copy of this instance ({})", exists.message, what);
    exists.hint = "migrate into an empty database (createdb NAME, then --to postgresql://.../NAME)";
    return std::unexpected(exists);
  };
  for (const auto& plan : plans) {
    LDB_TRY_ASSIGN(auto held, sqlite_digest(source.db(), plan));
    LDB_TRY_ASSIGN(auto stored, postgres_digest(conn, plan));
    if (auto difference = table_difference(held, stored)) return not_this_one(*difference);
    report.rows += held.rows;
    report.tables.push_back(std::move(held));
  }
  LDB_TRY_ASSIGN(auto difference, collection_difference(source, target, report));
  if (difference) return not_this_one(*difference);
  return report;
}

}  // namespace

std::vector<std::string_view> migrated_tables() {
  std::vector<std::string_view> out;
  for (const auto& t : k_tables) out.push_back(t.name);
  return out;
}

Result<MigrationReport> migrate_sqlite_to_postgres(const std::filesystem::path& instance_dir, std::string_view url,
                                                   std::chrono::milliseconds busy_timeout) {
  LDB_TRY(check_postgres_url(url));
  auto file = instance_dir / k_database_file;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return fail(ErrorCode::not_found,
                fmt::format("'{}' has no SQLite store to migrate (no {})", instance_dir.string(), k_database_file),
                "ldb instance migrate copies an instance's SQLite store; check LDB_DIR");
  }
  LDB_TRY_ASSIGN(auto db, Database::open(file, Database::Create::no, Access::as_permitted, busy_timeout));
  LDB_TRY(migrate_schema(db));  // an older schema is upgraded first, as opening does
  SqliteStore source(std::move(db));
  // The write lock for the whole run: no other process changes the store
  // while it is copied. Nothing is written; the destructor rolls back.
  LDB_TRY_ASSIGN(auto lock, Transaction::begin(source.db()));
  LDB_TRY_ASSIGN(auto conn, PgConnection::connect(url, busy_timeout, Access::as_permitted));
  PostgresStore target(std::move(conn), std::string(url));
  bool holds_instance = false;
  auto copied = copy_into(source, target, holds_instance);
  if (copied || !holds_instance) return copied;
  return verify_existing(source, target, copied.error());
}

}  // namespace ldb::store
