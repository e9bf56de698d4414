#pragma once
// What a browsing front end (the web UI's grid and query box) needs beyond
// list(): the selected objects alone, and where a query's syntax error is.

#include <cstddef>
#include <optional>
#include <vector>

#include "app/inspect.hpp"
#include "app/selection.hpp"
#include "app/session.hpp"

namespace ldb::app {

// The objects `request` selects, in order, by the rules of list() (no
// objects: the staged dataset of the workspace) — without the paths, tags
// and transforms a listing reads for each. Errors as list().
Result<std::vector<ObjectRef>> select_refs(Session& session, const ListRequest& request);

// The column (in characters, from 1) of a query syntax error among the errors
// a selection returns (--query, --jquery, --file), for a front end that draws
// its own caret; nothing for any other error.
std::optional<std::size_t> query_error_column(const Error& error);

// A filter's expression (query, file, jquery) parsed as a selection parses it
// before any work: its syntax error (query_error_column gives the column), or
// nothing. So a front end that sends several can say which one is wrong.
// Other filters pass.
Status check_expression(const Filter& filter);

}  // namespace ldb::app
