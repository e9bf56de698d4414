#include <charconv>
#include <iterator>

#include <fmt/format.h>

#include "store/sqlite_store.hpp"

// Schema of the instance database. docs/store-format.md describes it; change
// both in the same commit. Version 1 is the first schema; version 2 added the
// image attributes of objects (image_width, image_height, image_format);
// version 3 added transform sets (transform_sets, transform_assignments,
// dataset_versions.transforms_hash); version 4 added the second parent of a
// merge commit (dataset_versions.merge_parent); version 5 added indexed_roots
// (the format each indexed folder was indexed with); version 6 added what ldb
// sees in images (image_features, embedding_models, embeddings, projections).

namespace ldb::store {

namespace {

// The schema of new instances (the current version).
constexpr std::string_view k_schema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE objects(
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  first_indexed INTEGER NOT NULL,
  last_indexed INTEGER NOT NULL,
  current_version INTEGER NOT NULL DEFAULT 0,
  image_width INTEGER,
  image_height INTEGER,
  image_format TEXT
);
CREATE TABLE paths(
  path TEXT PRIMARY KEY,
  object_id INTEGER NOT NULL REFERENCES objects(id),
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  annotation_path TEXT NOT NULL DEFAULT '',
  annotation_size INTEGER NOT NULL DEFAULT 0,
  annotation_mtime_ns INTEGER NOT NULL DEFAULT 0,
  annotation_version INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX paths_by_object ON paths(object_id);
CREATE TABLE annotation_contents(
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  json TEXT NOT NULL
);
CREATE TABLE annotation_versions(
  object_id INTEGER NOT NULL REFERENCES objects(id),
  version INTEGER NOT NULL,
  content_id INTEGER NOT NULL REFERENCES annotation_contents(id),
  indexed_at INTEGER NOT NULL,
  PRIMARY KEY(object_id, version)
) WITHOUT ROWID;
CREATE INDEX annotation_versions_by_content ON annotation_versions(object_id, content_id);
CREATE TABLE tags(
  object_id INTEGER NOT NULL REFERENCES objects(id),
  tag TEXT NOT NULL,
  PRIMARY KEY(object_id, tag)
) WITHOUT ROWID;
CREATE TABLE collections(
  hash BLOB PRIMARY KEY,
  members BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE datasets(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created INTEGER NOT NULL
);
CREATE TABLE dataset_versions(
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  parent INTEGER NOT NULL,
  collection_hash BLOB NOT NULL REFERENCES collections(hash),
  message TEXT NOT NULL,
  author TEXT NOT NULL,
  time INTEGER NOT NULL,
  num_objects INTEGER NOT NULL,
  num_annotations INTEGER NOT NULL,
  transforms_hash BLOB REFERENCES transform_assignments(hash),
  merge_parent INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(dataset_id, version)
) WITHOUT ROWID;
CREATE TABLE transform_sets(
  id INTEGER PRIMARY KEY,
  commands TEXT NOT NULL UNIQUE
);
CREATE TABLE transform_assignments(
  hash BLOB PRIMARY KEY,
  members BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE storage_locations(
  prefix TEXT PRIMARY KEY,
  read_add INTEGER NOT NULL,
  options TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE indexed_roots(
  prefix TEXT PRIMARY KEY,
  format TEXT NOT NULL,
  params TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// What ldb sees in images (schema 6): part of a new instance's schema, and
// the whole of the 5 -> 6 step.
constexpr std::string_view k_image_tables = R"sql(
CREATE TABLE image_features(
  object_id INTEGER PRIMARY KEY REFERENCES objects(id),
  phash INTEGER,
  dhash INTEGER,
  mean REAL,
  std REAL,
  sharpness REAL,
  entropy REAL,
  channels INTEGER,
  error TEXT
);
CREATE TABLE embedding_models(
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL UNIQUE,
  dimensions INTEGER NOT NULL
);
CREATE TABLE embeddings(
  model_id INTEGER NOT NULL REFERENCES embedding_models(id),
  object_id INTEGER NOT NULL REFERENCES objects(id),
  vector BLOB NOT NULL,
  PRIMARY KEY(model_id, object_id)
) WITHOUT ROWID;
CREATE INDEX embeddings_by_object ON embeddings(object_id);
CREATE TABLE projections(
  model_id INTEGER NOT NULL REFERENCES embedding_models(id),
  method TEXT NOT NULL,
  object_id INTEGER NOT NULL REFERENCES objects(id),
  x REAL NOT NULL,
  y REAL NOT NULL,
  PRIMARY KEY(model_id, method, object_id)
) WITHOUT ROWID;
CREATE INDEX projections_by_object ON projections(object_id);
)sql";

// Steps from version N to N+1, indexed by N - 1. Each runs in its own write
// transaction together with the update of meta.schema_version.
constexpr std::string_view k_migration_1_to_2 = R"sql(
ALTER TABLE objects ADD COLUMN image_width INTEGER;
ALTER TABLE objects ADD COLUMN image_height INTEGER;
ALTER TABLE objects ADD COLUMN image_format TEXT;
)sql";
constexpr std::string_view k_migration_2_to_3 = R"sql(
CREATE TABLE transform_sets(
  id INTEGER PRIMARY KEY,
  commands TEXT NOT NULL UNIQUE
);
CREATE TABLE transform_assignments(
  hash BLOB PRIMARY KEY,
  members BLOB NOT NULL
) WITHOUT ROWID;
ALTER TABLE dataset_versions ADD COLUMN transforms_hash BLOB REFERENCES transform_assignments(hash);
)sql";
constexpr std::string_view k_migration_3_to_4 = R"sql(
ALTER TABLE dataset_versions ADD COLUMN merge_parent INTEGER NOT NULL DEFAULT 0;
)sql";
constexpr std::string_view k_migration_4_to_5 = R"sql(
CREATE TABLE indexed_roots(
  prefix TEXT PRIMARY KEY,
  format TEXT NOT NULL,
  params TEXT NOT NULL
) WITHOUT ROWID;
)sql";
constexpr std::string_view k_migration_5_to_6 = k_image_tables;
constexpr std::string_view k_migrations[] = {k_migration_1_to_2, k_migration_2_to_3, k_migration_3_to_4,
                                             k_migration_4_to_5, k_migration_5_to_6};
static_assert(std::size(k_migrations) == k_schema_version - 1, "one migration step per schema version");

Result<int> read_schema_version(Database& db) {
  auto stmt = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!stmt) {
    // No meta table: not a database this (or any) ldb created completely.
    if (stmt.error().code != ErrorCode::internal) return std::unexpected(stmt.error());
    return fail(ErrorCode::corruption,
                fmt::format("the instance database has no schema version ({})", stmt.error().message),
                "restore the instance from a backup");
  }
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row)
    return fail(ErrorCode::corruption, "the instance database has no schema version",
                "restore the instance from a backup");
  auto text = stmt->column_text(0);
  int version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return fail(ErrorCode::corruption, fmt::format("the instance schema version '{}' is not a number", text),
                "restore the instance from a backup");
  }
  return version;
}

}  // namespace

