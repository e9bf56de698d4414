#include "index/plan.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "index/coco.hpp"
#include "index/infer.hpp"
#include "index/label_studio.hpp"
#include "index/read_context.hpp"
#include "index/voc.hpp"
#include "index/yolo.hpp"
#include "storage/url.hpp"

namespace ldb::index {

namespace {

bool has_pairs(const Scan& scan) {
  for (const auto& data : scan.data) {
    if (find_file(scan.json, annotation_path_for(data.info.path))) return true;
  }
  return false;
}

bool all_in_subfolders(const Scan& scan) {
  for (const auto& data : scan.data) {
    if (relative_folder(data.info.path, scan.roots[data.root]).empty()) return false;
  }
  return true;
}

std::vector<PlannedItem> plan_pairs(const Scan& scan, Format format) {
  std::vector<PlannedItem> items;
  items.reserve(scan.data.size());
  for (const auto& data : scan.data) {
    const ScannedFile* annotation = find_file(scan.json, annotation_path_for(data.info.path));
    if (annotation) {
      items.push_back(PlannedItem{&data, AnnotationSource::file, annotation, {}});
    } else if (format == Format::bare_pairs) {
      items.push_back(PlannedItem{&data, AnnotationSource::none, nullptr, {}});
    }
  }
  return items;
}

Result<std::vector<PlannedItem>> plan_inferred(const Scan& scan, const IndexOptions& options) {
  if (!scan.json.empty()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("JSON files are not expected in format tensorflow-inferred: found {} (first: '{}')",
                            scan.json.size(), scan.json.front().info.path),
                "remove the JSON files, or index with -m strict-pairs or -m bare-pairs");
  }
  auto params = parse_infer_params(options.params);
  if (!params) return std::unexpected(std::move(params).error());
  std::vector<PlannedItem> items;
  items.reserve(scan.data.size());
  for (const auto& data : scan.data) {
    auto annotation = inferred_annotation(relative_folder(data.info.path, scan.bases[data.root]), *params);
    if (!annotation) continue;  // directly in the root without a base label: not indexed
    items.push_back(PlannedItem{&data, AnnotationSource::derived, nullptr, std::move(*annotation)});
  }
  return items;
}

// Reads every .json file as annotation-only. Results in file order.
std::vector<Result<AnnotationOnlyParse>> read_annotation_only(storage::FileSystem& fs, const Scan& scan,
                                                              const ParallelLoop& loop) {
  std::vector<Result<AnnotationOnlyParse>> parsed(scan.json.size(), AnnotationOnlyParse{});
  loop(scan.json.size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const auto& path = scan.json[i].info.path;
      auto text = fs.read(path);
      parsed[i] = text ? parse_annotation_only(*text, path) : std::unexpected(std::move(text).error());
    }
  });
  return parsed;
}

// Reading errors are io/not_found; invalid_argument means the JSON is malformed.
bool is_malformed_json(const Error& error) { return error.code == ErrorCode::invalid_argument; }

// Reads every .json file's text. Results in file order.
std::vector<Result<std::string>> read_json_texts(storage::FileSystem& fs, const Scan& scan, const ParallelLoop& loop) {
  std::vector<Result<std::string>> texts(scan.json.size(), std::string());
  loop(scan.json.size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) texts[i] = fs.read(scan.json[i].info.path);
  });
  return texts;
}

// Every file a COCO file, or (the downloads' captions_*.json beside
// instances_*.json) one without categories, which plan_coco leaves out.
bool all_coco(const std::vector<Result<std::string>>& texts) {
  bool detection = false;
  for (const auto& text : texts) {
    if (!text) return false;
    if (is_coco_json(*text)) {
      detection = true;
    } else if (!is_coco_without_categories(*text)) {
      return false;
    }
  }
  return detection;
}

bool all_label_studio(const std::vector<Result<std::string>>& texts) {
  for (const auto& text : texts) {
    if (!text || !is_label_studio_json(*text)) return false;
  }
  return !texts.empty();
}

// The folder -p images=DIR names for the COCO file at `json_path` (ending in
// '/'); invalid_argument when it climbs above the root or fails the location
// rule (outside the scanned roots).
Result<std::string> coco_images_folder(DataFiles& files, std::string_view json_path, std::string_view dir) {
  std::string folder;
  if (dir.starts_with('/') || dir.find("://") != std::string_view::npos) {
    folder = storage::normalize_storage_path(dir);
  } else if (auto joined = core::join_relative(core::folder_of(json_path), dir)) {
    folder = std::move(*joined);
  } else {
    return fail(ErrorCode::invalid_argument,
                fmt::format("-p images={}: it climbs above the root from the folder of '{}'", dir, json_path),
                "name the image folder relative to the COCO file's folder (e.g. -p images=../val2017), or absolute");
  }
  if (!files.under_scanned_roots(folder)) {
    if (auto allowed = files.check_location(folder); !allowed) {
      Error error = std::move(allowed).error();
      error.message = fmt::format("-p images={}: {}", dir, error.message);
      return std::unexpected(std::move(error));
    }
  }
  if (!folder.ends_with('/')) folder.push_back('/');
  return folder;
}

