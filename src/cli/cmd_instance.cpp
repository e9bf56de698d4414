// ldb init, instance [show] / instance migrate, add-storage, storage list/rm.

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/instance.hpp"
#include "app/migrate.hpp"
#include "app/storage.hpp"
#include "cli/commands.hpp"

namespace ldb::cli {

namespace {

Result<bool> parse_bool(std::string_view flag, std::string_view text) {
  if (text == "true" || text == "yes" || text == "1") return true;
  if (text == "false" || text == "no" || text == "0") return false;
  return fail(ErrorCode::invalid_argument, fmt::format("{} expects true or false, got '{}'", flag, text),
              fmt::format("for example: {} true", flag));
}

Status expect_positional(const ParsedArgs& args, std::size_t n, std::string_view usage) {
  if (args.positional.size() != n) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("expected {} argument{}, got {}", n, n == 1 ? "" : "s", args.positional.size()),
                fmt::format("usage: ldb {}", usage));
  }
  return {};
}

}  // namespace

Status cmd_init(CommandEnv& env, const ParsedArgs& args) {
  LDB_TRY(expect_positional(args, 1, "init [-f] [--store URL] PATH"));
  const auto& context = env.session.context();
  auto dir = context.absolute(args.positional[0]);
  const auto store_url = args.get("store").value_or("");
  LDB_TRY_ASSIGN(auto outcome, app::init_instance(context, dir, args.has("force"), false, store_url));
  if (env.verbosity.quiet) return {};
  if (outcome.joined) {
    out_line(fmt::format("Joined the existing ldb instance in {} ({} objects, {} datasets) at {}", store_url,
                         outcome.objects, outcome.datasets, dir));
  } else {
    out_line(fmt::format("Initialized ldb instance at {}", dir));
  }
  // ~/.ldb/config is written only when absent, as git never rewrites a
  // user's global settings: say when another instance stays in use.
  auto in_use = app::find_instance_location(context);
  if (in_use && in_use->dir != std::filesystem::path(dir)) {
    warn(fmt::format("ldb still uses the instance {} ({}); to use the new one, export LDB_DIR={}{}",
                     in_use->dir.string(), app::describe_source(*in_use), dir,
                     in_use->source == app::InstanceSource::env
                         ? ""
                         : fmt::format(" or set core.ldb_dir = \"{}\" in {}", dir, in_use->config_file.string())));
  }
  return {};
}

