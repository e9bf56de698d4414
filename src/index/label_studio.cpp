// The Label Studio reader works in two steps because the annotation embeds the
// data object's md5 (SPEC: data.data-object-info): parse_label_studio resolves
// every task's data file up front (so a bad export fails before any hashing),
// then plan_label_studio hashes the files in parallel and builds each
// annotation with label_studio_annotation. The annotation is assembled as text
// from the task's canonical members and canonicalized once at the end.

#include "index/label_studio.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json.hpp"
#include "core/paths.hpp"
#include "index/image_header.hpp"
#include "index/read_context.hpp"

namespace ldb::index {

namespace {

using simdjson::dom::element;

constexpr std::string_view k_hint =
    "fix the Label Studio export: a JSON array of tasks {\"id\", \"data\": {\"image\": URI}, \"annotations\": "
    "[{\"result\": [...]}]} (see https://labelstud.io/guide/export.html#Label-Studio-JSON-format-of-annotated-tasks)";

std::unexpected<Error> malformed(std::string_view file, std::string_view task, std::string_view problem) {
  return fail(ErrorCode::invalid_argument, fmt::format("'{}': {}: {}", file, task, problem), std::string(k_hint));
}

std::optional<element> field(element object, std::string_view key) {
  element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

bool is_number(element e) { return e.is_int64() || e.is_uint64() || e.is_double(); }

double number_of(element e) {
  if (e.is_int64()) return static_cast<double>(std::int64_t(e.get_int64()));
  if (e.is_uint64()) return static_cast<double>(std::uint64_t(e.get_uint64()));
  return e.get_double();
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The outcome of resolving one URI: the file, or why not (error).
Result<std::string> resolve_uri(std::string_view uri, std::string_view folder, const FileExists& exists,
                                std::string_view file, std::string_view task, std::string_view key) {
  std::string where = fmt::format("data.{} '{}'", key, uri);
  auto leaves = [&] {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}': {}: {} leaves the folder of the export", file, task, where),
                "a relative path must stay in the export's folder or below it (no '..'); name files elsewhere by "
                "absolute path");
  };
  auto missing = [&](std::string_view looked) {
    return fail(ErrorCode::not_found,
                fmt::format("'{}': {}: {}: file not found (looked for {})", file, task, where, looked),
                "put the data files where the URIs say (relative ones beside the export) and index that folder");
  };
  std::string_view path = uri;
  std::string decoded;
  constexpr std::string_view k_local_files = "/data/local-files/?d=";
  bool file_uri = false;
  if (uri.starts_with(k_local_files)) {
    decoded = percent_decode(uri.substr(k_local_files.size()));
    path = decoded;
    while (path.starts_with('/')) path.remove_prefix(1);  // d= is relative to the document root
  } else if (uri.starts_with("file://")) {
    path = uri.substr(7);
    file_uri = true;
  } else if (std::size_t scheme = uri.find("://"); scheme != std::string_view::npos) {
    return fail(
        ErrorCode::unsupported,
        fmt::format("'{}': {}: {} is a URL; ldb reads Label Studio data from local files only", file, task, where),
        "download the files beside the export and point the task's data at them with relative paths, "
        "or choose another key with -p data-key=K");
  }
  if (path.empty() || path.find('\0') != std::string_view::npos) return leaves();
  if (path.front() != '/') {
    auto relative = core::contained_name(path);
    if (!relative) return leaves();
    std::string candidate = std::string(folder) + *relative;
    if (exists(candidate)) return candidate;
    return missing(fmt::format("'{}'", candidate));
  }
  // An absolute path names that file ("file:///d/x.jpg" always; a bare
  // "/d/x.jpg" when the file is there)...
  if (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..")) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}': {}: {} names a folder, not a file", file, task, where),
                "point the task's data at a file");
  }
  std::string absolute = core::normalize_local_path(path);
  if (exists(absolute)) return absolute;
  if (file_uri) return missing(fmt::format("'{}'", absolute));
  // ...else a path on the Label Studio server ("/data/upload/3/x.jpg"),
  // looked up in the export's folder: as it is, then by its base name.
  auto relative = core::contained_name(path.substr(1));
  if (!relative) return missing(fmt::format("'{}'", absolute));
  std::string under = std::string(folder) + *relative;
  if (exists(under)) return under;
  std::size_t slash = relative->rfind('/');
  std::string beside = std::string(folder) + relative->substr(slash == std::string::npos ? 0 : slash + 1);
  if (beside != under && exists(beside)) return beside;
  return missing(beside != under ? fmt::format("'{}', '{}' and '{}'", absolute, under, beside)
                                 : fmt::format("'{}' and '{}'", absolute, under));
}

