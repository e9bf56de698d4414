// ldb init, instance [show], add-storage, storage list/rm.

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/paths.hpp"
#include "storage/routing_file_system.hpp"
#include "storage/url.hpp"

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
  LDB_TRY(expect_positional(args, 1, "init [-f] PATH"));
  auto dir = core::normalize_local_path(args.positional[0]);
  LDB_TRY(init_instance(dir, args.has("force"), false));
  if (env.verbosity.quiet) return {};
  out_line(fmt::format("Initialized ldb instance at {}", dir));
  // ~/.ldb/config is written only when absent, as git never rewrites a
  // user's global settings: say when another instance stays in use.
  auto in_use = find_instance_location();
  if (in_use && in_use->dir != std::filesystem::path(dir)) {
    warn(fmt::format("ldb still uses the instance {} ({}); to use the new one, export LDB_DIR={}{}",
                     in_use->dir.string(), describe_source(*in_use), dir,
                     in_use->source == InstanceSource::env
                         ? ""
                         : fmt::format(" or set core.ldb_dir = \"{}\" in {}", dir, in_use->config_file.string())));
  }
  return {};
}

Status cmd_instance(CommandEnv& env, const ParsedArgs& args) {
  (void)env;
  constexpr std::string_view k_usage = "usage: ldb instance [show] [--json]";
  if (args.positional.size() > 1 || (args.positional.size() == 1 && args.positional[0] != "show")) {
    std::string sub = args.positional.empty() ? "" : args.positional[0];
    return fail(ErrorCode::invalid_argument, fmt::format("unknown instance subcommand '{}'", sub),
                edit_distance(sub, "show") <= 2 ? fmt::format("did you mean 'ldb instance show'? {}", k_usage)
                                                : std::string(k_usage));
  }
  auto location = find_instance_location();
  if (!location) return std::unexpected(location.error());
  const bool exists = is_instance_dir(location->dir);
  if (args.has("json")) {
    constexpr std::string_view k_sources[] = {"LDB_DIR", "config", "quickstart"};
    nlohmann::json out = {{"path", location->dir.string()},
                          {"source", k_sources[static_cast<int>(location->source)]},
                          {"reason", describe_source(*location)},
                          {"config_file", location->config_file.string()},
                          {"exists", exists}};
    if (location->shadowed) out["config_ldb_dir"] = location->shadowed->string();
    out_line(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return {};
  }
  out_line(fmt::format("Instance: {}", location->dir.string()));
  out_line(fmt::format("Reason:   {}", describe_source(*location)));
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
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  std::string raw = args.positional[0];
  store::StorageLocation location;
  location.prefix = storage::normalize_storage_path(raw);
  if (auto ra = args.get("read-add")) {
    auto b = parse_bool("-a", *ra);
    if (!b) return std::unexpected(b.error());
    location.read_add = *b;
  }
  auto opts = args.all("option");
  for (std::size_t i = 0; i + 1 < opts.size(); i += 2) location.options.emplace_back(opts[i], opts[i + 1]);
  if (location.read_add && (core::protocol_of(location.prefix) == "https" || core::protocol_of(location.prefix) == "http")) {
    return fail(ErrorCode::unsupported,
                fmt::format("'{}' cannot be the read-add location: ldb cannot write to an http(s) location", location.prefix),
                "register it without -a, and make a local folder or a bucket the read-add location");
  }
  // It must be listable and readable, through a backend made with the new
  // location's own options (secrets among them are refused there). Only its
  // top is listed: walking all of a large location (or of `/`, through /proc)
  // is the work of `ldb index`, not of this check.
  auto backend = storage::make_backend(location.prefix, location.options, storage::HttpSettings{});
  if (!backend) return std::unexpected(backend.error());
  auto listed = (*backend)->list_top(location.prefix);
  if (!listed) return std::unexpected(listed.error());
  if (!listed->empty()) {
    // Read a sample (the smallest file) so that an unreadable location is refused now.
    auto smallest = std::min_element(listed->begin(), listed->end(),
                                     [](const storage::FileInfo& a, const storage::FileInfo& b) { return a.size < b.size; });
    auto sample = (*backend)->read(smallest->path);
    if (!sample) {
      return fail(ErrorCode::io, fmt::format("cannot read '{}' in '{}': {}", smallest->path, location.prefix,
                                             sample.error().message),
                  "check the permissions (or credentials) of the storage location");
    }
  }
  const bool force = args.has("force");
  auto existing = instance->store->storage_locations();
  if (!existing) return std::unexpected(existing.error());
  std::vector<std::string> replaced;
  const store::StorageLocation* other_read_add = nullptr;
  for (const auto& loc : *existing) {
    if (loc.prefix == location.prefix) {
      // Re-registering a location changes its read-add mark or options.
      if (!args.has("read-add") && opts.empty()) {
        return fail(ErrorCode::already_exists, fmt::format("storage location '{}' is already registered", loc.prefix),
                    "see them with: ldb storage list; change its read-add mark with: ldb add-storage -a true|false PATH");
      }
      if (!args.has("read-add")) location.read_add = loc.read_add;
      continue;
    }
    if (core::path_is_within(location.prefix, loc.prefix)) {
      return fail(ErrorCode::conflict,
                  fmt::format("'{}' is inside the registered storage location '{}'", location.prefix, loc.prefix),
                  "it is already covered; nothing to do");
    }
    if (core::path_is_within(loc.prefix, location.prefix)) {
      if (!force) {
        return fail(ErrorCode::conflict,
                    fmt::format("'{}' contains the registered storage location '{}'", location.prefix, loc.prefix),
                    "pass -f to replace the nested location with this one");
      }
      replaced.push_back(loc.prefix);
      continue;
    }
    if (loc.read_add) other_read_add = &loc;
  }
  // At most one read-add location; -f moves the mark (the other stays registered, read-only).
  if (location.read_add && other_read_add && !force) {
    return fail(ErrorCode::conflict, fmt::format("'{}' is already the read-add location", other_read_add->prefix),
                "there can be only one: pass -f to make this one the read-add location instead (the other stays "
                "registered, read-only)");
  }
  LDB_TRY(instance->store->put_storage_location(location, replaced));
  for (const auto& r : replaced) {
    if (!env.verbosity.quiet) out_line(fmt::format("Replaced nested storage location {}", r));
  }
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Added storage location {}{}", location.prefix, location.read_add ? " (read-add)" : ""));
  }
  return {};
}

