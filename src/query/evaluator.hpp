#pragma once
// The tree-walking evaluator. Evaluation state lives in a Context owned by the
// caller (one per evaluation, per thread); the Ast is only read, so one parsed
// expression can be evaluated by many threads at once.

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
  // Records that a missing key was touched (ldb dialect) and returns null.
  Value missing(std::string_view key);
  // Checks the work budget after a deep operation; fails when exhausted.
  bool out_of_budget() {
    if (!budget.exhausted) return false;
    fail("invalid-value: the query does too much work on this document (work limit reached)");
    return true;
  }
};

// Evaluates `node` against `current`. On failure ctx.status is set and the
// returned value is null; callers must check ctx.stopped() after each call.
Value evaluate(const Node& node, const Value& current, Context& ctx);

}  // namespace ldb::query
