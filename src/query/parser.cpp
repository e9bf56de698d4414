#include "query/parser.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "query/functions.hpp"

namespace ldb::query {

namespace {

int binding_power(TokenType type) {
  switch (type) {
    case TokenType::pipe:
      return 1;
    case TokenType::or_op:
      return 2;
    case TokenType::and_op:
      return 3;
    case TokenType::eq:
    case TokenType::ne:
    case TokenType::lt:
    case TokenType::lte:
    case TokenType::gt:
    case TokenType::gte:
      return 5;
    case TokenType::flatten:
      return 9;
    case TokenType::star:
      return 20;
    case TokenType::filter:
      return 21;
    case TokenType::dot:
      return 40;
    case TokenType::not_op:
      return 45;
    case TokenType::lbrace:
      return 50;
    case TokenType::lbracket:
      return 55;
    case TokenType::lparen:
      return 60;
    default:
      return 0;
  }
}

// Plain edit distance, for "did you mean" on unknown function names.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

struct ParseFailure {
  SyntaxError error;
};

class Parser {
 public:
  Parser(Ast& ast, std::vector<Token> tokens) : m_ast(ast), m_tokens(std::move(tokens)) {}

  std::expected<void, SyntaxError> run() {
    const Node* root = expression(0);
    if (m_failure) return std::unexpected(std::move(*m_failure));
    if (current().type != TokenType::eof) {
      fail_at(current(), fmt::format("unexpected {} after a complete expression", describe(current(), m_ast.text)));
      return std::unexpected(std::move(*m_failure));
    }
    m_ast.root = root;
    return {};
  }

 private:
  const Token& current() const { return m_tokens[m_index]; }
  const Token& lookahead(std::size_t n) const { return m_tokens[std::min(m_index + n, m_tokens.size() - 1)]; }
  void advance() {
    if (m_index + 1 < m_tokens.size()) ++m_index;
  }
  bool failed() const { return m_failure.has_value(); }

  // Records the first error; returns a placeholder node so callers can unwind.
  const Node* fail_at(const Token& token, std::string message) {
    if (!m_failure) m_failure = SyntaxError{token.start, std::move(message)};
    return &m_placeholder;
  }
  const Node* unexpected(const Token& token, std::string_view expected) {
    if (token.type == TokenType::eof) {
      return fail_at(token, fmt::format("the query ended early: expected {}", expected));
    }
    return fail_at(token, fmt::format("unexpected {}: expected {}", describe(token, m_ast.text), expected));
  }
  bool match(TokenType type, std::string_view expected) {
    if (current().type != type) {
      unexpected(current(), expected);
      return false;
    }
    advance();
    return true;
  }

  Node& node(NodeKind kind, std::size_t offset, std::initializer_list<const Node*> children = {}) {
    Node& n = m_ast.new_node(kind, offset);
    n.children.assign(children.begin(), children.end());
    return n;
  }

  const Node* expression(int power) {
    if (failed()) return &m_placeholder;
    if (++m_depth > k_max_query_depth) {
      return fail_at(current(), fmt::format("the query is nested too deeply (more than {} levels)", k_max_query_depth));
    }
    const Token& token = current();
    std::size_t previous = m_index;
    advance();
    const Node* left = nud(token, previous);
    while (!failed() && power < binding_power(current().type)) {
      const Token& op = current();
      advance();
      left = led(op, left);
    }
    --m_depth;
    return left;
  }

