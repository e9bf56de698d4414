// The COCO writer reads every member's detection-shape annotation into plain
// structs first (the simdjson parser is reused, so its elements die at the next
// parse), then decides category ids over all members, and only then prints.
// Numbers that are not changed keep their canonical text; clipped coordinates
// are printed in fmt's shortest round-trip form.

#include "formats/coco_writer.hpp"
#include "formats/detection_shape.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json.hpp"

namespace ldb::formats {
namespace {

using simdjson::dom::element;

struct Number {
  double value = 0;
  std::string text;  // canonical
};

struct Object {
  std::string category;
  std::optional<std::int64_t> category_id;
  std::array<Number, 4> bbox;
  std::optional<std::string> area;          // canonical text
  std::int64_t iscrowd = 0;
  std::string segmentation;                 // canonical text, "" when absent
};

struct Image {
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::vector<Object> objects;
};

std::unexpected<Error> not_shape(const Member& member, std::string_view problem) {
  return shape::not_in_shape(member, "coco", problem);
}

using shape::field;
using shape::is_number;

// Callers check is_number first.
double number_of(element e) { return *shape::number(e); }

std::optional<std::int64_t> integer_of(element e) { return shape::integer(e); }

Result<Object> read_object(element value, std::size_t index, const Member& member) {
  std::string entry = fmt::format("objects[{}]", index);
  if (!value.is_object()) return not_shape(member, entry + " is not an object");
  Object object;
  auto category = field(value, "category");
  if (!category || !category->is_string()) return not_shape(member, entry + " has no string \"category\"");
  object.category = std::string(std::string_view(category->get_string()));
  if (auto id = field(value, "category_id")) {
    auto integer = integer_of(*id);
    if (!integer) return not_shape(member, entry + ": \"category_id\" must be an integer");
    object.category_id = *integer;
  }
  auto bbox = field(value, "bbox");
  if (!bbox || !bbox->is_array()) return not_shape(member, entry + " has no \"bbox\" [x, y, w, h]");
  std::size_t count = 0;
  for (auto number : bbox->get_array()) {
    if (!is_number(number) || count == 4) return not_shape(member, entry + ": \"bbox\" must be 4 numbers");
    object.bbox[count].value = number_of(number);
    core::append_canonical(number, object.bbox[count].text);
    ++count;
  }
  if (count != 4) return not_shape(member, entry + ": \"bbox\" must be 4 numbers");
  if (auto area = field(value, "area")) {
    if (!is_number(*area)) return not_shape(member, entry + ": \"area\" must be a number");
    object.area.emplace();
    core::append_canonical(*area, *object.area);
  }
  if (auto crowd = field(value, "iscrowd")) {
    auto integer = integer_of(*crowd);
    if (!integer || (*integer != 0 && *integer != 1)) return not_shape(member, entry + ": \"iscrowd\" must be 0 or 1");
    object.iscrowd = *integer;
  }
  if (auto seg = field(value, "segmentation")) {
    if (!seg->is_array() && !seg->is_object()) {
      return not_shape(member, entry + ": \"segmentation\" must be polygons or RLE");
    }
    core::append_canonical(*seg, object.segmentation);
  }
  return object;
}

Result<Image> read_image(simdjson::dom::parser& parser, const Member& member) {
  std::string origin = fmt::format("the annotation of object id:{}", member.hash.hex());
  auto root = core::parse_json(parser, member.annotation_json, origin);
  if (!root) return std::unexpected(std::move(root).error());
  if (!root->is_object()) return not_shape(member, "it is not a JSON object");
  auto image_block = field(*root, "image");
  auto objects = field(*root, "objects");
  if (!image_block || !image_block->is_object()) return not_shape(member, "no \"image\" object");
  if (!objects || !objects->is_array()) return not_shape(member, "no \"objects\" array");
  Image image;
  for (std::string_view key : {"width", "height"}) {
    auto value = field(*image_block, key);
    auto integer = value ? integer_of(*value) : std::nullopt;
    if (!integer || *integer <= 0) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("object id:{}: its annotation has no positive image.{}, which COCO requires",
                              member.hash.hex(), key),
                  "record the image size in the annotation (\"image\": {\"width\": W, \"height\": H}), or "
                  "leave the object out of the dataset");
    }
    (key == "width" ? image.width : image.height) = *integer;
  }
  std::size_t index = 0;
  for (auto value : objects->get_array()) {
    auto object = read_object(value, index++, member);
    if (!object) return std::unexpected(std::move(object).error());
    image.objects.push_back(std::move(*object));
  }
  return image;
}

