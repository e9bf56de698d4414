#include "query/lexer.hpp"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace ldb::query {

Value own_element(simdjson::dom::element element, Ast& ast) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::STRING:
      return Value::string(ast.keep(std::string(element.get_string().value_unsafe())));
    case element_type::ARRAY: {
      OwnedArray& array = ast.arrays.emplace_back();
      simdjson::dom::array elements = element.get_array().value_unsafe();
      for (simdjson::dom::element child : elements) array.push_back(own_element(child, ast));
      return Value::array(&array);
    }
    case element_type::OBJECT: {
      OwnedObject& object = ast.objects.emplace_back();
      simdjson::dom::object members = element.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair member : members) {
        object.emplace_back(ast.keep(std::string(member.key)), own_element(member.value, ast));
      }
      return Value::object(&object);
    }
    default:
      return Value::from_element(element);
  }
}

namespace {

class Lexer {
 public:
  explicit Lexer(Ast& ast) : m_ast(ast), m_text(ast.text) {}

  std::expected<std::vector<Token>, SyntaxError> run() {
    std::vector<Token> tokens;
    while (true) {
      while (m_pos < m_text.size() && is_space(m_text[m_pos])) ++m_pos;
      if (m_pos >= m_text.size()) break;
      Token token;
      token.start = m_pos;
      if (auto error = next(token)) return std::unexpected(std::move(*error));
      token.end = m_pos;
      tokens.push_back(token);
    }
    Token eof;
    eof.start = eof.end = m_text.size();
    tokens.push_back(eof);
    return tokens;
  }

