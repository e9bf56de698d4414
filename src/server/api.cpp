#include "server/api.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/browse.hpp"
#include "app/inspect.hpp"
#include "app/members.hpp"
#include "app/read.hpp"
#include "app/thumbnails.hpp"
#include "server/params.hpp"
#include "app/workspace.hpp"

namespace ldb::server {

namespace {

using nlohmann::json;

constexpr std::size_t k_default_limit = 200;
constexpr std::size_t k_max_limit = 5000;
constexpr std::size_t k_kept_selections = 8;
// A thumbnail's id names its bytes: it never changes.
constexpr std::string_view k_immutable = "private, max-age=31536000, immutable";

// The filters the grid's query box and the views may set, in the order they
// apply. A flag (dedup) is set by any value.
constexpr std::string_view k_filter_params[] = {"tag", "no-tag", "path", "file", "query", "jquery", "dedup"};

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument:
      return 400;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::unsupported:
      return 415;
    case ErrorCode::conflict:
      return 409;
    default:
      return 500;
  }
}

// The media type of a raster image ldb decodes, from its first bytes.
std::optional<std::string_view> image_type(std::string_view bytes) {
  auto starts = [&](std::string_view magic) { return bytes.starts_with(magic); };
  if (starts("\xFF\xD8\xFF")) return "image/jpeg";
  if (starts("\x89PNG\r\n\x1A\n")) return "image/png";
  if (starts("GIF87a") || starts("GIF89a")) return "image/gif";
  if (bytes.size() >= 12 && starts("RIFF") && bytes.substr(8, 4) == "WEBP") return "image/webp";
  if (starts("BM")) return "image/bmp";
  if (starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4))) return "image/tiff";
  return std::nullopt;
}

}  // namespace

Reply json_reply(const nlohmann::json& value) { return Reply{200, "application/json", dump(value), {}}; }

std::vector<std::string> values_of(const Params& params, std::string_view name) {
  std::vector<std::string> out;
  auto [begin, end] = params.equal_range(name);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

std::optional<std::string> value_of(const Params& params, std::string_view name) {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return it->second;
}

Result<std::size_t> number_param(const Params& params, std::string_view name, std::size_t fallback, std::size_t max) {
  auto text = value_of(params, name);
  if (!text || text->empty()) return fallback;
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value > max) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}' must be a whole number 0..{}, got '{}'", name, max, *text),
                fmt::format("for example: {}=0", name));
  }
  return value;
}

Result<Page> page_of(const Params& params, std::size_t fallback, std::size_t max) {
  LDB_TRY_ASSIGN(auto offset, number_param(params, "offset", 0, SIZE_MAX / 2));
  LDB_TRY_ASSIGN(auto limit, number_param(params, "limit", fallback, max));
  return Page{offset, limit};
}

// The grid's objects and filters. Only ds: and id: identifiers: a path would
// make ldb read (or, with auto-indexing, index) files a request names.
Result<app::Selector> selector_of(const Params& params) {
  app::Selector selector;
  for (auto& ident : values_of(params, "objects")) {
    if (!ident.starts_with("ds:") && !ident.starts_with("id:") && ident != "ws:") {
      return fail(ErrorCode::invalid_argument, fmt::format("the UI does not select '{}'", ident),
                  "select by ds:NAME[.vN], ds:root, id:HASH or ws: (the workspace's staged dataset)");
    }
    selector.objects.push_back(std::move(ident));
  }
  if (selector.objects.empty()) selector.objects.push_back("ds:root");
  for (auto name : k_filter_params) {
    const bool flag = !app::find_filter(name)->takes_value;
    for (auto& value : values_of(params, name)) {
      if (flag) {
        selector.filters.push_back({std::string(name), {}, {}});
        break;
      }
      if (!value.empty()) selector.filters.push_back({std::string(name), std::move(value), {}});
    }
  }
  return selector;
}