namespace {

constexpr std::string_view k_instance_usage =
    "usage: ldb instance [show] [--json] | ldb instance migrate --to postgresql://USER@HOST:PORT/DB [--json]";

// ldb instance migrate --to URL: the instance's SQLite store copied into
// PostgreSQL, verified, and the instance switched over (app/migrate.hpp).
Status instance_migrate(CommandEnv& env, const ParsedArgs& args) {
  auto url = args.get("to");
  if (args.positional.size() != 1 || !url || url->empty()) {
    return fail(ErrorCode::invalid_argument,
                args.positional.size() != 1 ? "ldb instance migrate takes no arguments besides --to URL"
                                            : "ldb instance migrate needs --to URL",
                std::string(k_instance_usage));
  }
  auto done = app::migrate_instance(env.session.context(), *url);
  if (!done) return std::unexpected(done.error());
  if (args.has("json")) {
    auto tables = nlohmann::json::array();
    for (const auto& t : done->tables) tables.push_back({{"table", t.name}, {"rows", t.rows}});
    nlohmann::json out = {{"instance", done->instance_dir.string()},
                          {"store", done->url},
                          {"tables", tables},
                          {"rows", done->rows},
                          {"dataset_versions", done->dataset_versions},
                          {"root_collection", done->root_collection},
                          {"seconds", done->seconds},
                          {"resumed", done->resumed.empty() ? nlohmann::json(nullptr) : nlohmann::json(done->resumed)},
                          {"sqlite_kept_at", done->kept_sqlite.string()}};
    out_line(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return {};
  }
  if (env.verbosity.quiet) return {};
  if (done->resumed == "switched") {
    out_line(
        fmt::format("Instance {} already uses {}; an earlier run was interrupted before setting its SQLite "
                    "file aside",
                    done->instance_dir.string(), done->url));
  } else {
    if (done->resumed == "copied") {
      out_line(
          fmt::format("{} already held a verified copy of this instance (an earlier run was interrupted); "
                      "not copied again",
                      done->url));
    }
    if (env.verbosity.verbose) {
      for (const auto& t : done->tables) out_line(fmt::format("  {:<22} {:>12} rows", t.name, t.rows));
    }
    out_line(fmt::format("Migrated instance {} to {}: {} tables, {} rows, {} dataset versions verified, in {:.1f} s",
                         done->instance_dir.string(), done->url, done->tables.size(), done->rows,
                         done->dataset_versions, done->seconds));
  }
  out_line(
      fmt::format("The SQLite store is kept at {}; nothing uses it any more, delete it when you no longer "
                  "need it",
                  done->kept_sqlite.string()));
  return {};
}

}  // namespace

Status cmd_instance(CommandEnv& env, const ParsedArgs& args) {
  if (!args.positional.empty() && args.positional[0] == "migrate") return instance_migrate(env, args);
  if (args.has("to")) {
    return fail(ErrorCode::invalid_argument, "--to belongs to ldb instance migrate", std::string(k_instance_usage));
  }
  if (args.positional.size() > 1 || (args.positional.size() == 1 && args.positional[0] != "show")) {
    std::string sub = args.positional.empty() ? "" : args.positional[0];
    std::string_view guess = edit_distance(sub, "migrate") < edit_distance(sub, "show") ? "migrate" : "show";
    return fail(ErrorCode::invalid_argument, fmt::format("unknown instance subcommand '{}'", sub),
                edit_distance(sub, guess) <= 2
                    ? fmt::format("did you mean 'ldb instance {}'? {}", guess, k_instance_usage)
                    : std::string(k_instance_usage));
  }
  auto location = app::find_instance_location(env.session.context());
  if (!location) return std::unexpected(location.error());
  const bool exists = app::is_instance_dir(location->dir);
  if (args.has("json")) {
    constexpr std::string_view k_sources[] = {"LDB_DIR", "config", "quickstart"};
    nlohmann::json out = {{"path", location->dir.string()},
                          {"source", k_sources[static_cast<int>(location->source)]},
                          {"reason", app::describe_source(*location)},
                          {"config_file", location->config_file.string()},
                          {"exists", exists}};
    if (location->shadowed) out["config_ldb_dir"] = location->shadowed->string();
    out_line(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return {};
  }
  out_line(fmt::format("Instance: {}", location->dir.string()));
  out_line(fmt::format("Reason:   {}", app::describe_source(*location)));
  if (location->shadowed) {
    out_line(fmt::format("Note:     core.ldb_dir in {} names {}, which LDB_DIR overrides",
                         location->config_file.string(), location->shadowed->string()));
  }
  if (!exists) {
    out_line(fmt::format("Status:   no instance there yet (create it with: ldb init {})", location->dir.string()));
  }
  return {};
}

Status cmd_add_storage(CommandEnv& env, const ParsedArgs& args) {
  LDB_TRY(expect_positional(args, 1, "add-storage [-a true|false] [-o KEY VALUE]... PATH"));
  app::AddStorageRequest request;
  request.path = args.positional[0];
  if (auto ra = args.get("read-add")) {
    auto b = parse_bool("-a", *ra);
    if (!b) return std::unexpected(b.error());
    request.read_add = *b;
  }
  auto opts = args.all("option");
  for (std::size_t i = 0; i + 1 < opts.size(); i += 2) request.options.emplace_back(opts[i], opts[i + 1]);
  request.force = args.has("force");
  auto added = app::add_storage(env.session, request);
  if (!added) return std::unexpected(added.error());
  if (env.verbosity.quiet) return {};
  for (const auto& r : added->replaced) out_line(fmt::format("Replaced nested storage location {}", r));
  out_line(
      fmt::format("Added storage location {}{}", added->location.path, added->location.read_add ? " (read-add)" : ""));
  return {};
}

Status cmd_storage(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb storage needs a subcommand",
                "usage: ldb storage list | ldb storage rm PATH");
  }
  const auto& sub = args.positional[0];
  if (sub == "list" || sub == "ls") {
    auto locations = app::storage_locations(env.session);
    if (!locations) return std::unexpected(locations.error());
    if (args.has("json")) {
      auto arr = nlohmann::json::array();
      for (const auto& l : *locations) {
        nlohmann::json opts = nlohmann::json::object();
        for (const auto& [k, v] : l.options) opts[k] = v;
        arr.push_back({{"path", l.path}, {"read_add", l.read_add}, {"options", opts}});
      }
      out_line(arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return {};
    }
    for (const auto& l : *locations) out_line(fmt::format("{}{}", l.path, l.read_add ? "  (read-add)" : ""));
    return {};
  }
  if (sub == "rm" || sub == "remove") {
    if (args.positional.size() != 2) {
      return fail(ErrorCode::invalid_argument, "ldb storage rm needs one location", "usage: ldb storage rm PATH");
    }
    auto removed = app::remove_storage(env.session, args.positional[1]);
    if (!removed) return std::unexpected(removed.error());
    if (!env.verbosity.quiet) out_line(fmt::format("Removed storage location {}", *removed));
    return {};
  }
  return fail(ErrorCode::invalid_argument, fmt::format("unknown storage subcommand '{}'", sub),
              "usage: ldb storage list | ldb storage rm PATH");
}

}  // namespace ldb::cli
