// The instance check behind `ldb fsck`, run through the factory (check_store).
// Conformance (every backend): a healthy store has no problems and counts what
// it checked; a missing store is not_found. SQLite only (SqliteCheckTest,
// src/store/check.cpp): each kind of damage, made on purpose through a raw
// SQLite connection or by overwriting the database file, is reported naming
// where it is — the damage is SQLite's own SQL and file format.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using testing::file;
using testing::StoreTest;

class CheckTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ingest({file("/d/a.jpg", "a", R"({"v":1})"), file("/d/b.jpg", "b"), file("/d/c.jpg", "c", R"({"v":3})")});
    ingest({file("/d/a.jpg", "a", R"({"v":2})")});  // a gets version 2
    Collection members{{core::md5_of("a"), 2}, {core::md5_of("b"), 0}, {core::md5_of("c"), 1}};
    std::sort(members.begin(), members.end());
    ASSERT_OK(store().commit_dataset("cats", members, 0, "first", "alice"));
    members.pop_back();
    ASSERT_OK(store().commit_dataset("cats", members, 1, "second", "alice"));
    m_collection = collection_hash(members);
  }

  // Runs SQL on the instance through a separate connection, foreign keys off
  // (so that damage the schema would refuse can be made).
  void damage(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir() / k_database_file).c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, ("PRAGMA foreign_keys=OFF; " + sql).c_str(), nullptr, nullptr, &err);
    std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }

  std::vector<Problem> problems() {
    auto report = check_store(config());
    EXPECT_TRUE(report.has_value()) << ldb::testing::describe(report);
    return report ? report->problems : std::vector<Problem>{};
  }

  // True when some problem's location contains `where` and its message `text`.
  static bool has(const std::vector<Problem>& found, std::string_view where, std::string_view text) {
    for (const auto& p : found) {
      if (p.where.find(where) != std::string::npos && p.message.find(text) != std::string::npos && !p.hint.empty()) {
        return true;
      }
    }
    return false;
  }

  static std::string describe(const std::vector<Problem>& found) {
    std::string out;
    for (const auto& p : found) out += p.where + ": " + p.message + " (hint: " + p.hint + ")\n";
    return out;
  }

  static std::string hex_blob(const Md5& hash) { return "X'" + hash.hex() + "'"; }

  Md5 m_collection;
};

// Damage made with SQLite's SQL and file format, found by its check.
class SqliteCheckTest : public CheckTest {};

TEST_P(CheckTest, HealthyStoreHasNoProblemsAndCountsWhatItChecked) {
  auto report = check_store(config());
  ASSERT_OK(report);
  EXPECT_TRUE(report->problems.empty()) << describe(report->problems);
  EXPECT_EQ(report->schema_version, k_schema_version);
  EXPECT_EQ(report->objects, 3u);
  EXPECT_EQ(report->annotation_versions, 3u);
  EXPECT_EQ(report->datasets, 1u);
  EXPECT_EQ(report->dataset_versions, 2u);
  EXPECT_EQ(report->collections, 2u);
}

TEST_P(CheckTest, EmptyStoreIsHealthy) {
  ldb::testing::TempDir other;
  auto other_config = GetParam().config(other.path());
  ASSERT_OK(create_store(other_config));
  auto report = check_store(other_config);
  ASSERT_OK(report);
  EXPECT_TRUE(report->problems.empty()) << describe(report->problems);
}

TEST_P(CheckTest, MissingDatabaseIsNotFound) {
  ldb::testing::TempDir empty;
  auto report = check_store(GetParam().config(empty.path()));
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::not_found);
  EXPECT_FALSE(report.error().hint.empty());
}

TEST_P(SqliteCheckTest, MissingCollectionIsReported) {
  damage("DELETE FROM collections WHERE hash = " + hex_blob(m_collection));
  auto found = problems();
  EXPECT_TRUE(has(found, "dataset ds:cats v2", "collection " + m_collection.hex() + " is missing")) << describe(found);
  EXPECT_TRUE(has(found, "table dataset_versions", "refers to a missing row of table collections")) << describe(found);
}

TEST_P(SqliteCheckTest, CollectionNotMatchingItsHashIsReported) {
  damage("UPDATE collections SET members = zeroblob(20) WHERE hash = " + hex_blob(m_collection));
  auto found = problems();
  EXPECT_TRUE(has(found, "dataset ds:cats v2", "does not match the hash it is stored under")) << describe(found);
}

TEST_P(SqliteCheckTest, UndecodableCollectionIsReported) {
  std::string seven(7, 'x');
  auto hash = core::md5_of(seven);
  damage("INSERT INTO collections(hash, members) VALUES(" + hex_blob(hash) + ", CAST('xxxxxxx' AS BLOB)); " +
         "UPDATE dataset_versions SET collection_hash = " + hex_blob(hash) + " WHERE version = 2");
  auto found = problems();
  EXPECT_TRUE(has(found, "dataset ds:cats v2", "cannot be decoded")) << describe(found);
}

TEST_P(SqliteCheckTest, MemberWhoseObjectIsGoneIsReported) {
  auto a = core::md5_of("a");
  damage("DELETE FROM annotation_versions WHERE object_id = (SELECT id FROM objects WHERE hash = " + hex_blob(a) +
         "); DELETE FROM paths WHERE object_id = (SELECT id FROM objects WHERE hash = " + hex_blob(a) +
         "); DELETE FROM objects WHERE hash = " + hex_blob(a));
  auto found = problems();
  EXPECT_TRUE(has(found, "dataset ds:cats v1", "member id:" + a.hex() + " is not an indexed object"))
      << describe(found);
}

