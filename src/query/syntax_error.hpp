#pragma once
// Reading back where a query's syntax error is, for a front end that draws
// its own caret (the web UI's query box) instead of printing the hint.

#include <cstddef>
#include <optional>

#include "core/error.hpp"

namespace ldb::query {

// The column (in characters, from 1) of a syntax error that
// Expression::parse returned; nothing for any other error.
std::optional<std::size_t> syntax_error_column(const Error& error);

}  // namespace ldb::query
