#pragma once
// `ldb ui`'s HTTP server (SPEC section 10, docs/ui.md): the embedded page and
// the API (server/api.hpp) over one app Session, on a thread pool of its own.
// Every request passes the checks of server/security.hpp first: a Host header
// naming this server, and the token — as ?token= (which also sets the
// cookie) or as the cookie; anything else gets 403.

#include <cstdint>
#include <memory>
#include <string>

#include "app/session.hpp"
#include "core/error.hpp"

namespace ldb::server {

struct ServerOptions {
  std::string host = "127.0.0.1";  // the address to listen on
  std::uint16_t port = 0;          // 0: any free port
  unsigned threads = 8;            // HTTP worker threads
};

class Server {
 public:
  // Opens the session's instance (errors as app::open_instance), draws a
  // token, binds host:port (io when it cannot, naming them) and serves on
  // threads of its own until stop(). `session` must outlive the Server, and
  // is used by nothing else meanwhile.
  static Result<std::unique_ptr<Server>> start(app::Session& session, const ServerOptions& options);
  ~Server();  // stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Stops accepting, finishes the requests in flight and joins the threads.
  // Idempotent; thread-safe.
  void stop();

  const std::string& host() const;
  // True when it listens on a loopback address (reachable from this machine only).
  bool loopback() const;
  std::uint16_t port() const;
  const std::string& token() const;
  // The address to open: http://HOST:PORT/?token=TOKEN.
  std::string url() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace ldb::server