Status cmd_storage(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb storage needs a subcommand", "usage: ldb storage list | ldb storage rm PATH");
  }
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  const auto& sub = args.positional[0];
  if (sub == "list" || sub == "ls") {
    auto locations = instance->store->storage_locations();
    if (!locations) return std::unexpected(locations.error());
    if (args.has("json")) {
      auto arr = nlohmann::json::array();
      for (const auto& l : *locations) {
        nlohmann::json opts = nlohmann::json::object();
        for (const auto& [k, v] : l.options) opts[k] = v;
        arr.push_back({{"path", l.prefix}, {"read_add", l.read_add}, {"options", opts}});
      }
      out_line(arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return {};
    }
    for (const auto& l : *locations) out_line(fmt::format("{}{}", l.prefix, l.read_add ? "  (read-add)" : ""));
    return {};
  }
  if (sub == "rm" || sub == "remove") {
    if (args.positional.size() != 2) {
      return fail(ErrorCode::invalid_argument, "ldb storage rm needs one location", "usage: ldb storage rm PATH");
    }
    auto prefix = storage::normalize_storage_path(args.positional[1]);
    auto removed = instance->store->remove_storage_location(prefix);
    if (!removed) {
      if (removed.error().code != ErrorCode::not_found) return removed;
      // A path inside a registered location: name the location to remove.
      auto locations = instance->store->storage_locations();
      if (!locations) return std::unexpected(locations.error());
      for (const auto& l : *locations) {
        if (core::path_is_within(prefix, l.prefix)) {
          return fail(ErrorCode::not_found,
                      fmt::format("'{}' is not a registered storage location; it is inside '{}'", prefix, l.prefix),
                      fmt::format("to remove that location: ldb storage rm {}", l.prefix));
        }
      }
      return removed;
    }
    if (!env.verbosity.quiet) out_line(fmt::format("Removed storage location {}", prefix));
    return {};
  }
  return fail(ErrorCode::invalid_argument, fmt::format("unknown storage subcommand '{}'", sub),
              "usage: ldb storage list | ldb storage rm PATH");
}

}  // namespace ldb::cli
