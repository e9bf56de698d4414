#include "query/value.hpp"

#include <cmath>

#include <fmt/format.h>

#include "core/json.hpp"

namespace ldb::query {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::null:
      return "null";
    case Kind::boolean:
      return "boolean";
    case Kind::number:
      return "number";
    case Kind::string:
      return "string";
    case Kind::array:
      return "array";
    case Kind::object:
      return "object";
    case Kind::expref:
      return "expref";
  }
  return "unknown";
}

Value Value::from_element(simdjson::dom::element element) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::NULL_VALUE:
      return Value();
    case element_type::BOOL:
      return boolean(element.get_bool().value_unsafe());
    case element_type::INT64:
      return integer(element.get_int64().value_unsafe());
    case element_type::UINT64:
      return unsigned_integer(element.get_uint64().value_unsafe());
    case element_type::DOUBLE:
      return number(element.get_double().value_unsafe());
    case element_type::STRING:
      return string(element.get_string().value_unsafe());
    case element_type::ARRAY:
      return Value(Storage(std::in_place_index<4>, element));
    case element_type::OBJECT:
      return Value(Storage(std::in_place_index<5>, element));
  }
  return Value();
}

Kind Value::kind() const {
  static constexpr Kind k_kinds[] = {Kind::null,  Kind::boolean, Kind::number, Kind::string, Kind::array, Kind::object,
                                     Kind::array, Kind::object,  Kind::expref, Kind::number, Kind::number};
  return k_kinds[m_v.index()];
}

template <class T>
T& Arena::Pool<T>::next() {
  if (used == items.size()) items.push_back(std::make_unique<T>());
  T& item = *items[used++];
  item.clear();
  return item;
}

OwnedArray& Arena::new_array() { return m_arrays.next(); }
OwnedObject& Arena::new_object() { return m_objects.next(); }
std::string& Arena::new_string() { return m_strings.next(); }

void Arena::reset() {
  m_arrays.used = 0;
  m_objects.used = 0;
  m_strings.used = 0;
}

std::size_t array_size(const Value& array) {
  if (!array.is_document_array()) return array.owned_array().size();
  // simdjson saturates size() at 0xFFFFFF; count by walking in that case.
  std::size_t size = array.document_array().size();
  if (size < 0xFFFFFF) return size;
  size = 0;
  for ([[maybe_unused]] auto child : array.document_array()) ++size;
  return size;
}

std::size_t object_size(const Value& object) {
  if (!object.is_document_object()) return object.owned_object().size();
  std::size_t size = object.document_object().size();
  if (size < 0xFFFFFF) return size;
  size = 0;
  for ([[maybe_unused]] auto member : object.document_object()) ++size;
  return size;
}

bool is_truthy(const Value& v) {
  switch (v.kind()) {
    case Kind::null:
      return false;
    case Kind::boolean:
      return v.as_bool();
    case Kind::number:
      return true;
    case Kind::string:
      return !v.as_string().empty();
    case Kind::array:
      return v.is_document_array() ? v.document_array().begin() != v.document_array().end() : !v.owned_array().empty();
    case Kind::object:
      return v.is_document_object() ? v.document_object().begin() != v.document_object().end()
                                    : !v.owned_object().empty();
    case Kind::expref:
      return true;
  }
  return false;
}

std::optional<Value> find_member(const Value& object, std::string_view key) {
  if (object.is_document_object()) {
    simdjson::dom::element child;
    if (object.document_object().at_key(key).get(child) != simdjson::SUCCESS) return std::nullopt;
    return Value::from_element(child);
  }
  for (const auto& [name, value] : object.owned_object()) {
    if (name == key) return value;
  }
  return std::nullopt;
}

void append_elements(const Value& array, OwnedArray& out) {
  for_each_element(array, [&](const Value& child) {
    out.push_back(child);
    return true;
  });
}

