#include "query/evaluator.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "query/functions.hpp"

namespace ldb::query {

Value Context::missing(std::string_view key) {
  if (status == EvalStatus::ok) {
    status = EvalStatus::missing;
    reason.assign(key);
  }
  return Value();
}

namespace {

Value field(const Node& node, const Value& current, Context& ctx) {
  if (current.kind() == Kind::object) {
    if (auto member = find_member(current, node.name)) return *member;
  }
  if (ctx.dialect == Dialect::ldb && ctx.at_top) return ctx.missing(node.name);
  return Value();
}

// `||` and `&&`. A missing operand (only possible at the top of an ldb query)
// is unknown, as NULL in SQL: unknown || x is x when x is truthy, unknown && x
// is x when x is falsy; otherwise the result stays missing, naming the first
// missing key. Other operands follow JMESPath (the deciding operand's value).
Value logical(const Node& node, const Value& current, Context& ctx) {
  const bool is_or = node.kind == NodeKind::or_op;
  Value left = evaluate(*node.children[0], current, ctx);
  if (ctx.status == EvalStatus::missing) {
    std::string left_key = std::exchange(ctx.reason, std::string());
    ctx.status = EvalStatus::ok;
    Value right = evaluate(*node.children[1], current, ctx);
    if (ctx.status == EvalStatus::error) return Value();
    if (ctx.status == EvalStatus::ok && is_truthy(right) == is_or) return right;
    ctx.status = EvalStatus::missing;
    ctx.reason = std::move(left_key);
    return Value();
  }
  if (ctx.stopped() || is_truthy(left) == is_or) return left;
  return evaluate(*node.children[1], current, ctx);
}

Value index(const Node& node, const Value& current) {
  if (current.kind() != Kind::array) return Value();
  std::int64_t size = static_cast<std::int64_t>(array_size(current));
  std::int64_t at = node.index < 0 ? size + node.index : node.index;
  if (at < 0 || at >= size) return Value();
  if (!current.is_document_array()) return current.owned_array()[static_cast<std::size_t>(at)];
  simdjson::dom::element element;
  if (current.document_array().at(static_cast<std::size_t>(at)).get(element) != simdjson::SUCCESS) return Value();
  return Value::from_element(element);
}

// Python slice semantics (what JMESPath specifies), on arrays only.
Value slice(const Node& node, const Value& current, Context& ctx) {
  if (current.kind() != Kind::array) return Value();
  std::int64_t step = node.slice_parts[2].value_or(1);
  if (step == 0) return ctx.fail("invalid-value: a slice step cannot be 0");
  // Materialize the elements so they can be indexed in any order.
  OwnedArray& elements = ctx.arena->new_array();
  append_elements(current, elements);
  std::int64_t size = static_cast<std::int64_t>(elements.size());
  auto bound = [&](std::optional<std::int64_t> part, std::int64_t if_missing) {
    if (!part) return if_missing;
    std::int64_t v = *part;
    if (v < 0) {
      v += size;
      if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= size) {
      v = step < 0 ? size - 1 : size;
    }
    return v;
  };
  std::int64_t start = bound(node.slice_parts[0], step < 0 ? size - 1 : 0);
  std::int64_t stop = bound(node.slice_parts[1], step < 0 ? -1 : size);
  OwnedArray& out = ctx.arena->new_array();
  if (step > 0) {
    for (std::int64_t i = start; i < stop; i += step) out.push_back(elements[static_cast<std::size_t>(i)]);
  } else {
    for (std::int64_t i = start; i > stop; i += step) out.push_back(elements[static_cast<std::size_t>(i)]);
  }
  return Value::array(&out);
}

Value projection(const Node& node, const Value& current, Context& ctx) {
  Value base = evaluate(*node.children[0], current, ctx);
  if (ctx.stopped() || base.kind() != Kind::array) return Value();
  PerElement per_element(ctx);
  OwnedArray& out = ctx.arena->new_array();
  for_each_element(base, [&](const Value& element) {
    Value result = evaluate(*node.children[1], element, ctx);
    if (ctx.stopped()) return false;
    if (!result.is_null()) out.push_back(result);
    return true;
  });
  if (ctx.stopped()) return Value();
  return Value::array(&out);
}

Value value_projection(const Node& node, const Value& current, Context& ctx) {
  Value base = evaluate(*node.children[0], current, ctx);
  if (ctx.stopped() || base.kind() != Kind::object) return Value();
  PerElement per_element(ctx);
  OwnedArray& out = ctx.arena->new_array();
  for_each_member(base, [&](std::string_view, const Value& member) {
    Value result = evaluate(*node.children[1], member, ctx);
    if (ctx.stopped()) return false;
    if (!result.is_null()) out.push_back(result);
    return true;
  });
  if (ctx.stopped()) return Value();
  return Value::array(&out);
}

Value filter_projection(const Node& node, const Value& current, Context& ctx) {
  Value base = evaluate(*node.children[0], current, ctx);
  if (ctx.stopped() || base.kind() != Kind::array) return Value();
  PerElement per_element(ctx);
  OwnedArray& out = ctx.arena->new_array();
  for_each_element(base, [&](const Value& element) {
    Value condition = evaluate(*node.children[2], element, ctx);
    if (ctx.stopped()) return false;
    if (!is_truthy(condition)) return true;
    Value result = evaluate(*node.children[1], element, ctx);
    if (ctx.stopped()) return false;
    if (!result.is_null()) out.push_back(result);
    return true;
  });
  if (ctx.stopped()) return Value();
  return Value::array(&out);
}

Value flatten(const Node& node, const Value& current, Context& ctx) {
  Value base = evaluate(*node.children[0], current, ctx);
  if (ctx.stopped() || base.kind() != Kind::array) return Value();
  OwnedArray& out = ctx.arena->new_array();
  for_each_element(base, [&](const Value& element) {
    if (element.kind() == Kind::array) {
      append_elements(element, out);
    } else {
      out.push_back(element);
    }
    return true;
  });
  return Value::array(&out);
}

Value multi_select_list(const Node& node, const Value& current, Context& ctx) {
  if (current.is_null()) return Value();
  PerElement per_element(ctx);
  OwnedArray& out = ctx.arena->new_array();
  for (const Node* child : node.children) {
    Value v = evaluate(*child, current, ctx);
    if (ctx.stopped()) return Value();
    out.push_back(v);
  }
  return Value::array(&out);
}

Value multi_select_hash(const Node& node, const Value& current, Context& ctx) {
  if (current.is_null()) return Value();
  PerElement per_element(ctx);
  OwnedObject& out = ctx.arena->new_object();
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    Value v = evaluate(*node.children[i], current, ctx);
    if (ctx.stopped()) return Value();
    // A repeated key keeps its first position and takes the last value.
    auto existing =
        std::find_if(out.begin(), out.end(), [&](const auto& member) { return member.first == node.keys[i]; });
    if (existing != out.end()) {
      existing->second = v;
    } else {
      out.emplace_back(node.keys[i], v);
    }
  }
  return Value::object(&out);
}

Value compare(const Node& node, const Value& current, Context& ctx) {
  Value left = evaluate(*node.children[0], current, ctx);
  if (ctx.stopped()) return Value();
  Value right = evaluate(*node.children[1], current, ctx);
  if (ctx.stopped()) return Value();
  switch (node.comparator) {
    case Comparator::eq:
    case Comparator::ne: {
      bool same = equals(left, right, ctx.budget);
      if (ctx.out_of_budget()) return Value();
      return Value::boolean(node.comparator == Comparator::eq ? same : !same);
    }
    default:
      break;
  }
  // Ordering is defined on numbers only; anything else compares to null.
  if (left.kind() != Kind::number || right.kind() != Kind::number) return Value();
  std::partial_ordering order = compare_numbers(left, right);
  switch (node.comparator) {
    case Comparator::lt:
      return Value::boolean(order < 0);
    case Comparator::lte:
      return Value::boolean(order <= 0);
    case Comparator::gt:
      return Value::boolean(order > 0);
    case Comparator::gte:
      return Value::boolean(order >= 0);
    default:
      return Value();
  }
}

}  // namespace

