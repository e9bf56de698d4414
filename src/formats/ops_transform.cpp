#include "formats/ops_transform.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/json.hpp"
#include "image/decode.hpp"
#include "image/encode.hpp"

namespace ldb::formats {
namespace {

using nlohmann::json;

// Mapped coordinates are written to 1e-6 px: enough for every writer (VOC
// rounds to that, YOLO needs 1e-4) without the noise of the last bits.
double rounded(double value) { return std::round(value * 1e6) / 1e6; }

std::optional<double> positive_number(const json& value) {
  if (!value.is_number()) return std::nullopt;
  double number = value.get<double>();
  if (!(number > 0) || !std::isfinite(number)) return std::nullopt;
  return number;
}

double polygon_area(const std::vector<double>& points) {
  double twice = 0;
  const std::size_t n = points.size() / 2;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t j = (i + 1) % n;
    twice += points[2 * i] * points[2 * j + 1] - points[2 * j] * points[2 * i + 1];
  }
  return std::abs(twice) / 2;
}

// The polygons of a COCO-style segmentation ([[x, y, ...], ...]); nullopt
// when it is something else (an RLE mask, junk).
std::optional<std::vector<std::vector<double>>> polygons_of(const json& segmentation) {
  if (!segmentation.is_array()) return std::nullopt;
  std::vector<std::vector<double>> polygons;
  for (const auto& polygon : segmentation) {
    if (!polygon.is_array()) return std::nullopt;
    std::vector<double> points;
    for (const auto& number : polygon) {
      if (!number.is_number()) return std::nullopt;
      points.push_back(number.get<double>());
    }
    polygons.push_back(std::move(points));
  }
  return polygons;
}

// Maps one object in place; false when a crop cut it away.
bool map_object(json& object, const image::Geometry& geometry) {
  if (!object.is_object()) return true;
  object.erase("id");
  std::optional<image::Box> mapped;
  if (auto bbox = object.find("bbox"); bbox != object.end()) {
    if (bbox->is_array() && bbox->size() == 4 &&
        std::all_of(bbox->begin(), bbox->end(), [](const json& n) { return n.is_number(); })) {
      image::Box box{(*bbox)[0].get<double>(), (*bbox)[1].get<double>(), (*bbox)[2].get<double>(),
                     (*bbox)[3].get<double>()};
      mapped = image::map_box(geometry, box);
      if (!mapped) return false;
      *bbox = json::array({rounded((*mapped)[0]), rounded((*mapped)[1]), rounded((*mapped)[2]), rounded((*mapped)[3])});
    }
  }
  std::optional<double> polygons_area;
  if (auto segmentation = object.find("segmentation"); segmentation != object.end()) {
    if (auto polygons = polygons_of(*segmentation)) {
      json out = json::array();
      double area = 0;
      for (const auto& polygon : *polygons) {
        auto points = image::map_polygon(geometry, polygon);
        if (points.empty()) continue;
        area += polygon_area(points);
        json numbers = json::array();
        for (double v : points) numbers.push_back(rounded(v));
        out.push_back(std::move(numbers));
      }
      if (out.empty() && !polygons->empty() && !mapped) return false;
      if (!out.empty()) polygons_area = area;
      *segmentation = std::move(out);
    } else {
      object.erase(segmentation);  // an RLE mask cannot follow the geometry
    }
  }
  if (auto area = object.find("area"); area != object.end()) {
    if (polygons_area) {
      *area = rounded(*polygons_area);
    } else if (mapped) {
      *area = rounded((*mapped)[2] * (*mapped)[3]);
    }
  }
  return true;
}

}  // namespace

