// ldb ui: serves the web UI (src/server, docs/ui.md) over the instance until
// SIGINT or SIGTERM, then exits 0. Prints the URL with its token on stdout
// (one line, flushed at once, for scripts and tests) and, unless
// --no-browser, asks xdg-open to show it.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "server/server.hpp"

extern char** environ;

namespace ldb::cli {

namespace {

// The write end of the pipe the signal handler writes to: a signal handler
// can reach nothing else (set only while ldb ui waits).
int g_stop_fd = -1;

void on_stop_signal(int) {
  const char byte = 's';
  // Async-signal-safe; a full pipe already holds a wake-up.
  [[maybe_unused]] auto n = ::write(g_stop_fd, &byte, 1);
}

// Catches SIGINT and SIGTERM while it lives; wait() returns after the first.
// A handler, not sigwait(): the Session's worker threads exist already and
// do not block the signals.
class StopSignals {
 public:
  static Result<std::unique_ptr<StopSignals>> install() {
    auto s = std::unique_ptr<StopSignals>(new StopSignals());
    if (::pipe2(s->m_pipe, O_CLOEXEC) != 0) {
      return fail(ErrorCode::io, fmt::format("cannot create a pipe: {}", std::strerror(errno)),
                  "check the process's open file limit (ulimit -n)");
    }
    g_stop_fd = s->m_pipe[1];
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &s->m_old_int);
    ::sigaction(SIGTERM, &action, &s->m_old_term);
    s->m_installed = true;
    return s;
  }
  ~StopSignals() {
    if (m_installed) {
      ::sigaction(SIGINT, &m_old_int, nullptr);
      ::sigaction(SIGTERM, &m_old_term, nullptr);
    }
    g_stop_fd = -1;
    for (int fd : m_pipe) {
      if (fd >= 0) ::close(fd);
    }
  }
  void wait() {
    char byte = 0;
    while (::read(m_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
  }

 private:
  StopSignals() = default;
  int m_pipe[2] = {-1, -1};
  struct sigaction m_old_int {};
  struct sigaction m_old_term {};
  bool m_installed = false;
};

// Starts xdg-open URL with its output discarded (a browser writes to its
// terminal), without waiting for it; a thread reaps it. Not finding it is
// not an error: the URL is printed already.
void open_browser(const std::string& url) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0);
  }
  std::string program = "xdg-open";
  char* argv[] = {program.data(), const_cast<char*>(url.c_str()), nullptr};
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "xdg-open", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    warn(fmt::format("could not start xdg-open ({}): open the URL above in a browser", std::strerror(rc)));
    return;
  }
  std::thread([pid] {
    int status = 0;
    ::waitpid(pid, &status, 0);
  }).detach();
}

Result<std::uint16_t> port_of(const std::string& text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return fail(ErrorCode::invalid_argument, fmt::format("--port expects a number 0..65535, got '{}'", text),
                "for example: --port 8080, or --port 0 for any free port");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Status cmd_ui(CommandEnv& env, const ParsedArgs& args) {
  if (!args.positional.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb ui takes no arguments",
                "usage: ldb ui [--host 127.0.0.1] [--port 0] [--no-browser]");
  }
  server::ServerOptions options;
  if (auto host = args.get("host")) {
    if (host->empty()) {
      return fail(ErrorCode::invalid_argument, "--host expects an address", "for example: --host 127.0.0.1");
    }
    options.host = *host;
  }
  if (auto port = args.get("port")) {
    LDB_TRY_ASSIGN(options.port, port_of(*port));
  }
  LDB_TRY_ASSIGN(auto signals, StopSignals::install());
  LDB_TRY_ASSIGN(auto server, server::Server::start(env.session, options));
  if (!server->loopback()) {
    warn(
        fmt::format("ldb ui listens on {}, not only on this machine: anyone who can reach it and has the token "
                    "sees the instance's data",
                    server->host()));
  }
  out_line(server->url());
  std::fflush(stdout);
  if (!env.verbosity.quiet) fmt::print(stderr, "ldb ui: serving; Ctrl-C stops it\n");
  if (!args.has("no-browser")) open_browser(server->url());
  signals->wait();
  server->stop();
  return {};
}

}  // namespace ldb::cli
