#pragma once
// Reading a request's parameters, shared by the route files (api.cpp and one
// file per view): numbers, the grid's selection (objects and filters) and
// the `ids` list a view sets to narrow the grid to a few objects.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/selection.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "server/api.hpp"

namespace ldb::server {

// At most this many ids in `ids=` (a URL holds about 8 KB: 33 bytes an id).
inline constexpr std::size_t k_max_ids = 200;

// A 200 reply with `value` as compact JSON.
Reply json_reply(const nlohmann::json& value);

// `name` as a whole number 0..max (fallback when absent or empty);
// invalid_argument naming the parameter otherwise.
Result<std::size_t> number_param(const Params& params, std::string_view name, std::size_t fallback, std::size_t max);

// A page of a list: offset= (default 0) and limit= (default `fallback`, at
// most `max`); invalid_argument naming the parameter otherwise.
struct Page {
  std::size_t offset = 0;
  std::size_t limit = 0;
  // The positions of a list of `size` on this page: [first, last).
  std::size_t first(std::size_t size) const { return std::min(offset, size); }
  std::size_t last(std::size_t size) const { return std::min(size, offset + std::min(limit, size)); }
};
Result<Page> page_of(const Params& params, std::size_t fallback, std::size_t max);

// The grid's objects (only ds: and id: identifiers; none: ds:root) and
// filters (tag, no-tag, path, file, query, jquery, dedup) as a Selector.
Result<app::Selector> selector_of(const Params& params);

// `ids=HEX,HEX,…` (each 32 hex digits, "id:" allowed; the parameter may
// repeat): the objects a view narrows the selection to, sorted and unique,
// or nothing when absent. invalid_argument for anything else or more than
// k_max_ids.
Result<std::optional<std::vector<core::Md5>>> ids_of(const Params& params);

// A text that names the selection of (selector, ids) exactly, to find it
// among the selections kept.
std::string selection_key(const app::Selector& selector, const std::optional<std::vector<core::Md5>>& ids);

// The one expression parameter a request carries ("query", "file" or
// "jquery"), for the caret of a syntax error; nothing when it has several.
std::optional<std::string> expression_field(const Params& params);

}  // namespace ldb::server
