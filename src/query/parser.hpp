#pragma once
// The JMESPath parser: a Pratt (top-down operator precedence) parser with the
// binding powers of the reference implementation (jmespath.py), so projections
// stop and compose exactly as the compliance suite expects.

#include <expected>

#include "query/ast.hpp"
#include "query/lexer.hpp"

namespace ldb::query {

// Deepest expression nesting accepted; deeper queries are a syntax error so
// that parsing and evaluation never exhaust the stack.
inline constexpr std::size_t k_max_query_depth = 400;

// Parses ast.text in ast.dialect and sets ast.root. Unknown functions, wrong
// arity and invalid regex literals are reported here as SyntaxErrors.
std::expected<void, SyntaxError> parse(Ast& ast);

}  // namespace ldb::query