TEST_P(SqliteCheckTest, MemberWhoseAnnotationVersionIsGoneIsReported) {
  auto a = core::md5_of("a");
  damage("DELETE FROM annotation_versions WHERE version = 2 AND object_id = (SELECT id FROM objects WHERE hash = " +
         hex_blob(a) + ")");
  auto found = problems();
  EXPECT_TRUE(
      has(found, "dataset ds:cats", "member id:" + a.hex() + " names annotation version 2, which does not exist"))
      << describe(found);
  EXPECT_TRUE(has(found, "object id:" + a.hex(), "records current annotation version 2 but has 1 version(s)"))
      << describe(found);
  EXPECT_TRUE(has(found, "path '/d/a.jpg'", "names annotation version 2")) << describe(found);
}

TEST_P(SqliteCheckTest, WrongCountsAreReported) {
  damage("UPDATE dataset_versions SET num_objects = 99, num_annotations = 0 WHERE version = 1");
  auto found = problems();
  EXPECT_TRUE(has(found, "dataset ds:cats v1", "records 99 objects but its collection holds 3")) << describe(found);
  EXPECT_TRUE(has(found, "dataset ds:cats v1", "records 0 annotations but its collection holds 2")) << describe(found);
}

TEST_P(SqliteCheckTest, WrongCurrentVersionIsReported) {
  auto c = core::md5_of("c");
  damage("UPDATE objects SET current_version = 5 WHERE hash = " + hex_blob(c));
  auto found = problems();
  EXPECT_TRUE(has(found, "object id:" + c.hex(), "records current annotation version 5 but has 1")) << describe(found);
}

TEST_P(SqliteCheckTest, AnEarlierCurrentVersionIsHealthy) {
  // a.json put back to its first content makes version 1 current again.
  ingest({file("/d/a.jpg", "a", R"({"v":1})")});
  auto current = store().current_versions(std::vector<Md5>{core::md5_of("a")});
  ASSERT_OK(current);
  ASSERT_EQ(current->front().annotation_version, 1u);
  auto found = problems();
  EXPECT_TRUE(found.empty()) << describe(found);
  damage("UPDATE objects SET current_version = 0 WHERE hash = " + hex_blob(core::md5_of("a")));
  EXPECT_TRUE(has(problems(), "object id:" + core::md5_of("a").hex(), "records current annotation version 0"));
}

TEST_P(SqliteCheckTest, AlteredAnnotationContentIsReported) {
  damage(R"(UPDATE annotation_contents SET json = '{"v":9}' WHERE json = '{"v":3}')");
  auto found = problems();
  EXPECT_TRUE(has(found, "annotation version 1 of object id:" + core::md5_of("c").hex(), "does not match the hash"))
      << describe(found);
}

TEST_P(SqliteCheckTest, VersionGapIsReported) {
  damage("UPDATE dataset_versions SET version = 5 WHERE version = 2");
  auto found = problems();
  EXPECT_TRUE(has(found, "dataset ds:cats v5", "follows version 1")) << describe(found);
}

TEST_P(SqliteCheckTest, DatasetWithoutVersionsIsReported) {
  damage("DELETE FROM dataset_versions");
  auto found = problems();
  EXPECT_TRUE(has(found, "dataset ds:cats", "has no versions")) << describe(found);
}

TEST_P(SqliteCheckTest, BadSchemaVersionIsReported) {
  damage("UPDATE meta SET value = 'abc' WHERE key = 'schema_version'");
  EXPECT_TRUE(has(problems(), "table meta", "schema_version 'abc' is not a valid version"));
  damage("UPDATE meta SET value = '999' WHERE key = 'schema_version'");
  EXPECT_TRUE(has(problems(), "table meta", "newer than this ldb understands"));
  damage("DELETE FROM meta");
  EXPECT_TRUE(has(problems(), "table meta", "has no schema_version"));
}

TEST_P(SqliteCheckTest, MissingTableIsReported) {
  damage("DROP TABLE tags");
  EXPECT_TRUE(has(problems(), "table tags", "is missing"));
}

TEST_P(SqliteCheckTest, FileThatIsNotADatabaseIsReported) {
  m_store.reset();
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(dir() / (std::string(k_database_file) + suffix));
  std::ofstream(dir() / k_database_file, std::ios::binary | std::ios::trunc) << std::string(8192, 'z');
  auto found = problems();
  ASSERT_EQ(found.size(), 1u) << describe(found);
  EXPECT_NE(found[0].where.find("ldb.sqlite"), std::string::npos);
  EXPECT_NE(found[0].hint.find("backup"), std::string::npos);
}

TEST_P(SqliteCheckTest, OverwrittenPagesAreReported) {
  // Enough rows for several b-tree pages, checkpointed into the main file.
  std::vector<IndexedFile> files;
  for (int i = 0; i < 2000; ++i) files.push_back(file(fmt::format("/d/many/{}.jpg", i), fmt::format("content {}", i)));
  ingest(files);
  m_store.reset();
  damage("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;");
  auto path = dir() / k_database_file;
  auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 8u * 4096u);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2 / 4096 * 4096));
    f << std::string(2 * 4096, '\x5a');
  }
  auto found = problems();
  EXPECT_FALSE(found.empty());
  for (const auto& p : found) EXPECT_FALSE(p.hint.empty()) << p.message;
}

LDB_STORE_CONFORMANCE(CheckTest);
LDB_SQLITE_ONLY(SqliteCheckTest);

}  // namespace
}  // namespace ldb::store
