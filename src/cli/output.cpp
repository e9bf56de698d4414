#include "cli/output.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "core/time.hpp"

namespace ldb::cli {

bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }
bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

void TerminalProgress::start(std::string_view label, std::uint64_t total) {
  if (!m_enabled) return;
  std::lock_guard lock(m_mutex);
  m_label = std::string(label);
  m_total = total;
  m_done = 0;
  m_drawn = false;
  m_active = true;
  m_last = {};
}

void TerminalProgress::advance(std::uint64_t n) {
  if (!m_enabled) return;
  m_done += n;
  draw(false);
}

void TerminalProgress::finish() {
  if (!m_enabled) return;
  {
    // The library ends its phases and the CLI ends whatever may still run
    // (after an error): only the first finish of a phase draws its last line.
    std::lock_guard lock(m_mutex);
    if (!m_active) return;
  }
  draw(true);
  std::lock_guard lock(m_mutex);
  if (m_drawn) std::fputs("\n", stderr);
  m_drawn = false;
  m_active = false;
}

void TerminalProgress::draw(bool force) {
  std::lock_guard lock(m_mutex);
  if (!m_active) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - m_last < std::chrono::milliseconds(100)) return;
  m_last = now;
  std::uint64_t done = m_done;
  if (m_total) {
    fmt::print(stderr, "\r{}: {}/{} ({}%)\x1b[K", m_label, done, m_total, done * 100 / m_total);
  } else {
    fmt::print(stderr, "\r{}: {}\x1b[K", m_label, done);
  }
  std::fflush(stderr);
  m_drawn = true;
}

std::string human_time(std::int64_t seconds) { return core::format_utc(seconds, "%Y-%m-%d %H:%M:%S"); }

std::string iso_time(std::int64_t seconds) { return core::format_utc(seconds, "%Y-%m-%dT%H:%M:%SZ"); }

void out_line(std::string_view text) { fmt::print("{}\n", text); }
void warn(std::string_view text) { fmt::print(stderr, "ldb: warning: {}\n", text); }

}  // namespace ldb::cli
