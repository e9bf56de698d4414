// store/migrate.hpp: a SQLite store holding every kind of row is copied into
// a PostgreSQL database of the test cluster, then every Store read gives the
// same answer on both; PostgreSQL's sequences continue after the copied ids;
// a second run over the same copy verifies instead of copying; and every
// refusal or failure leaves the database empty.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "postgres_test_server.hpp"
#include "store/migrate.hpp"
#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using testing::file;

IndexedFile image_file(std::string path, std::string_view content, std::optional<ImageFeatures> features) {
  IndexedFile f = file(std::move(path), content, R"({"label": "cat", "box": [1, 2.5]})");
  f.image_probed = true;
  f.image = ImageInfo{640, 480, "jpeg", std::move(features)};
  return f;
}

class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = testing::postgres_unavailable()) GTEST_SKIP() << *why;
    auto created = create_sqlite_store(m_dir.path());
    ASSERT_OK(created);
    m_sqlite = std::move(*created);
    m_url = testing::new_postgres_database();
  }

  // Every kind of row the schema holds.
  void fill() {
    Store& s = *m_sqlite;
    ASSERT_OK(s.add_storage_location(StorageLocation{"/data", true, {{"region", "eu"}, {"anon", "true"}}}));
    ASSERT_OK(s.add_storage_location(StorageLocation{"s3://bucket/x", false, {}}));
    ImageFeatures features;
    features.phash = 0xfedcba9876543210ULL;  // top bit set: a negative bigint
    features.dhash = 7;
    features.mean = 117.25;
    features.std = 40.5;
    features.sharpness = 1e-300;
    features.entropy = -0.0;
    features.channels = 3;
    ImageFeatures broken;
    broken.error = "JPEG: premature end of data";
    std::vector<IndexedFile> files{
        image_file("/data/a.jpg", "a", features),
        image_file("/data/b.jpg", "b", broken),
        file("/data/c.txt", "c", R"({"label": "dög ✓", "n": 3})"),
        file("/data/ünïcode/d.txt", "d"),
        file("/data/e.txt", "e", R"({"label": "e"})"),
    };
    IngestOptions options;
    options.add_tags = {"train", "zz-last"};
    options.remember_roots = {IndexedRoot{"/data", "tensorflow-inferred", {{"label-key", "class"}}}};
    auto ingested = s.ingest(files, options);
    ASSERT_OK(ingested);
    // Second annotation versions, and a copy of "a" at a second path.
    auto again = files;
    again[2] = file("/data/c.txt", "c", R"({"label": "changed"})");
    again[4] = file("/data/e2.txt", "e", R"({"label": "e", "more": true})");
    again.push_back(image_file("/data/copy-of-a.jpg", "a", features));
    ASSERT_OK(s.ingest(again, IngestOptions{}));
    m_hashes.clear();
    for (const auto& f : files) m_hashes.push_back(f.hash);
    ASSERT_OK(s.update_tags(std::span<const Md5>(m_hashes.data(), 2), std::vector<std::string>{"val"},
                            std::vector<std::string>{"train"}));
    Embeddings vectors{3, {1.5f, -2.f, 0.25f, 0, 0, 0, 9, 8, 7}, {1, 0, 1}};
    std::vector<Md5> three(m_hashes.begin(), m_hashes.begin() + 3);
    ASSERT_OK(s.put_embeddings("builtin", three, vectors));
    ASSERT_OK(s.put_embeddings("[\"clip\"]", std::span<const Md5>(three.data(), 1), Embeddings{2, {4, 5}, {1}}));
    ASSERT_OK(s.put_projection("builtin", "pca", three, std::vector<Point2>{{1, 2}, {3, 4}, {-5, 6.5f}}));
    ASSERT_OK(s.put_projection("builtin", "umap", std::span<const Md5>(three.data(), 1), std::vector<Point2>{{0, 0}}));
    // Datasets: several versions, one with transforms, and a deleted one.
    auto root = s.root_collection();
    ASSERT_OK(root);
    Collection first(root->begin(), root->begin() + 2);
    ASSERT_OK(s.commit_dataset("cats", first, 0, "first", "ann"));
    ASSERT_OK(s.commit_dataset("cats", *root, 1, "all of them", "bob"));
    TransformAssignments rotated{{(*root)[0].hash, {R"(["rotate","90"])", "self"}}};
    ASSERT_OK(s.commit_dataset_with_transforms("cats", first, rotated, 2, "rotate", "ann"));
    ASSERT_OK(s.commit_dataset("dogs", Collection(root->begin() + 2, root->end()), 0, "dogs", "ann"));
    ASSERT_OK(s.commit_dataset("gone", first, 0, "to delete", "ann"));
    ASSERT_OK(s.delete_dataset("gone"));
  }

  Result<MigrationReport> migrate(const std::string& url) {
    m_sqlite.reset();  // as the CLI: no other connection holds the store
    return migrate_sqlite_to_postgres(m_dir.path(), url, std::chrono::milliseconds(2000));
  }

  std::int64_t pg_tables(const std::string& url) const {
    return testing::postgres_raw_int(url,
                                     "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()");
  }
  bool raw_sqlite(const std::string& sql) const {
    return testing::sqlite_backend_under_test().raw_exec(sqlite_store_config(m_dir.path()), sql);
  }

  ldb::testing::TempDir m_dir;
  std::unique_ptr<Store> m_sqlite;
  std::string m_url;
  std::vector<Md5> m_hashes;
};

