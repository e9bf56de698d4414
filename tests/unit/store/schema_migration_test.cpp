// Migrating instance databases of older schema versions: a database built
// with the version 1 DDL (kept here verbatim, as schema.cpp no longer has it)
// opens, gains the version 2 columns, keeps its rows, and ends up with the
// same objects table as a new instance; a version 2 database (version 1 plus
// the 1->2 step, also verbatim) gains the version 3 transform tables and keeps
// its datasets; a version 3 database (the same plus the 2->3 step) gains the
// second parent of merge commits; a version 4 database gains the (empty)
// indexed_roots table of version 5 and keeps working.
// SQLite only: the old databases are SQLite files written with the old DDL.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "store/store.hpp"
#include "store_test_support.hpp"
#include "test_support.hpp"

namespace ldb::store {
namespace {

using ldb::testing::TempDir;

// The schema of version 1, as ldb created it before image attributes.
constexpr const char* k_schema_v1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE objects(
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  first_indexed INTEGER NOT NULL,
  last_indexed INTEGER NOT NULL,
  current_version INTEGER NOT NULL DEFAULT 0
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
  PRIMARY KEY(dataset_id, version)
) WITHOUT ROWID;
CREATE TABLE storage_locations(
  prefix TEXT PRIMARY KEY,
  read_add INTEGER NOT NULL,
  options TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES('schema_version', '1');
)sql";

// Runs SQL through a raw connection, creating the database file if needed.
void raw_exec(const std::filesystem::path& instance, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((instance / k_database_file).c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

std::string raw_text(const std::filesystem::path& instance, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open((instance / k_database_file).c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string out = "<none>";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    out = text ? reinterpret_cast<const char*>(text) : "<null>";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

// "name type notnull default" of every column of `table`, in order.
std::vector<std::string> columns(const std::filesystem::path& instance, const std::string& table) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open((instance / k_database_file).c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::string> out;
  std::string sql = "PRAGMA table_info(" + table + ")";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      auto text = [&](int i) {
        const auto* t = sqlite3_column_text(stmt, i);
        return std::string(t ? reinterpret_cast<const char*>(t) : "-");
      };
      out.push_back(text(1) + " " + text(2) + " " + text(3) + " " + text(4));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

// A version 1 instance holding one object seen at /data/a.png, with no annotation.
void create_v1_instance(const std::filesystem::path& instance) {
  raw_exec(instance, k_schema_v1);
  raw_exec(instance,
           "INSERT INTO objects(hash, size, first_indexed, last_indexed, current_version) "
           "VALUES(x'00112233445566778899aabbccddeeff', 5, 100, 200, 0);"
           "INSERT INTO paths(path, object_id, size, mtime_ns) VALUES('/data/a.png', 1, 5, 7);");
}

Md5 v1_object() { return Md5::from_hex("00112233445566778899aabbccddeeff").value(); }

TEST(SchemaMigrationTest, CurrentVersionIsSix) { EXPECT_EQ(k_schema_version, 6); }

TEST(SchemaMigrationTest, Version1OpensAndGetsImageColumns) {
  TempDir dir;
  create_v1_instance(dir.path());
  auto opened = open_sqlite_store(dir.path());
  ASSERT_OK(opened);
  EXPECT_EQ(raw_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"), "6");
  auto cols = columns(dir.path(), "objects");
  ASSERT_EQ(cols.size(), 9u);
  EXPECT_EQ(cols[6], "image_width INTEGER 0 -");
  EXPECT_EQ(cols[7], "image_height INTEGER 0 -");
  EXPECT_EQ(cols[8], "image_format TEXT 0 -");

  // The old rows are intact and have no image attributes yet.
  auto info = (*opened)->object_info(v1_object());
  ASSERT_OK(info);
  EXPECT_EQ(info->size, 5u);
  EXPECT_EQ(info->first_indexed, 100);
  EXPECT_EQ(info->paths, std::vector<std::string>{"/data/a.png"});
  EXPECT_FALSE(info->image.has_value());
  EXPECT_EQ(raw_text(dir.path(), "SELECT image_format FROM objects"), "<null>");
}

TEST(SchemaMigrationTest, MigratedObjectsAreMarkedUnprobedUntilIngestedWithAHeader) {
  TempDir dir;
  create_v1_instance(dir.path());
  auto opened = open_sqlite_store(dir.path());
  ASSERT_OK(opened);
  auto& store = **opened;
  auto known = store.known_paths_under("/data");
  ASSERT_OK(known);
  ASSERT_EQ(known->size(), 1u);
  EXPECT_TRUE(known->front().image_unprobed);

  IndexedFile again;
  again.path = "/data/a.png";
  again.size = 5;
  again.mtime_ns = 7;
  again.hash = v1_object();
  again.image_probed = true;
  again.image = ImageInfo{3, 2, "png"};
  ASSERT_OK(store.ingest(std::span<const IndexedFile>(&again, 1), {}));
  known = store.known_paths_under("/data");
  ASSERT_OK(known);
  EXPECT_FALSE(known->front().image_unprobed);
  auto info = store.object_info(v1_object());
  ASSERT_OK(info);
  EXPECT_EQ(info->image, (ImageInfo{3, 2, "png"}));
}

TEST(SchemaMigrationTest, MigratedTableMatchesANewInstance) {
  TempDir migrated, fresh;
  create_v1_instance(migrated.path());
  ASSERT_OK(open_sqlite_store(migrated.path()));
  ASSERT_OK(create_sqlite_store(fresh.path()));
  EXPECT_EQ(columns(migrated.path(), "objects"), columns(fresh.path(), "objects"));
  EXPECT_EQ(columns(migrated.path(), "paths"), columns(fresh.path(), "paths"));
}

TEST(SchemaMigrationTest, SecondOpenDoesNothing) {
  TempDir dir;
  create_v1_instance(dir.path());
  ASSERT_OK(open_sqlite_store(dir.path()));
  ASSERT_OK(open_sqlite_store(dir.path()));
  EXPECT_EQ(raw_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"), "6");
  EXPECT_EQ(columns(dir.path(), "objects").size(), 9u);
}

// A version 2 instance: the version 1 DDL plus the 1->2 step as it was, with
// one committed dataset version (ds:cats.v1 holding the one object).
void create_v2_instance(const std::filesystem::path& instance) {
  create_v1_instance(instance);
  raw_exec(instance,
           "ALTER TABLE objects ADD COLUMN image_width INTEGER;"
           "ALTER TABLE objects ADD COLUMN image_height INTEGER;"
           "ALTER TABLE objects ADD COLUMN image_format TEXT;"
           "UPDATE meta SET value = '2' WHERE key = 'schema_version';");
  Collection members{{v1_object(), 0}};
  std::string blob = serialize_collection(members);
  std::string hex;
  for (unsigned char c : blob) hex += fmt::format("{:02x}", c);
  std::string collection = collection_hash(members).hex();
  raw_exec(instance, fmt::format("INSERT INTO collections(hash, members) VALUES(x'{}', x'{}');"
                                 "INSERT INTO datasets(id, name, created) VALUES(1, 'cats', 50);"
                                 "INSERT INTO dataset_versions VALUES(1, 1, 0, x'{}', 'first', 'ann', 60, 1, 0);",
                                 collection, hex, collection));
}

TEST(SchemaMigrationTest, Version2OpensAndGetsTransformTables) {
  TempDir dir;
  create_v2_instance(dir.path());
  auto opened = open_sqlite_store(dir.path());
  ASSERT_OK(opened);
  EXPECT_EQ(raw_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"), "6");
  auto cols = columns(dir.path(), "dataset_versions");
  ASSERT_EQ(cols.size(), 11u);
  EXPECT_EQ(cols[9], "transforms_hash BLOB 0 -");
  EXPECT_EQ(raw_text(dir.path(), "SELECT COUNT(*) FROM transform_sets"), "0");
  EXPECT_EQ(raw_text(dir.path(), "SELECT COUNT(*) FROM transform_assignments"), "0");

  // The old version is intact: its members all have the default {self}.
  auto& store = **opened;
  auto v1 = store.dataset_version("cats", 1);
  ASSERT_OK(v1);
  EXPECT_EQ(v1->message, "first");
  EXPECT_EQ(v1->transforms_hash, Md5{});
  auto transforms = store.transform_assignments(v1->transforms_hash);
  ASSERT_OK(transforms);
  EXPECT_TRUE(transforms->empty());
  auto members = store.collection(v1->collection_hash);
  ASSERT_OK(members);
  EXPECT_EQ(*members, (Collection{{v1_object(), 0}}));

  // And the migrated instance records transform sets.
  TransformAssignments rotated{{v1_object(), {R"(["rotate","90"])", "self"}}};
  auto v2 = store.commit_dataset_with_transforms("cats", *members, rotated, 1, "rotate", "ann");
  ASSERT_OK(v2);
  auto back = store.transform_assignments(v2->transforms_hash);
  ASSERT_OK(back);
  EXPECT_EQ(*back, rotated);
}

TEST(SchemaMigrationTest, ReadOnlyInstanceOfAnOlderSchemaIsAClearError) {
  TempDir dir;
  create_v2_instance(dir.path());
  auto opened = open_sqlite_store(dir.path(), Access::read_only);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::io);
  EXPECT_EQ(opened.error().message,
            fmt::format("instance '{}' is read-only: this user cannot write its database ldb.sqlite or its folder, and "
                        "it uses schema version 2, which this ldb reads only after upgrading it to {}",
                        dir.path().string(), k_schema_version));
  EXPECT_EQ(opened.error().hint, "ask the instance's owner to run any ldb command there once, which upgrades it");
  EXPECT_EQ(raw_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"), "2");
}

TEST(SchemaMigrationTest, MigratedVersion2MatchesANewInstance) {
  TempDir migrated, fresh;
  create_v2_instance(migrated.path());
  ASSERT_OK(open_sqlite_store(migrated.path()));
  ASSERT_OK(create_sqlite_store(fresh.path()));
  for (const char* table : {"dataset_versions", "transform_sets", "transform_assignments", "objects"}) {
    EXPECT_EQ(columns(migrated.path(), table), columns(fresh.path(), table)) << table;
  }
}

TEST(SchemaMigrationTest, FailedVersion3StepChangesNothing) {
  TempDir dir;
  create_v2_instance(dir.path());
  // A damaged version 2 database that already has the new column: the step
  // fails at its ALTER, after creating its tables, and none of it lands.
  raw_exec(dir.path(), "ALTER TABLE dataset_versions ADD COLUMN transforms_hash BLOB");
  auto opened = open_sqlite_store(dir.path());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(raw_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"), "2");
  EXPECT_EQ(raw_text(dir.path(), "SELECT name FROM sqlite_master WHERE name = 'transform_sets'"), "<none>");
}

// A version 3 instance: version 2 plus the 2->3 step as it was, with
// ds:cats.v1 as above and a v2 (parent 1) holding the same object.
void create_v3_instance(const std::filesystem::path& instance) {
  create_v2_instance(instance);
  raw_exec(instance,
           "CREATE TABLE transform_sets(id INTEGER PRIMARY KEY, commands TEXT NOT NULL UNIQUE);"
           "CREATE TABLE transform_assignments(hash BLOB PRIMARY KEY, members BLOB NOT NULL) WITHOUT ROWID;"
           "ALTER TABLE dataset_versions ADD COLUMN transforms_hash BLOB REFERENCES transform_assignments(hash);"
           "INSERT INTO dataset_versions SELECT dataset_id, 2, 1, collection_hash, 'second', 'bo', 70, 1, 0, NULL "
           "FROM dataset_versions WHERE version = 1;"
           "UPDATE meta SET value = '3' WHERE key = 'schema_version';");
}

TEST(SchemaMigrationTest, Version3OpensAndGetsMergeParents) {
  TempDir dir;
  create_v3_instance(dir.path());
  auto opened = open_sqlite_store(dir.path());
  ASSERT_OK(opened);
  EXPECT_EQ(raw_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"), "6");
  auto cols = columns(dir.path(), "dataset_versions");
  ASSERT_EQ(cols.size(), 11u);
  EXPECT_EQ(cols[10], "merge_parent INTEGER 1 0");

  // The old versions are intact and were no merges.
  auto& store = **opened;
  auto log = store.dataset_log("cats");
  ASSERT_OK(log);
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ(log->at(1).message, "second");
  EXPECT_EQ(log->at(1).parent, 1u);
  EXPECT_EQ(log->at(0).merge_parent, 0u);
  EXPECT_EQ(log->at(1).merge_parent, 0u);

  // And the migrated instance records merges.
  auto members = store.collection(log->at(1).collection_hash);
  ASSERT_OK(members);
  auto v3 = store.commit_dataset_decided(
      "cats",
      [&](const std::optional<DatasetVersion>& latest) -> Result<std::optional<NewVersion>> {
        return NewVersion{Collection{}, {}, 1, latest->version};
      },
      "merge", "cy");
  ASSERT_OK(v3);
  EXPECT_EQ((*v3)->version, 3u);
  EXPECT_EQ(store.dataset_version("cats", 3).value().merge_parent, 2u);
}

TEST(SchemaMigrationTest, MigratedVersion3MatchesANewInstance) {
  TempDir migrated, fresh;
  create_v3_instance(migrated.path());
  ASSERT_OK(open_sqlite_store(migrated.path()));
  ASSERT_OK(create_sqlite_store(fresh.path()));
  for (const char* table : {"dataset_versions", "datasets", "collections"}) {
    EXPECT_EQ(columns(migrated.path(), table), columns(fresh.path(), table)) << table;
  }
}

TEST(SchemaMigrationTest, FailedStepChangesNothing) {
  TempDir dir;
  create_v1_instance(dir.path());
  // A damaged version 1 database that already has one of the new columns:
  // the step fails at its last ALTER, and none of it lands.
  raw_exec(dir.path(), "ALTER TABLE objects ADD COLUMN image_format TEXT");
  auto opened = open_sqlite_store(dir.path());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(raw_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"), "1");
  EXPECT_EQ(columns(dir.path(), "objects").size(), 7u);
}

// A version 4 instance: version 3 plus the 3->4 step as it was.
void create_v4_instance(const std::filesystem::path& instance) {
  create_v3_instance(instance);
  raw_exec(instance,
           "ALTER TABLE dataset_versions ADD COLUMN merge_parent INTEGER NOT NULL DEFAULT 0;"
           "UPDATE meta SET value = '4' WHERE key = 'schema_version';");
}

TEST(SchemaMigrationTest, Version4OpensAndGetsIndexedRoots) {
  TempDir dir;
  create_v4_instance(dir.path());
  auto opened = open_sqlite_store(dir.path());
  ASSERT_OK(opened);
  EXPECT_EQ(raw_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"), "6");
  EXPECT_EQ(columns(dir.path(), "indexed_roots"),
            (std::vector<std::string>{"prefix TEXT 1 -", "format TEXT 1 -", "params TEXT 1 -"}));
  EXPECT_EQ(raw_text(dir.path(), "SELECT COUNT(*) FROM indexed_roots"), "0");

  // What the old instance held still reads, and it remembers roots now.
  auto& store = **opened;
  auto v1 = store.dataset_version("cats", 1);
  ASSERT_OK(v1);
  EXPECT_EQ(v1->message, "first");
  EXPECT_EQ(store.dataset_version("cats", 2).value().merge_parent, 0u);
  auto known = store.known_paths_under("/data");
  ASSERT_OK(known);
  ASSERT_EQ(known->size(), 1u);
  auto none = store.indexed_roots();
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  IngestOptions options;
  options.remember_roots = {IndexedRoot{"/data", "tensorflow-inferred", {{"label-key", "class"}}}};
  ASSERT_OK(store.ingest({}, options));
  auto roots = store.indexed_roots();
  ASSERT_OK(roots);
  EXPECT_EQ(*roots, options.remember_roots);
}

TEST(SchemaMigrationTest, MigratedVersion4MatchesANewInstance) {
  TempDir migrated, fresh;
  create_v4_instance(migrated.path());
  ASSERT_OK(open_sqlite_store(migrated.path()));
  ASSERT_OK(create_sqlite_store(fresh.path()));
  for (const char* table : {"indexed_roots", "dataset_versions", "objects", "paths", "storage_locations"}) {
    EXPECT_EQ(columns(migrated.path(), table), columns(fresh.path(), table)) << table;
  }
}

TEST(SchemaMigrationTest, FailedVersion5StepChangesNothing) {
  TempDir dir;
  create_v4_instance(dir.path());
  // A damaged version 4 database that already has the table: the step fails.
  raw_exec(dir.path(), "CREATE TABLE indexed_roots(prefix TEXT)");
  auto opened = open_sqlite_store(dir.path());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(raw_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"), "4");
  EXPECT_EQ(columns(dir.path(), "indexed_roots"), std::vector<std::string>{"prefix TEXT 0 -"});
}

// A version 5 instance: version 4 plus the 4->5 step as it was.
void create_v5_instance(const std::filesystem::path& instance) {
  create_v4_instance(instance);
  raw_exec(instance,
           "CREATE TABLE indexed_roots(prefix TEXT PRIMARY KEY, format TEXT NOT NULL, params TEXT NOT NULL) "
           "WITHOUT ROWID;"
           "UPDATE meta SET value = '5' WHERE key = 'schema_version';");
}

TEST(SchemaMigrationTest, Version5OpensAndGetsImageContentTables) {
  TempDir dir;
  create_v5_instance(dir.path());
  auto opened = open_sqlite_store(dir.path());
  ASSERT_OK(opened);
  EXPECT_EQ(raw_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"), "6");
  for (const char* table : {"image_features", "embedding_models", "embeddings", "projections"}) {
    EXPECT_EQ(raw_text(dir.path(), std::string("SELECT COUNT(*) FROM ") + table), "0") << table;
  }
  // The old object reads, has no features yet, and takes them.
  auto& store = **opened;
  std::vector<Md5> old{v1_object()};
  auto none = store.image_features(old);
  ASSERT_OK(none);
  EXPECT_FALSE(none->front().has_value());
  ImageFeatures features;
  features.phash = 0x8000000000000001ULL;
  features.channels = 3;
  std::vector<std::pair<Md5, ImageFeatures>> put{{v1_object(), features}};
  ASSERT_OK(store.put_image_features(put));
  EXPECT_EQ(store.image_features(old).value().front(), features);
}

TEST(SchemaMigrationTest, MigratedVersion5MatchesANewInstance) {
  TempDir migrated, fresh;
  create_v5_instance(migrated.path());
  ASSERT_OK(open_sqlite_store(migrated.path()));
  ASSERT_OK(create_sqlite_store(fresh.path()));
  for (const char* table : {"image_features", "embedding_models", "embeddings", "projections"}) {
    EXPECT_EQ(columns(migrated.path(), table), columns(fresh.path(), table)) << table;
  }
  EXPECT_EQ(raw_text(migrated.path(), "SELECT group_concat(name) FROM sqlite_master WHERE type = 'index' AND "
                                      "name LIKE '%by_object' ORDER BY name"),
            raw_text(fresh.path(), "SELECT group_concat(name) FROM sqlite_master WHERE type = 'index' AND "
                                   "name LIKE '%by_object' ORDER BY name"));
}

}  // namespace
}  // namespace ldb::store
