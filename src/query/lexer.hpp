#pragma once
// The JMESPath lexer. It turns an expression into tokens, decoding quoted
// identifiers, raw strings and backtick JSON literals into storage owned by the
// Ast. In the ldb dialect numbers may carry a fraction and an exponent.

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "query/ast.hpp"
#include "query/dialect.hpp"

namespace ldb::query {

enum class TokenType {
  eof,
  unquoted_identifier,
  quoted_identifier,
  literal,
  number,
  dot,
  star,
  lbracket,
  rbracket,
  flatten,
  filter,
  comma,
  colon,
  current,
  expref,
  lparen,
  rparen,
  lbrace,
  rbrace,
  pipe,
  or_op,
  and_op,
  not_op,
  eq,
  ne,
  lt,
  lte,
  gt,
  gte,
};

struct Token {
  TokenType type = TokenType::eof;
  std::size_t start = 0;  // byte offsets into the expression
  std::size_t end = 0;
  std::string_view text;  // decoded identifier
  Value literal;          // literal value (string or JSON)
  double number = 0;      // number token value
  bool integral = true;   // number token has no fraction or exponent
};

// A syntax error at a byte offset of the expression.
struct SyntaxError {
  std::size_t offset = 0;
  std::string message;
};

// Splits `ast.text` into tokens, ending with an eof token at text.size().
std::expected<std::vector<Token>, SyntaxError> tokenize(Ast& ast);

// How a token is shown in error messages: "'=='", "'foo'", "the end of the query".
std::string describe(const Token& token, std::string_view text);

}  // namespace ldb::query
