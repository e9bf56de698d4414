// Two passes: the first reads every annotation into plain objects (so that the
// class table and the box-or-polygon decision see the whole dataset), the
// second writes the label lines. Ultralytics reads a label file as polygons
// when any line has more than six fields, so box and polygon lines cannot be
// mixed safely: polygons are written only when every object has one.

#include "formats/yolo_writer.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json.hpp"
#include "formats/detection_shape.hpp"

namespace ldb::formats {

namespace {

constexpr std::string_view k_shape_hint =
    "YOLO output needs annotations in ldb's detection shape ({\"image\": {\"width\", \"height\"}, "
    "\"objects\": [{\"category\", \"bbox\": [x, y, w, h]}]}); index the data with -m coco, yolo, voc or "
    "label-studio, or instantiate with another format";
constexpr std::int64_t k_max_class_id = 1'000'000;

struct Object {
  std::string category;
  std::optional<std::int64_t> category_id;
  std::array<double, 4> bbox{};               // absolute x, y, w, h
  std::vector<std::vector<double>> polygons;  // absolute x1, y1, ...
  bool rle = false;
};

struct Image {
  double width = 0;
  double height = 0;
  std::vector<Object> objects;
  std::optional<std::vector<std::string>> names;  // the source's class table, by index
};

std::string subject_of(const Member& member) { return fmt::format("object id:{}", member.hash.hex()); }

std::unexpected<Error> shape_error(const Member& member, std::string_view what) {
  return fail(ErrorCode::invalid_argument, fmt::format("{}: {}", subject_of(member), what), std::string(k_shape_hint));
}

std::optional<double> number_of(simdjson::dom::element element) { return shape::number(element); }

double polygon_area(const std::vector<double>& points) {
  double twice = 0;
  std::size_t n = points.size() / 2;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t j = (i + 1) % n;
    twice += points[2 * i] * points[2 * j + 1] - points[2 * j] * points[2 * i + 1];
  }
  return std::abs(twice) / 2;
}

Result<Object> read_object(const Member& member, const DetectedObject& found) {
  std::size_t index = found.index;
  if (!found.is_object) return shape_error(member, fmt::format("objects[{}] is not an object", index));
  Object out;
  // A class id YOLO can use is an integer literal in range; any other "category_id" is ignored.
  if (found.category_id && found.category_id->is_int64()) {
    std::int64_t id = found.category_id->get_int64();
    if (id >= 0 && id <= k_max_class_id) out.category_id = id;
  }
  if (found.category) {
    if (!found.category_name || found.category_name->empty()) {
      return shape_error(member, fmt::format("objects[{}].category is not a non-empty string", index));
    }
    out.category = std::string(*found.category_name);
  } else if (out.category_id) {
    out.category = std::to_string(*out.category_id);
  } else {
    return shape_error(member, fmt::format("objects[{}] has neither category nor category_id", index));
  }
  if (found.segmentation) {
    simdjson::dom::array polygons;
    if (found.segmentation->get_array().get(polygons) == simdjson::SUCCESS) {
      for (auto polygon_element : polygons) {
        simdjson::dom::array coords;
        if (polygon_element.get_array().get(coords) != simdjson::SUCCESS) {
          return shape_error(member, fmt::format("objects[{}].segmentation holds a non-array", index));
        }
        std::vector<double> points;
        for (auto coord : coords) {
          auto number = number_of(coord);
          if (!number) return shape_error(member, fmt::format("objects[{}].segmentation holds a non-number", index));
          points.push_back(*number);
        }
        if (points.size() >= 6 && points.size() % 2 == 0) out.polygons.push_back(std::move(points));
      }
    } else if (found.segmentation->is_object()) {
      out.rle = true;
    }
  }
  if (found.bbox) {
    if (!found.box) return shape_error(member, fmt::format("objects[{}].bbox is not [x, y, w, h]", index));
    out.bbox = found.box->value;
  } else if (!out.polygons.empty()) {
    double min_x = INFINITY, min_y = INFINITY, max_x = -INFINITY, max_y = -INFINITY;
    for (const auto& polygon : out.polygons) {
      for (std::size_t i = 0; i < polygon.size(); i += 2) {
        min_x = std::min(min_x, polygon[i]);
        max_x = std::max(max_x, polygon[i]);
        min_y = std::min(min_y, polygon[i + 1]);
        max_y = std::max(max_y, polygon[i + 1]);
      }
    }
    out.bbox = {min_x, min_y, max_x - min_x, max_y - min_y};
  } else {
    return shape_error(member, fmt::format("objects[{}] has no bbox and no polygon", index));
  }
  return out;
}

Result<Image> read_image(simdjson::dom::parser& parser, const Member& member) {
  auto parsed = core::parse_json(parser, member.annotation_json, subject_of(member));
  if (!parsed) return std::unexpected(std::move(parsed).error());
  auto detection = parse_detection(*parsed);
  if (!detection || !detection->has_objects_array()) {
    return shape_error(member, "the annotation has no \"objects\" array");
  }
  Image image;
  simdjson::dom::array names;
  if (parsed->at_key("names").get_array().get(names) == simdjson::SUCCESS) {
    image.names.emplace();
    for (auto name : names) {
      std::string_view text;
      if (name.get_string().get(text) != simdjson::SUCCESS) {
        image.names.reset();
        break;
      }
      image.names->emplace_back(text);
    }
  }
  // A size that is not a number counts as none (0): the check below refuses it.
  if (detection->width) image.width = number_of(*detection->width).value_or(0);
  if (detection->height) image.height = number_of(*detection->height).value_or(0);
  for (const auto& found : detection->objects) {
    auto object = read_object(member, found);
    if (!object) return std::unexpected(std::move(object).error());
    image.objects.push_back(std::move(*object));
  }
  if (!image.objects.empty() && (!(image.width > 0) || !(image.height > 0))) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}: the annotation has no positive image.width and image.height, which YOLO needs "
                            "to normalize its boxes",
                            subject_of(member)),
                "index the images with a reader that records the image size (coco, yolo, voc, label-studio)");
  }
  return image;
}

