// The VOC writer reads one member's detection-shape annotation at a time and
// prints its XML directly: VOC files are independent of each other, so unlike
// COCO and YOLO there is nothing to decide over the whole dataset.

#include "formats/voc_writer.hpp"
#include "formats/detection_shape.hpp"

#include <array>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json.hpp"

namespace ldb::formats {
namespace {

using simdjson::dom::element;

std::unexpected<Error> not_shape(const Member& member, std::string_view problem) {
  return shape::not_in_shape(member, "voc", problem);
}

using shape::field;
std::optional<std::int64_t> integer_of(element e) { return shape::integer(e); }

double rounded(double value) {
  double r = std::round(value * 1e6) / 1e6;
  return r == 0 ? 0 : r;  // no "-0"
}

// Appends `text` escaped for XML character data; false when it holds a
// control character XML 1.0 cannot represent at all.
bool append_escaped(std::string_view text, std::string& out) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
        out.push_back(c);
    }
  }
  return true;
}

// 0 or 1 from a boolean (or a 0/1 number); 0 when absent.
Result<int> flag(element object, std::string_view key, const Member& member, std::string_view entry) {
  auto value = field(object, key);
  if (!value) return 0;
  if (value->is_bool()) return bool(value->get_bool()) ? 1 : 0;
  auto integer = integer_of(*value);
  if (integer && (*integer == 0 || *integer == 1)) return static_cast<int>(*integer);
  return not_shape(member, fmt::format("{}: \"{}\" must be true or false", entry, key));
}

struct Counts {
  std::uint64_t segmentations = 0;
  std::uint64_t negative = 0;
};

Status append_object(const DetectedObject& found, const Member& member, Counts& counts, std::string& out,
                     WrittenObjects& written) {
  std::string entry = fmt::format("objects[{}]", found.index);
  if (!found.is_object) return not_shape(member, entry + " is not an object");
  element value = found.json;
  std::string name;
  if (found.category_name) {
    name = std::string(*found.category_name);
  } else if (found.category_number) {
    name = std::to_string(*found.category_number);
  }
  if (name.empty()) return not_shape(member, entry + " has no \"category\" (nor \"category_id\")");
  if (!found.bbox || !found.bbox->is_array()) {
    return not_shape(member, fmt::format("{} ('{}') has no \"bbox\" [x, y, w, h], which VOC requires", entry, name));
  }
  if (!found.box) return not_shape(member, entry + ": \"bbox\" must be 4 numbers");
  const std::array<double, 4>& box = found.box->value;
  auto truncated = flag(value, "truncated", member, entry);
  if (!truncated) return std::unexpected(std::move(truncated).error());
  auto difficult = flag(value, "difficult", member, entry);
  if (!difficult) return std::unexpected(std::move(difficult).error());
  if (found.segmentation) ++counts.segmentations;
  if (box[2] < 0 || box[3] < 0) {
    ++counts.negative;
    return {};
  }
  written.push_back(found.index);
  out += "  <object>\n    <name>";
  if (!append_escaped(name, out)) {
    return not_shape(member, fmt::format("{}: its category holds a control character XML cannot hold", entry));
  }
  fmt::format_to(std::back_inserter(out),
                 "</name>\n    <pose>Unspecified</pose>\n    <truncated>{}</truncated>\n"
                 "    <difficult>{}</difficult>\n    <bndbox>\n      <xmin>{}</xmin>\n      <ymin>{}</ymin>\n"
                 "      <xmax>{}</xmax>\n      <ymax>{}</ymax>\n    </bndbox>\n  </object>\n",
                 *truncated, *difficult, rounded(box[0] + 1), rounded(box[1] + 1), rounded(box[0] + box[2]),
                 rounded(box[1] + box[3]));
  return {};
}

Result<std::string> image_xml(simdjson::dom::parser& parser, const VocImageEntry& entry, Counts& counts,
                              WrittenObjects& written) {
  const Member& member = *entry.member;
  std::string origin = fmt::format("the annotation of object id:{}", member.hash.hex());
  auto root = core::parse_json(parser, member.annotation_json, origin);
  if (!root) return std::unexpected(std::move(root).error());
  auto detection = parse_detection(*root);
  if (!detection) return not_shape(member, "it is not a JSON object");
  if (!detection->has_image_object()) return not_shape(member, "no \"image\" object");
  if (!detection->has_objects_array()) return not_shape(member, "no \"objects\" array");
  std::array<std::int64_t, 2> size{};
  for (std::size_t i = 0; i < 2; ++i) {
    std::string_view key = i == 0 ? "width" : "height";
    const auto& value = i == 0 ? detection->width : detection->height;
    auto integer = value ? integer_of(*value) : std::nullopt;
    if (!integer || *integer <= 0) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("object id:{}: its annotation has no positive image.{}, which VOC's <size> requires",
                              member.hash.hex(), key),
                  "record the image size in the annotation (\"image\": {\"width\": W, \"height\": H}), or "
                  "leave the object out of the dataset");
    }
    size[i] = *integer;
  }
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotation>\n  <folder>JPEGImages</folder>\n"
      "  <filename>";
  if (!append_escaped(entry.file_name, xml)) {
    return not_shape(member, "its file name holds a control character XML cannot hold");
  }
  fmt::format_to(std::back_inserter(xml),
                 "</filename>\n  <size>\n    <width>{}</width>\n    <height>{}</height>\n  </size>\n"
                 "  <segmented>0</segmented>\n",
                 size[0], size[1]);
  for (const auto& found : detection->objects) LDB_TRY(append_object(found, member, counts, xml, written));
  xml += "</annotation>\n";
  return xml;
}

}  // namespace

Result<VocOutput> voc_annotations(std::span<const VocImageEntry> images) {
  simdjson::dom::parser parser;
  VocOutput out;
  Counts counts;
  out.xml.reserve(images.size());
  for (const auto& entry : images) {
    auto xml = image_xml(parser, entry, counts, out.written.emplace_back());
    if (!xml) return std::unexpected(std::move(xml).error());
    out.xml.push_back(std::move(*xml));
  }
  if (counts.segmentations > 0) {
    out.warnings.push_back(fmt::format(
        "voc: {} segmentation(s) (polygons or RLE) were dropped: Pascal VOC holds boxes only", counts.segmentations));
  }
  if (counts.negative > 0) {
    out.warnings.push_back(
        fmt::format("voc: {} object(s) were dropped: their box has a negative width or height", counts.negative));
  }
  return out;
}

}  // namespace ldb::formats
