// The backends the store conformance tests run against: SQLite, and the
// PostgreSQL team store on a throwaway server (postgres_test_server.hpp) when
// ldb is built with it. A new backend adds one entry to
// store_backends_under_test().

#include <sqlite3.h>

#include "store_test_support.hpp"
#ifdef LDB_WITH_POSTGRES
#include "postgres_test_server.hpp"
#endif

namespace ldb::store::testing {

namespace {

// A raw connection to the instance's database, outside the store.
struct RawSqlite {
  explicit RawSqlite(const StoreConfig& config, int flags) {
    if (sqlite3_open_v2((config.instance_dir / k_database_file).c_str(), &db, flags, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      db = nullptr;
    }
  }
  ~RawSqlite() { sqlite3_close(db); }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;
  bool exec(const std::string& sql) {
    return db && sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  sqlite3* db = nullptr;
};

std::int64_t sqlite_raw_int(const StoreConfig& config, const std::string& sql) {
  RawSqlite raw(config, SQLITE_OPEN_READONLY);
  std::int64_t out = -1;
  sqlite3_stmt* stmt = nullptr;
  if (raw.db && sqlite3_prepare_v2(raw.db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    out = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  return out;
}

bool sqlite_raw_exec(const StoreConfig& config, const std::string& sql) {
  RawSqlite raw(config, SQLITE_OPEN_READWRITE);
  return raw.exec(sql);
}

// BEGIN IMMEDIATE on a connection of its own; rolled back when released.
std::shared_ptr<void> sqlite_hold_write_lock(const StoreConfig& config) {
  auto raw = std::make_shared<RawSqlite>(config, SQLITE_OPEN_READWRITE);
  EXPECT_TRUE(raw->exec("BEGIN IMMEDIATE")) << (raw->db ? sqlite3_errmsg(raw->db) : "cannot open");
  return std::shared_ptr<void>(raw.get(), [raw](void*) mutable {
    raw->exec("ROLLBACK");
    raw.reset();
  });
}

}  // namespace

const BackendUnderTest& sqlite_backend_under_test() {
  static const BackendUnderTest backend{"sqlite",
                                        [] { return std::optional<std::string>(); },
                                        [](const std::filesystem::path& dir) { return sqlite_store_config(dir); },
                                        sqlite_raw_int,
                                        sqlite_raw_exec,
                                        sqlite_hold_write_lock};
  return backend;
}

#ifdef LDB_WITH_POSTGRES
// Each instance gets a new database of its own on the test server; the
// instance folder holds nothing (as for a team's instance, whose folder keeps
// only the config naming the database).
const BackendUnderTest& postgres_backend_under_test() {
  static const BackendUnderTest backend{
      "postgresql",
      postgres_unavailable,
      [](const std::filesystem::path& dir) {
        auto config = store_config_from(dir, new_postgres_database());
        EXPECT_TRUE(config.has_value()) << ldb::testing::describe(config);
        return config ? *config : StoreConfig{};
      },
      [](const StoreConfig& config, const std::string& sql) { return postgres_raw_int(config.url, sql); },
      [](const StoreConfig& config, const std::string& sql) { return postgres_raw_exec(config.url, sql); },
      [](const StoreConfig& config) { return postgres_hold_write_lock(config.url); }};
  return backend;
}
#endif

const std::vector<BackendUnderTest>& store_backends_under_test() {
  static const std::vector<BackendUnderTest> backends{
      sqlite_backend_under_test(),
#ifdef LDB_WITH_POSTGRES
      postgres_backend_under_test(),
#endif
  };
  return backends;
}

}  // namespace ldb::store::testing

namespace ldb::store::testing {
LDB_STORE_CONFORMANCE(StoreTest);
}  // namespace ldb::store::testing
