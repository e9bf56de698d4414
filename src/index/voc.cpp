// VOC files are parsed into a small element tree (index/xml.hpp) and the
// detection-shape JSON is printed from it, then made canonical, so the text
// is the same whichever reader or writer produced the boxes.

#include "index/voc.hpp"
#include "core/paths.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "core/json.hpp"
#include "index/read_context.hpp"
#include "index/xml.hpp"

namespace ldb::index {

namespace {

constexpr std::string_view k_hint =
    "fix the Pascal VOC file: <annotation> holds <filename>, <size> (<width>, <height>) and <object>s with "
    "<name> and <bndbox> (<xmin>, <ymin>, <xmax>, <ymax> in pixels)";
constexpr std::string_view k_annotations = "Annotations/";
constexpr std::string_view k_images = "JPEGImages/";
constexpr double k_max_coordinate = 1e9;
constexpr double k_size_tolerance = 1e-5;

std::unexpected<Error> malformed(std::string_view file, std::size_t line, std::string_view problem) {
  return fail(ErrorCode::invalid_argument, fmt::format("'{}':{}: {}", file, line, problem), std::string(k_hint));
}

std::string_view trimmed(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<double> number(std::string_view text) {
  text = trimmed(text);
  if (text.starts_with('+')) text.remove_prefix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(value) ||
      std::abs(value) > k_max_coordinate) {
    return std::nullopt;
  }
  return value;
}

double rounded(double value) {
  double r = std::round(value * 1e6) / 1e6;
  return r == 0 ? 0 : r;  // no "-0"
}

// Where the image may be: beside the XML, then under the sibling JPEGImages/
// of the nearest enclosing Annotations/ folder.
std::vector<std::string> image_candidates(std::string_view xml_path, const std::string& name) {
  std::string_view folder = core::folder_of(xml_path);
  std::vector<std::string> out{std::string(folder) + name};
  std::size_t at = folder.rfind(k_annotations);
  if (at != std::string_view::npos && (at == 0 || folder[at - 1] == '/')) {
    out.push_back(std::string(folder.substr(0, at)) + std::string(k_images) +
                  std::string(folder.substr(at + k_annotations.size())) + name);
  }
  return out;
}

Result<std::optional<bool>> flag(const XmlElement& object, std::string_view key, std::string_view file,
                                 std::string_view entry) {
  const XmlElement* element = object.child(key);
  if (!element) return std::optional<bool>();
  std::string_view text = trimmed(element->text);
  if (text == "0") return std::optional<bool>(false);
  if (text == "1") return std::optional<bool>(true);
  return malformed(file, element->line, fmt::format("{}: <{}> must be 0 or 1, not '{}'", entry, key, text));
}

Status append_object(const XmlElement& object, std::size_t index, std::string_view file, std::string& out) {
  std::string entry = fmt::format("object {}", index + 1);
  const XmlElement* name = object.child("name");
  std::string_view category = name ? trimmed(name->text) : std::string_view();
  if (category.empty()) return malformed(file, object.line, fmt::format("{} has no <name>", entry));
  entry = fmt::format("object {} ('{}')", index + 1, category);
  const XmlElement* box = object.child("bndbox");
  if (!box) return malformed(file, object.line, fmt::format("{} has no <bndbox>", entry));
  std::array<double, 4> corners{};
  constexpr std::array<std::string_view, 4> k_corners{"xmin", "ymin", "xmax", "ymax"};
  for (std::size_t i = 0; i < 4; ++i) {
    const XmlElement* corner = box->child(k_corners[i]);
    if (!corner) return malformed(file, box->line, fmt::format("{}: <bndbox> has no <{}>", entry, k_corners[i]));
    auto value = number(corner->text);
    if (!value) {
      return malformed(file, corner->line,
                       fmt::format("{}: <{}> '{}' is not a number", entry, k_corners[i], trimmed(corner->text)));
    }
    corners[i] = *value;
  }
  // Inclusive corners: xmax = xmin - 1 is an empty box, anything less is
  // inverted (beyond the rounding noise of a written box, k_size_tolerance).
  double width = corners[2] - corners[0] + 1;
  double height = corners[3] - corners[1] + 1;
  if (width < -k_size_tolerance || height < -k_size_tolerance) {
    return malformed(file, box->line,
                     fmt::format("{}: the box is inverted (xmax {} < xmin {} - 1 or ymax {} < ymin {} - 1)", entry,
                                 corners[2], corners[0], corners[3], corners[1]));
  }
  auto difficult = flag(object, "difficult", file, entry);
  if (!difficult) return std::unexpected(std::move(difficult).error());
  auto truncated = flag(object, "truncated", file, entry);
  if (!truncated) return std::unexpected(std::move(truncated).error());

  if (!out.empty()) out.push_back(',');
  fmt::format_to(std::back_inserter(out), R"({{"bbox":[{},{},{},{}],"category":)", rounded(corners[0] - 1),
                 rounded(corners[1] - 1), std::max(rounded(width), 0.0), std::max(rounded(height), 0.0));
  core::append_json_string(category, out);
  if (*difficult) fmt::format_to(std::back_inserter(out), R"(,"difficult":{})", **difficult);
  if (*truncated) fmt::format_to(std::back_inserter(out), R"(,"truncated":{})", **truncated);
  out.push_back('}');
  return {};
}

// ",\"height\":H,\"width\":W" for the <size> block, "" when there is none.
Result<std::string> size_fields(const XmlElement& root, std::string_view file) {
  const XmlElement* size = root.child("size");
  if (!size) return std::string();
  std::string out;
  for (std::string_view key : {"height", "width"}) {
    const XmlElement* element = size->child(key);
    if (!element) return malformed(file, size->line, fmt::format("<size> has no <{}>", key));
    std::string_view text = trimmed(element->text);
    std::uint32_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) {
      return malformed(file, element->line, fmt::format("<{}> '{}' is not a non-negative integer", key, text));
    }
    fmt::format_to(std::back_inserter(out), R"(,"{}":{})", key, value);
  }
  return out;
}

}  // namespace

