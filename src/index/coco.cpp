// The COCO reader validates as it goes (one pass over categories, images and
// annotations) and builds each image's canonical JSON by hand, keys in sorted
// order, so the text is canonical without a second parse. Numbers are copied
// through core::append_canonical, so a value's text is the same whichever
// reader or writer last touched it.

#include "core/paths.hpp"
#include "index/coco.hpp"

#include <optional>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json.hpp"

namespace ldb::index {

namespace {

using simdjson::dom::element;

constexpr std::string_view k_hint =
    "fix the COCO file: see https://cocodataset.org/#format-data (images, annotations, categories)";

std::unexpected<Error> malformed(std::string_view file, std::string_view entry, std::string_view problem) {
  return fail(ErrorCode::invalid_argument, fmt::format("'{}': {}: {}", file, entry, problem), std::string(k_hint));
}

bool is_number(element e) { return e.is_int64() || e.is_uint64() || e.is_double(); }

std::optional<std::int64_t> as_integer(element e) {
  if (e.is_int64()) return std::int64_t(e.get_int64());
  if (e.is_double()) {
    double d = e.get_double();
    if (d >= -9.0e15 && d <= 9.0e15 && static_cast<double>(static_cast<std::int64_t>(d)) == d) {
      return static_cast<std::int64_t>(d);
    }
  }
  return std::nullopt;
}

std::optional<element> field(element object, std::string_view key) {
  element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

// The integer "id" of an entry; `entry` names it for messages ("images[3]").
Result<std::int64_t> required_id(element entry, std::string_view key, std::string_view file,
                                 std::string_view what) {
  auto value = field(entry, key);
  if (!value) return malformed(file, what, fmt::format("missing \"{}\"", key));
  auto id = as_integer(*value);
  if (!id) return malformed(file, what, fmt::format("\"{}\" must be an integer", key));
  return *id;
}

Result<simdjson::dom::array> top_array(element root, std::string_view key, std::string_view file) {
  auto value = field(root, key);
  if (!value) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' has no \"{}\" array", file, key),
                "a COCO file holds \"images\", \"annotations\" and \"categories\" arrays; index other JSON "
                "with another -m format");
  }
  if (!value->is_array()) return malformed(file, fmt::format("\"{}\"", key), "must be an array");
  return simdjson::dom::array(value->get_array());
}

Status check_bbox(element bbox, std::string_view file, std::string_view entry) {
  if (!bbox.is_array()) return malformed(file, entry, "\"bbox\" must be an array of 4 numbers [x, y, w, h]");
  std::size_t count = 0;
  for (auto value : bbox.get_array()) {
    if (!is_number(value)) return malformed(file, entry, "\"bbox\" must hold numbers only");
    ++count;
  }
  if (count != 4) {
    return malformed(file, entry, fmt::format("\"bbox\" has {} numbers, expected 4 [x, y, w, h]", count));
  }
  return {};
}

// Polygons (an array of arrays of numbers) or RLE ({"counts": string or
// array of integers, "size": [h, w]}). Returns false for an empty polygon list.
Result<bool> check_segmentation(element seg, std::string_view file, std::string_view entry) {
  if (seg.is_array()) {
    std::size_t polygons = 0;
    for (auto polygon : seg.get_array()) {
      if (!polygon.is_array()) return malformed(file, entry, "\"segmentation\" polygons must be arrays of numbers");
      for (auto value : polygon.get_array()) {
        if (!is_number(value)) return malformed(file, entry, "\"segmentation\" polygons must hold numbers only");
      }
      ++polygons;
    }
    return polygons > 0;
  }
  if (seg.is_object()) {
    auto counts = field(seg, "counts");
    auto size = field(seg, "size");
    bool counts_ok = counts && (counts->is_string() || counts->is_array());
    if (counts_ok && counts->is_array()) {
      for (auto value : counts->get_array()) counts_ok = counts_ok && as_integer(value).has_value();
    }
    std::size_t dims = 0;
    bool size_ok = size && size->is_array();
    if (size_ok) {
      for (auto value : size->get_array()) {
        size_ok = size_ok && as_integer(value).has_value();
        ++dims;
      }
    }
    if (!counts_ok || !size_ok || dims != 2) {
      return malformed(file, entry, "RLE \"segmentation\" needs \"counts\" (string or integers) and \"size\" [h, w]");
    }
    return true;
  }
  return malformed(file, entry, "\"segmentation\" must be a list of polygons or an RLE object");
}

struct ImageState {
  std::int64_t id = 0;
  std::string data_path;
  std::string header;   // {"image":{...},"objects":[   (the objects follow)
  std::string objects;  // comma-separated object texts
};

// Appends one object of the shared shape, keys sorted:
// area, bbox, category, category_id, iscrowd, segmentation.
Status append_object(element annotation, std::string_view category, std::int64_t category_id,
                     std::string_view file, std::string_view entry, std::string& out) {
  std::string text = "{";
  if (auto area = field(annotation, "area")) {
    if (!is_number(*area)) return malformed(file, entry, "\"area\" must be a number");
    text += "\"area\":";
    core::append_canonical(*area, text);
    text.push_back(',');
  }
  auto bbox = field(annotation, "bbox");
  if (!bbox) return malformed(file, entry, "missing \"bbox\" [x, y, w, h]");
  LDB_TRY(check_bbox(*bbox, file, entry));
  text += "\"bbox\":";
  core::append_canonical(*bbox, text);
  text += ",\"category\":";
  core::append_json_string(category, text);
  text += fmt::format(",\"category_id\":{}", category_id);
  if (auto crowd = field(annotation, "iscrowd")) {
    auto value = as_integer(*crowd);
    if (!value || (*value != 0 && *value != 1)) return malformed(file, entry, "\"iscrowd\" must be 0 or 1");
    text += fmt::format(",\"iscrowd\":{}", *value);
  }
  if (auto seg = field(annotation, "segmentation")) {
    auto keep = check_segmentation(*seg, file, entry);
    if (!keep) return std::unexpected(std::move(keep).error());
    if (*keep) {
      text += ",\"segmentation\":";
      core::append_canonical(*seg, text);
    }
  }
  text.push_back('}');
  if (!out.empty()) out.push_back(',');
  out += text;
  return {};
}

Result<std::unordered_map<std::int64_t, std::string>> read_categories(element root, std::string_view file) {
  auto categories = top_array(root, "categories", file);
  if (!categories) return std::unexpected(std::move(categories).error());
  std::unordered_map<std::int64_t, std::string> names;
  std::size_t index = 0;
  for (auto category : *categories) {
    std::string entry = fmt::format("categories[{}]", index++);
    if (!category.is_object()) return malformed(file, entry, "must be an object");
    auto id = required_id(category, "id", file, entry);
    if (!id) return std::unexpected(std::move(id).error());
    entry = fmt::format("category id {}", *id);
    auto name = field(category, "name");
    if (!name || !name->is_string()) return malformed(file, entry, "\"name\" must be a string");
    if (!names.emplace(*id, std::string(std::string_view(name->get_string()))).second) {
      return malformed(file, entry, "the id appears twice");
    }
  }
  return names;
}

Status read_image(element image, std::size_t index, std::string_view file, const FileExists& file_exists,
                  ImageState& state) {
  std::string entry = fmt::format("images[{}]", index);
  if (!image.is_object()) return malformed(file, entry, "must be an object");
  auto id = required_id(image, "id", file, entry);
  if (!id) return std::unexpected(std::move(id).error());
  state.id = *id;
  entry = fmt::format("image id {}", *id);
  auto name = field(image, "file_name");
  if (!name || !name->is_string()) return malformed(file, entry, "\"file_name\" must be a string");
  std::string_view file_name = name->get_string();
  auto relative = core::contained_relative_name(file_name);
  if (!relative) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}': {}: file_name '{}' leaves the folder of the COCO file", file, entry, file_name),
                "file names must be relative to the JSON's folder (or its images/ folder), without '..'");
  }
  std::string folder(core::folder_of(file));
  std::string direct = folder + *relative;
  std::string under_images = folder + "images/" + *relative;
  if (file_exists(direct)) {
    state.data_path = std::move(direct);
  } else if (file_exists(under_images)) {
    state.data_path = std::move(under_images);
  } else {
    return fail(ErrorCode::not_found,
                fmt::format("'{}': {}: file '{}' not found (looked for '{}' and '{}')", file, entry, file_name,
                            direct, under_images),
                "index the folder that holds both the COCO file and its images");
  }
  std::string header = "{\"image\":{\"file_name\":";
  core::append_json_string(file_name, header);
  for (std::string_view key : {"height", "id", "width"}) {
    if (key == "id") {
      header += fmt::format(",\"id\":{}", *id);
      continue;
    }
    auto value = field(image, key);
    if (!value) continue;
    auto size = as_integer(*value);
    if (!size || *size < 0) return malformed(file, entry, fmt::format("\"{}\" must be a non-negative integer", key));
    header += fmt::format(",\"{}\":{}", key, *size);
  }
  header += "},\"objects\":[";
  state.header = std::move(header);
  return {};
}

}  // namespace

