#pragma once
// ldb's detection annotation shape (source_format, image, objects; see README
// "Formats"), read once for every detection writer (COCO, YOLO, VOC, Label
// Studio) and the label read-back: parse_detection finds the image, its size,
// the objects in order and each object's label, box and segmentation.
//
// The model only finds; it never refuses. The writers accept different things
// (COCO wants a string "category", VOC and Label Studio fall back to
// "category_id", YOLO reads polygons, ...) and say so in their own words, so
// each value is kept as the JSON element it was found as, next to its common
// reading (a string, a whole number, four numbers), and the writer applies its
// own rule. Elements point into the simdjson parser's document: a Detection
// is valid until that parser parses again.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/error.hpp"
#include "formats/instantiate.hpp"

namespace ldb::formats {

// "bbox" when it is an array of exactly four numbers.
struct DetectedBox {
  std::array<double, 4> value{};                 // x, y, w, h
  std::array<simdjson::dom::element, 4> json{};  // the numbers as written (for their canonical text)
};

// One entry of the annotation's "objects" array.
struct DetectedObject {
  std::size_t index = 0;                              // its place in "objects" (what WrittenObjects records)
  simdjson::dom::element json;                        // the entry as written, for the keys a writer reads itself
  bool is_object = false;                             // false: the entry is not a JSON object, and nothing below is set
  std::optional<simdjson::dom::element> category;     // "category", any JSON type
  std::optional<std::string_view> category_name;      // "category" when it is a string (maybe empty)
  std::optional<simdjson::dom::element> category_id;  // "category_id", any JSON type
  std::optional<std::int64_t> category_number;        // "category_id" when it is a whole number
  std::optional<simdjson::dom::element> bbox;         // "bbox", any JSON type
  std::optional<DetectedBox> box;                     // "bbox" when it is [x, y, w, h]
  std::optional<simdjson::dom::element> segmentation;  // "segmentation", any JSON type
};

// One annotation (a JSON object) read as the detection shape.
struct Detection {
  simdjson::dom::element root;
  std::optional<simdjson::dom::element> image;          // "image", any JSON type
  std::optional<simdjson::dom::element> width, height;  // "image"'s "width"/"height" when it is an object
  std::optional<simdjson::dom::element> objects_json;   // "objects", any JSON type
  std::vector<DetectedObject> objects;                  // its entries, in order, when it is an array
  std::optional<std::string_view> source_format;        // "source_format" when it is a string

  bool has_image_object() const { return image && image->is_object(); }
  bool has_objects_array() const { return objects_json && objects_json->is_array(); }
};

// The annotation `root` read as the detection shape; nullopt when it is not a
// JSON object. Missing or odd fields are left unset for the writer to judge.
std::optional<Detection> parse_detection(simdjson::dom::element root);

namespace shape {

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
  if (!value || *value < -9.0e15 || *value > 9.0e15 ||
      static_cast<double>(static_cast<std::int64_t>(*value)) != *value) {
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

}  // namespace shape
}  // namespace ldb::formats