void expect_same_reads(Store& a, Store& b, const std::vector<Md5>& hashes) {
  auto root_a = a.root_collection();
  auto root_b = b.root_collection();
  ASSERT_OK(root_a);
  ASSERT_OK(root_b);
  EXPECT_EQ(*root_a, *root_b);
  std::vector<Md5> all;
  for (const auto& m : *root_a) all.push_back(m.hash);

  // Every annotation version of every object.
  std::vector<ObjectRef> refs;
  auto infos_a = a.objects_info(all);
  auto infos_b = b.objects_info(all);
  ASSERT_OK(infos_a);
  ASSERT_OK(infos_b);
  ASSERT_EQ(infos_a->size(), infos_b->size());
  for (std::size_t i = 0; i < infos_a->size(); ++i) {
    const auto& x = (*infos_a)[i];
    const auto& y = (*infos_b)[i];
    EXPECT_EQ(x.hash, y.hash);
    EXPECT_EQ(x.size, y.size);
    EXPECT_EQ(x.first_indexed, y.first_indexed);
    EXPECT_EQ(x.last_indexed, y.last_indexed);
    EXPECT_EQ(x.current_version, y.current_version);
    EXPECT_EQ(x.paths, y.paths);
    EXPECT_EQ(x.mtime_ns, y.mtime_ns);
    EXPECT_EQ(x.tags, y.tags);
    EXPECT_EQ(x.image, y.image);
    ASSERT_EQ(x.versions.size(), y.versions.size());
    for (std::size_t v = 0; v < x.versions.size(); ++v) {
      EXPECT_EQ(x.versions[v].version, y.versions[v].version);
      EXPECT_EQ(x.versions[v].indexed_at, y.versions[v].indexed_at);
      EXPECT_EQ(x.versions[v].content_hash, y.versions[v].content_hash);
      refs.push_back(ObjectRef{x.hash, x.versions[v].version});
    }
    auto one = b.object_info(x.hash);
    ASSERT_OK(one);
    EXPECT_EQ(one->paths, x.paths);
  }
  EXPECT_FALSE(refs.empty());
  auto ann_a = a.annotations(refs);
  auto ann_b = b.annotations(refs);
  ASSERT_OK(ann_a);
  ASSERT_OK(ann_b);
  EXPECT_EQ(*ann_a, *ann_b);
  auto hashes_a = a.annotation_hashes(refs);
  auto hashes_b = b.annotation_hashes(refs);
  ASSERT_OK(hashes_a);
  ASSERT_OK(hashes_b);
  EXPECT_EQ(*hashes_a, *hashes_b);

  auto files_a = a.object_files(all);
  auto files_b = b.object_files(all);
  ASSERT_OK(files_a);
  ASSERT_OK(files_b);
  ASSERT_EQ(files_a->size(), files_b->size());
  for (std::size_t i = 0; i < files_a->size(); ++i) {
    EXPECT_EQ((*files_a)[i].size, (*files_b)[i].size);
    EXPECT_EQ((*files_a)[i].paths, (*files_b)[i].paths);
  }
  auto known_a = a.known_paths_under("/data");
  auto known_b = b.known_paths_under("/data");
  ASSERT_OK(known_a);
  ASSERT_OK(known_b);
  EXPECT_EQ(known_a->size(), known_b->size());

  // Datasets, their logs and collections, transform assignments.
  auto ds_a = a.datasets();
  auto ds_b = b.datasets();
  ASSERT_OK(ds_a);
  ASSERT_OK(ds_b);
  ASSERT_EQ(ds_a->size(), ds_b->size());
  std::size_t versions = 0;
  for (std::size_t i = 0; i < ds_a->size(); ++i) {
    const auto& name = (*ds_a)[i].name;
    EXPECT_EQ(name, (*ds_b)[i].name);
    auto log_a = a.dataset_log(name);
    auto log_b = b.dataset_log(name);
    ASSERT_OK(log_a);
    ASSERT_OK(log_b);
    ASSERT_EQ(log_a->size(), log_b->size());
    for (std::size_t v = 0; v < log_a->size(); ++v) {
      const auto& x = (*log_a)[v];
      const auto& y = (*log_b)[v];
      EXPECT_EQ(x.version, y.version);
      EXPECT_EQ(x.parent, y.parent);
      EXPECT_EQ(x.merge_parent, y.merge_parent);
      EXPECT_EQ(x.collection_hash, y.collection_hash);
      EXPECT_EQ(x.message, y.message);
      EXPECT_EQ(x.author, y.author);
      EXPECT_EQ(x.time, y.time);
      EXPECT_EQ(x.num_objects, y.num_objects);
      EXPECT_EQ(x.num_annotations, y.num_annotations);
      EXPECT_EQ(x.transforms_hash, y.transforms_hash);
      auto members_a = a.collection(x.collection_hash);
      auto members_b = b.collection(y.collection_hash);
      ASSERT_OK(members_a);
      ASSERT_OK(members_b);
      EXPECT_EQ(*members_a, *members_b);
      if (x.transforms_hash != Md5{}) {
        auto t_a = a.transform_assignments(x.transforms_hash);
        auto t_b = b.transform_assignments(y.transforms_hash);
        ASSERT_OK(t_a);
        ASSERT_OK(t_b);
        EXPECT_EQ(*t_a, *t_b);
        EXPECT_FALSE(t_b->empty());
      }
      ++versions;
    }
    auto containing_a = a.datasets_containing(all.front());
    auto containing_b = b.datasets_containing(all.front());
    ASSERT_OK(containing_a);
    ASSERT_OK(containing_b);
    EXPECT_EQ(*containing_a, *containing_b);
  }
  EXPECT_EQ(versions, 4u);

  // What ldb sees in images.
  auto features_a = a.image_features(hashes);
  auto features_b = b.image_features(hashes);
  ASSERT_OK(features_a);
  ASSERT_OK(features_b);
  EXPECT_EQ(*features_a, *features_b);
  EXPECT_TRUE((*features_b)[0].has_value());
  for (const char* model : {"builtin", "[\"clip\"]"}) {
    auto e_a = a.embeddings(model, hashes);
    auto e_b = b.embeddings(model, hashes);
    ASSERT_OK(e_a);
    ASSERT_OK(e_b);
    EXPECT_EQ(e_a->dimensions, e_b->dimensions);
    EXPECT_EQ(e_a->rows, e_b->rows);
    EXPECT_EQ(e_a->present, e_b->present);
  }
  for (const char* method : {"pca", "umap"}) {
    auto p_a = a.projection("builtin", method, hashes);
    auto p_b = b.projection("builtin", method, hashes);
    ASSERT_OK(p_a);
    ASSERT_OK(p_b);
    EXPECT_EQ(*p_a, *p_b);
  }

  // Storage locations and indexed roots.
  auto loc_a = a.storage_locations();
  auto loc_b = b.storage_locations();
  ASSERT_OK(loc_a);
  ASSERT_OK(loc_b);
  ASSERT_EQ(loc_a->size(), loc_b->size());
  for (std::size_t i = 0; i < loc_a->size(); ++i) {
    EXPECT_EQ((*loc_a)[i].prefix, (*loc_b)[i].prefix);
    EXPECT_EQ((*loc_a)[i].read_add, (*loc_b)[i].read_add);
    EXPECT_EQ((*loc_a)[i].options, (*loc_b)[i].options);
  }
  auto roots_a = a.indexed_roots();
  auto roots_b = b.indexed_roots();
  ASSERT_OK(roots_a);
  ASSERT_OK(roots_b);
  EXPECT_EQ(*roots_a, *roots_b);
  EXPECT_EQ(roots_b->size(), 1u);
}

