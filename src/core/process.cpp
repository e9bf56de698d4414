#include "core/process.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace ldb::core {

std::string ProgramRun::describe() const {
  return exited ? fmt::format("exit status {}", exit_status) : fmt::format("killed by a signal ({})", signal);
}

namespace {

// Closes a pipe end once, on every path out of run_program.
struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

}  // namespace

Result<ProgramRun> run_program(const std::filesystem::path& exe, std::span<const std::string> args,
                               std::string_view input, StdoutMode stdout_mode,
                               const std::filesystem::path& working_dir) {
  int in_pipe[2];
  int out_pipe[2] = {-1, -1};
  if (pipe2(in_pipe, O_CLOEXEC) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot create a pipe for '{}': {}", exe.string(), std::strerror(errno)),
                "the process may be out of file descriptors");
  }
  Fd in_read{in_pipe[0]}, in_write{in_pipe[1]}, out_read, out_write;
  if (stdout_mode == StdoutMode::capture) {
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
      return fail(ErrorCode::io, fmt::format("cannot create a pipe for '{}': {}", exe.string(), std::strerror(errno)),
                  "the process may be out of file descriptors");
    }
    out_read.fd = out_pipe[0];
    out_write.fd = out_pipe[1];
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_read.fd, 0);
  if (stdout_mode == StdoutMode::capture) posix_spawn_file_actions_adddup2(&actions, out_write.fd, 1);
  if (!working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, working_dir.c_str());
  std::vector<std::string> argv_storage{exe.string()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  in_read.reset();
  out_write.reset();
  if (rc != 0) {
    return fail(ErrorCode::io, fmt::format("cannot run '{}': {}", exe.string(), std::strerror(rc)),
                working_dir.empty() ? "check that the program file is executable"
                                    : fmt::format("check that the program file is executable and that '{}' exists",
                                                  working_dir.string()));
  }
  std::thread writer([&] {
    // A program that exits without reading all its input must give this thread
    // EPIPE, not a SIGPIPE that kills the process. SIGPIPE from write() is
    // directed at the writing thread; blocked here, it is discarded when the
    // thread ends.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    std::string_view rest = input;
    while (!rest.empty()) {
      ssize_t n = ::write(in_write.fd, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the program stopped reading
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    in_write.reset();
  });
  ProgramRun run;
  if (stdout_mode == StdoutMode::capture) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(out_read.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      run.output.append(buf, static_cast<std::size_t>(n));
    }
    out_read.reset();
  }
  writer.join();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.exited = WIFEXITED(status);
  if (run.exited)
    run.exit_status = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    run.signal = WTERMSIG(status);
  return run;
}

}  // namespace ldb::core
