#pragma once
// Finding, creating and opening an ldb instance, and reading its TOML config.
// An instance is found via $LDB_DIR, else core.ldb_dir in ~/.ldb/config.
// QuickStart: commands that may create one (stage, get) make
// ~/.ldb/private_instance with auto-indexing on when none exists.

#include <filesystem>
#include <memory>

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

// The folder of the instance to use. not_found (with a hint) when none is configured.
Result<std::filesystem::path> locate_instance();

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
