#pragma once
// How the module calls src/app. A call runs without the GIL and holds its
// Session's lock (a Session takes one call at a time, and Python threads may
// share one); the warnings and notes app reported are then handed to Python
// (ldb.LdbWarning, and the "ldb" logger), and an Error is raised as the
// ldb.Error subclass of its code. A Session belongs to the process that made
// it: its worker threads do not survive fork(), so a call from a forked child
// raises an error instead of hanging.

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>

#include "app/session.hpp"
#include "core/error.hpp"

namespace ldb::python {

// What the module keeps beside each app::Session (reached through the
// Context's warn callback, which holds it).
struct SessionExtras {
  std::mutex call_lock;
  pid_t pid = 0;  // the process that made the Session
  std::mutex messages_lock;
  std::vector<std::pair<bool, std::string>> messages;  // (a warning, else a note; text), not yet handed over
};

// A Context for a new Session: the front end's environment, folder and user
// (os.environ, os.getcwd(), getpass.getuser()), with warn and note
// collecting into new SessionExtras.
app::Context make_context(std::map<std::string, std::string, std::less<>> env, std::string cwd, std::string user,
                          unsigned threads);

// The extras of a Session made with make_context().
SessionExtras& extras(const app::Session& session);

// Raises `error` as the ldb.errors class of its code, with its message and hint.
[[noreturn]] void raise_error(const Error& error);

// Raises ldb.Error when `session` was made in another process (before a fork).
void check_process(const app::Session& session);

// How Python holds a Session: deleted when it was made in this process; one
// inherited through fork() is left alone, because its worker threads are
// not in this process and destroying it would wait for them forever (a
// DataLoader worker drops the Session it inherited when it opens its own).
struct SessionDeleter {
  void operator()(app::Session* session) const;
};
using SessionHolder = std::unique_ptr<app::Session, SessionDeleter>;

// Hands the collected warnings to warnings.warn(…, ldb.LdbWarning) and the
// notes to logging.getLogger("ldb").info; needs the GIL.
void flush_messages(SessionExtras& extras);

// Bytes from C++ (paths, which need not be UTF-8) as a str the way os.fsdecode
// makes one: invalid bytes become lone surrogates, and os functions take them back.
pybind11::str path_str(std::string_view text);
// Text for people (messages): invalid bytes become U+FFFD.
pybind11::str text_str(std::string_view text);

// Runs fn() (returning a Result) for `session` as the file comment says, and
// returns its value.
template <class F>
auto call(app::Session& session, F&& fn) {
  check_process(session);
  auto& x = extras(session);
  using R = std::invoke_result_t<F&>;
  std::optional<R> result;
  {
    pybind11::gil_scoped_release release;
    std::lock_guard lock(x.call_lock);
    result.emplace(fn());
  }
  flush_messages(x);
  if (!*result) raise_error(result->error());
  if constexpr (!std::is_void_v<typename R::value_type>) return std::move(**result);
}

}  // namespace ldb::python