struct Classes {
  std::map<std::string, std::size_t, std::less<>> index_of;
  std::vector<std::string> names;
  std::vector<std::string> warnings;
};

// The source's class table when every annotation that has one has the same,
// and every object's category (and category_id) agrees with it.
std::optional<Classes> source_class_table(const std::vector<Image>& images) {
  const std::vector<std::string>* table = nullptr;
  for (const auto& image : images) {
    if (!image.names) continue;
    if (table != nullptr && *table != *image.names) return std::nullopt;
    table = &*image.names;
  }
  if (table == nullptr) return std::nullopt;
  Classes classes;
  classes.names = *table;
  for (std::size_t i = 0; i < table->size(); ++i) {
    if (!classes.index_of.emplace((*table)[i], i).second) return std::nullopt;  // a name twice
  }
  for (const auto& image : images) {
    for (const auto& object : image.objects) {
      auto it = classes.index_of.find(object.category);
      if (it == classes.index_of.end()) return std::nullopt;
      if (object.category_id && static_cast<std::size_t>(*object.category_id) != it->second) return std::nullopt;
    }
  }
  return classes;
}

Classes class_table(const std::vector<Image>& images) {
  if (auto classes = source_class_table(images)) return std::move(*classes);
  std::map<std::string, std::optional<std::int64_t>, std::less<>> id_of_name;
  bool consistent = true;
  bool any_id = false;
  std::map<std::int64_t, std::string> name_of_id;
  for (const auto& image : images) {
    for (const auto& object : image.objects) {
      any_id = any_id || object.category_id.has_value();
      auto [it, inserted] = id_of_name.emplace(object.category, object.category_id);
      if (!object.category_id || it->second != object.category_id) {
        consistent = false;
        continue;
      }
      auto [id_it, id_inserted] = name_of_id.emplace(*object.category_id, object.category);
      if (id_it->second != object.category) consistent = false;
    }
  }
  Classes classes;
  if (consistent && !name_of_id.empty()) {
    std::int64_t max_id = name_of_id.rbegin()->first;
    std::size_t gaps = 0;
    for (std::int64_t id = 0; id <= max_id; ++id) {
      auto it = name_of_id.find(id);
      if (it == name_of_id.end()) ++gaps;
      classes.names.push_back(it == name_of_id.end() ? std::to_string(id) : it->second);
    }
    for (const auto& [id, name] : name_of_id) classes.index_of.emplace(name, static_cast<std::size_t>(id));
    if (gaps > 0) {
      classes.warnings.push_back(fmt::format(
          "{} class index(es) between 0 and {} have no object in the dataset; data.yaml names them by number", gaps,
          max_id));
    }
    return classes;
  }
  for (const auto& [name, id] : id_of_name) {
    classes.index_of.emplace(name, classes.names.size());
    classes.names.push_back(name);
  }
  if (any_id) {
    classes.warnings.push_back(fmt::format(
        "category ids do not map one to one to category names (or some objects lack one): the {} classes are "
        "numbered 0..{} in name order",
        classes.names.size(), classes.names.size() - 1));
  }
  return classes;
}

double clamp01(double value) { return std::clamp(value, 0.0, 1.0); }

// " value" with `decimals` decimals, trailing zeros (and a bare '.') dropped.
void append_normalized(double value, int decimals, std::string& out) {
  std::size_t start = out.size();
  fmt::format_to(std::back_inserter(out), " {:.{}f}", value, decimals);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  if (std::string_view(out).substr(start) == " -0") out.replace(start, 3, " 0");
}

std::string yaml_string(std::string_view s) {
  std::string out;
  core::append_json_string(s, out);  // a JSON string is a YAML double-quoted scalar
  return out;
}

}  // namespace