bool equals(const Value& a, const Value& b, Budget& budget) {
  if (!budget.spend()) return false;
  Kind kind = a.kind();
  if (kind != b.kind()) return false;
  switch (kind) {
    case Kind::null:
      return true;
    case Kind::boolean:
      return a.as_bool() == b.as_bool();
    case Kind::number:
      return compare_numbers(a, b) == std::partial_ordering::equivalent;
    case Kind::string:
      return a.as_string() == b.as_string();
    case Kind::expref:
      return a.as_expref() == b.as_expref();
    case Kind::array: {
      if (array_size(a) != array_size(b)) return false;
      if (a.is_document_array() && b.is_document_array()) {
        auto left = a.document_array().begin();
        for (simdjson::dom::element right : b.document_array()) {
          if (!equals(Value::from_element(*left), Value::from_element(right), budget)) return false;
          ++left;
        }
        return true;
      }
      if (!a.is_document_array() && !b.is_document_array()) {
        const OwnedArray& left = a.owned_array();
        const OwnedArray& right = b.owned_array();
        for (std::size_t i = 0; i < left.size(); ++i) {
          if (!equals(left[i], right[i], budget)) return false;
        }
        return true;
      }
      // One document array and one owned array.
      const Value& document = a.is_document_array() ? a : b;
      const OwnedArray& owned = a.is_document_array() ? b.owned_array() : a.owned_array();
      std::size_t index = 0;
      bool same = true;
      for_each_element(document, [&](const Value& child) {
        same = equals(child, owned[index++], budget);
        return same;
      });
      return same;
    }
    case Kind::object: {
      if (object_size(a) != object_size(b)) return false;
      bool same = true;
      for_each_member(a, [&](std::string_view key, const Value& value) {
        auto other = find_member(b, key);
        same = other && equals(value, *other, budget);
        return same;
      });
      return same;
    }
  }
  return false;
}

namespace {

// Orders an int64 against a double without rounding either: a double at or
// beyond +-2^63 is outside int64's range; inside it, compare whole parts as
// integers and let the fraction break a tie.
std::partial_ordering compare_int_double(std::int64_t i, double d) {
  if (std::isnan(d)) return std::partial_ordering::unordered;
  if (d >= 9223372036854775808.0) return std::partial_ordering::less;
  if (d < -9223372036854775808.0) return std::partial_ordering::greater;
  double whole = std::trunc(d);
  auto w = static_cast<std::int64_t>(whole);
  if (i != w) return i < w ? std::partial_ordering::less : std::partial_ordering::greater;
  double fraction = d - whole;
  if (fraction > 0) return std::partial_ordering::less;
  if (fraction < 0) return std::partial_ordering::greater;
  return std::partial_ordering::equivalent;
}

std::partial_ordering compare_uint_double(std::uint64_t u, double d) {
  if (std::isnan(d)) return std::partial_ordering::unordered;
  if (d < 0) return std::partial_ordering::greater;
  if (d >= 18446744073709551616.0) return std::partial_ordering::less;
  double whole = std::trunc(d);
  auto w = static_cast<std::uint64_t>(whole);
  if (u != w) return u < w ? std::partial_ordering::less : std::partial_ordering::greater;
  return d > whole ? std::partial_ordering::less : std::partial_ordering::equivalent;
}

std::partial_ordering compare_int_uint(std::int64_t i, std::uint64_t u) {
  if (i < 0) return std::partial_ordering::less;
  return static_cast<std::uint64_t>(i) <=> u;
}

std::partial_ordering reverse(std::partial_ordering o) { return 0 <=> o; }

}  // namespace

std::partial_ordering compare_numbers(const Value& a, const Value& b) {
  const bool a_int = a.is_exact_integer();
  const bool b_int = b.is_exact_integer();
  if (!a_int && !b_int) return a.as_number() <=> b.as_number();
  if (a_int && b_int) {
    const bool a_unsigned = a.is_unsigned_integer();
    const bool b_unsigned = b.is_unsigned_integer();
    if (!a_unsigned && !b_unsigned) return a.as_int64() <=> b.as_int64();
    if (a_unsigned && b_unsigned) return a.as_uint64() <=> b.as_uint64();
    return a_unsigned ? reverse(compare_int_uint(b.as_int64(), a.as_uint64()))
                      : compare_int_uint(a.as_int64(), b.as_uint64());
  }
  if (a_int) {
    return a.is_unsigned_integer() ? compare_uint_double(a.as_uint64(), b.as_number())
                                   : compare_int_double(a.as_int64(), b.as_number());
  }
  return reverse(b.is_unsigned_integer() ? compare_uint_double(b.as_uint64(), a.as_number())
                                         : compare_int_double(b.as_int64(), a.as_number()));
}

