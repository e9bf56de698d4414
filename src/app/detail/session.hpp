#pragma once
// Inside a Session (src/app only): the pool, the routing file system and the
// open instance, and the dataset::Context the lower layers take.

#include <filesystem>
#include <memory>
#include <optional>

#include "app/detail/config.hpp"
#include "app/session.hpp"
#include "core/thread_pool.hpp"
#include "dataset/context.hpp"
#include "storage/routing_file_system.hpp"
#include "store/factory.hpp"
#include "store/store.hpp"

namespace ldb::app::detail {

struct Instance {
  std::filesystem::path dir;
  std::unique_ptr<store::Store> store;
  dataset::Settings settings;
};

enum class CreateIfMissing { no, yes };

// The store of the instance in `dir` as the store factory takes it, from its
// parsed config (detail/config.hpp): the backend `[core] store` names (unset:
// SQLite in the folder). invalid_argument for a malformed store setting.
Result<store::StoreConfig> store_config(const toml::table& config, const std::filesystem::path& dir,
                                        store::StoreOptions options = {});

// How the front end wants stores opened: the busy timeout from $LDB_BUSY_TIMEOUT_MS.
store::StoreOptions store_options(const Context& context);

struct SessionState {
  explicit SessionState(Context c);

  Context context;
  core::NullProgress no_progress;
  core::ThreadPool pool;
  storage::RoutingFileSystem fs;
  std::optional<Instance> instance;

  core::Progress& progress() { return context.progress ? *context.progress : no_progress; }
};

// The session's instance, opened (and, with CreateIfMissing::yes and none
// configured, the QuickStart private instance created) on first use.
Result<Instance*> instance(Session& session, CreateIfMissing create = CreateIfMissing::no);

// A dataset::Context over the session's open instance. Its warnings and notes
// go to the front end through report().
dataset::Context dataset_context(Session& session, Instance& instance);

// The author recorded on commits: $LDB_AUTHOR, else the login name, else $USER.
std::string commit_author(const Context& context);

// Hands ctx's warnings and notes to the Context's warn/note callbacks and
// clears them.
void report(Session& session, dataset::Context& ctx);

}  // namespace ldb::app::detail