  const Node* nud(const Token& token, std::size_t token_index) {
    switch (token.type) {
      case TokenType::literal: {
        Node& n = node(NodeKind::literal, token.start);
        n.literal = token.literal;
        return &n;
      }
      case TokenType::unquoted_identifier: {
        Node& n = node(NodeKind::field, token.start);
        n.name = token.text;
        return &n;
      }
      case TokenType::quoted_identifier: {
        if (current().type == TokenType::lparen) {
          return fail_at(token, "a function name cannot be quoted");
        }
        Node& n = node(NodeKind::field, token.start);
        n.name = token.text;
        return &n;
      }
      case TokenType::number:
        if (m_ast.dialect == Dialect::ldb) {
          Node& n = node(NodeKind::literal, token.start);
          n.literal = Value::number(token.number);
          return &n;
        }
        return fail_at(
            token, fmt::format("unexpected number {}: write number literals in backticks, like `{}`",
                               describe(token, m_ast.text), m_ast.text.substr(token.start, token.end - token.start)));
      case TokenType::star: {
        const Node* identity = &node(NodeKind::identity, token.start);
        const Node* rhs = projection_rhs(binding_power(TokenType::star));
        return &node(NodeKind::value_projection, token.start, {identity, rhs});
      }
      case TokenType::filter:
        return led_filter(token, &node(NodeKind::identity, token.start));
      case TokenType::lbrace:
        return multi_select_hash(token);
      case TokenType::lparen: {
        const Node* inner = expression(0);
        match(TokenType::rparen, "')'");
        return inner;
      }
      case TokenType::flatten: {
        const Node* flat = &node(NodeKind::flatten, token.start, {&node(NodeKind::identity, token.start)});
        const Node* rhs = projection_rhs(binding_power(TokenType::flatten));
        return &node(NodeKind::projection, token.start, {flat, rhs});
      }
      case TokenType::not_op: {
        // jmespath.py binds '!' tighter than '.', so `!a.b` is `(!a).b`. The ldb
        // dialect reads it as `!(a.b)`, which is what `x.y || !x.y` means.
        int power =
            m_ast.dialect == Dialect::ldb ? binding_power(TokenType::dot) - 1 : binding_power(TokenType::not_op);
        return &node(NodeKind::not_op, token.start, {expression(power)});
      }
      case TokenType::lbracket: {
        const Node* identity = &node(NodeKind::identity, token.start);
        if (current().type == TokenType::number || current().type == TokenType::colon) {
          return project_if_slice(token, identity, index_expression());
        }
        if (current().type == TokenType::star && lookahead(1).type == TokenType::rbracket) {
          advance();
          advance();
          const Node* rhs = projection_rhs(binding_power(TokenType::star));
          return &node(NodeKind::projection, token.start, {identity, rhs});
        }
        return multi_select_list(token);
      }
      case TokenType::current:
        return &node(NodeKind::identity, token.start);
      case TokenType::expref:
        return &node(NodeKind::expref, token.start, {expression(0)});
      case TokenType::eof: {
        if (token_index == 0) return fail_at(token, "the query is empty");
        return fail_at(token,
                       fmt::format("expected an expression after {}", describe(m_tokens[token_index - 1], m_ast.text)));
      }
      default:
        return fail_at(token, fmt::format("unexpected {}: expected an expression", describe(token, m_ast.text)));
    }
  }

  const Node* led(const Token& token, const Node* left) {
    switch (token.type) {
      case TokenType::dot: {
        if (current().type != TokenType::star) {
          const Node* rhs = dot_rhs(binding_power(TokenType::dot));
          return &node(NodeKind::subexpression, token.start, {left, rhs});
        }
        advance();
        const Node* rhs = projection_rhs(binding_power(TokenType::dot));
        return &node(NodeKind::value_projection, token.start, {left, rhs});
      }
      case TokenType::pipe:
        return &node(NodeKind::pipe, token.start, {left, expression(binding_power(TokenType::pipe))});
      case TokenType::or_op:
        return &node(NodeKind::or_op, token.start, {left, expression(binding_power(TokenType::or_op))});
      case TokenType::and_op:
        return &node(NodeKind::and_op, token.start, {left, expression(binding_power(TokenType::and_op))});
      case TokenType::lparen:
        return function_call(token, left);
      case TokenType::filter:
        return led_filter(token, left);
      case TokenType::eq:
        return comparator(token, left, Comparator::eq);
      case TokenType::ne:
        return comparator(token, left, Comparator::ne);
      case TokenType::lt:
        return comparator(token, left, Comparator::lt);
      case TokenType::lte:
        return comparator(token, left, Comparator::lte);
      case TokenType::gt:
        return comparator(token, left, Comparator::gt);
      case TokenType::gte:
        return comparator(token, left, Comparator::gte);
      case TokenType::flatten: {
        const Node* flat = &node(NodeKind::flatten, token.start, {left});
        const Node* rhs = projection_rhs(binding_power(TokenType::flatten));
        return &node(NodeKind::projection, token.start, {flat, rhs});
      }
      case TokenType::lbracket: {
        if (current().type == TokenType::number || current().type == TokenType::colon) {
          return project_if_slice(token, left, index_expression());
        }
        if (!match(TokenType::star, "a number, ':' or '*' after '['")) return &m_placeholder;
        if (!match(TokenType::rbracket, "']'")) return &m_placeholder;
        const Node* rhs = projection_rhs(binding_power(TokenType::star));
        return &node(NodeKind::projection, token.start, {left, rhs});
      }
      default:
        return fail_at(token, fmt::format("unexpected {}", describe(token, m_ast.text)));
    }
  }