Value evaluate(const Node& node, const Value& current, Context& ctx) {
  if (!ctx.budget.spend()) {
    ctx.out_of_budget();
    return Value();
  }
  switch (node.kind) {
    case NodeKind::identity:
      return current;
    case NodeKind::field:
      return field(node, current, ctx);
    case NodeKind::subexpression: {
      Value left = evaluate(*node.children[0], current, ctx);
      if (ctx.stopped()) return Value();
      return evaluate(*node.children[1], left, ctx);
    }
    case NodeKind::index: {
      Value left = evaluate(*node.children[0], current, ctx);
      if (ctx.stopped()) return Value();
      return index(node, left);
    }
    case NodeKind::slice: {
      Value left = evaluate(*node.children[0], current, ctx);
      if (ctx.stopped()) return Value();
      return slice(node, left, ctx);
    }
    case NodeKind::projection:
      return projection(node, current, ctx);
    case NodeKind::value_projection:
      return value_projection(node, current, ctx);
    case NodeKind::filter_projection:
      return filter_projection(node, current, ctx);
    case NodeKind::flatten:
      return flatten(node, current, ctx);
    case NodeKind::multi_select_list:
      return multi_select_list(node, current, ctx);
    case NodeKind::multi_select_hash:
      return multi_select_hash(node, current, ctx);
    case NodeKind::or_op:
    case NodeKind::and_op:
      return logical(node, current, ctx);
    case NodeKind::not_op: {
      Value operand = evaluate(*node.children[0], current, ctx);
      if (ctx.stopped()) return Value();
      return Value::boolean(!is_truthy(operand));
    }
    case NodeKind::comparator:
      return compare(node, current, ctx);
    case NodeKind::pipe: {
      Value left = evaluate(*node.children[0], current, ctx);
      if (ctx.stopped()) return Value();
      return evaluate(*node.children[1], left, ctx);
    }
    case NodeKind::literal:
      return node.literal;
    case NodeKind::function:
      return call_function(node, current, ctx);
    case NodeKind::expref:
      return Value::expref(node.children[0]);
  }
  return Value();
}

}  // namespace ldb::query
