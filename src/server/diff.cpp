// GET /api/diff: what changed between two dataset versions (the diff view of
// SPEC section 10), as `ldb diff --json` finds it (app::diff): the objects
// added, removed (ldb diff's "deleted") and changed (another annotation
// version, its "modified"), a page of ids each. A diff of two numbered
// versions never changes, so the last one is kept for the next page.

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "app/workspace.hpp"
#include "server/api.hpp"
#include "server/params.hpp"

namespace ldb::server {

namespace {

constexpr std::size_t k_default_ids = 200;
constexpr std::size_t k_max_ids_page = 5000;
constexpr std::string_view k_workspace = "workspace";
constexpr std::array<std::string_view, 3> k_sections = {"added", "removed", "changed"};

// A side the UI compares: a dataset version (ds:...) or the workspace the
// server runs in. Nothing that names a file.
Status check_side(std::string_view name, const std::string& side) {
  if (side.starts_with("ds:") || side == k_workspace) return {};
  return fail(ErrorCode::invalid_argument, fmt::format("the diff view does not compare '{}' ({}=)", side, name),
              "compare ds:NAME.vN (or ds:NAME, its latest version) or 'workspace'");
}

// ds:NAME.vN: a version no commit changes.
bool fixed_version(const std::string& side) {
  auto dot = side.rfind(".v");
  return side.starts_with("ds:") && dot != std::string::npos && dot + 2 < side.size() &&
         std::all_of(side.begin() + static_cast<std::ptrdiff_t>(dot) + 2, side.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Reply Api::diff(const Params& params) {
  auto page = page_of(params, k_default_ids, k_max_ids_page);
  if (!page) return error_reply(page.error());
  auto section = value_of(params, "section").value_or("");
  if (!section.empty() && std::find(k_sections.begin(), k_sections.end(), section) == k_sections.end()) {
    return error_reply(Error{ErrorCode::invalid_argument, fmt::format("no diff section '{}'", section),
                             "section= is added, removed or changed (or absent: all three)"});
  }
  std::string a = value_of(params, "a").value_or("");
  std::string b = value_of(params, "b").value_or("");
  const std::string dataset = value_of(params, "dataset").value_or("");
  for (auto [name, side] : {std::pair<std::string_view, const std::string&>{"a", a}, {"b", b}, {"dataset", dataset}}) {
    if (side.empty()) continue;
    if (auto ok = check_side(name, side); !ok) return error_reply(ok.error());
  }
  if ((a.empty() && !b.empty()) || a == k_workspace) {
    return error_reply(Error{ErrorCode::invalid_argument, "a= must name the dataset version to compare b= with",
                             "for example: a=ds:pets.v1&b=ds:pets.v2 (or b=workspace)"});
  }
  std::shared_ptr<const app::DiffResult> result;
  {
    std::lock_guard lock(m_call);
    // dataset=ds:NAME[.vN] alone: that version (the latest) against the one before it.
    if (a.empty() && dataset.starts_with("ds:")) {
      auto latest = app::dataset_status(m_session, dataset);
      if (!latest) return error_reply(latest.error());
      if (latest->version < 2) {
        return error_reply(
            Error{ErrorCode::invalid_argument,
                  fmt::format("ds:{}.v1 is the first version: none before it to compare with", latest->name),
                  fmt::format("commit another version, or compare it with the workspace: "
                              "a=ds:{}.v1&b=workspace",
                              latest->name)});
      }
      a = fmt::format("ds:{}.v{}", latest->name, latest->version - 1);
      b = fmt::format("ds:{}.v{}", latest->name, latest->version);
    }
    app::DiffRequest request{{}, std::nullopt, false};
    if (!a.empty()) request.sides.push_back(a);
    if (!b.empty() && b != k_workspace) request.sides.push_back(b);
    const std::string key = fmt::format("{}\x1f{}", a, b);
    const bool fixed = fixed_version(a) && fixed_version(b);
    if (fixed && m_last_diff.second && m_last_diff.first == key) {
      result = m_last_diff.second;
    } else {
      auto found = app::diff(m_session, request);
      if (!found) return error_reply(found.error());
      result = std::make_shared<const app::DiffResult>(std::move(*found));
      if (fixed) m_last_diff = {key, result};
    }
  }
  auto listed = [&](const std::vector<app::DiffEntry>& entries, bool from) {
    nlohmann::json ids = nlohmann::json::array();
    for (std::size_t i = page->first(entries.size()); i < page->last(entries.size()); ++i) {
      ids.push_back((from ? entries[i].from : entries[i].to).hash.hex());
    }
    return nlohmann::json{{"count", entries.size()}, {"ids", std::move(ids)}};
  };
  // a "" is the version the workspace was staged from.
  nlohmann::json out = {{"a", a},
                        {"b", b.empty() ? std::string(k_workspace) : b},
                        {"offset", page->offset},
                        {"transforms_changed", result->transforms_changed.size()}};
  if (section.empty() || section == "added") out["added"] = listed(result->added, false);
  if (section.empty() || section == "removed") out["removed"] = listed(result->deleted, true);
  if (section.empty() || section == "changed") {
    auto changed = listed(result->modified, true);
    nlohmann::json versions = nlohmann::json::array();
    for (std::size_t i = page->first(result->modified.size()); i < page->last(result->modified.size()); ++i) {
      versions.push_back({result->modified[i].from.annotation_version, result->modified[i].to.annotation_version});
    }
    changed["versions"] = std::move(versions);
    out["changed"] = std::move(changed);
  }
  return json_reply(out);
}

}  // namespace ldb::server