Result<std::string> transformed_annotation(std::string_view annotation, const image::OpList& ops, image::Size pixels,
                                           std::uint8_t orientation) {
  json root = json::parse(annotation, nullptr, false);
  if (root.is_discarded()) {
    return fail(ErrorCode::invalid_argument, "the annotation is not JSON", "re-index the object's annotation");
  }
  if (!root.is_object()) return std::string(annotation);
  auto image = root.find("image");
  auto objects = root.find("objects");
  const bool has_image = image != root.end() && image->is_object();
  const bool has_objects = objects != root.end() && objects->is_array();
  if (!has_image && !has_objects) return std::string(annotation);

  // The frame the boxes are in, and the ops that bring it to the output.
  std::optional<image::Size> annotated;
  if (has_image) {
    auto width = image->find("width");
    auto height = image->find("height");
    if (width != image->end() && height != image->end()) {
      auto w = positive_number(*width);
      auto h = positive_number(*height);
      if (w && h && *w <= std::numeric_limits<std::uint32_t>::max() &&
          *h <= std::numeric_limits<std::uint32_t>::max()) {
        annotated =
            image::Size{static_cast<std::uint32_t>(std::lround(*w)), static_cast<std::uint32_t>(std::lround(*h))};
      }
    }
  }
  const bool transposed = orientation >= 5 && orientation <= 8;
  const image::Size stored = transposed ? image::Size{pixels.height, pixels.width} : pixels;
  image::OpList all;
  image::Size frame = pixels;
  const bool drawn_on_display = transposed && annotated == pixels && !(stored == pixels);
  if (orientation >= 2 && orientation <= 8 && !drawn_on_display) {
    frame = stored;
    all = image::orientation_ops(orientation);
  }
  if (annotated && !(*annotated == frame)) {
    image::Op stretch{image::Op::Kind::resize, frame, image::ResizeMode::stretch, 0};
    all.steps.insert(all.steps.begin(), stretch);
    frame = *annotated;
  }
  all.steps.insert(all.steps.end(), ops.steps.begin(), ops.steps.end());
  const image::Geometry geometry = image::geometry(all, frame);

  if (has_objects) {
    json kept = json::array();
    for (auto& object : *objects) {
      if (map_object(object, geometry)) kept.push_back(std::move(object));
    }
    *objects = std::move(kept);
  }
  if (has_image) {
    (*image)["width"] = geometry.output.width;
    (*image)["height"] = geometry.output.height;
    image->erase("id");
  }
  if (auto source = root.find("source_format"); source != root.end() && *source == "label-studio") {
    json reduced = json::object();
    for (const char* key : {"image", "objects"}) {
      if (root.contains(key)) reduced[key] = std::move(root[key]);
    }
    root = std::move(reduced);
  }
  return core::canonical_json(root.dump(), "transformed annotation");
}

Result<TransformOutput> run_ops_transform(storage::FileSystem& fs, const Member& member,
                                          const MemberTransform& transform, const std::filesystem::path& output_dir) {
  const image::OpList& ops = *transform.ops;
  std::string subject = fmt::format("transform '{}' on object id:{}", transform.name, member.hash.hex());
  auto bytes = fs.read(member.source_path);
  if (!bytes) return std::unexpected(bytes.error());

  // Decode shrunk to about twice what the ops need (see image/ops.cpp), when
  // the index knows the size; else, or when the file is not that size, at full size.
  constexpr std::uint32_t k_full = std::numeric_limits<std::uint32_t>::max();
  std::optional<image::Size> known;
  if (member.image && member.image->width > 0 && member.image->height > 0) {
    known = image::Size{member.image->width, member.image->height};
  }
  std::uint32_t min_side = k_full;
  if (known) {
    double scale = 2 * image::needed_scale(ops, *known);
    if (scale < 1) {
      double shorter = std::min(known->width, known->height);
      double longer = std::max(known->width, known->height);
      min_side = static_cast<std::uint32_t>(std::ceil(std::max(scale * shorter, scale * longer / 64)));
    }
  }
  auto picture = image::decode_small(*bytes, member.source_path, std::max<std::uint32_t>(min_side, 1));
  auto consistent = [&](const image::Picture& p) {
    if (!known) return false;
    const double w = known->width, h = known->height;
    return p.width <= w && p.height <= h && std::abs(p.width * h - p.height * w) <= w + h;
  };
  if (picture && min_side != k_full && !consistent(*picture)) {
    picture = image::decode_small(*bytes, member.source_path, k_full);
  }
  if (!picture) {
    return fail(ErrorCode::invalid_argument, fmt::format("{}: {}", subject, picture.error().message),
                "image ops apply to images ldb decodes (JPEG, PNG, WebP, GIF, BMP, TIFF); remove the transform from "
                "this member: ldb transform id:" +
                    member.hash.hex() + " -r " + transform.name);
  }
  const image::Size source = consistent(*picture) ? *known : image::Size{picture->width, picture->height};
  const std::uint8_t orientation = picture->orientation;
  image::Picture result = image::apply_ops(std::move(*picture), ops, source);

  image::OutputFormat format = image::OutputFormat::png;
  if (ops.format) {
    format = *ops.format;
  } else if (auto sniffed = image::sniff_format(*bytes)) {
    if (*sniffed == image::Format::jpeg) format = image::OutputFormat::jpeg;
    if (*sniffed == image::Format::webp) format = image::OutputFormat::webp;
  }
  auto encoded = image::encode(result, format, ops.quality);
  if (!encoded) return std::unexpected(encoded.error());

  TransformOutput out;
  out.transform = transform.name;
  out.file_name = fmt::format("image{}", image::extension_of(format));
  out.local_path = output_dir / out.file_name;
  out.size = encoded->size();
  out.md5 = core::md5_of(*encoded);
  out.builtin = true;
  out.image = ImageSize{result.width, result.height};
  LDB_TRY(storage::write_file_replacing(out.local_path, *encoded));
  if (!member.annotation_json.empty()) {
    auto annotation = transformed_annotation(member.annotation_json, ops, source, orientation);
    if (!annotation) {
      return fail(ErrorCode::invalid_argument, fmt::format("{}: {}", subject, annotation.error().message),
                  annotation.error().hint);
    }
    out.annotation_json = std::move(*annotation);
  }
  return out;
}

}  // namespace ldb::formats