TEST_F(MigrateTest, EveryReadGivesTheSameAnswerOnBothBackends) {
  ASSERT_NO_FATAL_FAILURE(fill());
  auto report = migrate(m_url);
  ASSERT_OK(report);
  EXPECT_FALSE(report->already_copied);
  EXPECT_EQ(report->tables.size(), migrated_tables().size());
  EXPECT_EQ(report->dataset_versions, 4u);
  std::uint64_t rows = 0;
  for (const auto& t : report->tables) rows += t.rows;
  EXPECT_EQ(rows, report->rows);
  EXPECT_GT(report->rows, 40u);

  auto sqlite = open_sqlite_store(m_dir.path());
  ASSERT_OK(sqlite);
  auto config = store_config_from(m_dir.path(), m_url);
  ASSERT_OK(config);
  auto pg = open_store(*config);
  ASSERT_OK(pg);
  expect_same_reads(**sqlite, **pg, m_hashes);
  auto checked = check_store(*config);
  ASSERT_OK(checked);
  EXPECT_TRUE(checked->problems.empty());
  // The copy drops foreign keys and secondary indexes while it loads and
  // makes them again: the schema is the one a new instance has.
  auto fresh = store_config_from(m_dir.path(), testing::new_postgres_database());
  ASSERT_OK(fresh);
  ASSERT_OK(create_store(*fresh));
  for (const char* sql : {"SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema()",
                          "SELECT count(*) FROM pg_constraint WHERE connamespace = current_schema()::regnamespace",
                          "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = "
                          "current_schema()::regnamespace"}) {
    auto migrated = testing::postgres_raw_int(m_url, sql);
    EXPECT_GT(migrated, 0) << sql;
    EXPECT_EQ(migrated, testing::postgres_raw_int(fresh->url, sql)) << sql;
  }
}