  const Node* comparator(const Token& token, const Node* left, Comparator op) {
    Node& n = node(NodeKind::comparator, token.start, {left, expression(binding_power(token.type))});
    n.comparator = op;
    return &n;
  }

  const Node* led_filter(const Token& token, const Node* left) {
    const Node* condition = expression(0);
    if (!match(TokenType::rbracket, "']' to close the filter")) return &m_placeholder;
    const Node* rhs = current().type == TokenType::flatten ? &node(NodeKind::identity, token.start)
                                                           : projection_rhs(binding_power(TokenType::filter));
    return &node(NodeKind::filter_projection, token.start, {left, rhs, condition});
  }

  // After '[' with a number or ':' next: an index or a slice, through ']'.
  Node* index_expression() {
    const Token& start = current();
    if (current().type == TokenType::colon || lookahead(1).type == TokenType::colon) return slice_expression(start);
    Node& n = node(NodeKind::index, start.start);
    if (!start.integral) {
      fail_at(start, "an index must be a whole number");
      return &n;
    }
    n.index = to_index(start.number);
    advance();
    match(TokenType::rbracket, "']' after the index");
    return &n;
  }

  static std::int64_t to_index(double d) {
    constexpr double k_limit = 9.0e18;
    return static_cast<std::int64_t>(std::clamp(d, -k_limit, k_limit));
  }

  Node* slice_expression(const Token& start) {
    Node& n = node(NodeKind::slice, start.start);
    std::size_t part = 0;
    while (!failed() && current().type != TokenType::rbracket) {
      if (current().type == TokenType::colon) {
        if (++part == 3) {
          fail_at(current(), "a slice has at most three parts (start:stop:step)");
          return &n;
        }
        advance();
      } else if (current().type == TokenType::number) {
        if (!current().integral) {
          fail_at(current(), "slice bounds must be whole numbers");
          return &n;
        }
        n.slice_parts[part] = to_index(current().number);
        advance();
      } else {
        unexpected(current(), "a number, ':' or ']' in the slice");
        return &n;
      }
    }
    match(TokenType::rbracket, "']' to close the slice");
    return &n;
  }

  const Node* project_if_slice(const Token& token, const Node* left, Node* right) {
    if (right->kind == NodeKind::slice) {
      right->children.push_back(left);
      const Node* rhs = projection_rhs(binding_power(TokenType::star));
      return &node(NodeKind::projection, token.start, {right, rhs});
    }
    right->children.push_back(left);
    return right;
  }

  const Node* projection_rhs(int power) {
    if (failed()) return &m_placeholder;
    TokenType type = current().type;
    if (binding_power(type) < 10) return &node(NodeKind::identity, current().start);
    if (type == TokenType::lbracket || type == TokenType::filter) return expression(power);
    if (type == TokenType::dot) {
      advance();
      return dot_rhs(power);
    }
    return unexpected(current(), "'.', '[' or the end of the projection");
  }

  const Node* dot_rhs(int power) {
    if (failed()) return &m_placeholder;
    const Token& token = current();
    switch (token.type) {
      case TokenType::quoted_identifier:
      case TokenType::unquoted_identifier:
      case TokenType::star:
        return expression(power);
      case TokenType::lbracket:
        advance();
        return multi_select_list(token);
      case TokenType::lbrace:
        advance();
        return multi_select_hash(token);
      default:
        return unexpected(token, "a name, '*', '[' or '{' after '.'");
    }
  }

  const Node* multi_select_list(const Token& open) {
    Node& n = node(NodeKind::multi_select_list, open.start);
    while (!failed()) {
      n.children.push_back(expression(0));
      if (current().type == TokenType::rbracket) break;
      if (!match(TokenType::comma, "',' or ']' in the list")) break;
    }
    match(TokenType::rbracket, "']'");
    return &n;
  }