void append_number_value(const Value& v, std::string& out) {
  if (v.is_unsigned_integer()) {
    fmt::format_to(std::back_inserter(out), "{}", v.as_uint64());
  } else if (v.is_exact_integer()) {
    fmt::format_to(std::back_inserter(out), "{}", v.as_int64());
  } else {
    append_number(v.as_number(), out);
  }
}

void append_number(double d, std::string& out) {
  if (!std::isfinite(d)) {
    out += "null";
  } else if (d == std::trunc(d) && std::fabs(d) < 9007199254740992.0) {
    fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(d));
  } else {
    fmt::format_to(std::back_inserter(out), "{}", d);
  }
}

namespace {

// Document integers keep their exact digits (a double would round above 2^53).
void append_element_number(simdjson::dom::element e, std::string& out) {
  using simdjson::dom::element_type;
  if (e.type() == element_type::INT64) {
    fmt::format_to(std::back_inserter(out), "{}", e.get_int64().value_unsafe());
  } else if (e.type() == element_type::UINT64) {
    fmt::format_to(std::back_inserter(out), "{}", e.get_uint64().value_unsafe());
  } else {
    append_number(e.get_double().value_unsafe(), out);
  }
}

bool append_element(simdjson::dom::element e, std::string& out, Budget& budget, std::size_t max_bytes) {
  using simdjson::dom::element_type;
  if (!budget.spend() || out.size() > max_bytes) return false;
  switch (e.type()) {
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      append_element_number(e, out);
      return true;
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      simdjson::dom::array elements = e.get_array().value_unsafe();
      for (simdjson::dom::element child : elements) {
        if (!first) out.push_back(',');
        first = false;
        if (!append_element(child, out, budget, max_bytes)) return false;
      }
      out.push_back(']');
      return true;
    }
    case element_type::OBJECT: {
      out.push_back('{');
      bool first = true;
      simdjson::dom::object members = e.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair member : members) {
        if (!first) out.push_back(',');
        first = false;
        core::append_json_string(member.key, out);
        out.push_back(':');
        if (!append_element(member.value, out, budget, max_bytes)) return false;
      }
      out.push_back('}');
      return true;
    }
    default:
      return append_json(Value::from_element(e), out, budget, max_bytes);
  }
}

}  // namespace

bool append_json(const Value& v, std::string& out, Budget& budget, std::size_t max_bytes) {
  if (!budget.spend() || out.size() > max_bytes) return false;
  switch (v.kind()) {
    case Kind::null:
      out += "null";
      return true;
    case Kind::boolean:
      out += v.as_bool() ? "true" : "false";
      return true;
    case Kind::number:
      append_number_value(v, out);
      return true;
    case Kind::string:
      core::append_json_string(v.as_string(), out);
      return true;
    case Kind::expref:
      out += "null";
      return true;
    case Kind::array: {
      if (v.is_document_array()) return append_element(v.document_element(), out, budget, max_bytes);
      out.push_back('[');
      bool first = true;
      for (const Value& child : v.owned_array()) {
        if (!first) out.push_back(',');
        first = false;
        if (!append_json(child, out, budget, max_bytes)) return false;
      }
      out.push_back(']');
      return true;
    }
    case Kind::object: {
      if (v.is_document_object()) return append_element(v.document_element(), out, budget, max_bytes);
      out.push_back('{');
      bool first = true;
      for (const auto& [key, value] : v.owned_object()) {
        if (!first) out.push_back(',');
        first = false;
        core::append_json_string(key, out);
        out.push_back(':');
        if (!append_json(value, out, budget, max_bytes)) return false;
      }
      out.push_back('}');
      return true;
    }
  }
  return true;
}

}  // namespace ldb::query
