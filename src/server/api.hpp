#pragma once
// The web UI's API (docs/ui.md "API routes"), apart from HTTP: each route is
// a method that takes the request's decoded parameters and returns a Reply,
// which server.cpp hands to the HTTP library.
//
// The app Session takes one call at a time, so calls into it are serialized
// by one lock, as the Python module does (python/src/call.hpp): a second
// Session per HTTP thread would open the store and a thread pool of its own
// each, while one Session's pool already spreads a large selection over the
// cores. What does not need the Session's store stays outside the lock:
// reading an object's bytes (app::read_object is thread-safe), making and
// reading thumbnails, and paging through a selection already made. A
// selection (objects + filters) is made once and kept (the last few), so
// that the count and every page of the grid cost one query.

#include <cstddef>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/selection.hpp"
#include "app/session.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace ldb::server {

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A request's query parameters, decoded; a name may repeat.
using Params = std::multimap<std::string, std::string, std::less<>>;

// The JSON error reply for `error`: {"error": {"code", "message", "hint"}},
// plus "column" (and "field") for a query syntax error, with the HTTP status
// of its code (400 invalid_argument, 404 not_found, 415 unsupported, 500 else).
Reply error_reply(const Error& error, std::optional<std::string> field = std::nullopt);

class Api {
 public:
  Api(app::Session& session, std::filesystem::path instance_dir);

  // GET /api/objects?objects=ds:root&tag=&file=&query=&offset=0&limit=200:
  // {"count": N, "offset": O, "ids": ["32 hex", ...]} of one grid page.
  Reply objects(const Params& params);
  // GET /api/count?... (the same parameters): {"count": N}.
  Reply count(const Params& params);
  // GET /api/object/ID: what ldb knows of the object (show) and its annotation.
  Reply object(const core::Md5& id);
  // GET /api/thumb/ID: a small JPEG (app/thumbnails.hpp).
  Reply thumbnail(const core::Md5& id);
  // GET /api/file/ID: the object's bytes; a known raster image type is named
  // as such, anything else is sent as an attachment.
  Reply file(const core::Md5& id);

  // The embedding view (server/embedding.cpp, docs/ui.md "The embedding view").
  // GET /api/points?<selection>&model=builtin&method=pca[&color=KEY]: the
  // 2-D points of the selection's objects, as binary.
  Reply points(const Params& params);
  // POST /api/pin?<selection>, the body uint32 positions in that selection
  // (little-endian): keeps those objects under a short key, which the
  // selection parameter pin=KEY narrows any selection to (the last
  // k_kept_pins are kept).
  Reply pin(const Params& params, std::string_view body);
  static constexpr std::size_t k_kept_pins = 16;

 private:
  using Ids = std::shared_ptr<const std::vector<app::ObjectRef>>;
  Result<Ids> selection(const Params& params);
  // `ids` narrowed to the objects pinned under `key` (m_call held).
  Result<Ids> pinned(const Ids& ids, const std::string& key);
  // The object's paths (one store call, under the lock).
  Result<std::vector<std::string>> paths_of(const core::Md5& id);

  app::Session& m_session;
  const std::filesystem::path m_thumbnails;
  std::mutex m_call;  // held around every call into m_session but read_object
  // The selections made last, most recent first (guarded by m_call).
  std::list<std::pair<std::string, Ids>> m_selections;
  // The pinned sets of objects, most recent first (guarded by m_call).
  std::list<std::pair<std::string, std::shared_ptr<const std::vector<core::Md5>>>> m_pins;
  std::uint64_t m_pins_made = 0;
};

}  // namespace ldb::server
