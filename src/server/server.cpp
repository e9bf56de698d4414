#include "server/server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "app/instance.hpp"
#include "server/api.hpp"
#include "server/assets.hpp"
#include "server/security.hpp"

namespace ldb::server {

namespace {

// What every response carries: the page may load only its own files (no
// inline script, nothing from the internet), may not be framed, and sends no
// Referer (which would hold the token of the first URL).
const httplib::Headers& security_headers() {
  static const httplib::Headers headers = {
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
  };
  return headers;
}

void send(httplib::Response& res, Reply reply) {
  res.status = reply.status;
  for (auto& [name, value] : reply.headers) res.set_header(name, value);
  if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(reply.body), reply.content_type);
}

void refuse(httplib::Response& res, int status, std::string_view message, std::string_view hint) {
  send(res, Reply{status,
                  "application/json",
                  fmt::format(R"({{"error":{{"code":"forbidden","message":"{}","hint":"{}"}}}})", message, hint),
                  {}});
}

Params params_of(const httplib::Request& req) {
  Params out;
  for (const auto& [name, value] : req.params) out.emplace(name, value);
  return out;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::string token;
  std::uint16_t port = 0;
  std::unique_ptr<Api> api;
  httplib::Server http;
  std::thread thread;
  std::atomic<bool> listening_ended{false};
  std::mutex stop_mutex;
  bool stopped = false;

  // The checks of server/security.hpp; true when the request may go on.
  bool admit(const httplib::Request& req, httplib::Response& res) {
    if (!host_allowed(req.get_header_value("Host"), options.host, port)) {
      refuse(res, 403, "this server answers only requests addressed to it by its own address",
             fmt::format("open {}", server_url(options.host, port)));
      return false;
    }
    const bool write = req.method != "GET" && req.method != "HEAD";
    if (write && !write_allowed(req.get_header_value("Origin"), req.has_header(std::string(k_write_header).c_str()),
                                options.host, port)) {
      refuse(res, 403, "a change to the instance must come from the page ldb ui serves",
             fmt::format("use the page at {} (a script sends the header X-Ldb: 1, its own Origin and the "
                         "token's cookie)", server_url(options.host, port)));
      return false;
    }
    if (req.has_param("token")) {
      if (write) {
        refuse(res, 403, "a change to the instance needs the token's cookie, not ?token=",
               "open the URL ldb ui printed first; its page sends the cookie");
        return false;
      }
      if (!same_token(req.get_param_value("token"), token)) {
        refuse(res, 403, "wrong token", "open the URL ldb ui printed, with its token");
        return false;
      }
      res.set_header("Set-Cookie", token_cookie(port, token));
      return true;
    }
    auto cookie = cookie_value(req.get_header_value("Cookie"), token_cookie_name(port));
    if (!cookie || !same_token(*cookie, token)) {
      refuse(res, 403, "this page needs the token ldb ui printed", "open the URL ldb ui printed, with its token");
      return false;
    }
    return true;
  }

  void serve_asset(const httplib::Request& req, httplib::Response& res) {
    const Asset* asset = find_asset(req.path);
    if (asset == nullptr) {
      send(res, error_reply(Error{ErrorCode::not_found, fmt::format("no page '{}'", req.path), "open /"}));
      return;
    }
    res.set_header("ETag", std::string(asset->etag));
    // Revalidated on every load (cheap: a 304), so a new ldb's page is never stale.
    res.set_header("Cache-Control", "no-cache");
    if (req.get_header_value("If-None-Match") == asset->etag) {
      res.status = 304;
      return;
    }
    res.set_content(std::string(asset->bytes), std::string(asset->content_type));
  }

  // Routes GET /api/KIND/ID, where ID must be an object id (nothing else
  // from the request names a file).
  template <class Fn>
  void by_id(const char* pattern, Fn fn) {
    http.Get(pattern, [this, fn](const httplib::Request& req, httplib::Response& res) {
      auto id = parse_object_id(req.matches[1].str());
      if (!id) {
        send(res, error_reply(Error{ErrorCode::invalid_argument,
                                    fmt::format("'{}' is not an object id", req.matches[1].str()),
                                    "an object id is 32 hex digits, as ldb list shows after id:"}));
        return;
      }
      send(res, fn(*api, *id));
    });
  }

  // The workspace (server/workspace.cpp): the only routes that change the
  // instance, all POST (admit() holds them to the page's own origin).
  void workspace_routes() {
    http.Get("/api/info", [this](const httplib::Request&, httplib::Response& res) { send(res, api->info()); });
    by_id(R"(/api/workspace/annotation/([^/]*))", [](Api& a, const core::Md5& id) { return a.staged_annotation(id); });
    const std::pair<const char*, Reply (Api::*)(std::string_view)> posts[] = {
        {"/api/workspace/add", &Api::workspace_add},          {"/api/workspace/delete", &Api::workspace_delete},
        {"/api/workspace/tag", &Api::workspace_tag},          {"/api/workspace/commit", &Api::workspace_commit},
        {"/api/workspace/annotation", &Api::edit_annotation},
    };
    for (auto [pattern, method] : posts) {
      http.Post(pattern, [this, method](const httplib::Request& req, httplib::Response& res) {
        send(res, ((*api).*method)(req.body));
      });
    }
  }

  void routes() {
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      for (const auto& [name, value] : security_headers()) res.set_header(name, value);
      return admit(req, res) ? httplib::Server::HandlerResponse::Unhandled : httplib::Server::HandlerResponse::Handled;
    });
    http.Get("/api/objects",
             [this](const httplib::Request& req, httplib::Response& res) { send(res, api->objects(params_of(req))); });
    http.Get("/api/count",
             [this](const httplib::Request& req, httplib::Response& res) { send(res, api->count(params_of(req))); });
    http.Get("/api/stats",
             [this](const httplib::Request& req, httplib::Response& res) { send(res, api->stats(params_of(req))); });
    http.Get("/api/dups",
             [this](const httplib::Request& req, httplib::Response& res) { send(res, api->dups(params_of(req))); });
    http.Get("/api/diff",
             [this](const httplib::Request& req, httplib::Response& res) { send(res, api->diff(params_of(req))); });
    http.Get("/api/points",
             [this](const httplib::Request& req, httplib::Response& res) { send(res, api->points(params_of(req))); });
    http.Post("/api/pin", [this](const httplib::Request& req, httplib::Response& res) {
      send(res, api->pin(params_of(req), req.body));
    });
    by_id(R"(/api/object/([^/]*))", [](Api& a, const core::Md5& id) { return a.object(id); });
    by_id(R"(/api/thumb/([^/]*))", [](Api& a, const core::Md5& id) { return a.thumbnail(id); });
    by_id(R"(/api/file/([^/]*))", [](Api& a, const core::Md5& id) { return a.file(id); });
    workspace_routes();
    http.Get(R"(/[^/]*)", [this](const httplib::Request& req, httplib::Response& res) { serve_asset(req, res); });
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      const int status = res.status;
      send(res, error_reply(Error{status == 404 ? ErrorCode::not_found : ErrorCode::invalid_argument,
                                  fmt::format("no route {} {}", req.method, req.path),
                                  "the routes are listed in docs/ui.md"}));
      res.status = status;
    });
  }
};