TEST_F(MigrateTest, PostgresNumbersNewRowsAfterTheCopiedIds) {
  ASSERT_NO_FATAL_FAILURE(fill());
  ASSERT_OK(migrate(m_url));
  auto config = store_config_from(m_dir.path(), m_url);
  ASSERT_OK(config);
  auto opened = open_store(*config);
  ASSERT_OK(opened);
  Store& pg = **opened;
  // New objects, annotation contents, datasets, transform sets and models:
  // each takes the next id of its table's sequence.
  IndexedFile fresh = file("/data/new.txt", "new bytes", R"({"label": "new"})");
  ASSERT_OK(pg.ingest(std::vector<IndexedFile>{fresh}, IngestOptions{}));
  auto root = pg.root_collection();
  ASSERT_OK(root);
  EXPECT_EQ(root->size(), 6u);
  auto log = pg.dataset_log("cats");
  ASSERT_OK(log);
  auto v4 = pg.commit_dataset("cats", *root, 3, "after the move", "ann");
  ASSERT_OK(v4);
  EXPECT_EQ(v4->version, 4u);
  ASSERT_OK(pg.commit_dataset("birds", *root, 0, "a new dataset", "ann"));
  TransformAssignments flipped{{root->front().hash, {R"(["flip"])"}}};
  ASSERT_OK(pg.commit_dataset_with_transforms("cats", *root, flipped, 4, "flip", "ann"));
  ASSERT_OK(pg.put_embeddings("another-model", std::vector<Md5>{fresh.hash}, Embeddings{1, {1}, {1}}));
  EXPECT_EQ(testing::postgres_raw_int(m_url, "SELECT count(*) FROM datasets"), 3);
}