// Every image of every COCO file, sorted by data path; an image file named by
// two COCO files is an error naming both.
Status plan_coco(const Scan& scan, std::vector<Result<std::string>>& texts, const IndexOptions& options,
                 DataFiles& files, Plan& plan) {
  if (scan.json.empty()) {
    return fail(ErrorCode::not_found, "no COCO file (.json) was found under the paths given",
                "index the folder that holds the COCO annotation file and its images");
  }
  std::string_view images_param;
  for (const auto& [key, value] : options.params) {
    if (key == "images") images_param = value;
  }
  struct Found {
    PlannedItem item;
    const ScannedFile* json = nullptr;
  };
  std::vector<Found> found;
  auto exists = [&](std::string_view path) { return files.exists(path); };
  bool skip = options.bad_annotation == BadAnnotation::skip;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const ScannedFile& json = scan.json[i];
    CocoImageFolders folders;
    if (!images_param.empty()) {
      auto images = coco_images_folder(files, json.info.path, images_param);
      if (!images) return std::unexpected(std::move(images).error());
      folders.images = std::move(*images);
    } else {
      folders.siblings = coco_sibling_folders(json.info.path, scan.data);
    }
    auto coco = texts[i] ? parse_coco(*texts[i], json.info.path, folders, exists)
                         : Result<CocoFile>(std::unexpected(std::move(texts[i]).error()));
    if (!coco) {
      // captions_*.json beside instances_*.json (the COCO downloads): left
      // out with a warning, unless it is the only file given.
      if (texts.size() > 1 && texts[i] && is_coco_without_categories(*texts[i])) {
        plan.not_detection.push_back(json.info.path);
        continue;
      }
      if (skip && is_malformed_json(coco.error())) {
        plan.skipped.push_back(std::move(coco).error());
        continue;
      }
      return std::unexpected(std::move(coco).error());
    }
    for (auto& image : coco->images) {
      auto data = files.get(image.data_path, json.root);
      if (!data) {
        Error error = std::move(data).error();
        error.message = fmt::format("'{}': image id {}: {}", json.info.path, image.id, error.message);
        return std::unexpected(std::move(error));
      }
      found.push_back(Found{
          PlannedItem{*data, AnnotationSource::derived, nullptr, std::move(image.canonical_json), {json.info.path}},
          &json});
    }
    if (!coco->missing.empty()) plan.missing_images.push_back(MissingImages{json.info.path, std::move(coco->missing)});
  }
  if (!plan.not_detection.empty() && plan.not_detection.size() == texts.size()) {
    return fail(
        ErrorCode::invalid_argument,
        fmt::format("no COCO detection file among the {} JSON files given: none has \"categories\" (first: '{}')",
                    texts.size(), plan.not_detection.front()),
        "-m coco reads detection files (instances_*.json); captions files have no boxes or labels to index");
  }
  // Stable: an image named by two files merges in the order the files sort.
  std::stable_sort(found.begin(), found.end(),
                   [](const Found& a, const Found& b) { return a.item.data->info.path < b.item.data->info.path; });
  plan.items.reserve(found.size());
  for (std::size_t i = 0; i < found.size(); ++i) {
    // The downloads' instances_*.json and person_keypoints_*.json name the
    // same images: one annotation holds what both say.
    if (!plan.items.empty() && plan.items.back().data == found[i].item.data) {
      auto merged = merge_coco_images(
          plan.items.back().derived_json, found[i].item.derived_json,
          CocoMergeNames{found[i].item.data->info.path, found[i - 1].json->info.path, found[i].json->info.path});
      if (!merged) return std::unexpected(std::move(merged).error());
      plan.items.back().derived_json = std::move(*merged);
      continue;
    }
    plan.items.push_back(std::move(found[i].item));
  }
  return {};
}

}  // namespace

std::vector<Result<std::string>>& ReadContext::json() {
  if (!json_texts) json_texts = read_json_texts(fs, scan, loop);
  return *json_texts;
}

VocFiles& ReadContext::voc() {
  if (!voc_files) voc_files = read_voc_files(fs, scan, loop);
  return *voc_files;
}

std::vector<Result<AnnotationOnlyParse>>& ReadContext::annotation_only_files() {
  if (!annotation_only) annotation_only = read_annotation_only(fs, scan, loop);
  return *annotation_only;
}

Status read_strict_pairs(ReadContext& context, Plan& plan) {
  plan.items = plan_pairs(context.scan, Format::strict_pairs);
  return {};
}

Status read_bare_pairs(ReadContext& context, Plan& plan) {
  plan.items = plan_pairs(context.scan, Format::bare_pairs);
  return {};
}

