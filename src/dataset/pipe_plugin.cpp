#include "dataset/pipe_plugin.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/json.hpp"

extern char** environ;

namespace ldb::dataset {

namespace {

bool is_executable(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

// Unlinked temporary annotation files handed to the plugin live here for the run.
struct TempFolder {
  std::filesystem::path path;
  ~TempFolder() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

std::optional<std::filesystem::path> find_plugin(const std::filesystem::path& instance_dir, std::string_view name) {
  if (name.find('/') != std::string_view::npos) {
    std::filesystem::path p{std::string(name)};
    return is_executable(p) ? std::optional(std::filesystem::absolute(p)) : std::nullopt;
  }
  auto local = instance_dir / "custom_code" / "ldb_user_filters" / std::string(name);
  if (is_executable(local)) return local;
  const char* path_env = std::getenv("PATH");
  std::string_view dirs = path_env ? path_env : "";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    auto dir = dirs.substr(0, colon);
    if (!dir.empty()) {
      auto candidate = std::filesystem::path(std::string(dir)) / std::string(name);
      if (is_executable(candidate)) return candidate;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

Result<std::vector<store::ObjectRef>> run_pipe_plugin(Context& ctx, std::vector<store::ObjectRef> selection,
                                                      std::string_view name, std::span<const std::string> args) {
  auto exe = find_plugin(ctx.instance_dir, name);
  if (!exe) {
    return fail(ErrorCode::not_found, fmt::format("plugin '{}' was not found", name),
                fmt::format("plugins are looked up in {} and then on PATH",
                            (ctx.instance_dir / "custom_code" / "ldb_user_filters").string()));
  }
  // The plugin reads data and annotation files: annotations are written to a
  // temporary folder, data paths are the objects' first recorded paths.
  std::vector<core::Md5> hashes;
  for (const auto& r : selection) hashes.push_back(r.hash);
  auto infos = ctx.store.objects_info(hashes);
  if (!infos) return std::unexpected(infos.error());
  auto annotations = ctx.store.annotations(selection);
  if (!annotations) return std::unexpected(annotations.error());
  TempFolder tmp;
  char tmpl[] = "/tmp/ldb-pipe-XXXXXX";
  if (!mkdtemp(tmpl)) {
    return fail(ErrorCode::io, fmt::format("cannot create a temporary folder: {}", std::strerror(errno)),
                "check that /tmp is writable");
  }
  tmp.path = tmpl;
  std::string input = "[";
  for (std::size_t i = 0; i < selection.size(); ++i) {
    std::string annotation_path;
    if (!(*annotations)[i].empty()) {
      annotation_path = (tmp.path / (selection[i].hash.hex() + ".json")).string();
      auto st = storage::write_file_atomic(annotation_path, (*annotations)[i]);
      if (!st) return std::unexpected(st.error());
    }
    if (i) input.push_back(',');
    input.push_back('[');
    core::append_json_string(selection[i].hash.hex(), input);
    input.push_back(',');
    core::append_json_string((*infos)[i].paths.empty() ? "" : (*infos)[i].paths.front(), input);
    input.push_back(',');
    core::append_json_string(annotation_path, input);
    input.push_back(']');
  }
  input.push_back(']');

  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot create pipes for plugin '{}': {}", name, std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  std::vector<std::string> argv_storage{exe->string()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, exe->c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  if (rc != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    return fail(ErrorCode::invalid_argument, fmt::format("cannot run plugin '{}': {}", exe->string(), std::strerror(rc)),
                "check that the plugin file is executable");
  }
  std::thread writer([&] {
    // A plugin that exits without reading all its input must give this thread
    // EPIPE, not a SIGPIPE that kills the process. SIGPIPE from write() is
    // directed at the writing thread; blocked here, it is discarded when the
    // thread ends.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    std::string_view rest = input;
    while (!rest.empty()) {
      ssize_t n = write(in_pipe[1], rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the plugin stopped reading
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    close(in_pipe[1]);
  });
  std::string output;
  char buf[65536];
  for (;;) {
    ssize_t n = read(out_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<std::size_t>(n));
  }
  close(out_pipe[0]);
  writer.join();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("plugin '{}' failed ({})", name,
                            WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status)) : "killed by a signal"),
                "run the plugin by hand to see its error output");
  }
  std::unordered_map<core::Md5, store::ObjectRef> by_hash;
  for (const auto& r : selection) by_hash.emplace(r.hash, r);
  std::vector<store::ObjectRef> out;
  std::unordered_set<core::Md5> printed;
  std::size_t pos = 0;
  while (pos < output.size()) {
    auto nl = output.find('\n', pos);
    if (nl == std::string::npos) nl = output.size();
    std::string_view line(output.data() + pos, nl - pos);
    pos = nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.starts_with("id:")) line.remove_prefix(3);
    if (line.empty()) continue;
    auto hash = core::Md5::from_hex(line);
    if (hash && printed.contains(*hash)) continue;  // each object at most once
    auto it = hash ? by_hash.find(*hash) : by_hash.end();
    if (it == by_hash.end()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("plugin '{}' printed '{}', which is not one of the objects it was given", name, line),
                  "a pipe plugin prints only hashes it received, one a line");
    }
    out.push_back(it->second);
    printed.insert(it->first);
  }
  return out;
}

}  // namespace ldb::dataset
