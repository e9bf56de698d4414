#include "app/migrate.hpp"

#include <chrono>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "app/detail/session.hpp"
#include "app/instance.hpp"
#include "storage/file_system.hpp"
#include "store/factory.hpp"
#include "store/store.hpp"
#ifdef LDB_WITH_POSTGRES
#include "store/migrate.hpp"
#endif

namespace ldb::app {

namespace {

// The config text with `store = URL` in [core]. The line is added to the
// file as it is (after the [core] header, or as a [core] table at the top),
// so the user's comments and layout stay; the result is parsed back, and
// when it does not say what it should (an unusual layout), the config is
// written from its parsed form instead.
Result<std::string> config_naming(const std::filesystem::path& file, std::string_view url) {
  std::string text;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    LDB_TRY_ASSIGN(text, storage::read_local_file(file));
  }
  std::ostringstream value;
  value << toml::value<std::string>(std::string(url));
  std::string line = fmt::format("store = {}\n", value.str());

  std::string edited;
  auto header = text.find("[core]");
  if (header != std::string::npos && (header == 0 || text[header - 1] == '\n')) {
    auto end = text.find('\n', header);
    edited = end == std::string::npos ? text + "\n" + line : text.substr(0, end + 1) + line + text.substr(end + 1);
  } else {
    edited = "[core]\n" + line + (text.empty() ? "" : "\n" + text);
  }
  try {
    auto parsed = toml::parse(edited, file.string());
    if (parsed["core"]["store"].value<std::string>() == std::string(url)) return edited;
  } catch (const toml::parse_error&) {
  }
  LDB_TRY_ASSIGN(auto config, detail::read_toml(file));
  if (!config["core"].is_table()) config.insert_or_assign("core", toml::table{});
  config["core"].as_table()->insert_or_assign("store", std::string(url));
  std::ostringstream out;
  out << config << "\n";
  return out.str();
}

std::string today() {
  auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  std::chrono::year_month_day date{days};
  return fmt::format("{:04}{:02}{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                     static_cast<unsigned>(date.day()));
}

// Renames the instance's SQLite file (and any -wal/-shm beside it, which
// SQLite finds by the main file's name) to ldb.sqlite.migrated-YYYYMMDD, or
// -2, -3... when that is taken. The main file goes last: until it is
// renamed, a second run sees the leftover and finishes.
Result<std::filesystem::path> set_sqlite_aside(const std::filesystem::path& dir) {
  const std::string main_name(store::k_database_file);
  std::string base = fmt::format("{}.migrated-{}", main_name, today());
  std::string name = base;
  std::error_code ec;
  for (int n = 2; std::filesystem::exists(dir / name, ec); ++n) name = fmt::format("{}-{}", base, n);
  for (const auto* suffix : {"-wal", "-shm", ""}) {
    auto from = dir / (main_name + suffix);
    if (!std::filesystem::exists(from, ec)) continue;
    std::filesystem::rename(from, dir / (name + suffix), ec);
    if (ec) {
      return fail(ErrorCode::io,
                  fmt::format("the instance now uses PostgreSQL, but '{}' could not be renamed: {}", from.string(),
                              ec.message()),
                  "nothing uses that file any more; rename or delete it by hand");
    }
  }
  return dir / name;
}

}  // namespace

Result<MigrateOutcome> migrate_instance(const Context& context, std::string_view url) {
  auto started = std::chrono::steady_clock::now();
  LDB_TRY_ASSIGN(auto location, find_instance_location(context));
  const auto& dir = location.dir;
  if (!is_instance_dir(dir)) {
    return fail(ErrorCode::not_found, fmt::format("'{}' is not an ldb instance", dir.string()),
                fmt::format("create one with: ldb init {}", dir.string()));
  }
  if (url.find("://") == std::string_view::npos) {
    return fail(ErrorCode::invalid_argument, fmt::format("--to '{}' is not a store URL", url),
                "write the database's URL: postgresql://USER@HOST:PORT/DB");
  }
  LDB_TRY_ASSIGN(auto target, store::store_config_from(dir, url));
  if (target.backend != store::k_postgres_backend && target.backend != "postgres") {
    // The URL is not echoed: it might carry a password.
    return fail(ErrorCode::invalid_argument,
                fmt::format("--to names the store backend '{}'; ldb instance migrate moves a store to PostgreSQL",
                            target.backend),
                "write the database's URL: postgresql://USER@HOST:PORT/DB");
  }
  LDB_TRY_ASSIGN(auto config, detail::read_toml(dir / "config"));
  LDB_TRY_ASSIGN(auto current, detail::store_config(config, dir));

  MigrateOutcome out;
  out.instance_dir = dir;
  out.url = std::string(url);
  std::error_code ec;
  if (current.backend != store::k_sqlite_backend) {
    // Killed after the config was written: finish by setting the SQLite file aside.
    if (current.url == url && std::filesystem::exists(dir / store::k_database_file, ec)) {
      LDB_TRY_ASSIGN(out.kept_sqlite, set_sqlite_aside(dir));
      out.resumed = "switched";
      out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      return out;
    }
    return fail(ErrorCode::invalid_argument,
                fmt::format("instance '{}' already keeps its store in {}, not in SQLite", dir.string(),
                            current.url.empty() ? current.backend : current.url),
                "ldb instance migrate copies an instance's SQLite store; this one needs no migration");
  }
#ifdef LDB_WITH_POSTGRES
  LDB_TRY_ASSIGN(auto report, store::migrate_sqlite_to_postgres(dir, url, detail::store_options(context).busy_timeout));
  for (const auto& table : report.tables) out.tables.push_back(MigratedTableSummary{table.name, table.rows});
  out.rows = report.rows;
  out.dataset_versions = report.dataset_versions;
  out.root_collection = report.root_collection.hex();
  if (report.already_copied) out.resumed = "copied";
  // The copy is committed and verified: the config names the database from
  // now on (written, then renamed over the old one)...
  LDB_TRY_ASSIGN(auto text, config_naming(dir / "config", url));
  LDB_TRY(storage::write_file_atomic(dir / "config", text));
  // ...and the SQLite file is kept under a name nothing opens.
  LDB_TRY_ASSIGN(out.kept_sqlite, set_sqlite_aside(dir));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
#else
  return fail(ErrorCode::unsupported, "this build of ldb has no PostgreSQL store",
              "use an ldb built with libpq (LDB_WITH_POSTGRES)");
#endif
}

}  // namespace ldb::app
