// The COCO writer reads every member's annotation into plain structs first
// (the simdjson parser is reused, so its elements die at the next parse), then
// decides the ids of categories, images and annotations over all members, and
// only then prints. Numbers that are not changed keep their canonical text;
// clipped coordinates are printed in fmt's shortest round-trip form. Every
// JSON object is printed with its keys sorted, so the file is canonical JSON.

#include "formats/coco_writer.hpp"
#include "formats/detection_shape.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json.hpp"
#include "formats/naming.hpp"

namespace ldb::formats {
namespace {

using simdjson::dom::element;

// A box edge past the image by less than this fraction of its size is float
// noise (x + w computed one ulp past the width), not something to clip.
constexpr double k_edge_slack = 1e-9;

// Object keys the writer reads itself (and "image_id", which it sets); every
// other key of an object is copied into its annotation.
constexpr std::array<std::string_view, 9> k_object_keys{"area",     "bbox",    "category",     "category_id",  "id",
                                                        "image_id", "iscrowd", "segmentation", "supercategory"};
// Image keys the writer sets; every other key of "image" is copied.
constexpr std::array<std::string_view, 4> k_image_keys{"file_name", "height", "id", "width"};

// (key, JSON text) pairs of a JSON object to print.
using Members = std::vector<std::pair<std::string, std::string>>;

struct Number {
  double value = 0;
  std::string text;  // canonical
};

struct Object {
  std::string category;
  std::optional<std::int64_t> category_id;
  std::optional<std::string> supercategory;
  std::optional<std::int64_t> id;  // the source annotation id
  std::array<Number, 4> bbox;
  std::optional<std::string> area;  // canonical text
  std::int64_t iscrowd = 0;
  std::string segmentation;  // canonical text, "" when absent
  Members extra;
  std::optional<std::size_t> source;  // its index in the annotation's objects; nullopt for a label's box
};

struct Image {
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::optional<std::int64_t> id;  // the source image id
  Members extra;
  std::vector<Object> objects;
  bool shapeless = false;  // neither objects nor a label
};

std::unexpected<Error> not_shape(const Member& member, std::string_view problem) {
  return shape::not_in_shape(member, "coco", problem);
}

using shape::field;
using shape::is_number;

std::optional<std::int64_t> integer_of(element e) { return shape::integer(e); }

bool is_one_of(std::string_view key, std::span<const std::string_view> keys) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// The keys of `object` outside `known`, with their canonical text.
Members extra_keys(element object, std::span<const std::string_view> known) {
  Members out;
  for (auto [key, value] : object.get_object()) {
    if (is_one_of(key, known)) continue;
    std::string text;
    core::append_canonical(value, text);
    out.emplace_back(std::string(key), std::move(text));
  }
  return out;
}

Result<Object> read_object(const DetectedObject& found, const Member& member) {
  std::string entry = fmt::format("objects[{}]", found.index);
  if (!found.is_object) return not_shape(member, entry + " is not an object");
  element value = found.json;
  Object object;
  if (!found.category_name) return not_shape(member, entry + " has no string \"category\"");
  object.category = std::string(*found.category_name);
  if (found.category_id) {
    if (!found.category_number) return not_shape(member, entry + ": \"category_id\" must be an integer");
    object.category_id = *found.category_number;
  }
  if (!found.bbox || !found.bbox->is_array()) return not_shape(member, entry + " has no \"bbox\" [x, y, w, h]");
  if (!found.box) return not_shape(member, entry + ": \"bbox\" must be 4 numbers");
  for (std::size_t i = 0; i < 4; ++i) {
    object.bbox[i].value = found.box->value[i];
    core::append_canonical(found.box->json[i], object.bbox[i].text);
  }
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
  if (auto seg = found.segmentation) {
    if (!seg->is_array() && !seg->is_object()) {
      return not_shape(member, entry + ": \"segmentation\" must be polygons or RLE");
    }
    core::append_canonical(*seg, object.segmentation);
  }
  // A source id that is not an integer cannot be a COCO id: the writer numbers it.
  if (auto id = field(value, "id")) object.id = integer_of(*id);
  if (auto super = field(value, "supercategory"); super && super->is_string()) {
    object.supercategory = std::string(std::string_view(super->get_string()));
  }
  object.extra = extra_keys(value, k_object_keys);
  return object;
}

// The category of an image-level label (k_coco_label_keys): a nested label's
// parts joined by '/', its supercategory the parts but the last; nullopt when
// no key holds a label.
std::optional<Object> label_object(element root, const Member& member) {
  for (std::string_view key : k_coco_label_keys) {
    auto value = field(root, key);
    if (!value) continue;
    auto parts = label_parts(*value, fmt::format("object id:{}", member.hash.hex()), key);
    if (!parts) return std::nullopt;
    Object object;
    for (std::size_t i = 0; i < parts->size(); ++i) {
      if (i + 1 == parts->size() && i > 0) object.supercategory = object.category;
      if (i > 0) object.category.push_back('/');
      object.category += (*parts)[i];
    }
    return object;
  }
  return std::nullopt;
}

// The image's width and height: the annotation's when both are positive
// integers, else the data file's header size.
Status resolve_size(std::optional<element> width, std::optional<element> height, const Member& member, Image& image) {
  auto w = width ? integer_of(*width) : std::nullopt;
  auto h = height ? integer_of(*height) : std::nullopt;
  if (w && h && *w > 0 && *h > 0) {
    image.width = *w;
    image.height = *h;
    return {};
  }
  if (member.image && member.image->width > 0 && member.image->height > 0) {
    image.width = member.image->width;
    image.height = member.image->height;
    return {};
  }
  return fail(ErrorCode::invalid_argument,
              fmt::format("object id:{}: COCO needs its image's width and height, but its annotation has no positive "
                          "image.width and image.height and its data file is not an image ldb read the size of",
                          member.hash.hex()),
              fmt::format("record the size in the annotation (\"image\": {{\"width\": W, \"height\": H}}), or leave "
                          "the object out of the dataset: ldb del id:{}",
                          member.hash.hex()));
}

Result<Image> read_image(simdjson::dom::parser& parser, const Member& member) {
  if (member.annotation_json.empty()) {
    Image image;
    image.shapeless = true;
    LDB_TRY(resolve_size(std::nullopt, std::nullopt, member, image));
    return image;
  }
  std::string origin = fmt::format("the annotation of object id:{}", member.hash.hex());
  auto root = core::parse_json(parser, member.annotation_json, origin);
  if (!root) return std::unexpected(std::move(root).error());
  auto detection = parse_detection(*root);
  if (!detection) return not_shape(member, "it is not a JSON object");
  Image image;
  bool whole_image_label = false;
  if (detection->objects_json) {
    if (!detection->has_objects_array()) return not_shape(member, "\"objects\" is not an array");
    if (detection->image && !detection->has_image_object()) return not_shape(member, "\"image\" is not an object");
    for (const auto& found : detection->objects) {
      auto object = read_object(found, member);
      if (!object) return std::unexpected(std::move(object).error());
      object->source = found.index;
      image.objects.push_back(std::move(*object));
    }
  } else if (auto label = label_object(*root, member)) {
    image.objects.push_back(std::move(*label));
    whole_image_label = true;
  } else {
    image.shapeless = true;
  }
  LDB_TRY(resolve_size(detection->width, detection->height, member, image));
  if (detection->has_image_object()) {
    if (auto id = field(*detection->image, "id")) image.id = integer_of(*id);
    image.extra = extra_keys(*detection->image, k_image_keys);
  }
  if (whole_image_label) {
    Object& object = image.objects.front();
    object.bbox = {Number{0, "0"}, Number{0, "0"},
                   Number{static_cast<double>(image.width), fmt::format("{}", image.width)},
                   Number{static_cast<double>(image.height), fmt::format("{}", image.height)}};
    object.area = fmt::format("{}", image.width * image.height);
  }
  return image;
}

// Ids for items that may bring their own: kept when no two items share one
// (items without one get the next ids after the largest), else 1..N in order.
struct Ids {
  std::vector<std::int64_t> ids;
  std::optional<std::int64_t> repeated;  // set when the source ids were dropped
};

Ids assign_ids(const std::vector<std::optional<std::int64_t>>& wanted) {
  Ids out;
  std::set<std::int64_t> seen;
  std::int64_t largest = 0;
  for (const auto& id : wanted) {
    if (!id) continue;
    if (!seen.insert(*id).second) {
      out.repeated = *id;
      break;
    }
    largest = std::max(largest, *id);
  }
  std::int64_t next = out.repeated ? 1 : largest + 1;
  for (const auto& id : wanted) out.ids.push_back(!out.repeated && id ? *id : next++);
  return out;
}

std::string repeated_ids_warning(std::string_view what, std::int64_t id, std::size_t count) {
  return fmt::format("coco: the sources' {} ids are not unique (id {} occurs twice); the {}s are numbered 1..{}", what,
                     id, what, count);
}

struct Category {
  std::int64_t id = 0;
  std::set<std::string> supercategories;
};

struct Categories {
  std::map<std::string, Category> by_name;
  std::vector<std::string> warnings;
};

// name -> id: the objects' own ids when no name has two ids and no id two
// names (names without an id get the next ids after the largest, in name
// order); else 1..K in name order.
Categories category_table(const std::vector<Image>& images) {
  Categories out;
  std::map<std::string, std::set<std::int64_t>> ids_of;
  std::map<std::int64_t, std::set<std::string>> names_of;
  for (const auto& image : images) {
    for (const auto& object : image.objects) {
      auto& category = out.by_name[object.category];
      if (object.supercategory) category.supercategories.insert(*object.supercategory);
      auto& ids = ids_of[object.category];
      if (!object.category_id) continue;
      ids.insert(*object.category_id);
      names_of[*object.category_id].insert(object.category);
    }
  }
  std::string conflict;
  for (const auto& [name, ids] : ids_of) {
    if (conflict.empty() && ids.size() > 1) conflict = fmt::format("'{}' has ids {}", name, fmt::join(ids, " and "));
  }
  for (const auto& [id, names] : names_of) {
    if (conflict.empty() && names.size() > 1) {
      conflict = fmt::format("id {} names '{}'", id, fmt::join(names, "' and '"));
    }
  }
  std::int64_t next = 1;
  if (conflict.empty() && !names_of.empty()) next = names_of.rbegin()->first + 1;
  for (auto& [name, category] : out.by_name) {
    const auto& ids = ids_of[name];
    category.id = conflict.empty() && !ids.empty() ? *ids.begin() : next++;
  }
  if (!conflict.empty()) {
    out.warnings.push_back(
        fmt::format("coco: the sources' category ids disagree ({}); the {} categories are numbered 1..{} in name order",
                    conflict, out.by_name.size(), out.by_name.size()));
  }
  std::size_t ambiguous = 0;
  std::string first;
  for (const auto& [name, category] : out.by_name) {
    if (category.supercategories.size() < 2) continue;
    if (ambiguous++ == 0) first = name;
  }
  if (ambiguous > 0) {
    out.warnings.push_back(fmt::format(
        "coco: {} category(ies) have several supercategories among the objects (first: '{}'); they are written "
        "without one",
        ambiguous, first));
  }
  return out;
}

enum class BoxFit { inside, clipped, outside };

// Clips one axis [start, start + size) to [0, limit]; false when it lies outside.
bool clip_axis(double& start, double& size, double limit) {
  if (size < 0 || start > limit || start + size < 0) return false;
  if (start < 0) {
    size = start + size;
    start = 0;
  }
  if (start + size > limit) {
    size = limit - start;
    while (size > 0 && start + size > limit) size = std::nextafter(size, 0.0);
  }
  return true;
}

// Clips [x, y, w, h] to [0, width] x [0, height], rewriting the changed
// numbers. Overshooting by float noise only is fixed but reported as inside.
BoxFit clip_box(std::array<Number, 4>& box, double width, double height) {
  std::array<double, 4> v{box[0].value, box[1].value, box[2].value, box[3].value};
  double slack_x = width * k_edge_slack, slack_y = height * k_edge_slack;
  bool beyond_noise =
      v[0] < -slack_x || v[1] < -slack_y || v[0] + v[2] > width + slack_x || v[1] + v[3] > height + slack_y;
  if (!clip_axis(v[0], v[2], width) || !clip_axis(v[1], v[3], height)) return BoxFit::outside;
  for (std::size_t i = 0; i < 4; ++i) {
    if (v[i] == box[i].value) continue;
    box[i].value = v[i] == 0 ? 0.0 : v[i];  // no "-0"
    box[i].text = fmt::format("{}", box[i].value);
  }
  return beyond_noise ? BoxFit::clipped : BoxFit::inside;
}

// Prints a JSON object with its keys sorted.
void append_object(Members members, std::string& out) {
  std::sort(members.begin(), members.end());
  out.push_back('{');
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out.push_back(',');
    core::append_json_string(members[i].first, out);
    out.push_back(':');
    out += members[i].second;
  }
  out.push_back('}');
}

std::string json_string(std::string_view s) {
  std::string out;
  core::append_json_string(s, out);
  return out;
}

std::string json_list(const std::vector<std::string>& items) { return fmt::format("[{}]", fmt::join(items, ",")); }

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
  CocoOutput out;
  auto categories = category_table(images);
  out.warnings = std::move(categories.warnings);

