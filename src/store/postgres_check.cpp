#include <algorithm>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "store/postgres_store.hpp"

// `ldb fsck` on a PostgreSQL instance. PostgreSQL keeps its own pages and
// foreign keys consistent (constraints are checked on every write, unlike
// SQLite's optional foreign keys), so this checks what lives in blobs and
// counters: every dataset version's collection present, stored under its own
// hash, decodable, with the counts recorded beside it, and its members
// indexed. One REPEATABLE READ snapshot: consistent while others commit.
// The SQLite check (check.cpp) goes further because SQLite can be damaged in
// ways PostgreSQL prevents.

namespace ldb::store {

namespace {

constexpr std::string_view k_restore_hint = "restore the database from a backup (pg_dump/pg_restore)";

Status check_versions(PgConnection& conn, CheckReport& report) {
  LDB_TRY_ASSIGN(auto rows, conn.query("SELECT d.name, v.version, v.collection_hash, v.num_objects, "
                                       "v.num_annotations, c.members FROM dataset_versions v JOIN datasets d ON "
                                       "d.id = v.dataset_id LEFT JOIN collections c ON c.hash = v.collection_hash "
                                       "ORDER BY d.name, v.version"));
  auto problem = [&](std::string where, std::string message) {
    report.problems.push_back(Problem{std::move(where), std::move(message), std::string(k_restore_hint)});
  };
  std::vector<Md5> members_to_find;
  for (int r = 0; r < rows.rows(); ++r) {
    std::string where = fmt::format("dataset ds:{} v{}", rows.text(r, 0), rows.integer(r, 1));
    Md5 hash = rows.hash(r, 2);
    if (rows.is_null(r, 5)) {
      problem(where, fmt::format("collection {} is missing", hash.hex()));
      continue;
    }
    auto blob = rows.text(r, 5);
    if (core::md5_of(blob) != hash) {
      problem(where, fmt::format("collection {} does not match the hash it is stored under", hash.hex()));
      continue;
    }
    auto members = deserialize_collection(blob);
    if (!members) {
      problem(where, fmt::format("collection {} cannot be decoded: {}", hash.hex(), members.error().message));
      continue;
    }
    auto annotated = static_cast<std::int64_t>(
        std::count_if(members->begin(), members->end(), [](const ObjectRef& m) { return m.annotation_version != 0; }));
    if (static_cast<std::int64_t>(members->size()) != rows.integer(r, 3) || annotated != rows.integer(r, 4)) {
      problem(where, fmt::format("records {} objects and {} annotations but its collection holds {} and {}",
                                 rows.integer(r, 3), rows.integer(r, 4), members->size(), annotated));
    }
    for (const auto& m : *members) members_to_find.push_back(m.hash);
  }
  std::sort(members_to_find.begin(), members_to_find.end());
  members_to_find.erase(std::unique(members_to_find.begin(), members_to_find.end()), members_to_find.end());
  LDB_TRY_ASSIGN(auto missing, conn.query("SELECT h.hash FROM unnest($1::bytea[]) AS h(hash) WHERE NOT EXISTS "
                                          "(SELECT 1 FROM objects o WHERE o.hash = h.hash) LIMIT 50",
                                          PgParams().add_hashes(members_to_find)));
  for (int r = 0; r < missing.rows(); ++r) {
    problem("dataset members", fmt::format("member id:{} is not an indexed object", missing.hash(r, 0).hex()));
  }
  return {};
}

}  // namespace

Result<CheckReport> check_postgres_store(std::string_view url, std::chrono::milliseconds busy_timeout) {
  LDB_TRY_ASSIGN(auto conn, PgConnection::connect(url, busy_timeout, Access::read_only));
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(conn, PgTransaction::Kind::snapshot));
  CheckReport report;
  LDB_TRY_ASSIGN(report.schema_version, open_postgres_schema(conn));
  LDB_TRY_ASSIGN(auto counts, conn.query("SELECT (SELECT count(*) FROM objects), (SELECT count(*) FROM "
                                         "annotation_versions), (SELECT count(*) FROM datasets), (SELECT count(*) "
                                         "FROM dataset_versions), (SELECT count(*) FROM collections)"));
  report.objects = static_cast<std::uint64_t>(counts.integer(0, 0));
  report.annotation_versions = static_cast<std::uint64_t>(counts.integer(0, 1));
  report.datasets = static_cast<std::uint64_t>(counts.integer(0, 2));
  report.dataset_versions = static_cast<std::uint64_t>(counts.integer(0, 3));
  report.collections = static_cast<std::uint64_t>(counts.integer(0, 4));
  LDB_TRY(check_versions(conn, report));
  return report;
}

}  // namespace ldb::store
