#include "cli/storage_settings.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "cli/instance.hpp"
#include "storage/backend_options.hpp"

namespace ldb::cli {

namespace {

Result<long> env_number(const char* name, long fallback) {
  std::string text = storage::env_or_empty(name);
  if (text.empty()) return fallback;
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0' || value < 0) {
    return fail(ErrorCode::invalid_argument, fmt::format("${} expects a whole number, got '{}'", name, text),
                fmt::format("for example: export {}=30", name));
  }
  return value;
}

Result<storage::StorageSettings> load() {
  storage::StorageSettings settings;
  auto timeout = env_number("LDB_HTTP_TIMEOUT", 30);
  if (!timeout) return std::unexpected(timeout.error());
  auto retries = env_number("LDB_HTTP_RETRIES", 3);
  if (!retries) return std::unexpected(retries.error());
  settings.http.low_speed_seconds = std::max(1L, *timeout);
  settings.http.connect_timeout_ms = std::max(1L, std::min(*timeout, 10L)) * 1000;
  settings.http.attempts = static_cast<int>(*retries) + 1;

  std::string cache_dir;
  std::string cache_size;
  if (locate_instance()) {
    auto instance = open_instance(CreateIfMissing::no);
    if (!instance) return std::unexpected(instance.error());
    auto locations = instance->store->storage_locations();
    if (!locations) return std::unexpected(locations.error());
    for (auto& location : *locations) settings.locations.push_back({location.prefix, location.options});
    auto config = read_toml(instance->dir / "config");
    if (!config) return std::unexpected(config.error());
    cache_dir = (*config)["core"]["cache_dir"].value_or(std::string());
    if (auto size = (*config)["core"]["cache_size"].value<std::string>()) cache_size = *size;
    if (auto size = (*config)["core"]["cache_size"].value<std::int64_t>()) cache_size = std::to_string(*size);
  }
  if (auto value = storage::env_or_empty("LDB_CACHE_DIR"); !value.empty()) cache_dir = value;
  if (auto value = storage::env_or_empty("LDB_CACHE_SIZE"); !value.empty()) cache_size = value;
  if (cache_dir.empty()) {
    std::string base = storage::env_or_empty("XDG_CACHE_HOME");
    cache_dir = base.empty() ? (std::filesystem::path(storage::env_or_empty("HOME")) / ".cache").string() : base;
    cache_dir = (std::filesystem::path(cache_dir) / "ldb" / "objects").string();
  }
  if (cache_dir != "none") settings.cache_dir = cache_dir;
  auto limit = storage::parse_byte_size(cache_size.empty() ? "10G" : cache_size, "core.cache_size");
  if (!limit) return std::unexpected(limit.error());
  settings.cache_limit_bytes = *limit;
  return settings;
}

}  // namespace

storage::StorageSettingsLoader storage_settings_loader() { return load; }

}  // namespace ldb::cli