Status read_inferred(ReadContext& context, Plan& plan) {
  auto items = plan_inferred(context.scan, context.options);
  if (!items) return std::unexpected(std::move(items).error());
  plan.items = std::move(*items);
  return {};
}

Status read_annotation_only(ReadContext& context, Plan& plan) {
  auto& parsed = context.annotation_only_files();
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    auto& result = parsed[i];
    if (!result) {
      if (context.options.bad_annotation == BadAnnotation::skip && is_malformed_json(result.error())) {
        plan.skipped.push_back(std::move(result).error());
        continue;
      }
      return std::unexpected(std::move(result).error());
    }
    if (result->shape_error) return std::unexpected(std::move(*result->shape_error));
    plan.annotation_only.push_back(AnnotationOnlyFile{&context.scan.json[i], std::move(result->entries)});
  }
  return {};
}

Status read_coco(ReadContext& context, Plan& plan) {
  return plan_coco(context.scan, context.json(), context.options, context.files, plan);
}

bool detect_coco(ReadContext& context) {
  return !context.has_pairs && !context.scan.json.empty() && all_coco(context.json());
}

bool detect_label_studio(ReadContext& context) {
  return !context.has_pairs && !context.scan.json.empty() && all_label_studio(context.json());
}

namespace {

// auto's choice when no format's detector claims the scan (index/indexer.hpp):
// annotation-only, strict-pairs, tensorflow-inferred or bare-pairs.
Result<Format> fallback_format(ReadContext& context) {
  const Scan& scan = context.scan;
  if (!scan.json.empty() && !context.has_pairs) {
    const Error* first_shape_error = nullptr;
    for (const auto& result : context.annotation_only_files()) {
      if (!result) {
        if (context.options.bad_annotation == BadAnnotation::skip && is_malformed_json(result.error())) continue;
        return std::unexpected(result.error());
      }
      if (result->shape_error && !first_shape_error) first_shape_error = &*result->shape_error;
    }
    if (!first_shape_error) return Format::annotation_only;
    if (!scan.data.empty()) return Format::bare_pairs;
    Error error = *first_shape_error;
    error.hint = "no data files were found beside the JSON files, so they must be annotation-only; " + error.hint +
                 " (or choose the format with -m FORMAT)";
    return std::unexpected(std::move(error));
  }
  if (!scan.json.empty()) return Format::strict_pairs;
  return !scan.data.empty() && all_in_subfolders(scan) ? Format::tensorflow_inferred : Format::bare_pairs;
}

// The format auto picks: the first detector, in detect_order, that claims the
// scan, else the fallback rules.
Result<Format> detect_format(ReadContext& context) {
  std::vector<const FormatInfo*> detectors;
  for (const auto& info : format_registry()) {
    if (info.detect) detectors.push_back(&info);
  }
  std::stable_sort(detectors.begin(), detectors.end(),
                   [](const FormatInfo* a, const FormatInfo* b) { return a->detect_order < b->detect_order; });
  for (const FormatInfo* info : detectors) {
    if (info->detect(context)) return info->format;
  }
  return fallback_format(context);
}

}  // namespace

Result<Plan> make_plan(storage::FileSystem& fs, const Scan& scan, const IndexOptions& options,
                       const ParallelLoop& loop) {
  Plan plan;
  DataFiles files(fs, scan, options.location_check);
  ReadContext context{fs, scan, options, files, loop, has_pairs(scan)};
  Format format = options.format;
  const bool detected = format == Format::auto_detect;
  if (detected) {
    auto chosen = detect_format(context);
    if (!chosen) return std::unexpected(std::move(chosen).error());
    format = *chosen;
  }
  plan.format = format;
  LDB_TRY(check_params(format, options.params, detected));
  LDB_TRY(format_info(format).read(context, plan));
  plan.outside = files.take_outside();
  return plan;
}

Status check_params(Format format, std::span<const std::pair<std::string, std::string>> params, bool detected) {
  const FormatInfo& info = format_info(format);
  for (const auto& [key, value] : params) {
    bool known = false;
    for (const auto& param : info.read_params) known = known || param.key == key;
    if (known) continue;
    std::string valid = param_keys(info, FormatRole::read);
    return fail(ErrorCode::invalid_argument,
                fmt::format("parameter '{}' does not apply to format '{}'{}", key, info.name,
                            detected ? " (auto-detected)" : ""),
                fmt::format("parameters of {}: {}{}", info.name, valid.empty() ? "none" : valid,
                            detected ? "; choose the format with -m FORMAT" : ""));
  }
  return {};
}

std::vector<std::string> outside_paths(const Plan& plan) {
  std::vector<std::string> paths;
  paths.reserve(plan.outside.size());
  for (const auto& [path, file] : plan.outside) paths.push_back(path);
  return paths;
}

}  // namespace ldb::index
