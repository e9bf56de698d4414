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

#include "app/images.hpp"
#include "app/inspect.hpp"
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

// The values of parameter `name` in order (values_of), or its first (value_of).
std::vector<std::string> values_of(const Params& params, std::string_view name);
std::optional<std::string> value_of(const Params& params, std::string_view name);

// The JSON error reply for `error`: {"error": {"code", "message", "hint"}},
// plus "column" (and "field", and "index" among that parameter's values) for
// a query syntax error, with the HTTP status of its code (400
// invalid_argument, 404 not_found, 415 unsupported, 500 else).
Reply error_reply(const Error& error, std::optional<std::string> field = std::nullopt,
                  std::optional<std::size_t> index = std::nullopt);

// The first of a request's expressions (file, query, jquery; each may repeat:
// the query box's own, then the filters views add) whose syntax is wrong, as
// its error reply with "field" and "index"; checked before any work.
std::optional<Reply> expression_error(const Params& params);
// The same for `values` of parameter `param`, each parsed as filter `filter`
// (query, file or jquery) is.
std::optional<Reply> expression_error(std::string_view param, std::string_view filter,
                                      const std::vector<std::string>& values);

// The hint of every workspace route when ldb ui runs outside a workspace.
inline constexpr std::string_view k_no_workspace_hint =
    "start ldb ui in a workspace: ldb stage ds:NAME DIR, then cd DIR and run ldb ui there";

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
  // GET /api/stats?...&by=KEY&file-by=KEY&bins=N&top=N (server/stats.cpp):
  // `ldb stats --json` of the grid's selection.
  Reply stats(const Params& params);
  // GET /api/dups?<selection>&threshold=BITS&offset=0&limit=50: a page of
  // the selection's near-duplicate groups (server/dups.cpp).
  Reply dups(const Params& params);
  // GET /api/diff?a=ds:NAME.vN&b=ds:NAME.vM&section=&offset=0&limit=200: the
  // objects added, removed and changed from a to b (server/diff.cpp).
  Reply diff(const Params& params);

  // The workspace (server/workspace.cpp; docs/ui.md "The workspace"). Each
  // POST takes a JSON body; a selection is {"objects": [...], "query": [...],
  // ...}: the grid's parameters, as GET /api/objects takes them. Outside a
  // workspace every write answers not_found with the hint to start ldb ui in one.
  // GET /api/info: the instance and the workspace ldb ui runs in (or null).
  Reply info();
  // POST /api/workspace/add {"selection"}: app::add.
  Reply workspace_add(std::string_view body);
  // POST /api/workspace/delete {"selection"}: app::del.
  Reply workspace_delete(std::string_view body);
  // POST /api/workspace/tag {"selection", "add": "a,b", "remove": "c"}: app::tag.
  Reply workspace_tag(std::string_view body);
  // POST /api/workspace/commit {"message"}: app::commit.
  Reply workspace_commit(std::string_view body);
  // GET /api/workspace/annotation/ID: the annotation version the workspace stages.
  Reply staged_annotation(const core::Md5& id);
  // POST /api/workspace/annotation {"id", "version", "edits": [{"index", "category"} | {"index", "delete": true}]}:
  // app::edit_annotation.
  Reply edit_annotation(std::string_view body);

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
  // The grid's objects and filters; "ws:" (no folder: the UI names no paths)
  // is the staged dataset of the workspace ldb ui runs in.
  Result<app::Selector> selector(const Params& params);
  // The selection the parameters describe: kept from an earlier request
  // with the same parameters, or made anew (`renew`: the grid's first page,
  // so that a page loaded again sees what the CLI changed meanwhile).
  enum class Kept { reuse, renew };
  Result<Ids> selection(const Params& params, Kept kept = Kept::reuse);
  // A write route: parses `body` (a JSON object), then, under the lock and
  // in a workspace, lets `change` fill the answer, drops the kept selections
  // (they may hold what changed) and adds the workspace's counts. Defined in
  // server/workspace.cpp, its only user.
  template <class Change>
  Reply write(std::string_view body, Change change);
  // `ids` narrowed to the objects pinned under `key` (m_call held).
  Result<Ids> pinned(const Ids& ids, const std::string& key);
  // The object's paths (one store call, under the lock).
  Result<std::vector<std::string>> paths_of(const core::Md5& id);

  app::Session& m_session;
  const std::filesystem::path m_thumbnails;
  std::mutex m_call;  // held around every call into m_session but read_object
  // The selections made last, most recent first (guarded by m_call).
  std::list<std::pair<std::string, Ids>> m_selections;
  // The last near-duplicate groups and the last diff of two fixed versions,
  // by their parameters, so that paging through them costs no new search
  // (guarded by m_call).
  std::pair<std::string, std::shared_ptr<const app::DupsResult>> m_last_dups;
  std::pair<std::string, std::shared_ptr<const app::DiffResult>> m_last_diff;
  // The pinned sets of objects, most recent first (guarded by m_call).
  std::list<std::pair<std::string, std::shared_ptr<const std::vector<core::Md5>>>> m_pins;
  std::uint64_t m_pins_made = 0;
};

}  // namespace ldb::server