// name -> id: the objects' own ids when every name has one id and no id is
// shared by two names; else 1..K in name order.
std::map<std::string, std::int64_t> category_ids(const std::vector<Image>& images) {
  std::map<std::string, std::set<std::int64_t>> ids;
  bool keep = true;
  for (const auto& image : images) {
    for (const auto& object : image.objects) {
      auto& set = ids[object.category];
      if (object.category_id) {
        set.insert(*object.category_id);
      } else {
        keep = false;
      }
    }
  }
  std::set<std::int64_t> used;
  for (const auto& [name, set] : ids) {
    if (set.size() != 1 || !used.insert(*set.begin()).second) keep = false;
  }
  std::map<std::string, std::int64_t> out;
  std::int64_t next = 1;
  for (const auto& [name, set] : ids) out.emplace(name, keep ? *set.begin() : next++);
  return out;
}

enum class BoxFit { inside, clipped, outside };

// Clips [x, y, w, h] to [0, width] x [0, height], rewriting the changed numbers.
BoxFit clip_box(std::array<Number, 4>& box, double width, double height) {
  double x = box[0].value, y = box[1].value, w = box[2].value, h = box[3].value;
  if (w < 0 || h < 0 || x > width || y > height || x + w < 0 || y + h < 0) return BoxFit::outside;
  double x0 = std::max(x, 0.0), y0 = std::max(y, 0.0);
  double x1 = std::min(x + w, width), y1 = std::min(y + h, height);
  std::array<double, 4> clipped{x0, y0, x1 - x0, y1 - y0};
  bool changed = false;
  for (std::size_t i = 0; i < 4; ++i) {
    if (clipped[i] == box[i].value) continue;
    changed = true;
    box[i].value = clipped[i];
    box[i].text = fmt::format("{}", clipped[i]);
  }
  return changed ? BoxFit::clipped : BoxFit::inside;
}

}  // namespace

Result<CocoOutput> coco_annotations(std::span<const CocoImageEntry> entries) {
  simdjson::dom::parser parser;
  std::vector<Image> images;
  images.reserve(entries.size());
  for (const auto& entry : entries) {
    auto image = read_image(parser, *entry.member);
    if (!image) return std::unexpected(std::move(image).error());
    images.push_back(std::move(*image));
  }
  auto ids = category_ids(images);

  CocoOutput out;
  std::string annotations;
  std::string image_list;
  std::uint64_t clipped = 0;
  std::uint64_t dropped = 0;
  std::int64_t annotation_id = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto& image = images[i];
    std::int64_t image_id = static_cast<std::int64_t>(i) + 1;
    if (!image_list.empty()) image_list.push_back(',');
    image_list += "{\"file_name\":";
    core::append_json_string(entries[i].file_name, image_list);
    image_list += fmt::format(",\"height\":{},\"id\":{},\"width\":{}}}", image.height, image_id, image.width);
    for (auto& object : image.objects) {
      BoxFit fit = clip_box(object.bbox, static_cast<double>(image.width), static_cast<double>(image.height));
      if (fit == BoxFit::outside) {
        ++dropped;
        continue;
      }
      if (fit == BoxFit::clipped) ++clipped;
      if (!annotations.empty()) annotations.push_back(',');
      std::string area = object.area ? *object.area : fmt::format("{}", object.bbox[2].value * object.bbox[3].value + 0.0);
      annotations += fmt::format("{{\"area\":{},\"bbox\":[{},{},{},{}],\"category_id\":{},\"id\":{},"
                                 "\"image_id\":{},\"iscrowd\":{},\"segmentation\":{}}}",
                                 area, object.bbox[0].text, object.bbox[1].text, object.bbox[2].text,
                                 object.bbox[3].text, ids.at(object.category), ++annotation_id, image_id,
                                 object.iscrowd, object.segmentation.empty() ? "[]" : object.segmentation);
    }
  }
  std::vector<std::pair<std::int64_t, std::string_view>> categories;
  for (const auto& [name, id] : ids) categories.emplace_back(id, name);
  std::sort(categories.begin(), categories.end());
  std::string category_list;
  for (const auto& [id, name] : categories) {
    if (!category_list.empty()) category_list.push_back(',');
    category_list += fmt::format("{{\"id\":{},\"name\":", id);
    core::append_json_string(name, category_list);
    category_list.push_back('}');
  }
  out.json = fmt::format("{{\"annotations\":[{}],\"categories\":[{}],\"images\":[{}]}}\n", annotations,
                         category_list, image_list);
  if (clipped > 0) out.warnings.push_back(fmt::format("coco: {} box(es) were clipped to their image's bounds", clipped));
  if (dropped > 0) {
    out.warnings.push_back(
        fmt::format("coco: {} object(s) were dropped: their box lies outside their image (or has a negative size)",
                    dropped));
  }
  return out;
}

}  // namespace ldb::formats