std::string task_name(element task, std::size_t index) {
  if (auto id = field(task, "id")) {
    if (id->is_int64()) return fmt::format("task id {}", std::int64_t(id->get_int64()));
    if (id->is_string()) return fmt::format("task id '{}'", std::string_view(id->get_string()));
  }
  return fmt::format("tasks[{}]", index);
}

bool has_original_size(element task) {
  auto annotations = field(task, "annotations");
  if (!annotations || !annotations->is_array()) return false;
  for (auto annotation : annotations->get_array()) {
    auto results = annotation.is_object() ? field(annotation, "result") : std::nullopt;
    if (!results || !results->is_array()) continue;
    for (auto result : results->get_array()) {
      if (result.is_object() && field(result, "original_width") && field(result, "original_height")) return true;
    }
  }
  return false;
}

Result<LabelStudioTask> read_task(element task, std::size_t index, std::string_view file, std::string_view data_key,
                                  const FileExists& exists) {
  LabelStudioTask out;
  if (!task.is_object()) return malformed(file, fmt::format("tasks[{}]", index), "must be an object");
  out.name = task_name(task, index);
  for (std::string_view reserved : {"image", "objects", "source_format"}) {
    if (field(task, reserved)) {
      return malformed(
          file, out.name,
          fmt::format("the task has a top-level \"{}\", a key ldb adds to Label Studio annotations", reserved));
    }
  }
  auto data = field(task, "data");
  if (!data || !data->is_object()) return malformed(file, out.name, "\"data\" must be an object");
  std::string_view folder = core::folder_of(file);
  if (!data_key.empty()) {
    auto value = field(*data, data_key);
    if (!value || !value->is_string()) {
      return malformed(file, out.name, fmt::format("data.{} must be a string (the data URI)", data_key));
    }
    auto path = resolve_uri(value->get_string(), folder, exists, file, out.name, data_key);
    if (!path) return std::unexpected(std::move(path).error());
    out.data_path = std::move(*path);
    out.path_key = std::string(data_key);
  } else {
    std::optional<Error> first_error;
    for (auto [key, value] : data->get_object()) {
      if (!value.is_string() || key == "data-object-info") continue;
      auto path = resolve_uri(value.get_string(), folder, exists, file, out.name, key);
      if (path) {
        out.data_path = std::move(*path);
        out.path_key = std::string(key);
        break;
      }
      if (!first_error) first_error = std::move(path).error();
    }
    if (out.data_path.empty()) {
      if (first_error) return std::unexpected(std::move(*first_error));
      return malformed(file, out.name, "\"data\" holds no string value naming a data file");
    }
  }
  core::append_canonical(task, out.task_json);
  out.has_original_size = has_original_size(task);
  return out;
}

