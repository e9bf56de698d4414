// The embedding view's routes (docs/ui.md "The embedding view"): a
// selection's 2-D points as one binary answer the page uploads to WebGL as it
// is, and pins — a lasso's objects kept under a short key, since a selection
// of a million ids cannot travel in a URL.

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/points.hpp"
#include "server/api.hpp"

namespace ldb::server {

static_assert(std::endian::native == std::endian::little, "the points' arrays are sent as little-endian");

namespace {

// "LDBP" as the answer's first four bytes.
constexpr std::uint32_t k_points_magic = 0x5042444C;

std::optional<std::string> param(const Params& params, std::string_view name) {
  auto it = params.find(name);
  if (it == params.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

template <class T>
void append(std::string& out, const T* data, std::size_t count) {
  out.append(reinterpret_cast<const char*>(data), count * sizeof(T));
}

}  // namespace

// The layout, all little-endian: a header of six uint32 (magic "LDBP",
// points N, objects in the selection, objects without a point, legend
// entries K (0 without a colour key), legend bytes L), then float32 x,y
// (2N), uint32 positions in the selection (N), with a colour key uint16
// categories (N) and zero to two bytes of padding to a multiple of 4, then
// the legend as L bytes of JSON: [{"label", "count"}, ...].
Reply Api::points(const Params& params) {
  app::PointsRequest request;
  if (auto model = param(params, "model")) request.model = *model;
  if (auto method = param(params, "method")) request.method = *method;
  request.color = param(params, "color");
  auto ids = selection(params);
  if (!ids) return error_reply(ids.error());
  const auto& refs = **ids;
  Result<app::SelectionPoints> made = [&] {
    std::lock_guard lock(m_call);
    return app::selection_points(m_session, refs, request);
  }();
  if (!made) return error_reply(made.error(), "color");
  const auto& points = *made;
  const auto n = static_cast<std::uint32_t>(points.positions.size());
  std::string legend;
  if (request.color) {
    auto entries = nlohmann::json::array();
    for (const auto& c : points.legend) entries.push_back({{"label", c.label}, {"count", c.count}});
    legend = entries.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  const std::uint32_t header[6] = {k_points_magic,
                                   n,
                                   static_cast<std::uint32_t>(refs.size()),
                                   static_cast<std::uint32_t>(refs.size() - n),
                                   static_cast<std::uint32_t>(points.legend.size()),
                                   static_cast<std::uint32_t>(legend.size())};
  std::string body;
  body.reserve(sizeof header + n * 14 + 4 + legend.size());
  append(body, header, 6);
  append(body, points.xy.data(), points.xy.size());
  append(body, points.positions.data(), points.positions.size());
  if (request.color) {
    append(body, points.categories.data(), points.categories.size());
    body.append((4 - body.size() % 4) % 4, '\0');
  }
  body += legend;
  return Reply{200, "application/octet-stream", std::move(body), {}};
}

Reply Api::pin(const Params& params, std::string_view body) {
  if (body.size() % 4 != 0) {
    return error_reply(Error{ErrorCode::invalid_argument,
                             fmt::format("a pin's body is uint32 positions, got {} bytes", body.size()),
                             "send the positions of /api/points as a Uint32Array"});
  }
  auto ids = selection(params);
  if (!ids) return error_reply(ids.error());
  const auto& refs = **ids;
  std::vector<core::Md5> hashes(body.size() / 4);
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    std::uint32_t position = 0;
    std::memcpy(&position, body.data() + i * 4, 4);
    if (position >= refs.size()) {
      return error_reply(Error{ErrorCode::invalid_argument,
                               fmt::format("position {} is not in the selection of {} objects", position, refs.size()),
                               "pin positions of the selection the points came from"});
    }
    hashes[i] = refs[position].hash;
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  const std::size_t count = hashes.size();
  std::string key;
  {
    std::lock_guard lock(m_call);
    key = fmt::format("p{}", ++m_pins_made);
    m_pins.emplace_front(key, std::make_shared<const std::vector<core::Md5>>(std::move(hashes)));
    if (m_pins.size() > k_kept_pins) m_pins.pop_back();
  }
  nlohmann::json answer = {{"pin", key}, {"count", count}};
  return Reply{200, "application/json", answer.dump(), {}};
}

Result<Api::Ids> Api::pinned(const Ids& ids, const std::string& key) {
  auto kept = std::find_if(m_pins.begin(), m_pins.end(), [&](const auto& p) { return p.first == key; });
  if (kept == m_pins.end()) {
    return fail(ErrorCode::not_found, fmt::format("the pinned selection '{}' is no longer kept", key),
                fmt::format("select again (the last {} lasso selections are kept while ldb ui runs)", k_kept_pins));
  }
  const auto& pin = *kept->second;
  std::vector<app::ObjectRef> out;
  for (const auto& ref : *ids) {
    if (std::binary_search(pin.begin(), pin.end(), ref.hash)) out.push_back(ref);
  }
  return std::make_shared<const std::vector<app::ObjectRef>>(std::move(out));
}

}  // namespace ldb::server
