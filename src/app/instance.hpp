#pragma once
// Finding and creating an ldb instance. An instance is found via $LDB_DIR,
// else core.ldb_dir in ~/.ldb/config. QuickStart: commands that may create
// one (stage, get) make ~/.ldb/private_instance with auto-indexing on when
// none exists. The store behind an instance is made by the store factory
// (store/factory.hpp).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "app/context.hpp"
#include "app/session.hpp"
#include "core/error.hpp"

namespace ldb::app {

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
Result<InstanceLocation> find_instance_location(const Context& context);

// The reason in words: "LDB_DIR", "core.ldb_dir in /home/u/.ldb/config", ...
std::string describe_source(const InstanceLocation& location);

// True when `dir` holds an instance.
bool is_instance_dir(const std::filesystem::path& dir);

// What init_instance did: made a new instance, or joined an existing one.
struct InitOutcome {
  // The database `store_url` names already held an instance: the folder now
  // names it (as git clone gives a second machine the team's repository).
  bool joined = false;
  // When joined: what the instance holds.
  std::uint64_t objects = 0;
  std::uint64_t datasets = 0;
};

// Creates an instance in `dir` (ldb init; relative to the context's cwd).
// force replaces an existing instance folder; a non-empty folder that is not
// an instance is refused. `quickstart` writes a config with auto_index and
// read_any_location on. The first instance made is written to ~/.ldb/config
// as core.ldb_dir. `store_url` (e.g. postgresql://USER@HOST:PORT/DB) puts
// the instance's store in that database instead of SQLite in `dir`: the store
// is created there first, then the config naming it is written (never a
// password: a URL carrying one is refused). When that database already holds
// an instance, the folder joins it: it is read, never changed (force does
// not drop a team's data), and only the folder's config is written.
Result<InitOutcome> init_instance(const Context& context, const std::filesystem::path& dir, bool force, bool quickstart,
                                  std::string_view store_url = {});

// Opens the session's instance, found as find_instance_location() finds it
// (none is created), and returns its folder: for front ends that keep a
// Session and want a missing or broken instance reported at once. Errors as
// find_instance_location(), and those of opening the store.
Result<std::filesystem::path> open_instance(Session& session);

// ~/.ldb (or $HOME/.ldb).
std::filesystem::path user_config_dir(const Context& context);

}  // namespace ldb::app