Result<std::unique_ptr<Server>> Server::start(app::Session& session, const ServerOptions& options) {
  LDB_TRY_ASSIGN(auto instance_dir, app::open_instance(session));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  LDB_TRY_ASSIGN(impl->token, new_token());
  impl->api = std::make_unique<Api>(session, instance_dir);
  const unsigned threads = std::max(1u, options.threads);
  impl->http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // An idle browser connection holds a worker until this passes, and stop() waits for it.
  impl->http.set_keep_alive_timeout(2);
  // The POST bodies are small JSON objects (a selection, a message, box edits).
  impl->http.set_payload_max_length(1 << 20);
  // httplib's default sets SO_REUSEPORT, which lets a second process listen
  // on the same port and take a share of the connections (and the token's
  // cookie with them). SO_REUSEADDR alone: a port in use is an error.
  impl->http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // A pin's body: 4 bytes a pinned object (a million in 4 MB).
  impl->http.set_payload_max_length(std::size_t{64} << 20);
  impl->routes();
  int port = options.port == 0 ? impl->http.bind_to_any_port(options.host)
                               : (impl->http.bind_to_port(options.host, options.port) ? options.port : -1);
  if (port <= 0) {
    return fail(ErrorCode::io, fmt::format("cannot listen on {}:{}", options.host, options.port),
                options.port == 0 ? "check the --host address (an address of this machine)"
                                  : "the port may be in use: choose another with --port, or --port 0 for any free one");
  }
  impl->port = static_cast<std::uint16_t>(port);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    raw->http.listen_after_bind();
    raw->listening_ended = true;
  });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Server::~Server() { stop(); }

void Server::stop() {
  std::lock_guard lock(m_impl->stop_mutex);
  if (m_impl->stopped) return;
  m_impl->stopped = true;
  // httplib's stop() does nothing before the listening loop has started.
  while (!m_impl->http.is_running() && !m_impl->listening_ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  m_impl->http.stop();
  if (m_impl->thread.joinable()) m_impl->thread.join();
}

const std::string& Server::host() const { return m_impl->options.host; }
bool Server::loopback() const { return is_loopback(m_impl->options.host); }
std::uint16_t Server::port() const { return m_impl->port; }
const std::string& Server::token() const { return m_impl->token; }
std::string Server::url() const { return server_url(m_impl->options.host, m_impl->port, m_impl->token); }

}  // namespace ldb::server