bool is_xml_path(std::string_view path) {
  if (path.size() < 4) return false;
  std::string_view ext = path.substr(path.size() - 4);
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  return ext[0] == '.' && lower(ext[1]) == 'x' && lower(ext[2]) == 'm' && lower(ext[3]) == 'l';
}

bool is_voc_xml(std::string_view text) { return root_element_name(text) == "annotation"; }

Result<VocImage> parse_voc(std::string_view text, std::string_view xml_path, const FileExists& file_exists) {
  auto parsed = parse_xml(text, xml_path);
  if (!parsed) return std::unexpected(std::move(parsed).error());
  const XmlElement& root = *parsed;
  if (root.name != "annotation") {
    return malformed(xml_path, root.line,
                     fmt::format("the root element is <{}>; a Pascal VOC file has <annotation>", root.name));
  }
  const XmlElement* filename = root.child("filename");
  std::string_view file_name = filename ? trimmed(filename->text) : std::string_view();
  if (file_name.empty()) return malformed(xml_path, root.line, "<annotation> has no <filename>");
  auto relative = core::contained_relative_name(file_name);
  if (!relative) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}':{}: <filename> '{}' leaves the folder of the annotation", xml_path, filename->line,
                            file_name),
                "file names must be relative (beside the XML or under JPEGImages/), without '..'");
  }
  VocImage image;
  auto candidates = image_candidates(xml_path, *relative);
  for (auto& candidate : candidates) {
    if (file_exists(candidate)) {
      image.data_path = std::move(candidate);
      break;
    }
  }
  if (image.data_path.empty()) {
    return fail(ErrorCode::not_found,
                fmt::format("'{}': image '{}' not found (looked for '{}'{})", xml_path, file_name, candidates.front(),
                            candidates.size() > 1 ? fmt::format(" and '{}'", candidates.back()) : std::string()),
                "index the folder that holds both Annotations/ and JPEGImages/ (or the images beside the XML)");
  }

  auto size = size_fields(root, xml_path);
  if (!size) return std::unexpected(std::move(size).error());
  std::string objects;
  std::size_t index = 0;
  for (const auto& child : root.children) {
    if (child.name != "object") continue;
    LDB_TRY(append_object(child, index++, xml_path, objects));
  }
  std::string json = R"({"image":{"file_name":)";
  core::append_json_string(file_name, json);
  json += *size;
  json += R"(},"objects":[)";
  json += objects;
  json += R"(],"source_format":"voc"})";
  auto canonical = core::canonical_json(json, xml_path);
  if (!canonical) return std::unexpected(std::move(canonical).error());
  image.canonical_json = std::move(*canonical);
  return image;
}

