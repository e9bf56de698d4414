// ldb list, eval, diff: looking at selections.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "app/inspect.hpp"
#include "cli/commands.hpp"
#include "core/json.hpp"

namespace ldb::cli {

namespace {

std::string pretty_json(std::string_view compact) {
  try {
    return nlohmann::json::parse(compact).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const nlohmann::json::exception&) {
    return std::string(compact);
  }
}

std::string dump(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Status cmd_list(CommandEnv& env, const ParsedArgs& args) {
  const bool summary = args.has("summary");
  auto listing = app::list(env.session, {selector_of(args), args.get("target"), !summary});
  if (!listing) return std::unexpected(listing.error());
  if (summary) {
    if (args.has("json")) {
      out_line(dump(nlohmann::json{{"objects", listing->count}}, -1));
    } else {
      out_line(fmt::format("{}", listing->count));
    }
    return {};
  }
  if (args.has("json")) {
    auto arr = nlohmann::json::array();
    for (const auto& row : listing->rows) {
      // Paths that are not UTF-8 read as --file queries see them (\xhh escapes).
      std::vector<std::string> paths;
      for (const auto& path : row.paths) paths.push_back(core::escape_invalid_utf8(path));
      arr.push_back({{"id", "id:" + row.ref.hash.hex()},
                     {"annotation_version", row.ref.annotation_version},
                     {"path", paths.empty() ? "" : paths.front()},
                     {"paths", paths},
                     {"size", row.size},
                     {"tags", row.tags},
                     {"transforms", row.transforms}});
    }
    out_line(dump(arr, 2));
    return {};
  }
  std::string out;
  out += fmt::format("{:<35} {:>6}  {:<40}  {}\n", "Data Object Hash", "Annot.", "Data Object Path", "Transforms");
  for (const auto& row : listing->rows) {
    auto version = row.ref.annotation_version;
    out += fmt::format("id:{} {:>6}  {:<40}  {}\n", row.ref.hash.hex(), version ? fmt::format("{}", version) : "-",
                       row.paths.empty() ? "" : row.paths.front(), fmt::join(row.transforms, ","));
    if (env.verbosity.verbose) {
      for (std::size_t p = 1; p < row.paths.size(); ++p) out += fmt::format("{:<42}  {}\n", "", row.paths[p]);
    }
  }
  fmt::print("{}", out);
  return {};
}

Status cmd_eval(CommandEnv& env, const ParsedArgs& args) {
  auto results = app::eval(env.session, {selector_of(args), args.get("target")});
  if (!results) return std::unexpected(results.error());
  const bool with_ids = args.has("with-ids");
  const bool values_only = args.has("json") && !with_ids;
  std::size_t failed = 0;
  std::string first_error;
  for (const auto& r : *results) {
    if (!r.ok) {
      if (!failed) first_error = r.json;
      ++failed;
      if (with_ids) {
        out_line(dump(nlohmann::json{{"id", "id:" + r.ref.hash.hex()}, {"error", r.json}}, -1));
      } else if (!values_only) {
        out_line(fmt::format("id:{}\nerror: {}", r.ref.hash.hex(), r.json));
      }
      continue;
    }
    if (with_ids) {
      // The value is canonical JSON already: spliced in, not parsed again.
      out_line(fmt::format("{{\"id\":\"id:{}\",\"value\":{}}}", r.ref.hash.hex(), r.json));
    } else if (values_only) {
      out_line(r.json);
    } else {
      out_line(fmt::format("id:{}\n{}", r.ref.hash.hex(), pretty_json(r.json)));
    }
  }
  if (failed) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("the expression could not be evaluated on {} of {} objects: {}", failed, results->size(),
                            first_error),
                "check the expression's functions and argument types");
  }
  return {};
}

Status cmd_diff(CommandEnv& env, const ParsedArgs& args) {
  if (args.has("stats")) return cmd_diff_stats(env, args);
  for (const char* key : {"by", "file-by", "bins", "top"}) {
    if (args.has(key)) {
      return fail(ErrorCode::invalid_argument, fmt::format("ldb diff --{} goes with --stats", key),
                  "for example: ldb diff --stats ds:pets.v1 ds:pets.v2 --by class");
    }
  }
  const bool summary = args.has("summary");
  auto d = app::diff(env.session, {args.positional, args.get("target"), !summary});
  if (!d) return std::unexpected(d.error());
  // Transform changes are shown only when there are some, so that the output
  // of datasets without transforms is what it always was.
  if (summary) {
    if (args.has("json")) {
      nlohmann::json j{{"added", d->added.size()}, {"deleted", d->deleted.size()}, {"modified", d->modified.size()}};
      if (!d->transforms_changed.empty()) j["transforms_changed"] = d->transforms_changed.size();
      out_line(dump(j, -1));
    } else {
      out_line(
          fmt::format("Added: {}\nDeleted: {}\nModified: {}", d->added.size(), d->deleted.size(), d->modified.size()));
      if (!d->transforms_changed.empty()) out_line(fmt::format("Transforms changed: {}", d->transforms_changed.size()));
    }
    return {};
  }
  if (args.has("json")) {
    nlohmann::json j = {{"added", nlohmann::json::array()},
                        {"deleted", nlohmann::json::array()},
                        {"modified", nlohmann::json::array()}};
    for (const auto& e : d->added)
      j["added"].push_back(
          {{"id", "id:" + e.to.hash.hex()}, {"annotation_version", e.to.annotation_version}, {"path", e.path}});
    for (const auto& e : d->deleted)
      j["deleted"].push_back(
          {{"id", "id:" + e.from.hash.hex()}, {"annotation_version", e.from.annotation_version}, {"path", e.path}});
    for (const auto& e : d->modified) {
      j["modified"].push_back({{"id", "id:" + e.from.hash.hex()},
                               {"from_version", e.from.annotation_version},
                               {"to_version", e.to.annotation_version},
                               {"path", e.path}});
    }
    if (!d->transforms_changed.empty()) {
      auto& changed = j["transforms_changed"] = nlohmann::json::array();
      for (const auto& e : d->transforms_changed) {
        changed.push_back(
            {{"id", "id:" + e.to.hash.hex()}, {"from", e.from_transforms}, {"to", e.to_transforms}, {"path", e.path}});
      }
    }
    out_line(dump(j, 2));
    return {};
  }
  std::string out;
  for (const auto& e : d->added)
    out += fmt::format("+ id:{}  v{}  {}\n", e.to.hash.hex(), e.to.annotation_version, e.path);
  for (const auto& e : d->deleted)
    out += fmt::format("- id:{}  v{}  {}\n", e.from.hash.hex(), e.from.annotation_version, e.path);
  for (const auto& e : d->modified) {
    out += fmt::format("m id:{}  v{} -> v{}  {}\n", e.from.hash.hex(), e.from.annotation_version,
                       e.to.annotation_version, e.path);
  }
  for (const auto& e : d->transforms_changed) {
    out += fmt::format("t id:{}  {} -> {}  {}\n", e.to.hash.hex(), fmt::join(e.from_transforms, ","),
                       fmt::join(e.to_transforms, ","), e.path);
  }
  fmt::print("{}", out);
  return {};
}

}  // namespace ldb::cli
