// GET /api/dups: the near-duplicate groups of the grid's selection (SPEC
// section 8, the duplicates view of section 10), as `ldb dups --json` finds
// them (app::find_dups), a page of groups at a time: a million objects may
// hold a hundred thousand groups, which the view pages through. The last
// answer is kept, so the next page costs no new search.

#include <algorithm>

#include <fmt/format.h>

#include "server/api.hpp"
#include "server/params.hpp"

namespace ldb::server {

namespace {

constexpr std::size_t k_default_groups = 50;
constexpr std::size_t k_max_groups = 1000;
// A group's members listed (a million blank images are one group): its size
// says how many there are.
constexpr std::size_t k_max_members = 100;

}  // namespace

Reply Api::dups(const Params& params) {
  auto page = page_of(params, k_default_groups, k_max_groups);
  if (!page) return error_reply(page.error());
  if (auto bad = expression_error(params)) return std::move(*bad);
  auto selector = selector_of(params);
  if (!selector) return error_reply(selector.error());
  auto only = ids_of(params);
  if (!only) return error_reply(only.error());
  auto threshold = value_of(params, "threshold");
  if (threshold && threshold->empty()) threshold.reset();
  // A few ids (a view's chip) narrow the selection: the search runs over
  // those of its objects, named by id.
  if (*only) {
    auto refs = selection(params);
    if (!refs) return error_reply(refs.error(), expression_field(params));
    app::Selector narrowed;
    for (const auto& r : **refs) narrowed.objects.push_back("id:" + r.hash.hex());
    if (narrowed.objects.empty()) {  // none of them selected: nothing to search
      narrowed.objects.push_back("ds:root");
      narrowed.filters.push_back({"limit", "0", {}});
    }
    *selector = std::move(narrowed);
  }
  // No threshold is the default: the same groups, the same key.
  const std::string key = fmt::format("{}\x1c{}", selection_key(*selector, std::nullopt),
                                      threshold.value_or(std::to_string(app::default_dup_threshold())));
  std::shared_ptr<const app::DupsResult> result;
  {
    std::lock_guard lock(m_call);
    // The first page searches anew (a page loaded again sees what changed).
    if (m_last_dups.second && m_last_dups.first == key && page->offset != 0) {
      result = m_last_dups.second;
    } else {
      auto found =
          app::find_dups(m_session, {std::move(*selector), std::nullopt, threshold, app::DupsRequest::Paths::no});
      if (!found) return error_reply(found.error(), expression_field(params));
      result = std::make_shared<const app::DupsResult>(std::move(*found));
      m_last_dups = {key, result};
    }
  }
  std::uint64_t members = 0;
  for (const auto& g : result->groups) members += g.size();
  nlohmann::json groups = nlohmann::json::array();
  for (std::size_t i = page->first(result->groups.size()); i < page->last(result->groups.size()); ++i) {
    const auto& group = result->groups[i];
    nlohmann::json listed = nlohmann::json::array();
    for (std::size_t k = 0; k < group.size() && k < k_max_members; ++k) {
      listed.push_back({{"id", group[k].hash.hex()}, {"distance", group[k].distance}});
    }
    groups.push_back({{"size", group.size()}, {"members", std::move(listed)}});
  }
  return json_reply({{"threshold", result->threshold},
                     {"objects", result->objects},
                     {"without_hash", result->without_hash},
                     {"group_count", result->groups.size()},
                     {"member_count", members},
                     {"offset", page->offset},
                     {"groups", std::move(groups)}});
}

}  // namespace ldb::server