// `value` rounded to 15 significant digits.
double without_noise(double value) {
  if (value == 0 || !std::isfinite(value)) return value;
  std::string text = fmt::format("{:.14e}", value);
  double out = 0;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

// Appends a number in the shortest round-trip form.
void append_number(double value, std::string& out) {
  if (value == 0) value = 0;  // no "-0"
  out += fmt::format("{}", value);
}

struct Region {
  std::string type;  // "rectanglelabels" or "polygonlabels"
  std::vector<std::string> labels;
  std::string object_text;  // the object without "category": {"bbox":...,...
};

Result<std::optional<LabelStudioImageSize>> result_size(element result, std::string_view file, std::string_view where) {
  auto width = field(result, "original_width");
  auto height = field(result, "original_height");
  if (!width && !height) return std::optional<LabelStudioImageSize>{};
  if (!width || !height || !is_number(*width) || !is_number(*height) || !(number_of(*width) > 0) ||
      !(number_of(*height) > 0) || number_of(*width) > 4.0e9 || number_of(*height) > 4.0e9) {
    return malformed(file, where, "original_width and original_height must both be positive numbers");
  }
  return std::optional<LabelStudioImageSize>{LabelStudioImageSize{static_cast<std::uint32_t>(number_of(*width)),
                                                                  static_cast<std::uint32_t>(number_of(*height))}};
}

Result<double> percent(element value, std::string_view key, std::string_view file, std::string_view where) {
  auto number = field(value, key);
  if (!number || !is_number(*number) || !std::isfinite(number_of(*number))) {
    return malformed(file, where, fmt::format("value.{} must be a number (percent)", key));
  }
  return number_of(*number);
}

// The object text (without category) of a rectangle or polygon result.
Result<std::string> region_geometry(element value, std::string_view type, LabelStudioImageSize size,
                                    std::string_view file, std::string_view where) {
  const double width = size.width, height = size.height;
  std::vector<double> xs, ys;
  std::string extra;
  if (type == "rectanglelabels") {
    double v[4];
    std::size_t i = 0;
    for (std::string_view key : {"x", "y", "width", "height"}) {
      auto number = percent(value, key, file, where);
      if (!number) return std::unexpected(std::move(number).error());
      v[i++] = *number;
    }
    double rotation = 0;
    if (auto r = field(value, "rotation")) {
      if (!is_number(*r) || !std::isfinite(number_of(*r)))
        return malformed(file, where, "value.rotation must be a number");
      rotation = number_of(*r);
    }
    double x = label_studio_pixels(v[0], width), y = label_studio_pixels(v[1], height);
    double w = label_studio_pixels(v[2], width), h = label_studio_pixels(v[3], height);
    if (std::fmod(rotation, 360.0) == 0) {
      std::string text = "{\"bbox\":[";
      for (double n : {x, y, w, h}) {
        append_number(n, text);
        text.push_back(',');
      }
      text.back() = ']';
      return text;
    }
    constexpr double k_pi = 3.14159265358979323846;
    double c = std::cos(rotation * k_pi / 180.0), s = std::sin(rotation * k_pi / 180.0);
    xs = {x, x + w * c, x + w * c - h * s, x - h * s};
    ys = {y, y + w * s, y + w * s + h * c, y + h * c};
    extra = ",\"rotation\":";
    append_number(rotation, extra);
  } else {
    auto points = field(value, "points");
    if (!points || !points->is_array()) return malformed(file, where, "value.points must be an array of [x, y]");
    for (auto point : points->get_array()) {
      std::size_t count = 0;
      if (point.is_array()) {
        for (auto n : point.get_array()) {
          if (!is_number(n) || !std::isfinite(number_of(n)) || count == 2) {
            count = 3;
            break;
          }
          (count == 0 ? xs : ys).push_back(label_studio_pixels(number_of(n), count == 0 ? width : height));
          ++count;
        }
      }
      if (count != 2) return malformed(file, where, "value.points must hold [x, y] pairs of numbers");
    }
    if (xs.size() < 3) return malformed(file, where, "a polygon needs at least 3 points");
  }
  auto [min_x, max_x] = std::minmax_element(xs.begin(), xs.end());
  auto [min_y, max_y] = std::minmax_element(ys.begin(), ys.end());
  std::string text = "{\"bbox\":[";
  for (double n : {*min_x, *min_y, without_noise(*max_x - *min_x), without_noise(*max_y - *min_y)}) {
    append_number(n, text);
    text.push_back(',');
  }
  text.back() = ']';
  text += extra;
  text += ",\"segmentation\":[[";
  for (std::size_t i = 0; i < xs.size(); ++i) {
    append_number(xs[i], text);
    text.push_back(',');
    append_number(ys[i], text);
    text.push_back(',');
  }
  text.back() = ']';
  text += "]";
  return text;
}

// The objects (comma-separated texts) and image size of the task's first
// annotation that is not cancelled; `fallback` sizes regions whose results
// give no original size.
Status read_objects(element task, std::optional<LabelStudioImageSize> fallback,
                    std::optional<LabelStudioImageSize>& size, std::string_view file, std::string_view name,
                    std::string& objects) {
  auto annotations = field(task, "annotations");
  if (!annotations) return {};
  if (!annotations->is_array()) return malformed(file, name, "\"annotations\" must be an array");
  std::size_t index = 0;
  for (auto annotation : annotations->get_array()) {
    std::string where = fmt::format("{}: annotations[{}]", name, index++);
    if (!annotation.is_object()) return malformed(file, where, "must be an object");
    if (auto cancelled = field(annotation, "was_cancelled");
        cancelled && cancelled->is_bool() && bool(cancelled->get_bool())) {
      continue;
    }
    auto results = field(annotation, "result");
    if (!results || !results->is_array()) return malformed(file, where, "\"result\" must be an array");
    std::size_t result_index = 0;
    for (auto result : results->get_array()) {
      std::string at = fmt::format("{}.result[{}]", where, result_index++);
      if (!result.is_object()) return malformed(file, at, "must be an object");
      auto type = field(result, "type");
      if (!type || !type->is_string()) return malformed(file, at, "\"type\" must be a string");
      std::string_view kind = type->get_string();
      auto own = result_size(result, file, at);
      if (!own) return std::unexpected(std::move(own).error());
      if (*own && !size) size = *own;
      if (kind != "rectanglelabels" && kind != "polygonlabels") continue;
      auto value = field(result, "value");
      if (!value || !value->is_object()) return malformed(file, at, "\"value\" must be an object");
      auto labels = field(*value, kind);
      if (!labels || !labels->is_array())
        return malformed(file, at, fmt::format("value.{} must be an array of strings", kind));
      std::optional<LabelStudioImageSize> use = *own ? *own : size ? size : fallback;
      if (!use) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("'{}': {}: the image size is unknown (no original_width/original_height, no readable "
                                "image header)",
                                file, at),
                    "add original_width and original_height to the result, or use an image format ldb reads "
                    "(JPEG, PNG, GIF, BMP, WebP)");
      }
      auto geometry = region_geometry(*value, kind, *use, file, at);
      if (!geometry) return std::unexpected(std::move(geometry).error());
      for (auto label : labels->get_array()) {
        if (!label.is_string()) return malformed(file, at, fmt::format("value.{} must be an array of strings", kind));
        if (!objects.empty()) objects.push_back(',');
        objects += *geometry;
        objects += ",\"category\":";
        core::append_json_string(label.get_string(), objects);
        objects.push_back('}');
      }
    }
    break;  // the first annotation that is not cancelled
  }
  return {};
}

}  // namespace

