#pragma once
// Finding, creating and opening an ldb instance, and reading its TOML config.
// An instance is found via $LDB_DIR, else core.ldb_dir in ~/.ldb/config.
// QuickStart: commands that may create one (stage, get) make
// ~/.ldb/private_instance with auto-indexing on when none exists.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <toml++/toml.h>

#include "dataset/context.hpp"
#include "store/store.hpp"

namespace ldb::cli {

struct Instance {
  std::filesystem::path dir;
  std::unique_ptr<store::Store> store;
  dataset::Settings settings;
};

enum class CreateIfMissing { no, yes };

// Why an instance is the one in use.
enum class InstanceSource {
  env,          // $LDB_DIR
  user_config,  // core.ldb_dir in ~/.ldb/config
  quickstart,   // core.ldb_dir in ~/.ldb/config names the private instance ~/.ldb/private_instance
};

struct InstanceLocation {
  std::filesystem::path dir;
  InstanceSource source = InstanceSource::env;
  std::filesystem::path config_file;  // ~/.ldb/config
  // core.ldb_dir in the config when LDB_DIR overrides it with another folder.
  std::optional<std::filesystem::path> shadowed;
};

// The instance to use and why. not_found (with a hint) when none is configured;
// invalid_argument for a config file that is not valid TOML.
Result<InstanceLocation> find_instance_location();

// The reason in words: "LDB_DIR", "core.ldb_dir in /home/u/.ldb/config", ...
std::string describe_source(const InstanceLocation& location);

// The folder of the instance to use. not_found (with a hint) when none is configured.
Result<std::filesystem::path> locate_instance();

// True when `dir` holds an instance (its database file).
bool is_instance_dir(const std::filesystem::path& dir);

// Opens the configured instance; with CreateIfMissing::yes and no instance
// configured, creates the QuickStart private instance first.
Result<Instance> open_instance(CreateIfMissing create);

// Creates an instance in `dir` (ldb init). force replaces an existing instance;
// a non-empty folder that is not an instance is refused. `quickstart` writes a
// config with auto_index and read_any_location on.
Status init_instance(const std::filesystem::path& dir, bool force, bool quickstart);

// Parses the TOML config file `file`; a missing file is an empty table. A
// syntax error is invalid_argument naming the file and line.
Result<toml::table> read_toml(const std::filesystem::path& file);

// ~/.ldb (or $HOME/.ldb).
std::filesystem::path user_config_dir();

}  // namespace ldb::cli