  // Clip first: the annotation ids are decided over the objects that remain.
  std::uint64_t clipped = 0, dropped = 0, shapeless = 0;
  std::vector<std::optional<std::int64_t>> image_ids, annotation_ids;
  for (auto& image : images) {
    if (image.shapeless) ++shapeless;
    image_ids.push_back(image.id);
    std::erase_if(image.objects, [&](Object& object) {
      BoxFit fit = clip_box(object.bbox, static_cast<double>(image.width), static_cast<double>(image.height));
      if (fit == BoxFit::clipped) ++clipped;
      if (fit == BoxFit::outside) ++dropped;
      return fit == BoxFit::outside;
    });
    for (const auto& object : image.objects) annotation_ids.push_back(object.id);
  }
  Ids image_id = assign_ids(image_ids);
  Ids annotation_id = assign_ids(annotation_ids);

  std::vector<std::string> image_list, annotation_list, category_list;
  std::size_t annotation_index = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    Image& image = images[i];
    Members fields = std::move(image.extra);
    fields.emplace_back("file_name", json_string(entries[i].file_name));
    fields.emplace_back("height", fmt::format("{}", image.height));
    fields.emplace_back("id", fmt::format("{}", image_id.ids[i]));
    fields.emplace_back("width", fmt::format("{}", image.width));
    append_object(std::move(fields), image_list.emplace_back());
    WrittenObjects& written = out.written.emplace_back();
    for (auto& object : image.objects) {
      written.push_back(object.source);
      Members a = std::move(object.extra);
      a.emplace_back("area",
                     object.area ? *object.area : fmt::format("{}", object.bbox[2].value * object.bbox[3].value + 0.0));
      a.emplace_back("bbox", fmt::format("[{},{},{},{}]", object.bbox[0].text, object.bbox[1].text, object.bbox[2].text,
                                         object.bbox[3].text));
      a.emplace_back("category_id", fmt::format("{}", categories.by_name.at(object.category).id));
      a.emplace_back("id", fmt::format("{}", annotation_id.ids[annotation_index++]));
      a.emplace_back("image_id", fmt::format("{}", image_id.ids[i]));
      a.emplace_back("iscrowd", fmt::format("{}", object.iscrowd));
      a.emplace_back("segmentation", object.segmentation.empty() ? "[]" : object.segmentation);
      append_object(std::move(a), annotation_list.emplace_back());
    }
  }
  std::vector<std::pair<std::int64_t, const std::string*>> by_id;
  for (const auto& [name, category] : categories.by_name) by_id.emplace_back(category.id, &name);
  std::sort(by_id.begin(), by_id.end());
  for (const auto& [id, name] : by_id) {
    Members fields{{"id", fmt::format("{}", id)}, {"name", json_string(*name)}};
    const auto& supers = categories.by_name.at(*name).supercategories;
    if (supers.size() == 1) fields.emplace_back("supercategory", json_string(*supers.begin()));
    append_object(std::move(fields), category_list.emplace_back());
  }
  out.json = fmt::format("{{\"annotations\":{},\"categories\":{},\"images\":{}}}\n", json_list(annotation_list),
                         json_list(category_list), json_list(image_list));

  if (image_id.repeated) out.warnings.push_back(repeated_ids_warning("image", *image_id.repeated, images.size()));
  if (annotation_id.repeated) {
    out.warnings.push_back(repeated_ids_warning("annotation", *annotation_id.repeated, annotation_ids.size()));
  }
  if (clipped > 0)
    out.warnings.push_back(fmt::format("coco: {} box(es) were clipped to their image's bounds", clipped));
  if (dropped > 0) {
    out.warnings.push_back(fmt::format(
        "coco: {} object(s) were dropped: their box lies outside their image (or has a negative size)", dropped));
  }
  if (shapeless > 0) {
    out.warnings.push_back(fmt::format(
        "coco: {} image(s) have neither detection objects nor a label (\"class\", \"label\" or \"category\"): they "
        "are listed without annotations",
        shapeless));
  }
  return out;
}

}  // namespace ldb::formats