  const Node* multi_select_hash(const Token& open) {
    Node& n = node(NodeKind::multi_select_hash, open.start);
    while (!failed()) {
      const Token& key = current();
      if (key.type != TokenType::quoted_identifier && key.type != TokenType::unquoted_identifier) {
        return unexpected(key, "a key name in '{...}'");
      }
      advance();
      if (!match(TokenType::colon, "':' after the key")) break;
      n.keys.push_back(key.text);
      n.children.push_back(expression(0));
      if (current().type == TokenType::comma) {
        advance();
      } else if (current().type == TokenType::rbrace) {
        advance();
        break;
      } else {
        return unexpected(current(), "',' or '}'");
      }
    }
    return &n;
  }

  const Node* function_call(const Token& open, const Node* left) {
    if (left->kind != NodeKind::field) return fail_at(open, "only a function name can be followed by '('");
    Node& n = node(NodeKind::function, left->offset);
    n.name = left->name;
    std::vector<std::size_t> arg_offsets;
    while (!failed() && current().type != TokenType::rparen) {
      arg_offsets.push_back(current().start);
      n.children.push_back(expression(0));
      if (current().type == TokenType::comma) {
        advance();
        if (current().type == TokenType::rparen) return unexpected(current(), "an argument after ','");
      } else if (current().type != TokenType::rparen) {
        return unexpected(current(), "',' or ')' in the argument list");
      }
    }
    if (!match(TokenType::rparen, "')'")) return &n;
    check_function(n, arg_offsets);
    return &n;
  }

  void check_function(Node& n, const std::vector<std::size_t>& arg_offsets) {
    n.function = find_function(n.name);
    Token at;
    at.start = n.offset;
    if (!n.function) {
      std::string message = fmt::format("unknown function '{}'", n.name);
      std::string_view best;
      std::size_t best_distance = 3;
      for (std::string_view candidate : function_names()) {
        std::size_t d = edit_distance(n.name, candidate);
        if (d < best_distance) {
          best = candidate;
          best_distance = d;
        }
      }
      if (!best.empty()) message += fmt::format(" (did you mean '{}'?)", best);
      fail_at(at, std::move(message));
      return;
    }
    const FunctionSpec& spec = *n.function;
    std::size_t count = n.children.size();
    if (count < spec.min_args || (spec.max_args != k_variadic && count > spec.max_args)) {
      std::string expected = spec.max_args == k_variadic      ? fmt::format("at least {}", spec.min_args)
                             : spec.min_args == spec.max_args ? fmt::format("{}", spec.min_args)
                                                              : fmt::format("{} to {}", spec.min_args, spec.max_args);
      fail_at(at, fmt::format("invalid arity: {}() takes {} argument{}, got {} (usage: {})", spec.name, expected,
                              expected == "1" ? "" : "s", count, spec.signature));
      return;
    }
    // A literal regex pattern is compiled once, here.
    if ((spec.name == "regex" || spec.name == "regex_match") && n.children[1]->kind == NodeKind::literal &&
        n.children[1]->literal.kind() == Kind::string) {
      std::string error;
      n.regex = compile_regex(n.children[1]->literal.as_string(), &error);
      if (!n.regex) {
        at.start = arg_offsets[1];
        fail_at(at, fmt::format("invalid regular expression: {}", error));
      }
    }
  }

  Ast& m_ast;
  std::vector<Token> m_tokens;
  std::size_t m_index = 0;
  std::size_t m_depth = 0;
  std::optional<SyntaxError> m_failure;
  Node m_placeholder;
};

// Rejects trees deeper than k_max_query_depth (left-deep chains like a.b.c...
// are built iteratively, so parse recursion alone does not bound them).
std::optional<SyntaxError> check_depth(const Node* root) {
  std::vector<std::pair<const Node*, std::size_t>> stack{{root, 1}};
  while (!stack.empty()) {
    auto [n, depth] = stack.back();
    stack.pop_back();
    if (depth > k_max_query_depth) {
      return SyntaxError{n->offset,
                         fmt::format("the query is nested too deeply (more than {} levels)", k_max_query_depth)};
    }
    for (const Node* child : n->children) stack.emplace_back(child, depth + 1);
  }
  return std::nullopt;
}

}  // namespace

std::expected<void, SyntaxError> parse(Ast& ast) {
  auto tokens = tokenize(ast);
  if (!tokens) return std::unexpected(std::move(tokens.error()));
  Parser parser(ast, std::move(*tokens));
  auto parsed = parser.run();
  if (!parsed) return parsed;
  if (auto error = check_depth(ast.root)) return std::unexpected(std::move(*error));
  return {};
}

}  // namespace ldb::query