 private:
  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
  static bool is_ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  char peek(std::size_t ahead = 0) const { return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0'; }
  std::optional<SyntaxError> error(std::size_t offset, std::string message) {
    return SyntaxError{offset, std::move(message)};
  }

  std::optional<SyntaxError> next(Token& token) {
    char c = m_text[m_pos];
    auto one = [&](TokenType type) {
      token.type = type;
      ++m_pos;
      return std::nullopt;
    };
    auto two_or_one = [&](char second, TokenType both, TokenType single) {
      token.type = peek(1) == second ? both : single;
      m_pos += peek(1) == second ? 2 : 1;
      return std::nullopt;
    };
    switch (c) {
      case '.':
        return one(TokenType::dot);
      case '*':
        return one(TokenType::star);
      case ']':
        return one(TokenType::rbracket);
      case ',':
        return one(TokenType::comma);
      case ':':
        return one(TokenType::colon);
      case '@':
        return one(TokenType::current);
      case '(':
        return one(TokenType::lparen);
      case ')':
        return one(TokenType::rparen);
      case '{':
        return one(TokenType::lbrace);
      case '}':
        return one(TokenType::rbrace);
      case '[':
        if (peek(1) == ']') return two_or_one(']', TokenType::flatten, TokenType::lbracket);
        return two_or_one('?', TokenType::filter, TokenType::lbracket);
      case '|':
        return two_or_one('|', TokenType::or_op, TokenType::pipe);
      case '&':
        return two_or_one('&', TokenType::and_op, TokenType::expref);
      case '!':
        return two_or_one('=', TokenType::ne, TokenType::not_op);
      case '<':
        return two_or_one('=', TokenType::lte, TokenType::lt);
      case '>':
        return two_or_one('=', TokenType::gte, TokenType::gt);
      case '=':
        if (peek(1) == '=') return two_or_one('=', TokenType::eq, TokenType::eq);
        return error(m_pos, "'=' is not an operator; use '==' to compare");
      case '"':
        return quoted_identifier(token);
      case '\'':
        return raw_string(token);
      case '`':
        return json_literal(token);
      default:
        break;
    }
    if (is_ident_start(c)) {
      std::size_t start = m_pos;
      while (m_pos < m_text.size() && is_ident(m_text[m_pos])) ++m_pos;
      token.type = TokenType::unquoted_identifier;
      token.text = m_text.substr(start, m_pos - start);
      return std::nullopt;
    }
    if (is_digit(c) || c == '-') return number(token);
    if (static_cast<unsigned char>(c) >= 0x80)
      return error(m_pos, "unexpected non-ASCII character; quote identifiers like \"é\"");
    return error(m_pos, fmt::format("unexpected character '{}'", c));
  }

  std::optional<SyntaxError> number(Token& token) {
    std::size_t start = m_pos;
    if (peek() == '-') ++m_pos;
    if (!is_digit(peek())) return error(start, "'-' must be followed by a digit");
    while (is_digit(peek())) ++m_pos;
    if (m_ast.dialect == Dialect::ldb) {
      if (peek() == '.' && is_digit(peek(1))) {
        token.integral = false;
        ++m_pos;
        while (is_digit(peek())) ++m_pos;
      }
      if ((peek() == 'e' || peek() == 'E') &&
          (is_digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && is_digit(peek(2))))) {
        token.integral = false;
        m_pos += 2;
        while (is_digit(peek())) ++m_pos;
      }
    }
    std::string_view digits = m_text.substr(start, m_pos - start);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), token.number);
    if (ec == std::errc::result_out_of_range) {
      return error(start, fmt::format("number {} is out of range", digits));
    }
    token.type = TokenType::number;
    return std::nullopt;
  }

  // Consumes up to the closing `delimiter`, skipping backslash-escaped characters,
  // and returns the raw content (without delimiters).
  std::optional<std::string_view> until(char delimiter) {
    std::size_t start = ++m_pos;
    while (m_pos < m_text.size()) {
      if (m_text[m_pos] == '\\' && m_pos + 1 < m_text.size()) {
        m_pos += 2;
      } else if (m_text[m_pos] == delimiter) {
        return m_text.substr(start, m_pos++ - start);
      } else {
        ++m_pos;
      }
    }
    return std::nullopt;
  }

  static std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
      if (s.substr(i, from.size()) == from) {
        out += to;
        i += from.size();
      } else {
        out.push_back(s[i++]);
      }
    }
    return out;
  }

  // Parses JSON text; nullopt when it is not valid JSON.
  std::optional<Value> parse_json(const std::string& json) {
    simdjson::padded_string padded(json);
    simdjson::dom::element root;
    if (m_parser.parse(padded).get(root) != simdjson::SUCCESS) return std::nullopt;
    return own_element(root, m_ast);
  }

  std::optional<SyntaxError> quoted_identifier(Token& token) {
    std::size_t start = m_pos;
    auto content = until('"');
    if (!content) return error(start, "unterminated quoted identifier (missing closing '\"')");
    auto value = parse_json(fmt::format("\"{}\"", *content));
    if (!value) return error(start, "invalid escape sequence in quoted identifier");
    token.type = TokenType::quoted_identifier;
    token.text = value->as_string();
    return std::nullopt;
  }

  std::optional<SyntaxError> raw_string(Token& token) {
    std::size_t start = m_pos;
    auto content = until('\'');
    if (!content) return error(start, "unterminated string literal (missing closing \"'\")");
    token.type = TokenType::literal;
    token.literal = Value::string(m_ast.keep(replace_all(*content, "\\'", "'")));
    return std::nullopt;
  }

  // A backtick literal holds JSON; like jmespath.py, content that is not valid
  // JSON is read as a string (`cat` means "cat").
  std::optional<SyntaxError> json_literal(Token& token) {
    std::size_t start = m_pos;
    auto content = until('`');
    if (!content) return error(start, "unterminated JSON literal (missing closing '`')");
    std::string json = replace_all(*content, "\\`", "`");
    auto value = parse_json(json);
    if (!value) {
      std::size_t first = json.find_first_not_of(" \t\r\n");
      value = parse_json(fmt::format("\"{}\"", first == std::string::npos ? "" : json.substr(first)));
    }
    if (!value) return error(start, "invalid JSON literal between backticks");
    token.type = TokenType::literal;
    token.literal = *value;
    return std::nullopt;
  }

  Ast& m_ast;
  std::string_view m_text;
  std::size_t m_pos = 0;
  simdjson::dom::parser m_parser;
};

}  // namespace

namespace {

// Byte offset of the first malformed UTF-8 sequence (text.size() when none).
std::size_t first_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = byte < 0x80           ? 1
                         : (byte >> 5) == 0x6  ? 2
                         : (byte >> 4) == 0xE  ? 3
                         : (byte >> 3) == 0x1E ? 4
                                               : 0;
    if (length == 0 || i + length > text.size()) return i;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return i;
    }
    if (!simdjson::validate_utf8(text.data() + i, length)) return i;
    i += length;
  }
  return i;
}

}  // namespace

std::expected<std::vector<Token>, SyntaxError> tokenize(Ast& ast) {
  // Results must be valid JSON, so the query text must be valid UTF-8.
  if (std::size_t bad = first_invalid_utf8(ast.text); bad < ast.text.size()) {
    return std::unexpected(SyntaxError{bad, "the query is not valid UTF-8"});
  }
  return Lexer(ast).run();
}

std::string describe(const Token& token, std::string_view text) {
  if (token.type == TokenType::eof) return "the end of the query";
  return fmt::format("'{}'", text.substr(token.start, token.end - token.start));
}

}  // namespace ldb::query