int yolo_decimals(double pixels) {
  int decimals = 6;
  while (decimals < 17 && 0.75 * pixels * std::pow(10.0, -decimals) > 3e-5) ++decimals;
  return decimals;
}

Result<YoloOutput> yolo_labels(std::span<const YoloImageEntry> entries) {
  simdjson::dom::parser parser;
  std::vector<Image> images;
  images.reserve(entries.size());
  for (const auto& entry : entries) {
    auto image = read_image(parser, *entry.member);
    if (!image) return std::unexpected(std::move(image).error());
    images.push_back(std::move(*image));
  }
  Classes classes = class_table(images);
  YoloOutput out;
  out.warnings = std::move(classes.warnings);

  bool polygons_mode = true;
  std::size_t objects = 0, with_polygon = 0, rle = 0, several = 0, clipped = 0, dropped = 0;
  for (const auto& image : images) {
    for (const auto& object : image.objects) {
      ++objects;
      if (object.polygons.empty()) polygons_mode = false;
      if (!object.polygons.empty()) ++with_polygon;
      if (object.rle) ++rle;
    }
  }
  polygons_mode = polygons_mode && objects > 0;

  for (const auto& image : images) {
    std::string text;
    WrittenObjects& written = out.written.emplace_back();
    const int x_decimals = yolo_decimals(image.width);
    const int y_decimals = yolo_decimals(image.height);
    for (std::size_t object_index = 0; object_index < image.objects.size(); ++object_index) {
      const Object& object = image.objects[object_index];
      std::size_t class_index = classes.index_of.at(object.category);
      if (polygons_mode) {
        const auto* best = &object.polygons.front();
        if (object.polygons.size() > 1) {
          ++several;
          for (const auto& polygon : object.polygons) {
            if (polygon_area(polygon) > polygon_area(*best)) best = &polygon;
          }
        }
        written.push_back(object_index);
        fmt::format_to(std::back_inserter(text), "{}", class_index);
        for (std::size_t i = 0; i < best->size(); i += 2) {
          append_normalized(clamp01((*best)[i] / image.width), x_decimals, text);
          append_normalized(clamp01((*best)[i + 1] / image.height), y_decimals, text);
        }
        text.push_back('\n');
        continue;
      }
      auto [x, y, w, h] = object.bbox;
      double x0 = std::max(x, 0.0), y0 = std::max(y, 0.0);
      double x1 = std::min(x + w, image.width), y1 = std::min(y + h, image.height);
      if (!(x1 > x0) || !(y1 > y0)) {
        ++dropped;
        continue;
      }
      if (x0 - x > 1e-3 || y0 - y > 1e-3 || x + w - x1 > 1e-3 || y + h - y1 > 1e-3) ++clipped;
      written.push_back(object_index);
      fmt::format_to(std::back_inserter(text), "{}", class_index);
      append_normalized((x0 + x1) / 2 / image.width, x_decimals, text);
      append_normalized((y0 + y1) / 2 / image.height, y_decimals, text);
      append_normalized((x1 - x0) / image.width, x_decimals, text);
      append_normalized((y1 - y0) / image.height, y_decimals, text);
      text.push_back('\n');
    }
    out.labels.push_back(std::move(text));
  }

  if (!polygons_mode && with_polygon > 0) {
    out.warnings.push_back(
        fmt::format("{} polygon segmentation(s) were written as boxes: YOLO label files cannot mix boxes and polygons, "
                    "and {} object(s) have no polygon",
                    with_polygon, objects - with_polygon));
  }
  if (rle > 0) {
    out.warnings.push_back(fmt::format(
        "{} RLE segmentation mask(s) were dropped (YOLO holds boxes and polygons only); their boxes were written",
        rle));
  }
  if (several > 0) {
    out.warnings.push_back(
        fmt::format("{} object(s) have several polygons; YOLO holds one per object, the largest was kept", several));
  }
  if (clipped > 0) out.warnings.push_back(fmt::format("{} box(es) were clipped to their image", clipped));
  if (dropped > 0) {
    out.warnings.push_back(fmt::format("{} box(es) lying outside their image (or empty) were dropped", dropped));
  }

  std::string yaml = "# YOLO dataset written by ldb instantiate\npath: .\ntrain: images\nval: images\n";
  fmt::format_to(std::back_inserter(yaml), "nc: {}\n", classes.names.size());
  if (classes.names.empty()) {
    yaml += "names: {}\n";
  } else {
    yaml += "names:\n";
    for (std::size_t i = 0; i < classes.names.size(); ++i) {
      fmt::format_to(std::back_inserter(yaml), "  {}: {}\n", i, yaml_string(classes.names[i]));
    }
  }
  out.data_yaml = std::move(yaml);
  out.names = std::move(classes.names);
  return out;
}

}  // namespace ldb::formats
