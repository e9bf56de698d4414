#include "app/instance.hpp"

#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "app/detail/config.hpp"
#include "app/detail/session.hpp"
#include "core/paths.hpp"
#include "storage/file_system.hpp"

namespace ldb::app {

namespace {

constexpr std::string_view k_private_instance = "private_instance";

// The [TABLE.NAME] run = ["program", ...] plugin declarations of the config.
Result<std::map<std::string, std::vector<std::string>>> plugin_declarations(const toml::table& config,
                                                                            std::string_view table) {
  std::map<std::string, std::vector<std::string>> out;
  const auto* declared = config[table].as_table();
  if (!declared) return out;
  for (const auto& [name, entry] : *declared) {
    std::vector<std::string> run;
    const auto* words = entry.is_table() ? entry.as_table()->get_as<toml::array>("run") : nullptr;
    if (words) {
      for (const auto& word : *words) {
        if (!word.is_string()) {
          run.clear();
          break;
        }
        run.push_back(word.as_string()->get());
      }
    }
    if (run.empty()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("the instance config's [{}.{}] has no run = [\"program\", ...] (a list of strings)",
                              table, name.str()),
                  fmt::format("for example: [{}.{}] run = [\"/usr/bin/python3\", \"model.py\"]", table, name.str()));
    }
    out.emplace(std::string(name.str()), std::move(run));
  }
  return out;
}

Result<dataset::Settings> read_settings(const toml::table& config) {
  dataset::Settings s;
  s.auto_index = config["core"]["auto_index"].value_or(false);
  s.read_any_location = config["core"]["read_any_location"].value_or(false);
  LDB_TRY_ASSIGN(s.embedding_models, plugin_declarations(config, "embedding"));
  LDB_TRY_ASSIGN(s.projection_methods, plugin_declarations(config, "projection"));
  return s;
}

Status write_user_config_if_absent(const Context& context, const std::filesystem::path& instance_dir) {
  auto dir = user_config_dir(context);
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

namespace detail {

store::StoreOptions store_options(const Context& context) {
  auto timeout = context.env.get("LDB_BUSY_TIMEOUT_MS");
  return store::StoreOptions{store::busy_timeout_from_text(timeout.empty() ? nullptr : timeout.c_str())};
}

Result<store::StoreConfig> store_config(const toml::table& config, const std::filesystem::path& dir,
                                        store::StoreOptions options) {
  return store::store_config_from(dir, config["core"]["store"].value_or(std::string()), options);
}

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

}  // namespace detail

std::filesystem::path user_config_dir(const Context& context) { return context.home() / ".ldb"; }

Result<InstanceLocation> find_instance_location(const Context& context) {
  InstanceLocation out;
  out.config_file = user_config_dir(context) / "config";
  auto config = detail::read_toml(out.config_file);
  std::optional<std::filesystem::path> configured;
  if (config) {
    if (auto dir = (*config)["core"]["ldb_dir"].value<std::string>()) {
      std::string expanded = *dir;
      if (expanded.starts_with("~/")) expanded = (context.home() / expanded.substr(2)).string();
      configured = std::filesystem::path(context.absolute(expanded));
    }
  }
  if (auto env = context.env.get("LDB_DIR"); !env.empty()) {
    out.dir = context.absolute(env);
    out.source = InstanceSource::env;
    if (configured && *configured != out.dir) out.shadowed = configured;
    return out;
  }
  if (!config) return std::unexpected(config.error());
  if (configured) {
    out.dir = *configured;
    out.source =
        out.dir == std::filesystem::path(context.absolute((user_config_dir(context) / k_private_instance).string()))
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

bool is_instance_dir(const std::filesystem::path& dir) {
  // The store its config names (SQLite's database file in the folder when
  // it names none) exists.
  auto config = detail::read_toml(dir / "config");
  auto store = config ? detail::store_config(*config, dir) : store::sqlite_store_config(dir);
  if (!store) return false;
  auto holds = store::holds_store(*store);
  return holds && *holds;
}

namespace {

// Opens the instance a server database already holds, for reading only (a
// folder joining it changes nothing there), and counts what it holds.
Result<InitOutcome> join_instance(store::StoreConfig at) {
  at.options.access = store::Access::read_only;
  LDB_TRY_ASSIGN(auto store, store::open_store(at));
  LDB_TRY_ASSIGN(auto objects, store->root_collection());
  LDB_TRY_ASSIGN(auto datasets, store->datasets());
  return InitOutcome{true, objects.size(), datasets.size()};
}

}  // namespace

Result<InitOutcome> init_instance(const Context& context, const std::filesystem::path& relative_dir, bool force,
                                  bool quickstart, std::string_view store_url) {
  const std::filesystem::path dir = context.absolute(relative_dir.string());
  std::error_code ec;
  InitOutcome outcome;
  // A server store is checked and created (or joined) before anything is
  // written here: an unreachable server or a refused login leaves no folder.
  if (!store_url.empty()) {
    if (store_url.find("://") == std::string_view::npos) {
      return fail(ErrorCode::invalid_argument, fmt::format("--store '{}' is not a store URL", store_url),
                  "write the database's URL, e.g. postgresql://USER@HOST:PORT/DB");
    }
    LDB_TRY_ASSIGN(auto at, store::store_config_from(dir, store_url, detail::store_options(context)));
    auto created = store::create_store(at);
    if (!created && created.error().code == ErrorCode::already_exists) {
      LDB_TRY_ASSIGN(outcome, join_instance(at));
    } else if (!created) {
      return std::unexpected(created.error());
    }
  }
  if (std::filesystem::exists(dir, ec)) {
    if (!std::filesystem::is_directory(dir, ec)) {
      return fail(ErrorCode::already_exists, fmt::format("'{}' exists and is not a folder", dir.string()),
                  "choose another path for the instance");
    }
    bool is_instance = is_instance_dir(dir);
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
      // -f: the old instance's database and config are removed first, then
      // the new ones written; an init -f that is interrupted leaves a folder
      // that the next init (with or without -f) makes an instance again.
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
  if (!store_url.empty()) core.insert("store", std::string(store_url));
  toml::table root{{"core", core}};
  std::ostringstream config;
  config << root << "\n";
  LDB_TRY(storage::write_file_atomic(dir / "config", config.str()));
  if (store_url.empty()) {
    // SQLite, in the instance folder: its config names no other store.
    auto store = store::create_store(store::sqlite_store_config(dir, detail::store_options(context)));
    if (!store) return std::unexpected(store.error());
  }
  LDB_TRY(write_user_config_if_absent(context, dir));
  return outcome;
}

namespace detail {

Result<Instance*> instance(Session& session, CreateIfMissing create) {
  auto& state = session.state();
  if (state.instance) return &*state.instance;
  const Context& context = state.context;
  auto location = find_instance_location(context);
  std::filesystem::path dir;
  if (!location) {
    if (create == CreateIfMissing::no || location.error().code != ErrorCode::not_found) {
      return std::unexpected(location.error());
    }
    dir = user_config_dir(context) / k_private_instance;
    if (!is_instance_dir(dir))
      LDB_TRY(init_instance(context, dir, false, true));
    else
      LDB_TRY(write_user_config_if_absent(context, dir));
  } else {
    dir = location->dir;
    std::error_code ec;
    if (create == CreateIfMissing::yes && !is_instance_dir(dir) &&
        (!std::filesystem::exists(dir, ec) || std::filesystem::is_empty(dir, ec))) {
      LDB_TRY(init_instance(context, dir, false, true));
    }
  }
  // The config is read once: it names the store and holds the settings.
  LDB_TRY_ASSIGN(auto config, read_toml(dir / "config"));
  LDB_TRY_ASSIGN(auto store_at, store_config(config, dir, store_options(context)));
  LDB_TRY_ASSIGN(auto store, store::open_store(store_at));
  LDB_TRY_ASSIGN(auto settings, read_settings(config));
  state.instance = Instance{dir, std::move(store), std::move(settings)};
  return &*state.instance;
}

}  // namespace detail

Result<std::filesystem::path> open_instance(Session& session) {
  LDB_TRY_ASSIGN(auto* instance, detail::instance(session));
  return instance->dir;
}

}  // namespace ldb::app
