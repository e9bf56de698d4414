#pragma once
// Error, Result<T> and Status: how every ldb layer reports failure.
// Library code never prints or exits; it returns an Error that names the exact
// subject (path, hash, dataset, query position) and a hint for the next step.
// Only src/cli turns an Error into "ldb: error: ..." / "hint: ..." and an exit code.

#include <expected>
#include <string>
#include <utility>

namespace ldb::core {

enum class ErrorCode {
  not_found,
  invalid_argument,
  already_exists,
  conflict,
  corruption,
  io,
  unsupported,
  internal,
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::string hint;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

// Shorthand for `return fail(ErrorCode::io, fmt::format(...), "hint")`.
inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string hint = {}) {
  return std::unexpected(Error{code, std::move(message), std::move(hint)});
}

// Name of an error code, as shown by `-v` and in test failures.
const char* to_string(ErrorCode code);

}  // namespace ldb::core

namespace ldb {
using core::Error;
using core::ErrorCode;
using core::fail;
using core::Result;
using core::Status;
}  // namespace ldb

// Propagate an error from an expression returning Result<T>/Status.
#define LDB_TRY(expr)                                             \
  do {                                                            \
    if (auto ldb_try_status_ = (expr); !ldb_try_status_) {        \
      return std::unexpected(std::move(ldb_try_status_).error()); \
    }                                                             \
  } while (false)

// LDB_TRY_ASSIGN(auto x, expr): evaluates expr (a Result<T>); on error returns
// the error from the enclosing function, else declares (or assigns) `lhs` with
// the value moved out. Replaces the three lines
//   auto r = expr; if (!r) return std::unexpected(r.error()); auto x = std::move(*r);
#define LDB_TRY_CONCAT_INNER_(a, b) a##b
#define LDB_TRY_CONCAT_(a, b) LDB_TRY_CONCAT_INNER_(a, b)
#define LDB_TRY_ASSIGN(lhs, expr) LDB_TRY_ASSIGN_IMPL_(LDB_TRY_CONCAT_(ldb_try_result_, __LINE__), lhs, expr)
#define LDB_TRY_ASSIGN_IMPL_(result, lhs, expr)                   \
  auto result = (expr);                                           \
  if (!result) return std::unexpected(std::move(result).error()); \
  lhs = std::move(*result)
