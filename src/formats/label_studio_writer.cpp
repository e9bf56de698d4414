// The Label Studio writer assembles every task as text (the original task's
// members copied through core::append_canonical, or a new task from the
// detection shape), then canonicalizes and pretty-prints the array once, so
// the output is deterministic whatever the key order of the input.

#include "formats/label_studio_writer.hpp"
#include "formats/detection_shape.hpp"

#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json.hpp"
#include "formats/naming.hpp"
#include "index/label_studio.hpp"

namespace ldb::formats {
namespace {

using simdjson::dom::element;

constexpr std::string_view k_shape_hint =
    "instantiate -m label-studio needs Label Studio tasks or annotations in ldb's detection shape (as indexed "
    "with -m label-studio, coco, yolo or voc); use -m bare-pairs for other annotations";

std::unexpected<Error> not_shape(const Member& member, std::string_view problem) {
  return fail(ErrorCode::invalid_argument,
              fmt::format("object id:{}: its annotation cannot be written as a Label Studio task: {}",
                          member.hash.hex(), problem),
              std::string(k_shape_hint));
}

using shape::field;

void append_number(double value, std::string& out) {
  if (value == 0) value = 0;  // no "-0"
  out += fmt::format("{}", value);
}

// `pixels` in percent of `size`: pixels * 100 / size, or the nearest double
// to it that the reader (index::label_studio_pixels) turns back into exactly
// `pixels`, when there is one within a few ulps.
double percent_of(double pixels, double size) {
  constexpr int k_ulps = 8;
  double percent = pixels * 100.0 / size;
  if (index::label_studio_pixels(percent, size) == pixels) return percent;
  double up = percent, down = percent;
  for (int step = 0; step < k_ulps; ++step) {
    up = std::nextafter(up, INFINITY);
    down = std::nextafter(down, -INFINITY);
    if (index::label_studio_pixels(down, size) == pixels) return down;
    if (index::label_studio_pixels(up, size) == pixels) return up;
  }
  return percent;
}

// "data-object-info":{"md5":...,"path_key":...}
void append_object_info(const Member& member, std::string_view path_key, std::string& out) {
  out += fmt::format("\"data-object-info\":{{\"md5\":\"{}\",\"path_key\":", member.hash.hex());
  core::append_json_string(path_key, out);
  out += "}";
}

bool is_label_studio_task(const Detection& detection) {
  auto data = field(detection.root, "data");
  return detection.source_format == "label-studio" && data && data->is_object();
}

// The original task with the data URI replaced and ldb's keys removed.
std::string original_task(element root, const LabelStudioEntry& entry) {
  element data = *field(root, "data");
  std::string path_key = "image";
  if (auto info = field(data, "data-object-info"); info && info->is_object()) {
    if (auto key = field(*info, "path_key"); key && key->is_string())
      path_key = std::string(std::string_view(key->get_string()));
  }
  std::string text = "{";
  for (auto [key, value] : root.get_object()) {
    if (key == "image" || key == "objects" || key == "source_format") continue;
    core::append_json_string(key, text);
    text.push_back(':');
    if (key != "data") {
      core::append_canonical(value, text);
      text.push_back(',');
      continue;
    }
    text.push_back('{');
    for (auto [data_key, data_value] : data.get_object()) {
      if (data_key == "data-object-info" || data_key == path_key) continue;
      core::append_json_string(data_key, text);
      text.push_back(':');
      core::append_canonical(data_value, text);
      text.push_back(',');
    }
    core::append_json_string(path_key, text);
    text.push_back(':');
    core::append_json_string(entry.data_uri, text);
    text.push_back(',');
    append_object_info(*entry.member, path_key, text);
    text += "},";
  }
  text.back() = '}';
  return text;
}

struct Counts {
  std::uint64_t shapes_as_boxes = 0;
};

// A new task from the detection shape: rectangles in percent.
Result<std::string> converted_task(const Detection& detection, const LabelStudioEntry& entry, Counts& counts,
                                   WrittenObjects& written) {
  const Member& member = *entry.member;
  if (!detection.has_image_object() || !detection.has_objects_array()) {
    return not_shape(member, "it has no \"image\" object and \"objects\" array");
  }
  // A size that is not a number counts as none (0): the check below refuses it.
  double width = detection.width ? shape::number(*detection.width).value_or(0) : 0;
  double height = detection.height ? shape::number(*detection.height).value_or(0) : 0;
  std::string results;
  for (const auto& object : detection.objects) {
    std::string entry_name = fmt::format("objects[{}]", object.index);
    if (!object.is_object) return not_shape(member, entry_name + " is not an object");
    std::string category;
    if (object.category_name) {
      category = std::string(*object.category_name);
    } else if (object.category_id && object.category_id->is_int64()) {
      category = fmt::format("{}", std::int64_t(object.category_id->get_int64()));
    } else {
      return not_shape(member, entry_name + " has no string \"category\" (nor an integer \"category_id\")");
    }
    if (!object.box) return not_shape(member, entry_name + " has no \"bbox\" of 4 numbers [x, y, w, h]");
    const std::array<double, 4>& box = object.box->value;
    if (!(width > 0) || !(height > 0)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("object id:{}: its image has no positive width and height, needed for percent "
                              "coordinates",
                              member.hash.hex()),
                  "index the images with a reader that records the image size (coco, yolo, voc, label-studio)");
    }
    if (object.segmentation) ++counts.shapes_as_boxes;
    written.push_back(object.index);
    if (!results.empty()) results.push_back(',');
    results += fmt::format(
        "{{\"from_name\":\"label\",\"id\":\"ldb-{}\",\"image_rotation\":0,\"original_height\":{},"
        "\"original_width\":{},\"to_name\":\"image\",\"type\":\"rectanglelabels\",\"value\":{{\"height\":",
        object.index + 1, height, width);
    append_number(percent_of(box[3], height), results);
    results += ",\"rectanglelabels\":[";
    core::append_json_string(category, results);
    results += "],\"rotation\":0,\"width\":";
    append_number(percent_of(box[2], width), results);
    results += ",\"x\":";
    append_number(percent_of(box[0], width), results);
    results += ",\"y\":";
    append_number(percent_of(box[1], height), results);
    results += "}}";
  }
  std::string text = "{\"annotations\":[{\"result\":[" + results + "]}],\"data\":{";
  append_object_info(member, "image", text);
  text += ",\"image\":";
  core::append_json_string(entry.data_uri, text);
  text += "}}";
  return text;
}

}  // namespace

