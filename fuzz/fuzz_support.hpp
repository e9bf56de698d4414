#pragma once
// Shared checks of the libFuzzer targets: a violated contract traps, so that
// libFuzzer records the input as a crash.

#include "core/error.hpp"

namespace ldb::fuzz {

// Every error a reader or writer returns carries a message and a hint.
inline void check_error(const ldb::Error& error) {
  if (error.message.empty() || error.hint.empty()) __builtin_trap();
}

}  // namespace ldb::fuzz
