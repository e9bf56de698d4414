#include "call.hpp"

#include <unistd.h>

#include <memory>

namespace ldb::python {

namespace py = pybind11;

namespace {

// The Context's warn and note callbacks: they append to the session's
// extras, which they keep alive (app may report from worker threads).
struct Collector {
  std::shared_ptr<SessionExtras> extras;
  bool warning = true;
  void operator()(std::string_view text) const {
    std::lock_guard lock(extras->messages_lock);
    extras->messages.emplace_back(warning, std::string(text));
  }
};

}  // namespace

app::Context make_context(std::map<std::string, std::string, std::less<>> env, std::string cwd, std::string user,
                          unsigned threads) {
  auto x = std::make_shared<SessionExtras>();
  x->pid = getpid();
  app::Context context;
  context.env = core::Environment(std::move(env));
  context.cwd = std::move(cwd);
  context.user = std::move(user);
  context.threads = threads;
  context.warn = Collector{x, true};
  context.note = Collector{x, false};
  return context;
}

SessionExtras& extras(const app::Session& session) {
  const auto* collector = session.context().warn.target<Collector>();
  if (collector == nullptr) throw std::logic_error("an ldb Session not made by make_context()");
  return *collector->extras;
}

void raise_error(const Error& error) {
  auto errors = py::module_::import("ldb.errors");
  py::object exception =
      errors.attr("from_code")(core::to_string(error.code), text_str(error.message), text_str(error.hint));
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exception.ptr())), exception.ptr());
  throw py::error_already_set();
}

void check_process(const app::Session& session) {
  if (extras(session).pid == getpid()) return;
  raise_error(Error{ErrorCode::invalid_argument, "this ldb Session was opened in another process (before a fork)",
                    "open one in each process: ldb.Instance and ldb.Workspace do so by themselves"});
}

void SessionDeleter::operator()(app::Session* session) const {
  if (extras(*session).pid == getpid()) delete session;
}

void flush_messages(SessionExtras& x) {
  std::vector<std::pair<bool, std::string>> messages;
  {
    std::lock_guard lock(x.messages_lock);
    messages.swap(x.messages);
  }
  if (messages.empty()) return;
  auto category = py::module_::import("ldb.errors").attr("LdbWarning");
  for (const auto& [warning, text] : messages) {
    if (warning) {
      // stacklevel 2: the line that called ldb (the frame above ldb/__init__.py).
      if (PyErr_WarnEx(category.ptr(), text_str(text).cast<std::string>().c_str(), 2) != 0) {
        throw py::error_already_set();
      }
    } else {
      py::module_::import("logging").attr("getLogger")("ldb").attr("info")(text_str(text));
    }
  }
}

py::str path_str(std::string_view text) {
  PyObject* s = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "surrogateescape");
  if (s == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

py::str text_str(std::string_view text) {
  PyObject* s = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace");
  if (s == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

}  // namespace ldb::python
