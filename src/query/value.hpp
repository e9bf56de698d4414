#pragma once
// Value: what a JMESPath expression computes while it is evaluated. A Value is
// a small, trivially copyable handle: scalars are held inline, strings are views,
// and arrays/objects either refer to the simdjson document being queried or to
// vectors owned by an Arena (built by projections, multi-selects, functions) or by
// the parsed expression (literals). Simple field access and comparisons therefore
// never allocate. A Value is valid only while the document, the Arena and the
// parsed expression it points into are alive.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <simdjson.h>

namespace ldb::query {

struct Node;
class Value;

using OwnedArray = std::vector<Value>;
using OwnedObject = std::vector<std::pair<std::string_view, Value>>;

// The JMESPath types (expref is the type of `&expr` function arguments).
enum class Kind : std::uint8_t { null, boolean, number, string, array, object, expref };

// "null", "boolean", "number", "string", "array", "object" or "expref".
const char* kind_name(Kind kind);

class Value {
 public:
  Value() = default;  // null

  static Value boolean(bool b) { return Value(Storage(std::in_place_index<1>, b)); }
  static Value number(double d) { return Value(Storage(std::in_place_index<2>, d)); }
  static Value string(std::string_view s) { return Value(Storage(std::in_place_index<3>, s)); }
  static Value array(const OwnedArray* a) { return Value(Storage(std::in_place_index<6>, a)); }
  static Value object(const OwnedObject* o) { return Value(Storage(std::in_place_index<7>, o)); }
  static Value expref(const Node* n) { return Value(Storage(std::in_place_index<8>, n)); }
  // Exact integers (from documents and JSON literals): they print with every
  // digit and compare exactly with each other and with doubles.
  static Value integer(std::int64_t i) { return Value(Storage(std::in_place_index<9>, i)); }
  static Value unsigned_integer(std::uint64_t u) { return Value(Storage(std::in_place_index<10>, u)); }
  // Refers to a document element (integers stay exact, see integer()).
  static Value from_element(simdjson::dom::element element);

  Kind kind() const;
  bool is_null() const { return m_v.index() == 0; }
  bool as_bool() const { return std::get<1>(m_v); }
  // Any number as a double (integers beyond 2^53 round; compare with compare_numbers).
  double as_number() const {
    switch (m_v.index()) {
      case 9:
        return static_cast<double>(std::get<9>(m_v));
      case 10:
        return static_cast<double>(std::get<10>(m_v));
      default:
        return std::get<2>(m_v);
    }
  }
  // True for a number held as an exact integer (integer() or unsigned_integer()).
  bool is_exact_integer() const { return m_v.index() == 9 || m_v.index() == 10; }
  bool is_unsigned_integer() const { return m_v.index() == 10; }
  std::int64_t as_int64() const { return std::get<9>(m_v); }
  std::uint64_t as_uint64() const { return std::get<10>(m_v); }
  std::string_view as_string() const { return std::get<3>(m_v); }
  const Node* as_expref() const { return std::get<8>(m_v); }

  // Arrays and objects live either in the document or in owned vectors.
  bool is_document_array() const { return m_v.index() == 4; }
  simdjson::dom::array document_array() const { return std::get<4>(m_v).get_array().value_unsafe(); }
  simdjson::dom::element document_element() const { return m_v.index() == 4 ? std::get<4>(m_v) : std::get<5>(m_v); }
  const OwnedArray& owned_array() const { return *std::get<6>(m_v); }
  bool is_document_object() const { return m_v.index() == 5; }
  simdjson::dom::object document_object() const { return std::get<5>(m_v).get_object().value_unsafe(); }
  const OwnedObject& owned_object() const { return *std::get<7>(m_v); }

 private:
  using Storage =
      std::variant<std::monostate, bool, double, std::string_view, simdjson::dom::element, simdjson::dom::element,
                   const OwnedArray*, const OwnedObject*, const Node*, std::int64_t, std::uint64_t>;
  explicit Value(Storage v) : m_v(v) {}
  Storage m_v;
};

// Per-evaluation scratch storage for values an expression builds. Vectors and
// strings are recycled across reset() so steady-state evaluation does not
// allocate. Not thread-safe: each thread uses its own Arena.
class Arena {
 public:
  OwnedArray& new_array();
  OwnedObject& new_object();
  std::string& new_string();
  // Makes every handed-out vector and string reusable (invalidating Values into them).
  void reset();

 private:
  template <class T>
  struct Pool {
    std::vector<std::unique_ptr<T>> items;
    std::size_t used = 0;
    T& next();
  };
  Pool<OwnedArray> m_arrays;
  Pool<OwnedObject> m_objects;
  Pool<std::string> m_strings;
};

// A bound on the work one evaluation may do, so that expressions that share
// sub-values (`[@,@] | [@,@] | ...`) cannot make deep walks exponential.
struct Budget {
  std::uint64_t remaining = 10'000'000;
  bool exhausted = false;
  bool spend(std::uint64_t steps = 1) {
    if (remaining < steps) {
      exhausted = true;
      return false;
    }
    remaining -= steps;
    return true;
  }
};

// JMESPath truthiness: false, null, "", [] and {} are false; everything else is true.
bool is_truthy(const Value& v);

// Number of elements of an array Value (must be Kind::array).
std::size_t array_size(const Value& array);
// Number of members of an object Value (must be Kind::object).
std::size_t object_size(const Value& object);

// Calls f(Value) for each element of an array Value in order; stops when f returns false.
template <class F>
void for_each_element(const Value& array, F&& f) {
  if (array.is_document_array()) {
    for (simdjson::dom::element child : array.document_array()) {
      if (!f(Value::from_element(child))) return;
    }
  } else {
    for (const Value& child : array.owned_array()) {
      if (!f(child)) return;
    }
  }
}

// Calls f(key, Value) for each member of an object Value in order; stops when f returns false.
template <class F>
void for_each_member(const Value& object, F&& f) {
  if (object.is_document_object()) {
    for (simdjson::dom::key_value_pair member : object.document_object()) {
      if (!f(member.key, Value::from_element(member.value))) return;
    }
  } else {
    for (const auto& [key, value] : object.owned_object()) {
      if (!f(key, value)) return;
    }
  }
}

// The member `key` of an object Value, or nullopt when absent.
std::optional<Value> find_member(const Value& object, std::string_view key);

// Copies an array Value's elements into `out` (appending).
void append_elements(const Value& array, OwnedArray& out);

// Orders two numbers (Kind::number) exactly, whatever mix of int64, uint64 and
// double they hold: 9007199254740993 > 9007199254740992.0. unordered for NaN.
std::partial_ordering compare_numbers(const Value& a, const Value& b);

// Deep JMESPath equality (objects compare regardless of member order; 1 == 1.0;
// true != 1). Spends budget per visited node; returns false once it is exhausted.
bool equals(const Value& a, const Value& b, Budget& budget);

// Appends compact JSON for `v` (object members in document/construction order).
// Integral numbers below 2^53 print without a fraction; non-finite numbers print
// as null. Returns false when the budget or `max_bytes` is exceeded.
bool append_json(const Value& v, std::string& out, Budget& budget, std::size_t max_bytes);

// Appends a number Value (Kind::number) the way append_json prints it:
// exact integers with every digit, doubles as append_number.
void append_number_value(const Value& v, std::string& out);

// Appends a number the way append_json prints it.
void append_number(double d, std::string& out);

}  // namespace ldb::query
