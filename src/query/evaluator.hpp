#pragma once
// The tree-walking evaluator. Evaluation state lives in a Context owned by the
// caller (one per evaluation, per thread); the Ast is only read, so one parsed
// expression can be evaluated by many threads at once.
//
// ldb's missing-key rule (Dialect::ldb, docs/queries.md) applies only at the
// top of an expression: the root, the operands of `&&`, `||`, `!`, `|`, of
// comparisons and of function calls reached from it, and the left side (base)
// of sub-expressions, indexes, slices, projections and filters. There a key
// that the document lacks makes the value "missing" (EvalStatus::missing),
// which comparisons, `!` and functions pass on (but not_null() reads it as
// null) and `&&`/`||` treat as SQL treats NULL (unknown || true is true,
// unknown && false is false, otherwise unknown). What is evaluated per element
// — the right side of projections, filter conditions, the &expr a function
// applies, multi-select members — is in a PerElement scope and reads a
// missing key as null, exactly as JMESPath does.

#include <string>
#include <string_view>

#include "query/ast.hpp"
#include "query/value.hpp"

namespace ldb::query {

enum class EvalStatus : std::uint8_t { ok, missing, error };

struct Context {
  Dialect dialect = Dialect::jmespath;
  Arena* arena = nullptr;
  Budget budget;
  EvalStatus status = EvalStatus::ok;
  // True while evaluating the top of the expression (see above); evaluate()
  // clears it for the per-element parts and restores it after them.
  bool at_top = true;
  std::string reason;  // for missing: the key; for error: "invalid-type: ..." etc.

  bool stopped() const { return status != EvalStatus::ok; }
  // Records a runtime error (the first one wins) and returns null.
  Value fail(std::string message) {
    if (status == EvalStatus::ok) {
      status = EvalStatus::error;
      reason = std::move(message);
    }
    return Value();
  }
  // Records that a missing key was touched at the top (ldb dialect) and
  // returns null.
  Value missing(std::string_view key);
  // Checks the work budget after a deep operation; fails when exhausted.
  bool out_of_budget() {
    if (!budget.exhausted) return false;
    fail("invalid-value: the query does too much work on this document (work limit reached)");
    return true;
  }
};

// Scope for the parts evaluated per element: while it lives a missing key is
// null, as in JMESPath, in both dialects; it restores the previous state.
class PerElement {
 public:
  explicit PerElement(Context& ctx) : m_ctx(ctx), m_was_at_top(ctx.at_top) { ctx.at_top = false; }
  ~PerElement() { m_ctx.at_top = m_was_at_top; }
  PerElement(const PerElement&) = delete;
  PerElement& operator=(const PerElement&) = delete;

 private:
  Context& m_ctx;
  bool m_was_at_top;
};

// Evaluates `node` against `current`. On failure ctx.status is set and the
// returned value is null; callers must check ctx.stopped() after each call.
Value evaluate(const Node& node, const Value& current, Context& ctx);

}  // namespace ldb::query
