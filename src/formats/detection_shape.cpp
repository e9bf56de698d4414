#include "formats/detection_shape.hpp"

namespace ldb::formats {
namespace {

using shape::field;
using simdjson::dom::element;

std::optional<DetectedBox> box_of(element bbox) {
  if (!bbox.is_array()) return std::nullopt;
  DetectedBox box;
  std::size_t count = 0;
  for (element number : bbox.get_array()) {
    auto value = shape::number(number);
    if (!value || count == 4) return std::nullopt;
    box.value[count] = *value;
    box.json[count] = number;
    ++count;
  }
  if (count != 4) return std::nullopt;
  return box;
}

DetectedObject object_of(element json, std::size_t index) {
  DetectedObject object;
  object.index = index;
  object.json = json;
  object.is_object = json.is_object();
  if (!object.is_object) return object;
  object.category = field(json, "category");
  if (object.category && object.category->is_string())
    object.category_name = std::string_view(object.category->get_string());
  object.category_id = field(json, "category_id");
  if (object.category_id) object.category_number = shape::integer(*object.category_id);
  object.bbox = field(json, "bbox");
  if (object.bbox) object.box = box_of(*object.bbox);
  object.segmentation = field(json, "segmentation");
  return object;
}

}  // namespace

std::optional<Detection> parse_detection(element root) {
  if (!root.is_object()) return std::nullopt;
  Detection detection;
  detection.root = root;
  detection.image = field(root, "image");
  if (detection.has_image_object()) {
    detection.width = field(*detection.image, "width");
    detection.height = field(*detection.image, "height");
  }
  if (auto source = field(root, "source_format"); source && source->is_string()) {
    detection.source_format = std::string_view(source->get_string());
  }
  detection.objects_json = field(root, "objects");
  if (detection.has_objects_array()) {
    std::size_t index = 0;
    for (element entry : detection.objects_json->get_array()) detection.objects.push_back(object_of(entry, index++));
  }
  return detection;
}

}  // namespace ldb::formats