Status create_schema(Database& db) {
  auto txn = Transaction::begin(db);
  if (!txn) return std::unexpected(txn.error());
  LDB_TRY(db.exec(k_schema));
  LDB_TRY(db.exec(k_image_tables));
  LDB_TRY(db.exec(fmt::format("INSERT INTO meta(key, value) VALUES('schema_version', '{}')", k_schema_version)));
  return txn->commit();
}

Status migrate_schema(Database& db) {
  auto version = read_schema_version(db);
  if (!version) return std::unexpected(version.error());
  if (*version == k_schema_version) return {};
  if (*version > k_schema_version) {
    return fail(ErrorCode::unsupported,
                fmt::format("the instance uses schema version {}, newer than this ldb understands ({})", *version,
                            k_schema_version),
                "upgrade ldb to use this instance");
  }
  if (*version < 1) {
    return fail(ErrorCode::corruption, fmt::format("unknown instance schema version {}", *version),
                "restore the instance from a backup");
  }
  if (db.read_only()) {
    Error read_only = db.read_only_error();
    return fail(ErrorCode::io,
                fmt::format("{}, and it uses schema version {}, which this ldb reads only after upgrading it to {}",
                            read_only.message, *version, k_schema_version),
                "ask the instance's owner to run any ldb command there once, which upgrades it");
  }
  // One step per version, each in its own transaction: an interrupted
  // migration leaves a consistent intermediate version to resume from.
  for (int from = *version; from < k_schema_version; ++from) {
    auto txn = Transaction::begin(db);
    if (!txn) return std::unexpected(txn.error());
    // Another process may have migrated while this one waited for the lock.
    auto current = read_schema_version(db);
    if (!current) return std::unexpected(current.error());
    if (*current > from) continue;
    LDB_TRY(db.exec(k_migrations[from - 1]));
    LDB_TRY(db.exec(fmt::format("UPDATE meta SET value = '{}' WHERE key = 'schema_version'", from + 1)));
    LDB_TRY(txn->commit());
  }
  return {};
}

}  // namespace ldb::store
