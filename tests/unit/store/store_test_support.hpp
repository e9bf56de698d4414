#pragma once
// Helpers for the store tests: a fixture with a fresh SQLite instance store in
// a temporary folder, and builders for IndexedFile inputs.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "core/json.hpp"
#include "store/store.hpp"
#include "test_support.hpp"

namespace ldb::store::testing {

// A data file whose content is `content` (hashed like the indexer would),
// with an optional annotation given as any JSON text.
inline IndexedFile file(std::string path, std::string_view content, std::optional<std::string_view> annotation_json = {},
                        std::string annotation_path = {}) {
  IndexedFile f;
  f.path = std::move(path);
  f.size = content.size();
  f.mtime_ns = 1'000'000'000;
  f.hash = core::md5_of(content);
  if (annotation_json) {
    auto canonical = core::canonical_json(*annotation_json, "test annotation");
    EXPECT_TRUE(canonical.has_value()) << ldb::testing::describe(canonical);
    FoundAnnotation a;
    a.path = annotation_path.empty() && !f.path.empty() ? f.path + ".json" : std::move(annotation_path);
    a.size = annotation_json->size();
    a.mtime_ns = 2'000'000'000;
    a.canonical_json = canonical ? *canonical : std::string();
    f.annotation = std::move(a);
  }
  return f;
}

// An annotation-only input: no path, just an annotation for a known object.
inline IndexedFile annotation_for(const Md5& hash, std::string_view annotation_json) {
  IndexedFile f = file("", "", annotation_json, "/annotations/for.json");
  f.hash = hash;
  return f;
}

// Runs a one-value integer query through a separate raw connection (to check
// what is stored without going through the Store interface).
inline std::int64_t raw_int(const std::filesystem::path& instance, const std::string& sql) {
  sqlite3* db = nullptr;
  std::int64_t out = -1;
  if (sqlite3_open_v2((instance / k_database_file).c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      out = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = create_sqlite_store(m_dir.path());
    ASSERT_TRUE(created.has_value()) << ldb::testing::describe(created);
    m_store = std::move(*created);
  }

  Store& store() { return *m_store; }
  const std::filesystem::path& dir() const { return m_dir.path(); }

  // Ingests and asserts success.
  IngestResult ingest(std::vector<IndexedFile> files, IngestOptions options = {}) {
    auto result = m_store->ingest(files, options);
    EXPECT_TRUE(result.has_value()) << ldb::testing::describe(result);
    return result ? *result : IngestResult{};
  }

  ObjectInfo info(const Md5& hash) {
    auto result = m_store->object_info(hash);
    EXPECT_TRUE(result.has_value()) << ldb::testing::describe(result);
    return result ? *result : ObjectInfo{};
  }

  std::string annotation(const Md5& hash, std::uint32_t version) {
    ObjectRef ref{hash, version};
    auto result = m_store->annotations(std::span<const ObjectRef>(&ref, 1));
    EXPECT_TRUE(result.has_value()) << ldb::testing::describe(result);
    return result && result->size() == 1 ? result->front() : std::string("<error>");
  }

  ldb::testing::TempDir m_dir;
  std::unique_ptr<Store> m_store;
};

}  // namespace ldb::store::testing