bool is_coco_json(std::string_view text) {
  simdjson::dom::parser parser;
  auto root = core::parse_json(parser, text, "");
  if (!root || !root->is_object()) return false;
  return field(*root, "images") && field(*root, "annotations") && field(*root, "categories");
}

Result<std::vector<CocoImage>> parse_coco(std::string_view text, std::string_view json_path,
                                          const FileExists& file_exists) {
  simdjson::dom::parser parser;
  auto parsed = core::parse_json(parser, text, json_path);
  if (!parsed) return std::unexpected(std::move(parsed).error());
  element root = *parsed;
  if (!root.is_object()) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not a COCO file: not a JSON object", json_path),
                std::string(k_hint));
  }
  auto names = read_categories(root, json_path);
  if (!names) return std::unexpected(std::move(names).error());

  auto images = top_array(root, "images", json_path);
  if (!images) return std::unexpected(std::move(images).error());
  std::vector<ImageState> states;
  std::unordered_map<std::int64_t, std::size_t> by_id;
  std::unordered_map<std::string, std::int64_t> by_path;
  for (auto image : *images) {
    ImageState state;
    LDB_TRY(read_image(image, states.size(), json_path, file_exists, state));
    if (!by_id.emplace(state.id, states.size()).second) {
      return malformed(json_path, fmt::format("image id {}", state.id), "the id appears twice");
    }
    auto [it, inserted] = by_path.emplace(state.data_path, state.id);
    if (!inserted) {
      return malformed(json_path, fmt::format("image id {}", state.id),
                       fmt::format("its file '{}' is also image id {}", state.data_path, it->second));
    }
    states.push_back(std::move(state));
  }

  auto annotations = top_array(root, "annotations", json_path);
  if (!annotations) return std::unexpected(std::move(annotations).error());
  std::size_t index = 0;
  for (auto annotation : *annotations) {
    std::string entry = fmt::format("annotations[{}]", index++);
    if (!annotation.is_object()) return malformed(json_path, entry, "must be an object");
    if (auto id = field(annotation, "id")) {
      if (auto value = as_integer(*id)) entry = fmt::format("annotation id {}", *value);
    }
    auto image_id = required_id(annotation, "image_id", json_path, entry);
    if (!image_id) return std::unexpected(std::move(image_id).error());
    auto image = by_id.find(*image_id);
    if (image == by_id.end()) {
      return malformed(json_path, entry, fmt::format("image_id {} is not among the images", *image_id));
    }
    auto category_id = required_id(annotation, "category_id", json_path, entry);
    if (!category_id) return std::unexpected(std::move(category_id).error());
    auto category = names->find(*category_id);
    if (category == names->end()) {
      return malformed(json_path, entry, fmt::format("category_id {} is not among the categories", *category_id));
    }
    LDB_TRY(append_object(annotation, category->second, *category_id, json_path, entry,
                          states[image->second].objects));
  }

  std::vector<CocoImage> out;
  out.reserve(states.size());
  for (auto& state : states) {
    std::string json = std::move(state.header);
    json += state.objects;
    json += "],\"source_format\":\"coco\"}";
    out.push_back(CocoImage{state.id, std::move(state.data_path), std::move(json)});
  }
  return out;
}

}  // namespace ldb::index
