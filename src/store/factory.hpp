#pragma once
// The store factory: creating, opening and checking an instance's store by its
// configuration, whatever the backend. Callers (the front ends, tests, bench,
// fuzz) go through these functions rather than a backend's own entry points,
// so that a backend is chosen by the instance's config and a new one is one
// entry in factory.cpp's table.
//
// Backends today: "sqlite" (the embedded default: the database file
// k_database_file inside the instance folder) and "postgresql" (a team's
// instance in a PostgreSQL database, when ldb is built with libpq). A server
// backend is named by the scheme of its URL (`[core] store =
// "postgresql://..."` in the instance's config); one this build does not have
// fails with unsupported, naming it.
//
// Like all of src/store, nothing here reads files other than the store's own,
// the environment or the terminal: the front end reads its settings and passes
// the values in (store_config_from, busy_timeout_from_text).

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/check_report.hpp"
#include "store/store.hpp"
#include "store/types.hpp"

namespace ldb::store {

// The name of the embedded backend.
inline constexpr std::string_view k_sqlite_backend = "sqlite";
// The team backend (built when libpq is found): a postgresql:// store URL.
inline constexpr std::string_view k_postgres_backend = "postgresql";

// How the front end wants the store opened; the same for every backend.
struct StoreOptions {
  // How long a write waits for another process's lock before it fails with
  // conflict ("the instance is busy").
  std::chrono::milliseconds busy_timeout = k_default_busy_timeout;
  // read_only opens the store for reading even when this process may write.
  Access access = Access::as_permitted;
};

// Which store an instance uses and where it is.
struct StoreConfig {
  std::string backend = std::string(k_sqlite_backend);
  // The instance folder. sqlite keeps its database file there; a server
  // backend's instance folder holds only the config naming it.
  std::filesystem::path instance_dir;
  // Where a server backend's database is (e.g. postgresql://host/db); empty
  // for sqlite, which refuses one.
  std::string url;
  StoreOptions options;
};

// The config of a SQLite instance in `instance_dir`.
StoreConfig sqlite_store_config(const std::filesystem::path& instance_dir, StoreOptions options = {});

// The config of the instance in `instance_dir` from its `[core] store`
// setting, as the caller read it: empty (not set) for sqlite; a URL
// ("postgresql://host/db") for the backend its scheme names; otherwise a
// backend name ("sqlite"). invalid_argument for a URL without a scheme or
// without anything after "://". Whether the backend exists is checked when
// the store is created, opened or checked.
Result<StoreConfig> store_config_from(const std::filesystem::path& instance_dir, std::string_view store_setting,
                                      StoreOptions options = {});

// A busy timeout as text (what the front end read from $LDB_BUSY_TIMEOUT_MS,
// nullptr when unset): a whole number of milliseconds from 0 to 3600000;
// anything else (unset, empty, not a number, out of range) gives
// k_default_busy_timeout.
std::chrono::milliseconds busy_timeout_from_text(const char* text);

// The backend names this build supports, in the order they were added.
std::vector<std::string_view> store_backends();

// Creates a new, empty store for the instance (sqlite: in instance_dir, which
// must exist). already_exists when the instance already has one.
Result<std::unique_ptr<Store>> create_store(const StoreConfig& config);

// Opens the store of an existing instance, migrating an older schema (see
// open_sqlite_store for sqlite's rules). not_found when there is none.
Result<std::unique_ptr<Store>> open_store(const StoreConfig& config);

// Checks the instance's store without changing it (`ldb fsck`). Damage is
// reported as problems; the Error cases are those of the backend's check
// (sqlite: check_sqlite_instance in store/check.hpp).
Result<CheckReport> check_store(const StoreConfig& config);

// True when the instance's store exists (sqlite: the database file is in
// instance_dir), without opening it.
Result<bool> holds_store(const StoreConfig& config);

}  // namespace ldb::store
