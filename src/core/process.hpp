#pragma once
// Running an external program (pipe plugins, transforms, --apply): the
// program gets `input` on its stdin; its stdout is captured or passed through,
// its stderr always goes to ldb's stderr. posix_spawn, no shell: arguments are
// passed as they are. Safe to call from several threads at once.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ldb::core {

enum class StdoutMode { capture, inherit };

struct ProgramRun {
  bool exited = false;  // false: killed by a signal
  int exit_status = 0;  // when exited
  int signal = 0;       // when killed
  std::string output;   // stdout, with StdoutMode::capture

  bool succeeded() const { return exited && exit_status == 0; }
  // "exit status 3" or "killed by a signal (9)", for messages.
  std::string describe() const;
};

// Runs `exe` (a path to an executable) with `args` (argv[1...]) in
// `working_dir` (empty: the current folder), writing `input` to its stdin and
// waiting for it to end. A program that stops reading its input early is not an
// error by itself. io when the program cannot be started (the message names it);
// its exit status is the caller's to judge.
Result<ProgramRun> run_program(const std::filesystem::path& exe, std::span<const std::string> args,
                               std::string_view input, StdoutMode stdout_mode,
                               const std::filesystem::path& working_dir = {});

}  // namespace ldb::core
