// ldb features, dups, embed, project: what ldb sees in images.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/images.hpp"
#include "cli/commands.hpp"
#include "core/json.hpp"

namespace ldb::cli {

namespace {

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string shown_path(const std::string& path) { return core::escape_invalid_utf8(path); }

std::string dump(const nlohmann::json& j) { return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

Status cmd_features(CommandEnv& env, const ParsedArgs& args) {
  auto summary = app::compute_features(env.session, {selector_of(args), args.has("force")});
  if (!summary) return std::unexpected(summary.error());
  if (args.has("json")) {
    auto undecodable = nlohmann::json::array();
    for (const auto& u : summary->undecodable) {
      undecodable.push_back({{"path", shown_path(u.path)}, {"error", u.error}});
    }
    out_line(dump(nlohmann::json{{"selected", summary->selected},
                                 {"not_images", summary->not_images},
                                 {"already", summary->already},
                                 {"computed", summary->computed},
                                 {"undecodable", undecodable}}));
    return {};
  }
  if (env.verbosity.quiet) return {};
  out_line(fmt::format("Images: {} computed, {} had features{}", summary->computed, summary->already,
                       summary->already && !args.has("force") ? " (--force computes them again)" : ""));
  if (summary->not_images) out_line(fmt::format("Not images: {}", summary->not_images));
  if (!summary->undecodable.empty()) {
    out_line(fmt::format("Did not decode: {} (image.error{})", summary->undecodable.size(),
                         env.verbosity.verbose ? "" : "; -v lists them"));
    if (env.verbosity.verbose) {
      for (const auto& u : summary->undecodable) out_line(fmt::format("  {}: {}", shown_path(u.path), u.error));
    }
  }
  return {};
}

Status cmd_dups(CommandEnv& env, const ParsedArgs& args) {
  app::DupsRequest request{selector_of(args), std::nullopt, args.get("threshold")};
  if (args.has("against")) request.against = app::Selector{args.all("against"), {}};
  auto result = app::find_dups(env.session, request);
  if (!result) return std::unexpected(result.error());
  const bool across = request.against.has_value();
  if (args.has("json")) {
    auto member = [](const app::DupMember& m) {
      return nlohmann::json{{"id", "id:" + m.hash.hex()}, {"path", shown_path(m.path)}};
    };
    auto listed = nlohmann::json::array();
    for (const auto& g : result->groups) {
      if (across) {
        listed.push_back({{"left", member(g[0])}, {"right", member(g[1])}, {"distance", g[1].distance}});
        continue;
      }
      auto members = nlohmann::json::array();
      for (const auto& m : g) {
        auto entry = member(m);
        entry["distance"] = m.distance;
        members.push_back(std::move(entry));
      }
      listed.push_back({{"members", std::move(members)}});
    }
    out_line(dump(nlohmann::json{{"threshold", result->threshold},
                                 {"objects", result->objects},
                                 {"without_hash", result->without_hash},
                                 {across ? "pairs" : "groups", listed}}));
    return {};
  }
  bool first = true;
  for (const auto& g : result->groups) {
    if (!first) out_line("");
    first = false;
    for (std::size_t k = 0; k < g.size(); ++k) {
      const auto& m = g[k];
      out_line(k == 0 ? fmt::format("id:{}  {}", m.hash.hex(), shown_path(m.path))
                      : fmt::format("id:{}  {}  (distance {})", m.hash.hex(), shown_path(m.path), m.distance));
    }
  }
  if (!env.verbosity.quiet) {
    std::uint64_t in_groups = 0;
    for (const auto& g : result->groups) in_groups += g.size();
    std::string found = across
                            ? fmt::format("{} straddling the two lists", plural(result->groups.size(), "pair", "pairs"))
                            : fmt::format("{} of {}", plural(result->groups.size(), "group", "groups"),
                                          plural(in_groups, "object", "objects"));
    if (!result->groups.empty()) out_line("");
    out_line(fmt::format(
        "{} among {} (pHash distance <= {}){}", found, plural(result->objects, "object", "objects"), result->threshold,
        result->without_hash ? fmt::format("; {} without a pHash left out (not images, not decodable, or indexed with "
                                           "--no-features: ldb features)",
                                           result->without_hash)
                             : std::string()));
  }
  return {};
}

Status cmd_embed(CommandEnv& env, const ParsedArgs& args) {
  app::EmbedRequest request{selector_of(args), args.get("model").value_or("builtin")};
  auto summary = app::embed(env.session, request);
  if (!summary) return std::unexpected(summary.error());
  if (args.has("json")) {
    out_line(dump(nlohmann::json{{"model", summary->model},
                                 {"selected", summary->selected},
                                 {"already", summary->already},
                                 {"embedded", summary->embedded},
                                 {"skipped", summary->skipped},
                                 {"dimensions", summary->dimensions}}));
    return {};
  }
  if (env.verbosity.quiet) return {};
  out_line(fmt::format("Embedded: {} with model '{}' ({} numbers each), {} had one", summary->embedded, summary->model,
                       summary->dimensions, summary->already));
  if (summary->skipped) {
    out_line(fmt::format("Skipped: {} (not images, or they do not decode)", summary->skipped));
  }
  return {};
}

Status cmd_project(CommandEnv& env, const ParsedArgs& args) {
  app::ProjectRequest request{selector_of(args), args.get("model").value_or("builtin"),
                              args.get("method").value_or("pca")};
  auto summary = app::project(env.session, request);
  if (!summary) return std::unexpected(summary.error());
  if (args.has("json")) {
    auto points = app::projected_points(env.session, request);
    if (!points) return std::unexpected(points.error());
    auto rows = nlohmann::json::array();
    for (const auto& p : *points) rows.push_back({{"id", "id:" + p.hash.hex()}, {"x", p.x}, {"y", p.y}});
    out_line(dump(nlohmann::json{{"model", summary->model},
                                 {"method", summary->method},
                                 {"projected", summary->projected},
                                 {"without_embedding", summary->without_embedding},
                                 {"points", rows}}));
    return {};
  }
  if (env.verbosity.quiet) return {};
  out_line(fmt::format("Projected: {} with {} of model '{}'", plural(summary->projected, "object", "objects"),
                       summary->method, summary->model));
  if (summary->without_embedding) {
    out_line(fmt::format("Without a '{}' embedding: {} (ldb embed -m {} computes them)", summary->model,
                         summary->without_embedding, summary->model));
  }
  return {};
}

}  // namespace ldb::cli
