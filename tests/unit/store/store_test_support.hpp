#pragma once
// Helpers for the store tests: the backends the conformance tests run against,
// a fixture with a fresh instance store of one of them in a temporary folder,
// and builders for IndexedFile inputs.
//
// The conformance tests are written once against the Store interface and the
// factory (store/factory.hpp): TEST_P on StoreTest (or a fixture derived from
// it), instantiated with LDB_STORE_CONFORMANCE(Fixture) for every backend in
// store_backends_under_test(). A new backend adds one entry there. Tests of one
// backend's internals instantiate with LDB_SQLITE_ONLY(Fixture) and say why.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "core/json.hpp"
#include "store/factory.hpp"
#include "store/store.hpp"
#include "test_support.hpp"

namespace ldb::store::testing {

// A backend the conformance tests run against, with what the tests need to
// look behind the Store interface. SQL given to raw_int and raw_exec uses the
// store's table and column names (store/schema.cpp), which every backend keeps.
struct BackendUnderTest {
  std::string name;  // the test name suffix: "sqlite", "postgresql"
  // Why this backend cannot be tested here (its tests are skipped, saying
  // so), or nullopt.
  std::function<std::optional<std::string>()> unavailable;
  // The config of a new instance in `dir` (an empty folder the test owns).
  std::function<StoreConfig(const std::filesystem::path& dir)> config;
  // One integer `sql` returns, read directly from the instance's tables (-1
  // when the query fails): what a test checks is stored.
  std::function<std::int64_t(const StoreConfig& config, const std::string& sql)> raw_int;
  // Runs `sql` directly, as another process would (a commit behind the
  // store's back); false when it fails.
  std::function<bool(const StoreConfig& config, const std::string& sql)> raw_exec;
  // Holds the instance's write lock until the returned handle is destroyed:
  // what another ldb process in the middle of a command looks like.
  std::function<std::shared_ptr<void>(const StoreConfig& config)> hold_write_lock;
};

inline void PrintTo(const BackendUnderTest& backend, std::ostream* out) { *out << backend.name; }

// Every backend this build tests (store_backends_under_test.cpp).
const std::vector<BackendUnderTest>& store_backends_under_test();
const BackendUnderTest& sqlite_backend_under_test();
#ifdef LDB_WITH_POSTGRES
const BackendUnderTest& postgres_backend_under_test();
#endif

// A data file whose content is `content` (hashed like the indexer would),
// with an optional annotation given as any JSON text.
inline IndexedFile file(std::string path, std::string_view content,
                        std::optional<std::string_view> annotation_json = {}, std::string annotation_path = {}) {
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

// A fresh store of the backend GetParam() names, created through the factory.
class StoreTest : public ::testing::TestWithParam<BackendUnderTest> {
 protected:
  void SetUp() override {
    if (auto why = GetParam().unavailable()) GTEST_SKIP() << *why;
    m_config = GetParam().config(m_dir.path());
    auto created = create_store(m_config);
    ASSERT_TRUE(created.has_value()) << ldb::testing::describe(created);
    m_store = std::move(*created);
  }

  Store& store() { return *m_store; }
  const std::filesystem::path& dir() const { return m_dir.path(); }
  const StoreConfig& config() const { return m_config; }

  // Another store on the same instance (as another process opens it).
  Result<std::unique_ptr<Store>> open_again(StoreOptions options = {}) const {
    StoreConfig other = m_config;
    other.options = options;
    return open_store(other);
  }

  std::int64_t raw_int(const std::string& sql) const { return GetParam().raw_int(m_config, sql); }
  bool raw_exec(const std::string& sql) const { return GetParam().raw_exec(m_config, sql); }
  std::shared_ptr<void> hold_write_lock() const { return GetParam().hold_write_lock(m_config); }

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
  StoreConfig m_config;
  std::unique_ptr<Store> m_store;
};

}  // namespace ldb::store::testing

// Runs the TEST_Ps of `Fixture` (StoreTest or derived from it) for every backend.
#define LDB_STORE_CONFORMANCE(Fixture)                                                                                 \
  INSTANTIATE_TEST_SUITE_P(Backends, Fixture, ::testing::ValuesIn(::ldb::store::testing::store_backends_under_test()), \
                           [](const auto& info) { return info.param.name; })

// Runs the TEST_Ps of `Fixture` for PostgreSQL only: for what only a server
// backend does (concurrent writers, roles, connection errors).
#define LDB_POSTGRES_ONLY(Fixture)                                                                                     \
  INSTANTIATE_TEST_SUITE_P(Postgres, Fixture, ::testing::Values(::ldb::store::testing::postgres_backend_under_test()), \
                           [](const auto& info) { return info.param.name; })

// Runs the TEST_Ps of `Fixture` for SQLite only: for tests of SQLite internals.
#define LDB_SQLITE_ONLY(Fixture)                                                                                   \
  INSTANTIATE_TEST_SUITE_P(Sqlite, Fixture, ::testing::Values(::ldb::store::testing::sqlite_backend_under_test()), \
                           [](const auto& info) { return info.param.name; })