VocFiles read_voc_files(storage::FileSystem& fs, const Scan& scan, const ParallelLoop& loop) {
  VocFiles out;
  for (const auto& file : scan.data) {
    if (is_xml_path(file.info.path)) out.files.push_back(&file);
  }
  out.texts.assign(out.files.size(), std::string());
  loop(out.files.size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) out.texts[i] = fs.read(out.files[i]->info.path);
  });
  return out;
}

bool all_voc(const VocFiles& files) {
  for (const auto& text : files.texts) {
    if (!text || !is_voc_xml(*text)) return false;
  }
  return !files.texts.empty();
}

Result<VocPlan> plan_voc(const Scan& scan, VocFiles& files, const IndexOptions& options, const ParallelLoop& loop) {
  if (files.files.empty()) {
    return fail(ErrorCode::not_found, "no Pascal VOC file (.xml) was found under the paths given",
                "index the folder that holds Annotations/*.xml and JPEGImages/");
  }
  auto exists = [&](std::string_view path) { return find_file(scan.data, path) != nullptr; };
  std::vector<Result<VocImage>> images(files.files.size(), VocImage{});
  loop(files.files.size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      auto& text = files.texts[i];
      images[i] =
          text ? parse_voc(*text, files.files[i]->info.path, exists) : Result<VocImage>(std::unexpected(text.error()));
    }
  });
  struct Found {
    PlannedItem item;
    const ScannedFile* xml = nullptr;
  };
  std::vector<Found> found;
  VocPlan plan;
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto& image = images[i];
    if (!image) {
      if (options.bad_annotation == BadAnnotation::skip && image.error().code == ErrorCode::invalid_argument) {
        plan.skipped.push_back(std::move(image).error());
        continue;
      }
      return std::unexpected(std::move(image).error());
    }
    const ScannedFile* data = find_file(scan.data, image->data_path);
    found.push_back(Found{
        PlannedItem{
            data, AnnotationSource::derived, nullptr, std::move(image->canonical_json), {files.files[i]->info.path}},
        files.files[i]});
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.item.data->info.path < b.item.data->info.path; });
  for (std::size_t i = 1; i < found.size(); ++i) {
    if (found[i].item.data == found[i - 1].item.data) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("'{}' is the image of both '{}' and '{}'", found[i].item.data->info.path,
                              found[i - 1].xml->info.path, found[i].xml->info.path),
                  "a Pascal VOC image has one annotation file; remove one of them");
    }
  }
  plan.items.reserve(found.size());
  for (auto& entry : found) plan.items.push_back(std::move(entry.item));
  return plan;
}

Status read_voc(ReadContext& context, Plan& plan) {
  auto voc = plan_voc(context.scan, context.voc(), context.options, context.loop);
  if (!voc) return std::unexpected(std::move(voc).error());
  plan.items = std::move(voc->items);
  plan.skipped = std::move(voc->skipped);
  return {};
}

bool detect_voc(ReadContext& context) {
  return !context.has_pairs && context.scan.json.empty() && all_voc(context.voc());
}

}  // namespace ldb::index