Result<LabelStudioOutput> label_studio_tasks(std::span<const LabelStudioEntry> entries) {
  simdjson::dom::parser parser;
  Counts counts;
  std::vector<std::optional<WrittenObjects>> written;
  std::string array = "[";
  for (const auto& entry : entries) {
    const Member& member = *entry.member;
    if (array.size() > 1) array.push_back(',');
    if (member.annotation_json.empty()) {
      written.emplace_back(WrittenObjects{});
      array += "{\"data\":{";
      append_object_info(member, "image", array);
      array += ",\"image\":";
      core::append_json_string(entry.data_uri, array);
      array += "}}";
      continue;
    }
    auto root = core::parse_json(parser, member.annotation_json, fmt::format("object id:{}", member.hash.hex()));
    if (!root) return std::unexpected(std::move(root).error());
    auto detection = parse_detection(*root);
    if (!detection) return not_shape(member, "it is not a JSON object");
    if (is_label_studio_task(*detection)) {
      array += original_task(*root, entry);
      written.emplace_back();
      continue;
    }
    auto task = converted_task(*detection, entry, counts, written.emplace_back(WrittenObjects{}).value());
    if (!task) return std::unexpected(std::move(task).error());
    array += *task;
  }
  array.push_back(']');
  auto canonical = core::canonical_json(array, "annotations.json");
  if (!canonical) return std::unexpected(std::move(canonical).error());
  LabelStudioOutput output;
  output.json = pretty_json(*canonical);
  output.written = std::move(written);
  if (counts.shapes_as_boxes > 0) {
    output.warnings.push_back(fmt::format(
        "{} object(s) with a segmentation (polygon or RLE) were written as rectangles: only their bbox is kept",
        counts.shapes_as_boxes));
  }
  return output;
}

}  // namespace ldb::formats
