#pragma once
// Progress reporting seam. Library code reports work done through a Progress;
// the CLI supplies one that draws on a terminal (and nothing otherwise).
// Implementations must be thread-safe: advance() is called from worker threads.

#include <cstdint>
#include <string_view>

namespace ldb::core {

class Progress {
 public:
  virtual ~Progress() = default;
  // Starts a phase; total == 0 means unknown.
  virtual void start(std::string_view label, std::uint64_t total) = 0;
  virtual void advance(std::uint64_t n) = 0;
  virtual void finish() = 0;
};

// A Progress that ignores everything (library tests, quiet mode).
class NullProgress final : public Progress {
 public:
  void start(std::string_view, std::uint64_t) override {}
  void advance(std::uint64_t) override {}
  void finish() override {}
};

}  // namespace ldb::core
