#include "store/factory.hpp"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "store/check.hpp"
#ifdef LDB_WITH_POSTGRES
#include "store/postgres_store.hpp"
#endif

namespace ldb::store {

namespace {

// One backend: what the factory functions dispatch to. Adding a backend
// (PostgreSQL) is one entry in k_backends.
struct Backend {
  std::string_view name;
  Result<std::unique_ptr<Store>> (*create)(const StoreConfig& config);
  Result<std::unique_ptr<Store>> (*open)(const StoreConfig& config);
  Result<CheckReport> (*check)(const StoreConfig& config);
  bool (*holds)(const StoreConfig& config);
};

// sqlite keeps its database in the instance folder: a URL would be ignored,
// which is worse than refusing it.
Status sqlite_takes_no_url(const StoreConfig& config) {
  if (config.url.empty()) return {};
  return fail(ErrorCode::invalid_argument,
              fmt::format("instance '{}': the sqlite store keeps its database in the instance folder and takes no URL "
                          "(got '{}')",
                          config.instance_dir.string(), config.url),
              "remove the URL from [core] store in the instance's config, or name the backend it is for "
              "(e.g. postgresql://host/db)");
}

const Backend k_backends[] = {
    {k_sqlite_backend,
     [](const StoreConfig& config) -> Result<std::unique_ptr<Store>> {
       LDB_TRY(sqlite_takes_no_url(config));
       return create_sqlite_store(config.instance_dir, config.options.busy_timeout);
     },
     [](const StoreConfig& config) -> Result<std::unique_ptr<Store>> {
       LDB_TRY(sqlite_takes_no_url(config));
       return open_sqlite_store(config.instance_dir, config.options.access, config.options.busy_timeout);
     },
     [](const StoreConfig& config) -> Result<CheckReport> {
       LDB_TRY(sqlite_takes_no_url(config));
       return check_sqlite_instance(config.instance_dir, config.options.busy_timeout);
     },
     [](const StoreConfig& config) {
       std::error_code ec;
       return std::filesystem::exists(config.instance_dir / k_database_file, ec);
     }},
#ifdef LDB_WITH_POSTGRES
    // A team's instance in a PostgreSQL database; the instance folder holds
    // only the config naming it. "postgres://" is libpq's other spelling.
    {k_postgres_backend,
     [](const StoreConfig& config) { return create_postgres_store(config.url, config.options.busy_timeout); },
     [](const StoreConfig& config) {
       return open_postgres_store(config.url, config.options.access, config.options.busy_timeout);
     },
     [](const StoreConfig& config) { return check_postgres_store(config.url, config.options.busy_timeout); },
     [](const StoreConfig& config) { return postgres_holds_store(config.url); }},
#endif
};

Result<const Backend*> find_backend(const StoreConfig& config) {
  // libpq reads both postgresql:// and postgres:// URLs.
  std::string_view name = config.backend == "postgres" ? k_postgres_backend : std::string_view(config.backend);
  for (const auto& backend : k_backends) {
    if (backend.name == name) return &backend;
  }
  std::string where = config.url.empty() ? config.instance_dir.string() : config.url;
  return fail(ErrorCode::unsupported,
              fmt::format("instance '{}' uses the store backend '{}', which this build of ldb does not support "
                          "(it supports: {})",
                          where, config.backend, fmt::join(store_backends(), ", ")),
              "use an ldb built with that backend, or set [core] store in the instance's config to a supported one");
}

}  // namespace

StoreConfig sqlite_store_config(const std::filesystem::path& instance_dir, StoreOptions options) {
  return StoreConfig{std::string(k_sqlite_backend), instance_dir, {}, options};
}

Result<StoreConfig> store_config_from(const std::filesystem::path& instance_dir, std::string_view store_setting,
                                      StoreOptions options) {
  if (store_setting.empty()) return sqlite_store_config(instance_dir, options);
  auto scheme_end = store_setting.find("://");
  if (scheme_end == std::string_view::npos) {
    return StoreConfig{std::string(store_setting), instance_dir, {}, options};
  }
  if (scheme_end == 0 || scheme_end + 3 == store_setting.size()) {
    return fail(
        ErrorCode::invalid_argument,
        fmt::format("instance '{}': [core] store = '{}' is not a store URL", instance_dir.string(), store_setting),
        "write a backend's URL (e.g. postgresql://host/db), or remove the setting for the sqlite store in "
        "the instance folder");
  }
  return StoreConfig{std::string(store_setting.substr(0, scheme_end)), instance_dir, std::string(store_setting),
                     options};
}

std::chrono::milliseconds busy_timeout_from_text(const char* text) {
  if (!text || !*text) return k_default_busy_timeout;
  // strtol, as $LDB_BUSY_TIMEOUT_MS has always been read (leading blanks and
  // a sign are accepted).
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < 0 || value > 3600L * 1000) return k_default_busy_timeout;
  return std::chrono::milliseconds(value);
}

std::vector<std::string_view> store_backends() {
  std::vector<std::string_view> out;
  for (const auto& backend : k_backends) out.push_back(backend.name);
  return out;
}

Result<std::unique_ptr<Store>> create_store(const StoreConfig& config) {
  auto backend = find_backend(config);
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->create(config);
}

Result<std::unique_ptr<Store>> open_store(const StoreConfig& config) {
  auto backend = find_backend(config);
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->open(config);
}

Result<CheckReport> check_store(const StoreConfig& config) {
  auto backend = find_backend(config);
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->check(config);
}

Result<bool> holds_store(const StoreConfig& config) {
  auto backend = find_backend(config);
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->holds(config);
}

}  // namespace ldb::store