double label_studio_pixels(double percent, double size) { return without_noise(percent * size / 100.0); }

bool is_label_studio_json(std::string_view text) {
  simdjson::dom::parser parser;
  auto root = core::parse_json(parser, text, "");
  if (!root || !root->is_array()) return false;
  std::size_t count = 0;
  for (auto task : root->get_array()) {
    if (!task.is_object()) return false;
    auto data = field(task, "data");
    if (!data || !data->is_object()) return false;
    ++count;
  }
  return count > 0;
}

Result<std::vector<LabelStudioTask>> parse_label_studio(std::string_view text, std::string_view json_path,
                                                        std::string_view data_key, const FileExists& file_exists) {
  simdjson::dom::parser parser;
  auto root = core::parse_json(parser, text, json_path);
  if (!root) return std::unexpected(std::move(root).error());
  if (!root->is_array()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}' is not a Label Studio export: not a JSON array of tasks", json_path),
                std::string(k_hint));
  }
  std::vector<LabelStudioTask> tasks;
  std::unordered_map<std::string, std::string> by_path;
  for (auto task : root->get_array()) {
    auto read = read_task(task, tasks.size(), json_path, data_key, file_exists);
    if (!read) return std::unexpected(std::move(read).error());
    auto [it, inserted] = by_path.emplace(read->data_path, read->name);
    if (!inserted) {
      return malformed(json_path, read->name,
                       fmt::format("its file '{}' is also the file of {}", read->data_path, it->second));
    }
    tasks.push_back(std::move(*read));
  }
  return tasks;
}

Result<std::string> label_studio_annotation(const LabelStudioTask& task, const core::Md5& md5,
                                            std::optional<LabelStudioImageSize> header_size,
                                            std::string_view json_path) {
  simdjson::dom::parser parser;
  auto root = core::parse_json(parser, task.task_json, json_path);
  if (!root) return std::unexpected(std::move(root).error());
  if (!root->is_object()) return malformed(json_path, task.name, "must be an object");
  std::optional<LabelStudioImageSize> size;
  std::string objects;
  LDB_TRY(read_objects(*root, header_size, size, json_path, task.name, objects));
  if (!size) size = header_size;

  std::string text = "{";
  for (auto [key, value] : root->get_object()) {
    if (key == "data") {
      if (!value.is_object()) return malformed(json_path, task.name, "\"data\" must be an object");
      text += "\"data\":{";
      for (auto [data_key, data_value] : value.get_object()) {
        if (data_key == "data-object-info") continue;
        core::append_json_string(data_key, text);
        text.push_back(':');
        core::append_canonical(data_value, text);
        text.push_back(',');
      }
      text += fmt::format("\"data-object-info\":{{\"md5\":\"{}\",\"path_key\":", md5.hex());
      core::append_json_string(task.path_key, text);
      text += "}},";
      continue;
    }
    if (key == "image" || key == "objects" || key == "source_format") continue;
    core::append_json_string(key, text);
    text.push_back(':');
    core::append_canonical(value, text);
    text.push_back(',');
  }
  std::string_view path = task.data_path;
  text += "\"image\":{\"file_name\":";
  core::append_json_string(path.substr(path.rfind('/') + 1), text);
  if (size) text += fmt::format(",\"height\":{},\"width\":{}", size->height, size->width);
  text += "},\"objects\":[";
  text += objects;
  text += "],\"source_format\":\"label-studio\"}";
  return core::canonical_json(text, json_path);
}

