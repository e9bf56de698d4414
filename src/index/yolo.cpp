// YOLO labels become absolute-pixel objects here. Class names are read once
// per dataset folder before the parallel part; each worker then reads one
// image's header and its label file, so the plan costs one read per image and
// per label (the whole image is read for now: the FileSystem seam has no
// ranged read yet).

#include "index/yolo.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/json.hpp"
#include "index/read_context.hpp"
#include "index/yolo_names.hpp"

namespace ldb::index {

namespace {

constexpr std::string_view k_images = "/images/";
constexpr std::string_view k_labels = "/labels/";
constexpr std::array<std::string_view, 3> k_names_files{"data.yaml", "data.yml", "classes.txt"};
constexpr std::string_view k_label_hint =
    "each line is 'class cx cy w h' or 'class x1 y1 x2 y2 x3 y3 ...' with a class index and "
    "coordinates normalized to [0, 1]; fix or remove the line";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::unexpected<Error> line_error(std::string_view subject, std::size_t line, std::string_view what) {
  return fail(ErrorCode::invalid_argument, fmt::format("{}:{}: {}", subject, line, what), std::string(k_label_hint));
}

// Blanks between fields; '\r' too, for label files written on Windows.
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    std::size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

std::optional<double> number(std::string_view field) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc{} || ptr != field.data() + field.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// Pixels rounded to 1e-4, printed in the shortest form.
void append_pixels(double value, std::string& out) {
  double rounded = std::round(value * 1e4) / 1e4;
  if (rounded == 0) rounded = 0;  // no "-0"
  fmt::format_to(std::back_inserter(out), "{}", rounded);
}

struct Names {
  std::vector<std::string> names;  // empty: none found
  std::string source;              // the file they came from
};

// The folders searched for a names file, nearest first: the dataset folder,
// then its parents down to (and including) the indexed root.
std::vector<std::string> names_folders(std::string_view dataset, std::string_view root) {
  std::vector<std::string> folders{std::string(dataset)};
  std::string_view folder = dataset;
  while (folder.size() > root.size() && folder.starts_with(root)) {
    std::size_t slash = folder.rfind('/');
    if (slash == std::string_view::npos || slash < root.size()) break;
    folder = folder.substr(0, slash);
    folders.emplace_back(folder);
  }
  return folders;
}

bool is_under(std::string_view path, std::string_view root) {
  return path == root ||
         (path.starts_with(root) && path.size() > root.size() && (root.ends_with('/') || path[root.size()] == '/'));
}

// Whether a file exists: the scan answers for paths below its roots; other
// paths (a dataset folder above an indexed images/ folder) are asked to `fs`.
Result<bool> file_exists(storage::FileSystem& fs, const Scan& scan, std::string_view path) {
  if (find_file(scan.data, path) || find_file(scan.json, path)) return true;
  for (const auto& root : scan.roots) {
    if (is_under(path, root)) return false;
  }
  auto info = fs.stat(path);
  if (info) return true;
  if (info.error().code == ErrorCode::not_found) return false;
  return std::unexpected(std::move(info).error());
}

Result<Names> read_names(storage::FileSystem& fs, const Scan& scan, std::string_view dataset, std::string_view root) {
  for (const auto& folder : names_folders(dataset, root)) {
    for (auto file : k_names_files) {
      std::string path = fmt::format("{}/{}", folder, file);
      auto exists = file_exists(fs, scan, path);
      if (!exists) return std::unexpected(std::move(exists).error());
      if (!*exists) continue;
      auto text = fs.read(path);
      if (!text) return std::unexpected(std::move(text).error());
      auto names = file == "classes.txt" ? parse_classes_txt(*text, path) : parse_data_yaml_names(*text, path);
      if (!names) return std::unexpected(std::move(names).error());
      return Names{std::move(*names), path};
    }
  }
  return Names{};
}

struct Candidate {
  const ScannedFile* image = nullptr;
  std::string label_path;
  std::string file_name;  // relative to the images folder
  const Names* names = nullptr;
};

}  // namespace

std::optional<std::string> yolo_label_path_for(std::string_view image_path) {
  std::size_t at = image_path.rfind(k_images);
  if (at == std::string_view::npos) return std::nullopt;
  std::string out(image_path.substr(0, at));
  out += k_labels;
  std::string_view rest = image_path.substr(at + k_images.size());
  std::size_t dot = rest.rfind('.');
  out += rest.substr(0, dot == std::string_view::npos ? rest.size() : dot);
  out += ".txt";
  return out;
}

bool is_yolo_image(std::string_view path) {
  std::size_t dot = path.rfind('.');
  std::size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return false;
  std::string ext = lower(path.substr(dot + 1));
  return ext == "jpg" || ext == "jpeg" || ext == "png" || ext == "bmp" || ext == "gif" || ext == "webp";
}

Result<std::string> yolo_annotation(std::string_view file_name, std::uint32_t width, std::uint32_t height,
                                    const std::string* label_text, std::string_view label_subject,
                                    std::span<const std::string> names) {
  std::string json = R"({"source_format":"yolo","image":{"file_name":)";
  core::append_json_string(file_name, json);
  fmt::format_to(std::back_inserter(json), R"(,"width":{},"height":{}}},"objects":[)", width, height);
  std::string_view text = label_text ? std::string_view(*label_text) : std::string_view();
  std::size_t line_number = 0;
  std::size_t start = 0;
  bool first = true;
  const double w_px = width;
  const double h_px = height;
  while (start < text.size()) {
    ++line_number;
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto fields = fields_of(text.substr(start, end - start));
    start = end + 1;
    if (fields.empty()) continue;
    std::size_t n = fields.size();
    if (n != 5 && (n < 7 || n % 2 == 0)) {
      return line_error(label_subject, line_number,
                        fmt::format("{} fields; expected 5 (class cx cy w h) or an odd number of at least 7 "
                                    "(class and polygon points)",
                                    n));
    }
    auto class_value = number(fields[0]);
    if (!class_value || *class_value < 0 || *class_value != std::floor(*class_value) || *class_value > 1e6) {
      return line_error(label_subject, line_number, fmt::format("'{}' is not a class index", fields[0]));
    }
    auto class_index = static_cast<std::size_t>(*class_value);
    if (!names.empty() && class_index >= names.size()) {
      return line_error(label_subject, line_number,
                        fmt::format("class index {} is out of range: the dataset names {} classes (0..{})", class_index,
                                    names.size(), names.size() - 1));
    }
    std::vector<double> values;
    values.reserve(n - 1);
    for (std::size_t i = 1; i < n; ++i) {
      auto value = number(fields[i]);
      if (!value) return line_error(label_subject, line_number, fmt::format("'{}' is not a number", fields[i]));
      if (*value < -k_yolo_tolerance || *value > 1 + k_yolo_tolerance) {
        return line_error(label_subject, line_number,
                          fmt::format("{} is outside [0, 1]: coordinates must be normalized", fields[i]));
      }
      values.push_back(*value);
    }
    double x = 0, y = 0, w = 0, h = 0;
    std::string segmentation;
    if (n == 5) {
      x = (values[0] - values[2] / 2) * w_px;
      y = (values[1] - values[3] / 2) * h_px;
      w = values[2] * w_px;
      h = values[3] * h_px;
    } else {
      double min_x = values[0], max_x = values[0], min_y = values[1], max_y = values[1];
      segmentation = "[[";
      for (std::size_t i = 0; i < values.size(); i += 2) {
        double px = values[i] * w_px;
        double py = values[i + 1] * h_px;
        min_x = std::min(min_x, values[i]);
        max_x = std::max(max_x, values[i]);
        min_y = std::min(min_y, values[i + 1]);
        max_y = std::max(max_y, values[i + 1]);
        if (i > 0) segmentation.push_back(',');
        append_pixels(px, segmentation);
        segmentation.push_back(',');
        append_pixels(py, segmentation);
      }
      segmentation += "]]";
      x = min_x * w_px;
      y = min_y * h_px;
      w = (max_x - min_x) * w_px;
      h = (max_y - min_y) * h_px;
    }
    if (!first) json.push_back(',');
    first = false;
    json += R"({"bbox":[)";
    append_pixels(x, json);
    json.push_back(',');
    append_pixels(y, json);
    json.push_back(',');
    append_pixels(w, json);
    json.push_back(',');
    append_pixels(h, json);
    json += R"(],"category":)";
    core::append_json_string(names.empty() ? std::to_string(class_index) : names[class_index], json);
    fmt::format_to(std::back_inserter(json), R"(,"category_id":{})", class_index);
    if (!segmentation.empty()) json += R"(,"segmentation":)" + segmentation;
    json.push_back('}');
  }
  json.push_back(']');
  if (!names.empty()) {
    // The whole class table, so that instantiate -m yolo can name classes no
    // member of a dataset uses.
    json += R"(,"names":[)";
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i > 0) json.push_back(',');
      core::append_json_string(names[i], json);
    }
    json.push_back(']');
  }
  json.push_back('}');
  return core::canonical_json(json, label_subject);
}

