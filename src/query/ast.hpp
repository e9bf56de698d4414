#pragma once
// The parsed form of an expression: a tree of Nodes plus the storage their
// literals and names point into. An Ast is immutable once parsed and may be
// evaluated from many threads at once.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "query/dialect.hpp"
#include "query/value.hpp"

namespace ldb::query {

enum class NodeKind : std::uint8_t {
  identity,           // @
  field,              // name
  subexpression,      // lhs . rhs
  index,              // lhs [n]
  slice,              // lhs [start:stop:step] (a projection follows)
  projection,         // lhs[*] / lhs[] followed by rhs
  value_projection,   // lhs.* followed by rhs
  filter_projection,  // lhs[?cond] followed by rhs; children: lhs, rhs, cond
  flatten,            // lhs[]
  multi_select_list,  // [a, b]
  multi_select_hash,  // {k: a, ...}; names hold the keys
  or_op,
  and_op,
  not_op,
  comparator,
  pipe,
  literal,
  function,
  expref,  // &expr
};

enum class Comparator : std::uint8_t { eq, ne, lt, lte, gt, gte };

struct FunctionSpec;

struct Node {
  NodeKind kind = NodeKind::identity;
  Comparator comparator = Comparator::eq;
  std::size_t offset = 0;  // byte offset of the node's token in the expression text
  std::string_view name;   // field name or function name
  Value literal;           // literal value
  std::int64_t index = 0;  // index value
  std::optional<std::int64_t> slice_parts[3];
  std::vector<const Node*> children;
  std::vector<std::string_view> keys;  // multi_select_hash keys, one per child
  const FunctionSpec* function = nullptr;
  std::unique_ptr<RE2> regex;  // precompiled literal pattern of regex()/regex_match()
};

struct Ast {
  std::string text;
  Dialect dialect = Dialect::jmespath;
  const Node* root = nullptr;
  std::deque<Node> nodes;
  std::deque<std::string> strings;
  std::deque<OwnedArray> arrays;
  std::deque<OwnedObject> objects;

  Node& new_node(NodeKind kind, std::size_t offset) {
    Node& node = nodes.emplace_back();
    node.kind = kind;
    node.offset = offset;
    return node;
  }
  std::string_view keep(std::string s) { return strings.emplace_back(std::move(s)); }
};

// Copies a parsed JSON element into storage owned by `ast` (used for literals).
Value own_element(simdjson::dom::element element, Ast& ast);

}  // namespace ldb::query