Result<LabelStudioPlan> plan_label_studio(storage::FileSystem& fs, const Scan& scan,
                                          std::vector<Result<std::string>>& texts, const IndexOptions& options,
                                          DataFiles& files, const ParallelLoop& loop) {
  if (scan.json.empty()) {
    return fail(ErrorCode::not_found, "no Label Studio export (.json) was found under the paths given",
                "index the folder that holds the export and its data files");
  }
  std::string data_key;
  for (const auto& [key, value] : options.params) {
    if (key == "data-key") data_key = value;
  }
  bool skip = options.bad_annotation == BadAnnotation::skip;
  struct Found {
    LabelStudioTask task;
    const ScannedFile* json = nullptr;
    const ScannedFile* data = nullptr;
  };
  std::vector<Found> found;
  LabelStudioPlan plan;
  auto exists = [&](std::string_view path) { return files.exists(path); };
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const ScannedFile& json = scan.json[i];
    auto tasks = texts[i] ? parse_label_studio(*texts[i], json.info.path, data_key, exists)
                          : Result<std::vector<LabelStudioTask>>(std::unexpected(std::move(texts[i]).error()));
    if (!tasks) {
      if (skip && tasks.error().code == ErrorCode::invalid_argument) {
        plan.skipped.push_back(std::move(tasks).error());
        continue;
      }
      return std::unexpected(std::move(tasks).error());
    }
    for (auto& task : *tasks) {
      auto data = files.get(task.data_path, json.root);
      if (!data) {
        Error error = std::move(data).error();
        error.message = fmt::format("'{}': {}: {}", json.info.path, task.name, error.message);
        return std::unexpected(std::move(error));
      }
      found.push_back(Found{std::move(task), &json, *data});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.data->info.path < b.data->info.path; });
  for (std::size_t i = 1; i < found.size(); ++i) {
    if (found[i].data == found[i - 1].data) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("'{}' is the data of {} in '{}' and of {} in '{}'", found[i].data->info.path,
                              found[i - 1].task.name, found[i - 1].json->info.path, found[i].task.name,
                              found[i].json->info.path),
                  "index the exports separately, or remove the task from one of them");
    }
  }
  std::vector<Result<std::string>> annotations(found.size(), std::string());
  loop(found.size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const Found& entry = found[i];
      auto hash = fs.hash(entry.data->info.path);
      if (!hash) {
        annotations[i] = std::unexpected(std::move(hash).error());
        continue;
      }
      std::optional<LabelStudioImageSize> header_size;
      if (!entry.task.has_original_size) {
        auto bytes = fs.read(entry.data->info.path);
        if (!bytes) {
          annotations[i] = std::unexpected(std::move(bytes).error());
          continue;
        }
        if (auto header = read_image_header(*bytes, entry.data->info.path)) {
          header_size = LabelStudioImageSize{header->display_width(), header->display_height()};
        }
      }
      annotations[i] = label_studio_annotation(entry.task, *hash, header_size, entry.json->info.path);
    }
  });
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (!annotations[i]) {
      if (skip && annotations[i].error().code == ErrorCode::invalid_argument) {
        plan.skipped.push_back(std::move(annotations[i]).error());
        continue;
      }
      return std::unexpected(std::move(annotations[i]).error());
    }
    plan.items.push_back(PlannedItem{
        found[i].data, AnnotationSource::derived, nullptr, std::move(*annotations[i]), {found[i].json->info.path}});
  }
  return plan;
}

Status read_label_studio(ReadContext& context, Plan& plan) {
  auto tasks =
      plan_label_studio(context.fs, context.scan, context.json(), context.options, context.files, context.loop);
  if (!tasks) return std::unexpected(std::move(tasks).error());
  plan.items = std::move(tasks->items);
  plan.skipped = std::move(tasks->skipped);
  return {};
}

}  // namespace ldb::index