bool looks_like_yolo(const Scan& scan) {
  auto has_prefix = [&](std::string_view prefix, bool labels) {
    auto it = std::lower_bound(scan.data.begin(), scan.data.end(), prefix,
                               [](const ScannedFile& file, std::string_view p) { return file.info.path < p; });
    for (; it != scan.data.end() && it->info.path.starts_with(prefix); ++it) {
      if (labels ? it->info.path.ends_with(".txt") : is_yolo_image(it->info.path)) return true;
    }
    return false;
  };
  for (const auto& root : scan.roots) {
    std::string base = root.ends_with('/') ? root.substr(0, root.size() - 1) : root;
    bool names = false;
    for (auto file : k_names_files) names = names || find_file(scan.data, base + "/" + std::string(file));
    if (names && has_prefix(base + std::string(k_images), false) && has_prefix(base + std::string(k_labels), true)) {
      return true;
    }
  }
  return false;
}

Result<YoloPlan> plan_yolo(storage::FileSystem& fs, const Scan& scan, const IndexOptions& options,
                           const ParallelLoop& loop) {
  // Class names, once per dataset folder (the folder holding images/).
  std::map<std::string, Names, std::less<>> names_by_dataset;
  std::vector<Candidate> candidates;
  for (const auto& data : scan.data) {
    const std::string& path = data.info.path;
    if (!is_yolo_image(path)) continue;
    std::size_t at = path.rfind(k_images);
    if (at == std::string::npos) continue;
    std::string dataset = path.substr(0, at);
    auto it = names_by_dataset.find(dataset);
    if (it == names_by_dataset.end()) {
      std::string_view root = scan.roots[data.root];
      if (root.ends_with('/')) root.remove_suffix(1);
      auto names = read_names(fs, scan, dataset, root);
      if (!names) return std::unexpected(std::move(names).error());
      it = names_by_dataset.emplace(dataset, std::move(*names)).first;
    }
    candidates.push_back(Candidate{&data, *yolo_label_path_for(path), path.substr(at + k_images.size()), &it->second});
  }
  if (candidates.empty()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("no images under an images/ folder in '{}'", scan.roots.empty() ? "" : scan.roots.front()),
                "a YOLO dataset keeps images under images/ and labels under labels/ (e.g. images/train/a.jpg "
                "and labels/train/a.txt); index the folder that holds both");
  }

  std::vector<Result<std::string>> annotations(candidates.size(), std::string());
  loop(candidates.size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const Candidate& candidate = candidates[i];
      const std::string& image_path = candidate.image->info.path;
      auto bytes = fs.read(image_path);
      if (!bytes) {
        annotations[i] = std::unexpected(std::move(bytes).error());
        continue;
      }
      auto header = read_image_header(*bytes, image_path);
      if (!header) {
        annotations[i] = std::unexpected(std::move(header).error());
        continue;
      }
      auto exists = file_exists(fs, scan, candidate.label_path);
      if (!exists) {
        annotations[i] = std::unexpected(std::move(exists).error());
        continue;
      }
      std::optional<std::string> label;
      if (*exists) {
        auto text = fs.read(candidate.label_path);
        if (!text) {
          annotations[i] = std::unexpected(std::move(text).error());
          continue;
        }
        label = std::move(*text);
      }
      annotations[i] = yolo_annotation(candidate.file_name, header->display_width(), header->display_height(),
                                       label ? &*label : nullptr, candidate.label_path, candidate.names->names);
    }
  });

  YoloPlan plan;
  plan.items.reserve(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    auto& annotation = annotations[i];
    if (!annotation) {
      if (options.bad_annotation == BadAnnotation::skip && annotation.error().code == ErrorCode::invalid_argument) {
        plan.skipped.push_back(std::move(annotation).error());
        continue;
      }
      return std::unexpected(std::move(annotation).error());
    }
    PlannedItem item{candidates[i].image, AnnotationSource::derived, nullptr, std::move(*annotation), {}};
    item.read_from.push_back(candidates[i].label_path);
    if (!candidates[i].names->source.empty()) item.read_from.push_back(candidates[i].names->source);
    plan.items.push_back(std::move(item));
  }
  return plan;
}

Status read_yolo(ReadContext& context, Plan& plan) {
  auto yolo = plan_yolo(context.fs, context.scan, context.options, context.loop);
  if (!yolo) return std::unexpected(std::move(yolo).error());
  plan.items = std::move(yolo->items);
  plan.skipped = std::move(yolo->skipped);
  return {};
}

bool detect_yolo(ReadContext& context) { return !context.has_pairs && looks_like_yolo(context.scan); }

}  // namespace ldb::index
