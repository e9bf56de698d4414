#pragma once
// A Session is one front end's handle on ldb: the Context it was given, the
// worker threads, the storage backends (local, S3, GCS, Azure, HTTP) and the
// instance, opened on first use. A CLI command makes one; the web server and
// the Python module keep one. Every src/app use case takes a Session.
// Not thread-safe: one call at a time.

#include <memory>

#include "app/context.hpp"
#include "core/error.hpp"

namespace ldb::app {

namespace detail {
struct SessionState;
}

class Session {
 public:
  explicit Session(Context context);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Context& context() const;
  // For src/app's own use (app/detail/session.hpp).
  detail::SessionState& state() { return *m_state; }

 private:
  std::unique_ptr<detail::SessionState> m_state;
};

}  // namespace ldb::app
