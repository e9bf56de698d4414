#include "app/session.hpp"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "app/detail/config.hpp"
#include "app/detail/session.hpp"
#include "app/instance.hpp"
#include "formats/label_read_back.hpp"
#include "storage/backend_options.hpp"

namespace ldb::app {

namespace detail {

namespace {

Result<long> env_number(const Context& context, const char* name, long fallback) {
  std::string text = context.env.get(name);
  if (text.empty()) return fallback;
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0' || value < 0) {
    return fail(ErrorCode::invalid_argument, fmt::format("${} expects a whole number, got '{}'", name, text),
                fmt::format("for example: export {}=30", name));
  }
  return value;
}

// Where the routing file system gets its settings, when it first needs them:
// the locations registered in the configured instance (none when no instance
// is configured; read through a store of its own, as the loader may run on a
// worker thread); the cache folder from $LDB_CACHE_DIR, else core.cache_dir
// in the instance config, else $XDG_CACHE_HOME/ldb/objects or
// ~/.cache/ldb/objects ("none" turns the cache off); its limit from
// $LDB_CACHE_SIZE, else core.cache_size, else 10G. Request timeouts and
// retries default from $LDB_HTTP_TIMEOUT (seconds) and $LDB_HTTP_RETRIES.
Result<storage::StorageSettings> load_storage_settings(const Context& context) {
  storage::StorageSettings settings;
  settings.env = context.env;
  auto timeout = env_number(context, "LDB_HTTP_TIMEOUT", 30);
  if (!timeout) return std::unexpected(timeout.error());
  auto retries = env_number(context, "LDB_HTTP_RETRIES", 3);
  if (!retries) return std::unexpected(retries.error());
  settings.http.low_speed_seconds = std::max(1L, *timeout);
  settings.http.connect_timeout_ms = std::max(1L, std::min(*timeout, 10L)) * 1000;
  settings.http.attempts = static_cast<int>(*retries) + 1;

  std::string cache_dir;
  std::string cache_size;
  if (auto location = find_instance_location(context)) {
    auto config = read_toml(location->dir / "config");
    if (!config) return std::unexpected(config.error());
    LDB_TRY_ASSIGN(auto store_at, store_config(*config, location->dir, store_options(context)));
    LDB_TRY_ASSIGN(auto store, store::open_store(store_at));
    auto locations = store->storage_locations();
    if (!locations) return std::unexpected(locations.error());
    for (auto& l : *locations) settings.locations.push_back({l.prefix, l.options});
    cache_dir = (*config)["core"]["cache_dir"].value_or(std::string());
    if (auto size = (*config)["core"]["cache_size"].value<std::string>()) cache_size = *size;
    if (auto size = (*config)["core"]["cache_size"].value<std::int64_t>()) cache_size = std::to_string(*size);
  }
  if (auto value = context.env.get("LDB_CACHE_DIR"); !value.empty()) cache_dir = value;
  if (auto value = context.env.get("LDB_CACHE_SIZE"); !value.empty()) cache_size = value;
  if (cache_dir.empty()) {
    std::string base = context.env.get("XDG_CACHE_HOME");
    cache_dir = base.empty() ? (context.home() / ".cache").string() : base;
    cache_dir = (std::filesystem::path(cache_dir) / "ldb" / "objects").string();
  }
  if (cache_dir != "none") settings.cache_dir = cache_dir;
  auto limit = storage::parse_byte_size(cache_size.empty() ? "10G" : cache_size, "core.cache_size");
  if (!limit) return std::unexpected(limit.error());
  settings.cache_limit_bytes = *limit;
  return settings;
}

}  // namespace

SessionState::SessionState(Context c)
    : context(std::move(c)),
      pool(context.threads),
      fs(storage::make_local_file_system(), [this] { return load_storage_settings(context); }) {}

std::string commit_author(const Context& context) {
  if (auto author = context.env.get("LDB_AUTHOR"); !author.empty()) return author;
  if (!context.user.empty()) return context.user;
  if (auto user = context.env.get("USER"); !user.empty()) return user;
  return "unknown";
}

dataset::Context dataset_context(Session& session, Instance& instance) {
  auto& state = session.state();
  dataset::Context ctx{*instance.store, state.fs, state.pool, state.progress(), instance.settings, instance.dir, {}};
  ctx.read_back_labels = formats::read_back_labels;
  ctx.author = commit_author(state.context);
  ctx.program_path = state.context.env.get("PATH");
  ctx.shipped_plugins = state.context.shipped_plugins;
  return ctx;
}

void report(Session& session, dataset::Context& ctx) {
  const auto& context = session.context();
  for (const auto& w : ctx.warnings) {
    if (context.warn) context.warn(w);
  }
  for (const auto& n : ctx.notes) {
    if (context.note) context.note(n);
  }
  ctx.warnings.clear();
  ctx.notes.clear();
}

}  // namespace detail

Session::Session(Context context) : m_state(std::make_unique<detail::SessionState>(std::move(context))) {}
Session::~Session() = default;
const Context& Session::context() const { return m_state->context; }

}  // namespace ldb::app
