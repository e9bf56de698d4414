#pragma once
// Reading ldb's detection annotation shape (source_format, image, objects;
// see README "Formats") in the format writers: one set of accessors for the
// COCO, VOC, YOLO and Label Studio writers instead of a copy in each.

#include <cstdint>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/error.hpp"
#include "formats/instantiate.hpp"

namespace ldb::formats::shape {

// The value under `key` of a JSON object, or nullopt.
inline std::optional<simdjson::dom::element> field(simdjson::dom::element object, std::string_view key) {
  simdjson::dom::element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

inline bool is_number(simdjson::dom::element e) { return e.is_int64() || e.is_uint64() || e.is_double(); }

// A JSON number as a double; nullopt for any other value.
inline std::optional<double> number(simdjson::dom::element e) {
  if (e.is_int64()) return static_cast<double>(std::int64_t(e.get_int64()));
  if (e.is_uint64()) return static_cast<double>(std::uint64_t(e.get_uint64()));
  if (e.is_double()) return double(e.get_double());
  return std::nullopt;
}

// A JSON number that is a whole number (exact in a double); nullopt otherwise.
inline std::optional<std::int64_t> integer(simdjson::dom::element e) {
  auto value = number(e);
  if (!value || *value < -9.0e15 || *value > 9.0e15 || static_cast<double>(static_cast<std::int64_t>(*value)) != *value) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(*value);
}

// invalid_argument naming the object whose annotation `format`'s writer cannot read.
inline std::unexpected<Error> not_in_shape(const Member& member, std::string_view format, std::string_view problem) {
  return fail(ErrorCode::invalid_argument,
              fmt::format("object id:{}: its annotation is not in the detection shape: {}", member.hash.hex(), problem),
              fmt::format("instantiate -m {} needs annotations in ldb's detection shape (as indexed with -m coco, "
                          "yolo, voc or label-studio); use -m bare-pairs for other annotations",
                          format));
}

}  // namespace ldb::formats::shape
