#include "query/expression.hpp"

#include <fmt/format.h>

#include "query/ast.hpp"
#include "query/evaluator.hpp"
#include "query/parser.hpp"
#include "query/syntax_error.hpp"

namespace ldb::query {

namespace {

// Largest JSON text evaluate_json produces, so a query that repeats the document
// many times fails cleanly instead of exhausting memory.
constexpr std::size_t k_max_result_bytes = std::size_t{64} << 20;

// 1-based column in characters (UTF-8 code points) of a byte offset.
std::size_t column_of(std::string_view text, std::size_t offset) {
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

constexpr std::string_view k_syntax_error_prefix = "query syntax error at column ";

Error syntax_error(std::string_view text, const SyntaxError& error) {
  std::size_t column = column_of(text, error.offset);
  // Control characters would break the two-line picture; show them as spaces.
  std::string shown(text);
  for (char& c : shown) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  std::string hint = fmt::format("  {}\n  {}^", shown, std::string(column - 1, ' '));
  return Error{ErrorCode::invalid_argument, fmt::format("{}{}: {}", k_syntax_error_prefix, column, error.message),
               std::move(hint)};
}

// One evaluation: per-thread scratch storage, reset for every document.
struct Run {
  Context ctx;
  Value result;

  Run(const Ast& ast, simdjson::dom::element document) {
    thread_local Arena arena;
    arena.reset();
    ctx.dialect = ast.dialect;
    ctx.arena = &arena;
    result = evaluate(*ast.root, Value::from_element(document), ctx);
  }
};

Error runtime_error(const Ast& ast, const Context& ctx) {
  if (ctx.status == EvalStatus::missing) {
    return Error{ErrorCode::not_found,
                 fmt::format("query '{}' refers to key '{}', which this document does not have", ast.text, ctx.reason),
                 "use --jquery for standard JMESPath (missing keys are null), or has_keys()/get() to test for the key"};
  }
  return Error{ErrorCode::invalid_argument, fmt::format("query '{}' failed: {}", ast.text, ctx.reason),
               "check the argument types of the functions in the query"};
}

}  // namespace

std::optional<std::size_t> syntax_error_column(const Error& error) {
  std::string_view message = error.message;
  if (error.code != ErrorCode::invalid_argument || !message.starts_with(k_syntax_error_prefix)) return std::nullopt;
  message.remove_prefix(k_syntax_error_prefix.size());
  std::size_t column = 0;
  std::size_t digits = 0;
  for (; digits < message.size() && digits < 9 && message[digits] >= '0' && message[digits] <= '9'; ++digits) {
    column = column * 10 + static_cast<std::size_t>(message[digits] - '0');
  }
  if (digits == 0 || column == 0 || digits >= message.size() || message[digits] != ':') return std::nullopt;
  return column;
}

Result<Expression> Expression::parse(std::string_view text, Dialect dialect) {
  auto ast = std::make_shared<Ast>();
  ast->text.assign(text);
  ast->dialect = dialect;
  if (auto parsed = query::parse(*ast); !parsed) return std::unexpected(syntax_error(text, parsed.error()));
  return Expression(std::move(ast));
}

Expression::Outcome Expression::test(simdjson::dom::element document, std::string* why) const {
  Run run(*m_ast, document);
  switch (run.ctx.status) {
    case EvalStatus::ok:
      return is_truthy(run.result) ? Outcome::match : Outcome::no_match;
    case EvalStatus::missing:
      if (why) *why = fmt::format("missing key '{}'", run.ctx.reason);
      return Outcome::missing;
    case EvalStatus::error:
      if (why) *why = run.ctx.reason;
      return Outcome::error;
  }
  return Outcome::error;
}

Result<std::string> Expression::evaluate_json(simdjson::dom::element document) const {
  Run run(*m_ast, document);
  if (run.ctx.stopped()) return std::unexpected(runtime_error(*m_ast, run.ctx));
  std::string out;
  Budget budget;
  if (!append_json(run.result, out, budget, k_max_result_bytes)) {
    return fail(ErrorCode::invalid_argument, fmt::format("query '{}' result is too large to print", m_ast->text),
                "select less of the document, e.g. with a projection or a filter");
  }
  return out;
}

Result<SortKey> Expression::sort_key(simdjson::dom::element document) const {
  Run run(*m_ast, document);
  if (run.ctx.stopped()) return std::unexpected(runtime_error(*m_ast, run.ctx));
  SortKey key;
  switch (run.result.kind()) {
    case Kind::null:
      break;
    case Kind::number:
      key.type = SortKey::Type::number;
      key.number = run.result.as_number();
      break;
    case Kind::string:
      key.type = SortKey::Type::string;
      key.string.assign(run.result.as_string());
      break;
    default:
      return fail(ErrorCode::invalid_argument,
                  fmt::format("sort key '{}' gave {}, but a sort key must be a number or a string", m_ast->text,
                              kind_name(run.result.kind())),
                  "sort by a number or string field, e.g. --sort 'inference.confidence'");
  }
  return key;
}

namespace {

Expression::Item item_of(const Value& v) {
  using Type = Expression::Item::Type;
  Expression::Item item;
  switch (v.kind()) {
    case Kind::boolean:
      item.type = Type::boolean;
      item.boolean = v.as_bool();
      break;
    case Kind::number:
      item.type = Type::number;
      item.number = v.as_number();
      break;
    case Kind::string:
      item.type = Type::string;
      item.string = v.as_string();
      break;
    case Kind::array:
      item.type = Type::array;
      break;
    case Kind::object:
    case Kind::expref:
      item.type = Type::object;
      break;
    case Kind::null:
      break;
  }
  return item;
}

}  // namespace

Expression::Spread Expression::spread(simdjson::dom::element document, const std::function<void(const Item&)>& each,
                                      std::string* why) const {
  Run run(*m_ast, document);
  switch (run.ctx.status) {
    case EvalStatus::ok:
      break;
    case EvalStatus::missing:
      if (why) *why = fmt::format("missing key '{}'", run.ctx.reason);
      return Spread::missing;
    case EvalStatus::error:
      if (why) *why = run.ctx.reason;
      return Spread::error;
  }
  if (run.result.kind() != Kind::array) {
    each(item_of(run.result));
    return Spread::value;
  }
  for_each_element(run.result, [&](const Value& element) {
    each(item_of(element));
    return true;
  });
  return Spread::array;
}

std::string Expression::quoting_note() const {
  const std::string& text = m_ast->text;
  for (const Node& node : m_ast->nodes) {
    if (node.kind != NodeKind::comparator) continue;
    for (const Node* operand : node.children) {
      if (operand->kind != NodeKind::field || operand->offset >= text.size() || text[operand->offset] != '"') continue;
      // Columns count characters from 1, as in syntax errors.
      std::size_t column = 1;
      for (std::size_t i = 0; i < operand->offset; ++i) column += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
      return fmt::format("\"{0}\" at column {1} is a key, not a string: for the text {0} write '{0}' (or `\"{0}\"`)",
                         operand->name, column);
    }
  }
  return "";
}

const std::string& Expression::text() const { return m_ast->text; }
Dialect Expression::dialect() const { return m_ast->dialect; }

}  // namespace ldb::query
