#pragma once
// Terminal output: progress drawn on stderr when it is a terminal (and not -q),
// helpers for human and --json output on stdout.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/progress.hpp"

namespace ldb::cli {

struct Verbosity {
  bool quiet = false;
  bool verbose = false;
};

// Draws "label  n/total" on stderr at most ten times a second, only when
// stderr is a terminal and not quiet. finish() ends the phase start() began
// with its final count and a newline; a finish() without a phase (a second
// one) draws nothing. Thread-safe.
class TerminalProgress final : public core::Progress {
 public:
  explicit TerminalProgress(bool enabled) : m_enabled(enabled) {}
  void start(std::string_view label, std::uint64_t total) override;
  void advance(std::uint64_t n) override;
  void finish() override;

 private:
  void draw(bool force);
  bool m_enabled;
  std::mutex m_mutex;
  std::string m_label;
  std::uint64_t m_total = 0;
  std::atomic<std::uint64_t> m_done{0};
  std::chrono::steady_clock::time_point m_last{};
  bool m_drawn = false;
  bool m_active = false;  // between start() and finish()
};

bool stdout_is_terminal();
bool stderr_is_terminal();

// Unix seconds as "YYYY-MM-DD HH:MM:SS" (UTC) for people, ISO 8601 for JSON.
std::string human_time(std::int64_t seconds);
std::string iso_time(std::int64_t seconds);

// Prints a line to stdout / a warning to stderr.
void out_line(std::string_view text);
void warn(std::string_view text);

}  // namespace ldb::cli