TEST_F(MigrateTest, ASecondRunOverTheSameCopyVerifiesInsteadOfCopying) {
  ASSERT_NO_FATAL_FAILURE(fill());
  auto first = migrate(m_url);
  ASSERT_OK(first);
  auto second = migrate(m_url);
  ASSERT_OK(second);
  EXPECT_TRUE(second->already_copied);
  EXPECT_EQ(second->rows, first->rows);
  EXPECT_EQ(second->root_collection, first->root_collection);
  // Once the SQLite store differs, the database holds another instance.
  ASSERT_TRUE(raw_sqlite("INSERT INTO tags(object_id, tag) SELECT id, 'late' FROM objects LIMIT 1"));
  auto third = migrate(m_url);
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().code, ErrorCode::already_exists);
  EXPECT_NE(third.error().message.find("table tags"), std::string::npos) << third.error().message;
  EXPECT_NE(third.error().message.find("already holds an ldb instance"), std::string::npos) << third.error().message;
}

TEST_F(MigrateTest, AFailureHalfwayLeavesTheDatabaseEmpty) {
  ASSERT_NO_FATAL_FAILURE(fill());
  // A projection that is not a number: the copy stops at that table, after
  // many others were copied, and the transaction takes everything back.
  ASSERT_TRUE(raw_sqlite("UPDATE projections SET x = 'not a number' WHERE method = 'umap'"));
  auto failed = migrate(m_url);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code, ErrorCode::corruption);
  EXPECT_NE(failed.error().message.find("projections"), std::string::npos) << failed.error().message;
  EXPECT_EQ(pg_tables(m_url), 0);
}

TEST_F(MigrateTest, APathPostgresRefusesStopsTheCopyNamingTheTable) {
  ASSERT_NO_FATAL_FAILURE(fill());
  // Not UTF-8 (Linux allows it in file names; a UTF8 database does not).
  ASSERT_TRUE(raw_sqlite("UPDATE paths SET path = CAST(X'2F646174612FFF' AS TEXT) WHERE path = '/data/e.txt'"));
  auto failed = migrate(m_url);
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().message.find("copying table paths"), std::string::npos) << failed.error().message;
  EXPECT_EQ(pg_tables(m_url), 0);
}

TEST_F(MigrateTest, AnOlderSqliteSchemaIsUpgradedFirstAsOpeningDoes) {
  ASSERT_NO_FATAL_FAILURE(fill());
  // Schema 5 is schema 6 without the image tables.
  ASSERT_TRUE(
      raw_sqlite("DROP TABLE projections; DROP TABLE embeddings; DROP TABLE embedding_models; "
                 "DROP TABLE image_features; UPDATE meta SET value = '5' WHERE key = 'schema_version'"));
  auto report = migrate(m_url);
  ASSERT_OK(report);
  EXPECT_EQ(testing::sqlite_backend_under_test().raw_int(sqlite_store_config(m_dir.path()),
                                                         "SELECT value FROM meta WHERE key = 'schema_version'"),
            6);
  EXPECT_EQ(testing::postgres_raw_int(m_url, "SELECT max(version) FROM ldb_schema_migrations"), 6);
  EXPECT_EQ(testing::postgres_raw_int(m_url, "SELECT count(*) FROM objects"), 5);
  EXPECT_EQ(testing::postgres_raw_int(m_url, "SELECT count(*) FROM image_features"), 0);
}

TEST_F(MigrateTest, RefusesDatabasesThatAreNotEmptyAndUrlsWithPasswords) {
  ASSERT_NO_FATAL_FAILURE(fill());
  ASSERT_TRUE(testing::postgres_raw_exec(m_url, "CREATE TABLE invoices(id int)"));
  auto other = migrate(m_url);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(other.error().message.find("another program"), std::string::npos) << other.error().message;
  EXPECT_EQ(pg_tables(m_url), 1);

  auto password = migrate_sqlite_to_postgres(m_dir.path(), "postgresql://ldb:s3cret@127.0.0.1:1/db",
                                             std::chrono::milliseconds(100));
  ASSERT_FALSE(password.has_value());
  EXPECT_EQ(password.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(password.error().message.find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace ldb::store
