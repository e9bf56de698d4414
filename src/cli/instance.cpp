#include "cli/instance.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/paths.hpp"
#include "storage/file_system.hpp"
#include "store/factory.hpp"

namespace ldb::cli {

namespace {

constexpr std::string_view k_instance_marker = "ldb.sqlite";
constexpr std::string_view k_private_instance = "private_instance";

dataset::Settings read_settings(const toml::table& config) {
  dataset::Settings s;
  s.auto_index = config["core"]["auto_index"].value_or(false);
  s.read_any_location = config["core"]["read_any_location"].value_or(false);
  return s;
}

Status write_user_config_if_absent(const std::filesystem::path& instance_dir) {
  auto dir = user_config_dir();
  auto file = dir / "config";
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) return {};
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", dir.string(), ec.message()),
                "check that your home folder is writable");
  }
  toml::table core{{"ldb_dir", instance_dir.string()}};
  toml::table root{{"core", core}};
  std::ostringstream out;
  out << root << "\n";
  return storage::write_file_atomic(file, out.str());
}

}  // namespace

Result<toml::table> read_toml(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return toml::table{};
  auto text = storage::read_local_file(file);
  if (!text) return std::unexpected(text.error());
  try {
    return toml::parse(*text, file.string());
  } catch (const toml::parse_error& err) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("config file '{}' line {}: {}", file.string(), err.source().begin.line, err.description()),
                "fix the TOML syntax in that file");
  }
}

std::filesystem::path user_config_dir() {
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : "/") / ".ldb";
}

Result<InstanceLocation> find_instance_location() {
  InstanceLocation out;
  out.config_file = user_config_dir() / "config";
  auto config = read_toml(out.config_file);
  std::optional<std::filesystem::path> configured;
  if (config) {
    if (auto dir = (*config)["core"]["ldb_dir"].value<std::string>()) {
      std::string expanded = *dir;
      if (expanded.starts_with("~/")) expanded = (user_config_dir().parent_path() / expanded.substr(2)).string();
      configured = std::filesystem::path(core::normalize_local_path(expanded));
    }
  }
  if (const char* env = std::getenv("LDB_DIR"); env && *env) {
    out.dir = core::normalize_local_path(env);
    out.source = InstanceSource::env;
    if (configured && *configured != out.dir) out.shadowed = configured;
    return out;
  }
  if (!config) return std::unexpected(config.error());
  if (configured) {
    out.dir = *configured;
    out.source = out.dir == std::filesystem::path(core::normalize_local_path((user_config_dir() / k_private_instance).string()))
                     ? InstanceSource::quickstart
                     : InstanceSource::user_config;
    return out;
  }
  return fail(ErrorCode::not_found, "no ldb instance is configured",
              "create one with ldb init <folder>, set LDB_DIR, or start with ldb stage ds:NAME (QuickStart)");
}

std::string describe_source(const InstanceLocation& location) {
  switch (location.source) {
    case InstanceSource::env:
      return "LDB_DIR";
    case InstanceSource::user_config:
      return fmt::format("core.ldb_dir in {}", location.config_file.string());
    case InstanceSource::quickstart:
      return fmt::format("private instance (QuickStart), named by core.ldb_dir in {}", location.config_file.string());
  }
  return "";
}

Result<std::filesystem::path> locate_instance() {
  auto location = find_instance_location();
  if (!location) return std::unexpected(location.error());
  return std::move(location->dir);
}

bool is_instance_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir / k_instance_marker, ec);
}

Status init_instance(const std::filesystem::path& dir, bool force, bool quickstart) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    if (!std::filesystem::is_directory(dir, ec)) {
      return fail(ErrorCode::already_exists, fmt::format("'{}' exists and is not a folder", dir.string()),
                  "choose another path for the instance");
    }
    bool is_instance = std::filesystem::exists(dir / k_instance_marker, ec);
    bool empty = std::filesystem::is_empty(dir, ec);
    if (is_instance && !force) {
      return fail(ErrorCode::already_exists, fmt::format("'{}' is already an ldb instance", dir.string()),
                  "use ldb init -f to replace it (its index and datasets are lost)");
    }
    if (!is_instance && !empty) {
      return fail(ErrorCode::already_exists, fmt::format("'{}' is not empty and is not an ldb instance", dir.string()),
                  "choose an empty or new folder");
    }
    if (is_instance) {
      // -f: replace the old instance. Build the new one beside it, then swap.
      for (const auto& name : {"ldb.sqlite", "ldb.sqlite-wal", "ldb.sqlite-shm", "config"}) {
        std::filesystem::remove(dir / name, ec);
      }
    }
  }
  std::filesystem::create_directories(dir / "custom_code" / "ldb_user_filters", ec);
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot create instance folder '{}': {}", dir.string(), ec.message()),
                "check the permissions of the parent folder");
  }
  toml::table core{{"auto_index", quickstart}, {"read_any_location", quickstart}};
  toml::table root{{"core", core}};
  std::ostringstream config;
  config << root << "\n";
  LDB_TRY(storage::write_file_atomic(dir / "config", config.str()));
  auto store = store::create_store(
      store::sqlite_store_config(dir, {store::busy_timeout_from_text(std::getenv("LDB_BUSY_TIMEOUT_MS"))}));
  if (!store) return std::unexpected(store.error());
  return write_user_config_if_absent(dir);
}

Result<Instance> open_instance(CreateIfMissing create) {
  auto dir = locate_instance();
  if (!dir) {
    if (create == CreateIfMissing::no || dir.error().code != ErrorCode::not_found) return std::unexpected(dir.error());
    auto quick = user_config_dir() / k_private_instance;
    std::error_code ec;
    if (!std::filesystem::exists(quick / k_instance_marker, ec)) LDB_TRY(init_instance(quick, false, true));
    else LDB_TRY(write_user_config_if_absent(quick));
    dir = quick;
  } else if (create == CreateIfMissing::yes) {
    std::error_code ec;
    if (!std::filesystem::exists(*dir / k_instance_marker, ec) &&
        (!std::filesystem::exists(*dir, ec) || std::filesystem::is_empty(*dir, ec))) {
      LDB_TRY(init_instance(*dir, false, true));
    }
  }
  auto store = store::open_store(
      store::sqlite_store_config(*dir, {store::busy_timeout_from_text(std::getenv("LDB_BUSY_TIMEOUT_MS"))}));
  if (!store) return std::unexpected(store.error());
  auto config = read_toml(*dir / "config");
  if (!config) return std::unexpected(config.error());
  return Instance{*dir, std::move(*store), read_settings(*config)};
}

}  // namespace ldb::cli
