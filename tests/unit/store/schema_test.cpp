// Creating and opening instance stores: schema version, migrations policy,
// and the errors for folders that are not (or not readable) instances.
// SQLite only: these read and damage the database file and its meta table
// directly (the factory's own behaviour is in factory_test.cpp).

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "store/store.hpp"
#include "store_test_support.hpp"
#include "test_support.hpp"

namespace ldb::store {
namespace {

using ldb::testing::TempDir;

// Runs SQL on the instance database through a raw connection (what another
// ldb build, or a damaged file, would leave behind).
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

std::string raw_query_text(const std::filesystem::path& instance, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open((instance / k_database_file).c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string out = "<none>";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

TEST(SchemaTest, CreateThenOpen) {
  TempDir dir;
  {
    auto created = create_sqlite_store(dir.path());
    ASSERT_OK(created);
    auto committed = (*created)->commit_dataset("cats", {}, 0, "first", "tester");
    ASSERT_OK(committed);
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "ldb.sqlite"));
  auto opened = open_sqlite_store(dir.path());
  ASSERT_OK(opened);
  auto latest = (*opened)->dataset_version("cats", 0);
  ASSERT_OK(latest);
  EXPECT_EQ(latest->version, 1u);
  EXPECT_EQ(latest->message, "first");
}

TEST(SchemaTest, WritesSchemaVersionAndUsesWal) {
  TempDir dir;
  ASSERT_OK(create_sqlite_store(dir.path()));
  EXPECT_EQ(raw_query_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"),
            std::to_string(k_schema_version));
  EXPECT_EQ(raw_query_text(dir.path(), "PRAGMA journal_mode"), "wal");
}

TEST(SchemaTest, OpenNonInstanceIsNotFoundWithHint) {
  TempDir dir;
  auto opened = open_sqlite_store(dir.path());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::not_found);
  EXPECT_NE(opened.error().message.find(dir.path().string()), std::string::npos) << opened.error().message;
  EXPECT_NE(opened.error().hint.find("ldb init"), std::string::npos) << opened.error().hint;
  // Opening must not create anything.
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "ldb.sqlite"));
}

TEST(SchemaTest, OpenMissingFolderIsNotFound) {
  TempDir dir;
  auto opened = open_sqlite_store(dir.path() / "no" / "such" / "folder");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::not_found);
}

TEST(SchemaTest, CreateTwiceIsAlreadyExists) {
  TempDir dir;
  ASSERT_OK(create_sqlite_store(dir.path()));
  auto again = create_sqlite_store(dir.path());
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::already_exists);
  EXPECT_NE(again.error().message.find(dir.path().string()), std::string::npos);
  EXPECT_NE(again.error().hint.find("init -f"), std::string::npos) << again.error().hint;
  // The first instance is intact.
  ASSERT_OK(open_sqlite_store(dir.path()));
}

TEST(SchemaTest, CreateInMissingFolderIsIoError) {
  TempDir dir;
  auto created = create_sqlite_store(dir.path() / "missing");
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::io);
  EXPECT_NE(created.error().message.find("missing"), std::string::npos) << created.error().message;
  EXPECT_FALSE(created.error().hint.empty());
}

TEST(SchemaTest, NewerSchemaIsRefused) {
  TempDir dir;
  ASSERT_OK(create_sqlite_store(dir.path()));
  raw_exec(dir.path(),
           "UPDATE meta SET value = '" + std::to_string(k_schema_version + 1) + "' WHERE key = 'schema_version'");
  auto opened = open_sqlite_store(dir.path());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::unsupported);
  EXPECT_NE(opened.error().message.find(std::to_string(k_schema_version + 1)), std::string::npos)
      << opened.error().message;
  EXPECT_NE(opened.error().hint.find("upgrade ldb"), std::string::npos) << opened.error().hint;
  // Refusing does not touch the stored version.
  EXPECT_EQ(raw_query_text(dir.path(), "SELECT value FROM meta WHERE key = 'schema_version'"),
            std::to_string(k_schema_version + 1));
}

TEST(SchemaTest, UnknownOlderSchemaIsCorruption) {
  TempDir dir;
  ASSERT_OK(create_sqlite_store(dir.path()));
  raw_exec(dir.path(), "UPDATE meta SET value = '0' WHERE key = 'schema_version'");
  auto opened = open_sqlite_store(dir.path());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::corruption);
}

TEST(SchemaTest, MissingSchemaVersionIsCorruption) {
  TempDir dir;
  ASSERT_OK(create_sqlite_store(dir.path()));
  raw_exec(dir.path(), "DELETE FROM meta");
  auto opened = open_sqlite_store(dir.path());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::corruption);
  EXPECT_FALSE(opened.error().hint.empty());
}

TEST(SchemaTest, NonNumericSchemaVersionIsCorruption) {
  TempDir dir;
  ASSERT_OK(create_sqlite_store(dir.path()));
  for (std::string value : {"banana", "", "1x", "99999999999999999999"}) {
    raw_exec(dir.path(), "UPDATE meta SET value = '" + value + "' WHERE key = 'schema_version'");
    auto opened = open_sqlite_store(dir.path());
    ASSERT_FALSE(opened.has_value()) << value;
    EXPECT_EQ(opened.error().code, ErrorCode::corruption) << value << ": " << opened.error().message;
  }
}

TEST(SchemaTest, MissingMetaTableIsCorruption) {
  // What an interrupted `init` could leave: a database file without a schema.
  TempDir dir;
  raw_exec(dir.path(), "CREATE TABLE unrelated(x)");
  auto opened = open_sqlite_store(dir.path());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::corruption) << opened.error().message;
  EXPECT_FALSE(opened.error().hint.empty());
}

TEST(SchemaTest, GarbageDatabaseFileIsCorruption) {
  TempDir dir;
  dir.write("ldb.sqlite", std::string(4096, 'x'));
  auto opened = open_sqlite_store(dir.path());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::corruption) << opened.error().message;
  EXPECT_FALSE(opened.error().hint.empty());
}

}  // namespace
}  // namespace ldb::store