Result<std::optional<std::vector<core::Md5>>> ids_of(const Params& params) {
  auto texts = values_of(params, "ids");
  if (texts.empty()) return std::nullopt;
  std::vector<core::Md5> ids;
  for (const auto& text : texts) {
    for (std::size_t begin = 0; begin <= text.size();) {
      auto end = std::min(text.find(',', begin), text.size());
      std::string_view item = std::string_view(text).substr(begin, end - begin);
      if (item.starts_with("id:")) item.remove_prefix(3);
      auto id = core::Md5::from_hex(item);
      if (!id) {
        return fail(ErrorCode::invalid_argument, fmt::format("'{}' in ids= is not an object id", item),
                    "ids= takes object ids (32 hex digits) separated by commas");
      }
      ids.push_back(*id);
      begin = end + 1;
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() > k_max_ids) {
    return fail(ErrorCode::invalid_argument, fmt::format("ids= names {} objects, more than {}", ids.size(), k_max_ids),
                "narrow the grid another way (a query, tags, a dataset version)");
  }
  return ids;
}

std::string selection_key(const app::Selector& selector, const std::optional<std::vector<core::Md5>>& ids) {
  std::string key;
  for (const auto& ident : selector.objects) key += fmt::format("{}\x1f", ident);
  for (const auto& filter : selector.filters) key += fmt::format("\x1e{}\x1f{}", filter.name, filter.value);
  if (ids) {
    key += "\x1d";
    for (const auto& id : *ids) key += id.hex();
  }
  return key;
}

// The error does not say which expression failed when there are several.
std::optional<std::string> expression_field(const Params& params) {
  std::optional<std::string> field;
  for (std::string_view name : {"file", "query", "jquery"}) {
    auto value = value_of(params, name);
    if (!value || value->empty()) continue;
    if (field) return std::nullopt;
    field = std::string(name);
  }
  return field;
}

Reply error_reply(const Error& error, std::optional<std::string> field, std::optional<std::size_t> index) {
  json body = {{"code", core::to_string(error.code)}, {"message", error.message}, {"hint", error.hint}};
  if (auto column = app::query_error_column(error)) {
    body["column"] = *column;
    if (field) body["field"] = *field;
    if (index) body["index"] = *index;
  }
  return Reply{status_of(error.code), "application/json", dump(json{{"error", body}}), {}};
}

std::optional<Reply> expression_error(std::string_view param, std::string_view filter,
                                      const std::vector<std::string>& values) {
  for (std::size_t index = 0; index < values.size(); ++index) {
    if (auto checked = app::check_expression({std::string(filter), values[index], {}}); !checked) {
      return error_reply(checked.error(), std::string(param), index);
    }
  }
  return std::nullopt;
}

std::optional<Reply> expression_error(const Params& params) {
  for (std::string_view name : {"file", "query", "jquery"}) {
    if (auto bad = expression_error(name, name, values_of(params, name))) return bad;
  }
  return std::nullopt;
}

Api::Api(app::Session& session, std::filesystem::path instance_dir)
    : m_session(session), m_thumbnails(app::thumbnail_dir(instance_dir)) {}

Result<app::Selector> Api::selector(const Params& params) {
  LDB_TRY_ASSIGN(auto selector, selector_of(params));
  for (auto& ident : selector.objects) {
    if (ident != "ws:") continue;
    auto root = app::workspace_root(m_session.context());
    if (!root) {
      return fail(ErrorCode::not_found,
                  "ldb ui was not started in a workspace: there is no ws:", std::string(k_no_workspace_hint));
    }
    ident = "ws:" + root->string();
  }
  return selector;
}

Result<Api::Ids> Api::selection(const Params& params, Kept kept_as) {
  LDB_TRY_ASSIGN(auto selector, this->selector(params));
  LDB_TRY_ASSIGN(auto only, ids_of(params));
  std::string key = selection_key(selector, only);
  auto pin = value_of(params, "pin");
  if (pin && !pin->empty()) key += fmt::format("\x1dpin\x1f{}", *pin);
  std::lock_guard lock(m_call);
  if (kept_as == Kept::renew) std::erase_if(m_selections, [&](const auto& s) { return s.first == key; });
  auto kept = std::find_if(m_selections.begin(), m_selections.end(), [&](const auto& s) { return s.first == key; });
  if (kept != m_selections.end()) {
    m_selections.splice(m_selections.begin(), m_selections, kept);
    return m_selections.front().second;
  }
  LDB_TRY_ASSIGN(auto refs, app::select_refs(m_session, {std::move(selector), std::nullopt, false}));
  if (only) {
    std::erase_if(refs,
                  [&](const app::ObjectRef& r) { return !std::binary_search(only->begin(), only->end(), r.hash); });
  }
  Ids ids = std::make_shared<const std::vector<app::ObjectRef>>(std::move(refs));
  if (pin && !pin->empty()) {
    LDB_TRY_ASSIGN(ids, pinned(ids, *pin));
  }
  m_selections.emplace_front(std::move(key), ids);
  if (m_selections.size() > k_kept_selections) m_selections.pop_back();
  return ids;
}

Reply Api::objects(const Params& params) {
  auto page = page_of(params, k_default_limit, k_max_limit);
  if (!page) return error_reply(page.error());
  if (auto bad = expression_error(params)) return std::move(*bad);
  auto ids = selection(params, page->offset == 0 ? Kept::renew : Kept::reuse);
  if (!ids) return error_reply(ids.error(), expression_field(params));
  const auto& refs = **ids;
  json listed = json::array();
  for (std::size_t i = page->first(refs.size()); i < page->last(refs.size()); ++i) listed.push_back(refs[i].hash.hex());
  return json_reply({{"count", refs.size()}, {"offset", page->offset}, {"ids", std::move(listed)}});
}

Reply Api::count(const Params& params) {
  if (auto bad = expression_error(params)) return std::move(*bad);
  auto ids = selection(params);
  if (!ids) return error_reply(ids.error(), expression_field(params));
  return json_reply({{"count", (*ids)->size()}});
}

Result<std::vector<std::string>> Api::paths_of(const core::Md5& id) {
  std::lock_guard lock(m_call);
  app::ListRequest request{app::Selector{{"id:" + id.hex()}, {}}, std::nullopt, true};
  LDB_TRY_ASSIGN(auto listing, app::list(m_session, request));
  if (listing.rows.empty()) {
    return fail(ErrorCode::not_found, fmt::format("no object id:{} in the instance", id.hex()),
                "the grid lists the objects there are");
  }
  return std::move(listing.rows.front().paths);
}

Reply Api::object(const core::Md5& id) {
  std::lock_guard lock(m_call);
  const std::string ident = "id:" + id.hex();
  auto details = app::show(m_session, ident);
  if (!details) return error_reply(details.error());
  auto member = app::members(m_session, {app::Selector{{ident}, {}}, std::nullopt, true});
  if (!member) return error_reply(member.error());
  json annotation = nullptr;
  if (!member->empty() && !member->front().annotation.empty()) {
    annotation = json::parse(member->front().annotation, nullptr, false);
  }
  json versions = json::array();
  for (const auto& v : details->versions) {
    versions.push_back(
        {{"version", v.version}, {"indexed_at", v.indexed_at}, {"annotation_hash", v.annotation_hash.hex()}});
  }
  return json_reply({{"id", id.hex()},
                     {"size", details->size},
                     {"paths", details->paths},
                     {"tags", details->tags},
                     {"datasets", details->datasets},
                     {"first_indexed", details->first_indexed},
                     {"last_indexed", details->last_indexed},
                     {"current_version", details->current_version},
                     {"versions", std::move(versions)},
                     {"annotation", std::move(annotation)}});
}

Reply Api::thumbnail(const core::Md5& id) {
  app::ThumbnailOptions options;
  options.cache_dir = m_thumbnails;
  auto jpeg = app::cached_thumbnail(id, options);
  if (!jpeg) {
    auto paths = paths_of(id);
    if (!paths) return error_reply(paths.error());
    auto made = app::make_thumbnail(m_session, {id, *paths}, options);
    if (!made) return error_reply(made.error());
    jpeg = std::move(*made);
  }
  return Reply{200, "image/jpeg", std::move(*jpeg), {{"Cache-Control", std::string(k_immutable)}}};
}

Reply Api::file(const core::Md5& id) {
  auto paths = paths_of(id);
  if (!paths) return error_reply(paths.error());
  auto bytes = app::read_object(m_session, {id, *paths});
  if (!bytes) return error_reply(bytes.error());
  Reply reply{200, "application/octet-stream", std::move(*bytes), {{"Cache-Control", std::string(k_immutable)}}};
  if (auto type = image_type(reply.body)) {
    reply.content_type = *type;
  } else {
    reply.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}\"", id.hex()));
  }
  return reply;
}

}  // namespace ldb::server
