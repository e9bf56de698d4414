#include "formats/layout.hpp"

#include <algorithm>
#include <deque>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "formats/coco_writer.hpp"
#include "formats/label_studio_writer.hpp"
#include "formats/naming.hpp"
#include "formats/voc_writer.hpp"
#include "formats/yolo_writer.hpp"

namespace ldb::formats {
namespace {

constexpr std::string_view k_single_file_name = "dataset.json";
constexpr std::string_view k_coco_file_name = "annotations.json";
constexpr std::string_view k_coco_images_folder = "images/";

struct Params {
  std::vector<std::string> label_key{"label"};
  bool has_base_label = false;
  std::string base_label;
  bool single_file = false;
};

std::string subject_of(const core::Md5& hash) { return fmt::format("object id:{}", hash.hex()); }

Status unknown_param(Format format, std::string_view key, std::string_view valid) {
  return fail(ErrorCode::invalid_argument,
              fmt::format("unknown parameter '{}' for format {}", key, format_name(format)),
              valid.empty() ? fmt::format("{} takes no -p parameters", format_name(format))
                            : fmt::format("valid parameters for {}: {}", format_name(format), valid));
}

// The -p parameters of options.format: only the keys its registry entry
// lists (a key means the same in every format that takes it), then the values.
Result<Params> parse_params(const Options& options) {
  Params params;
  const index::FormatInfo& info = index::format_info(options.format);
  for (const auto& [key, value] : options.params) {
    bool known = false;
    for (const auto& param : info.write_params) known = known || param.key == key;
    if (!known)
      return std::unexpected(
          unknown_param(options.format, key, index::param_keys(info, index::FormatRole::write)).error());
    if (key == "label-key") {
      params.label_key.clear();
      std::size_t start = 0;
      while (start <= value.size()) {
        std::size_t dot = value.find('.', start);
        if (dot == std::string::npos) dot = value.size();
        if (dot == start) {
          return fail(ErrorCode::invalid_argument, fmt::format("label-key '{}' has an empty key", value),
                      "give a key or a dotted path of keys, e.g. -p label-key=label or "
                      "-p label-key=meta.class");
        }
        params.label_key.push_back(value.substr(start, dot - start));
        start = dot + 1;
      }
    } else if (key == "base-label") {
      params.has_base_label = true;
      params.base_label = value;
    } else if (key == "single-file") {
      if (value == "true") {
        params.single_file = true;
      } else if (value == "false") {
        params.single_file = false;
      } else {
        return fail(ErrorCode::invalid_argument, fmt::format("single-file must be true or false, not '{}'", value),
                    "use -p single-file=true");
      }
    }
  }
  if (info.has(index::k_data_only) && options.annotations_only) {
    return fail(ErrorCode::invalid_argument, fmt::format("--annotations-only does not apply to {}", info.name),
                fmt::format("{} writes data files in class folders and no annotation files; "
                            "use -m annotation-only for annotations alone",
                            info.name));
  }
  if (options.preserve_paths && (info.has(index::k_fixed_layout) || params.single_file)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("--preserve-paths does not apply to {}{}", format_name(options.format),
                            params.single_file ? " with single-file=true" : ""),
                "its file layout is fixed by the format; drop --preserve-paths");
  }
  return params;
}

// Collects planned files and refuses two files on one path.
class PlanBuilder {
 public:
  bool is_free(const std::string& path) const { return !m_claimed.contains(path); }

  Status add(PlannedFile file) {
    auto [it, inserted] = m_claimed.emplace(file.path, file.object);
    if (!inserted) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{} and {} would both be instantiated as '{}'", subject_of(it->second),
                              subject_of(file.object), file.path),
                  "remove one of them from the dataset, or instantiate with another format");
    }
    m_files.push_back(std::move(file));
    return {};
  }

  std::vector<PlannedFile> take() { return std::move(m_files); }

 private:
  std::unordered_map<std::string, core::Md5> m_claimed;
  std::vector<PlannedFile> m_files;
};

PlannedFile data_file(const Member& member, std::string path) {
  PlannedFile file;
  file.path = std::move(path);
  file.kind = PlannedFile::Kind::data;
  file.source = member.source_path;
  file.size = member.size;
  file.md5 = member.hash;
  file.object = member.hash;
  return file;
}

PlannedFile annotation_file(const core::Md5& object, std::string path, std::string content) {
  PlannedFile file;
  file.path = std::move(path);
  file.kind = PlannedFile::Kind::annotation;
  file.size = content.size();
  file.md5 = core::md5_of(content);
  file.object = object;
  file.content = std::move(content);
  return file;
}

// {"annotation": A, "ldb_meta": {"data_object_id": HASH}} in canonical form.
std::string annotation_only_json(const Member& member) {
  return fmt::format(R"({{"annotation":{},"ldb_meta":{{"data_object_id":"{}"}}}})", member.annotation_json,
                     member.hash.hex());
}

// Names a member's files: "<dir>/<stem>" and the data extension. Flat names are
// "<stem>-<md5>" in the target; --preserve-paths keeps the storage-relative
// path and falls back to the flat name in the same folder when that path is
// taken by an earlier member.
Status require_source_path(const Member& member, std::string_view subject) {
  if (!member.source_path.empty()) return {};
  return fail(ErrorCode::invalid_argument, fmt::format("{} has no source path", subject),
              "re-index the object so that ldb knows where it lives");
}

struct Names {
  std::string data;
  std::string annotation;
};

Result<Names> name_member(const Member& member, const Options& options, bool wants_data, bool wants_annotation,
                          const PlanBuilder& builder) {
  std::string subject = subject_of(member.hash);
  LDB_TRY(require_source_path(member, subject));
  std::string_view base = base_name_of(member.source_path);
  std::string folder;
  if (options.preserve_paths) {
    LDB_TRY(check_relative_path(member.storage_relative, subject));
    std::string_view relative = member.storage_relative;
    std::size_t slash = relative.rfind('/');
    if (slash != std::string_view::npos) folder = std::string(relative.substr(0, slash + 1));
    base = relative.substr(slash == std::string_view::npos ? 0 : slash + 1);
    NameParts parts = split_name(base);
    Names preserved{folder + std::string(base), folder + parts.stem + ".json"};
    bool free = (!wants_data || builder.is_free(preserved.data)) &&
                (!wants_annotation || builder.is_free(preserved.annotation)) &&
                !(wants_data && wants_annotation && preserved.data == preserved.annotation);
    if (free) return preserved;
  }
  std::string stem = folder + flat_stem(base, member.hash);
  return Names{stem + safe_extension(split_name(base).ext), stem + ".json"};
}

// A transform's output file, planned at `path`.
PlannedFile local_file(const Member& member, const TransformOutput& output, std::string path) {
  PlannedFile file;
  file.path = std::move(path);
  file.kind = PlannedFile::Kind::local;
  file.source = output.local_path.string();
  file.size = output.size;
  file.md5 = output.md5;
  file.object = member.hash;
  return file;
}

// The outputs of member `index`'s transforms (none when nothing ran).
std::span<const TransformOutput> outputs_of(std::span<const std::vector<TransformOutput>> transform_outputs,
                                            std::size_t index) {
  if (transform_outputs.empty()) return {};
  return transform_outputs[index];
}

// Places the files a member's transforms wrote beside its plain copy, whose
// name without extension is `stem` (may include folders). With
// `with_annotations` (the pair formats), a built-in transform's mapped
// annotation goes beside its image as "<stem>--<transform>.json", a pair.
Status add_transform_outputs(const Member& member, std::string_view stem,
                             std::span<const std::vector<TransformOutput>> transform_outputs, std::size_t index,
                             bool with_annotations, PlanBuilder& builder, Plan& plan) {
  const auto outputs = outputs_of(transform_outputs, index);
  for (const auto& output : outputs) {
    auto same_transform = std::count_if(outputs.begin(), outputs.end(),
                                        [&](const TransformOutput& o) { return o.transform == output.transform; });
    std::string path = transform_output_name(stem, output, same_transform == 1);
    LDB_TRY(check_relative_path(path, fmt::format("output '{}' of transform '{}' on {}", output.file_name,
                                                  output.transform, subject_of(member.hash))));
    LDB_TRY(builder.add(local_file(member, output, std::move(path))));
    ++plan.data_files;
    if (with_annotations && output.builtin && output.annotation_json) {
      std::string annotation = fmt::format("{}--{}.json", stem, output.transform);
      LDB_TRY(check_relative_path(annotation, subject_of(member.hash)));
      LDB_TRY(builder.add(annotation_file(member.hash, std::move(annotation), pretty_json(*output.annotation_json))));
      ++plan.annotation_files;
    }
  }
  return {};
}

// The member a built-in transform's output stands for in a detection format:
// the member with the output's size and its annotation mapped to it.
Member derived_member(const Member& member, const TransformOutput& output) {
  Member derived = member;
  derived.annotation_json = output.annotation_json.value_or(std::string());
  derived.image = output.image;
  derived.source_path = output.local_path.string();
  derived.size = output.size;
  derived.transforms.clear();
  return derived;
}

Status plan_pairs(std::span<const Member> members, const std::vector<std::size_t>& order, const Options& options,
                  std::span<const std::vector<TransformOutput>> transform_outputs, PlanBuilder& builder, Plan& plan) {
  bool strict = options.format == Format::strict_pairs;
  for (std::size_t index : order) {
    const Member& member = members[index];
    bool has_annotation = !member.annotation_json.empty();
    bool wants_data = !options.annotations_only;
    if ((strict || options.annotations_only) && !has_annotation) {
      ++plan.skipped;
      continue;
    }
    const bool self = has_self(member);
    auto names = name_member(member, options, wants_data && self, has_annotation && self, builder);
    if (!names) return std::unexpected(names.error());
    if (wants_data && self) {
      LDB_TRY(check_relative_path(names->data, subject_of(member.hash)));
      LDB_TRY(builder.add(data_file(member, names->data)));
      ++plan.data_files;
    }
    if (has_annotation && self) {
      LDB_TRY(check_relative_path(names->annotation, subject_of(member.hash)));
      LDB_TRY(builder.add(annotation_file(member.hash, names->annotation, pretty_json(member.annotation_json))));
      ++plan.annotation_files;
    }
    std::string_view stem = names->annotation;
    stem.remove_suffix(std::string_view(".json").size());
    LDB_TRY(add_transform_outputs(member, stem, transform_outputs, index, true, builder, plan));
  }
  if (plan.skipped > 0) {
    plan.warnings.push_back(
        strict && !options.annotations_only
            ? fmt::format("{} object(s) without an annotation were not instantiated: strict-pairs writes "
                          "complete pairs only (use -m bare-pairs to include them)",
                          plan.skipped)
            : fmt::format("{} object(s) without an annotation have no annotation file", plan.skipped));
  }
  return {};
}

Status plan_inferred(std::span<const Member> members, const std::vector<std::size_t>& order, const Params& params,
                     std::span<const std::vector<TransformOutput>> transform_outputs, PlanBuilder& builder,
                     Plan& plan) {
  simdjson::dom::parser parser;
  for (std::size_t index : order) {
    const Member& member = members[index];
    std::string subject = subject_of(member.hash);
    LDB_TRY(require_source_path(member, subject));
    auto folders = label_folders(parser, member.annotation_json, params.label_key,
                                 params.has_base_label ? &params.base_label : nullptr, subject);
    if (!folders) return std::unexpected(folders.error());
    std::string path;
    for (const auto& folder : *folders) path += folder + "/";
    std::string_view base = base_name_of(member.source_path);
    path += flat_stem(base, member.hash);
    LDB_TRY(add_transform_outputs(member, path, transform_outputs, index, false, builder, plan));
    if (!has_self(member)) continue;
    path += safe_extension(split_name(base).ext);
    LDB_TRY(check_relative_path(path, subject));
    LDB_TRY(builder.add(data_file(member, std::move(path))));
    ++plan.data_files;
  }
  return {};
}

Status plan_annotation_only(std::span<const Member> members, const std::vector<std::size_t>& order,
                            const Options& options, const Params& params, PlanBuilder& builder, Plan& plan) {
  std::string array = "[";
  std::uint64_t count = 0;
  for (std::size_t index : order) {
    const Member& member = members[index];
    if (member.annotation_json.empty()) {
      ++plan.skipped;
      continue;
    }
    if (params.single_file) {
      if (count > 0) array.push_back(',');
      array += annotation_only_json(member);
      ++count;
      continue;
    }
    auto names = name_member(member, options, false, true, builder);
    if (!names) return std::unexpected(names.error());
    LDB_TRY(check_relative_path(names->annotation, subject_of(member.hash)));
    LDB_TRY(builder.add(annotation_file(member.hash, names->annotation, pretty_json(annotation_only_json(member)))));
    ++plan.annotation_files;
  }
  if (params.single_file && count > 0) {
    array.push_back(']');
    LDB_TRY(builder.add(annotation_file(core::Md5{}, std::string(k_single_file_name), pretty_json(array))));
    plan.annotation_files = 1;
  }
  if (plan.skipped > 0) {
    plan.warnings.push_back(
        fmt::format("{} object(s) without an annotation have no annotation-only entry", plan.skipped));
  }
  return {};
}

// An image of a detection layout (COCO, YOLO, VOC): its member, flat stem
// ("<stem>-<md5>") and file name (stem + extension).
struct PlacedImage {
  const Member* member = nullptr;
  std::string stem;
  std::string name;
};

// Members with an annotation, in order, named flat; unless --annotations-only
// their data files are planned as `image_folder` + name. Members without an
// annotation are counted in plan.skipped. A built-in transform's output is one
// more image ("<stem>--<transform><ext>") of a member made for it in `derived`
// (derived_member); a member without "self" has only those.
Result<std::vector<PlacedImage>> place_images(std::span<const Member> members, const std::vector<std::size_t>& order,
                                              const Options& options, std::string_view image_folder,
                                              std::span<const std::vector<TransformOutput>> transform_outputs,
                                              std::deque<Member>& derived, PlanBuilder& builder, Plan& plan) {
  std::vector<PlacedImage> images;
  for (std::size_t index : order) {
    const Member& member = members[index];
    if (member.annotation_json.empty()) {
      ++plan.skipped;
      continue;
    }
    std::string subject = subject_of(member.hash);
    LDB_TRY(require_source_path(member, subject));
    std::string_view base = base_name_of(member.source_path);
    std::string stem = flat_stem(base, member.hash);
    if (has_self(member)) {
      std::string name = stem + safe_extension(split_name(base).ext);
      if (!options.annotations_only) {
        std::string path = std::string(image_folder) + name;
        LDB_TRY(check_relative_path(path, subject));
        LDB_TRY(builder.add(data_file(member, std::move(path))));
        ++plan.data_files;
      }
      images.push_back(PlacedImage{&member, stem, std::move(name)});
    }
    for (const auto& output : outputs_of(transform_outputs, index)) {
      std::string name = transform_output_name(stem, output, true);
      std::string path = std::string(image_folder) + name;
      LDB_TRY(check_relative_path(path, subject));
      LDB_TRY(builder.add(local_file(member, output, std::move(path))));
      ++plan.data_files;
      derived.push_back(derived_member(member, output));
      images.push_back(PlacedImage{&derived.back(), fmt::format("{}--{}", stem, output.transform), std::move(name)});
    }
  }
  return images;
}

// COCO: images/<stem>-<md5>.<ext> and one annotations.json naming them
// (formats/coco_writer.hpp); members without an annotation are left out.
Status plan_coco(std::span<const Member> members, const std::vector<std::size_t>& order, const Options& options,
                 std::span<const std::vector<TransformOutput>> transform_outputs, PlanBuilder& builder, Plan& plan) {
  std::deque<Member> derived;
  auto placed = place_images(members, order, options, k_coco_images_folder, transform_outputs, derived, builder, plan);
  if (!placed) return std::unexpected(placed.error());
  std::vector<CocoImageEntry> images;
  for (auto& image : *placed) images.push_back(CocoImageEntry{image.member, std::move(image.name)});
  auto coco = coco_annotations(images);
  if (!coco) return std::unexpected(std::move(coco).error());
  LDB_TRY(builder.add(annotation_file(core::Md5{}, std::string(k_coco_file_name), std::move(coco->json))));
  plan.annotation_files = 1;
  plan.warnings.insert(plan.warnings.end(), coco->warnings.begin(), coco->warnings.end());
  if (plan.skipped > 0) {
    plan.warnings.push_back(
        fmt::format("{} object(s) without an annotation were not instantiated: a COCO image needs one", plan.skipped));
  }
  return {};
}

// images/<name> and labels/<stem>.txt per member with an annotation, plus data.yaml.
Status plan_yolo(std::span<const Member> members, const std::vector<std::size_t>& order, const Options& options,
                 std::span<const std::vector<TransformOutput>> transform_outputs, PlanBuilder& builder, Plan& plan) {
  std::deque<Member> derived;
  auto placed = place_images(members, order, options, "images/", transform_outputs, derived, builder, plan);
  if (!placed) return std::unexpected(placed.error());
  std::vector<YoloImageEntry> images;
  for (const auto& image : *placed) images.push_back(YoloImageEntry{image.member});
  auto yolo = yolo_labels(images);
  if (!yolo) return std::unexpected(std::move(yolo).error());
  for (std::size_t i = 0; i < images.size(); ++i) {
    std::string path = "labels/" + (*placed)[i].stem + ".txt";
    LDB_TRY(check_relative_path(path, subject_of(images[i].member->hash)));
    LDB_TRY(builder.add(annotation_file(images[i].member->hash, std::move(path), std::move(yolo->labels[i]))));
    ++plan.annotation_files;
  }
  LDB_TRY(builder.add(annotation_file(core::Md5{}, "data.yaml", std::move(yolo->data_yaml))));
  ++plan.annotation_files;
  plan.warnings.insert(plan.warnings.end(), yolo->warnings.begin(), yolo->warnings.end());
  if (plan.skipped > 0) {
    plan.warnings.push_back(fmt::format(
        "{} object(s) without an annotation were not instantiated: a YOLO image needs a label file", plan.skipped));
  }
  return {};
}

// Pascal VOC: JPEGImages/<stem>-<md5>.<ext> and Annotations/<stem>-<md5>.xml
// per member with an annotation (formats/voc_writer.hpp).
Status plan_voc(std::span<const Member> members, const std::vector<std::size_t>& order, const Options& options,
                std::span<const std::vector<TransformOutput>> transform_outputs, PlanBuilder& builder, Plan& plan) {
  std::deque<Member> derived;
  auto placed = place_images(members, order, options, "JPEGImages/", transform_outputs, derived, builder, plan);
  if (!placed) return std::unexpected(placed.error());
  std::vector<VocImageEntry> images;
  for (const auto& image : *placed) images.push_back(VocImageEntry{image.member, image.name});
  auto voc = voc_annotations(images);
  if (!voc) return std::unexpected(std::move(voc).error());
  for (std::size_t i = 0; i < images.size(); ++i) {
    std::string path = "Annotations/" + (*placed)[i].stem + ".xml";
    LDB_TRY(check_relative_path(path, subject_of(images[i].member->hash)));
    LDB_TRY(builder.add(annotation_file(images[i].member->hash, std::move(path), std::move(voc->xml[i]))));
    ++plan.annotation_files;
  }
  plan.warnings.insert(plan.warnings.end(), voc->warnings.begin(), voc->warnings.end());
  if (plan.skipped > 0) {
    plan.warnings.push_back(fmt::format(
        "{} object(s) without an annotation were not instantiated: a VOC image needs an annotation", plan.skipped));
  }
  return {};
}

// Label Studio: images/<stem>-<md5>.<ext> and one annotations.json whose
// tasks name them ("images/<name>", relative to the JSON); with
// --annotations-only the tasks name the source paths. Members without an
// annotation become tasks to label.
Status plan_label_studio(std::span<const Member> members, const std::vector<std::size_t>& order, const Options& options,
                         std::span<const std::vector<TransformOutput>> transform_outputs, PlanBuilder& builder,
                         Plan& plan) {
  std::vector<LabelStudioEntry> entries;
  std::deque<Member> derived;
  for (std::size_t index : order) {
    const Member& member = members[index];
    std::string subject = subject_of(member.hash);
    LDB_TRY(require_source_path(member, subject));
    if (options.annotations_only) {
      entries.push_back(LabelStudioEntry{&member, member.source_path});
      continue;
    }
    std::string_view base = base_name_of(member.source_path);
    std::string stem = flat_stem(base, member.hash);
    if (has_self(member)) {
      std::string path = std::string(k_coco_images_folder) + stem + safe_extension(split_name(base).ext);
      LDB_TRY(check_relative_path(path, subject));
      entries.push_back(LabelStudioEntry{&member, path});
      LDB_TRY(builder.add(data_file(member, std::move(path))));
      ++plan.data_files;
    }
    for (const auto& output : outputs_of(transform_outputs, index)) {
      std::string path = std::string(k_coco_images_folder) + transform_output_name(stem, output, true);
      LDB_TRY(check_relative_path(path, subject));
      derived.push_back(derived_member(member, output));
      entries.push_back(LabelStudioEntry{&derived.back(), path});
      LDB_TRY(builder.add(local_file(member, output, std::move(path))));
      ++plan.data_files;
    }
  }
  auto tasks = label_studio_tasks(entries);
  if (!tasks) return std::unexpected(std::move(tasks).error());
  LDB_TRY(builder.add(annotation_file(core::Md5{}, std::string(k_coco_file_name), std::move(tasks->json))));
  plan.annotation_files = 1;
  plan.warnings.insert(plan.warnings.end(), tasks->warnings.begin(), tasks->warnings.end());
  return {};
}

// A file may not sit where another planned file needs a folder ("a" and "a/b").
// What a format's planner works from.
struct Layout {
  std::span<const Member> members;
  const std::vector<std::size_t>& order;  // the order to name members in
  const Options& options;
  const Params& params;
  std::span<const std::vector<TransformOutput>> transform_outputs;
};

// The writer half of a writable registry entry (index/format_registry.hpp):
// the planner that lays out its files.
struct Writer {
  Format format;
  Status (*plan)(const Layout& layout, PlanBuilder& builder, Plan& plan);
};

// strict-pairs and bare-pairs (plan_pairs tells them apart by options.format).
Status plan_pair_layout(const Layout& l, PlanBuilder& b, Plan& p) {
  return plan_pairs(l.members, l.order, l.options, l.transform_outputs, b, p);
}

constexpr Writer k_writers[] = {
    {Format::strict_pairs, plan_pair_layout},
    {Format::bare_pairs, plan_pair_layout},
    {Format::tensorflow_inferred,
     [](const Layout& l, PlanBuilder& b, Plan& p) {
       return plan_inferred(l.members, l.order, l.params, l.transform_outputs, b, p);
     }},
    {Format::annotation_only,
     [](const Layout& l, PlanBuilder& b, Plan& p) {
       return plan_annotation_only(l.members, l.order, l.options, l.params, b, p);
     }},
    {Format::coco, [](const Layout& l, PlanBuilder& b,
                      Plan& p) { return plan_coco(l.members, l.order, l.options, l.transform_outputs, b, p); }},
    {Format::yolo, [](const Layout& l, PlanBuilder& b,
                      Plan& p) { return plan_yolo(l.members, l.order, l.options, l.transform_outputs, b, p); }},
    {Format::voc, [](const Layout& l, PlanBuilder& b,
                     Plan& p) { return plan_voc(l.members, l.order, l.options, l.transform_outputs, b, p); }},
    {Format::label_studio,
     [](const Layout& l, PlanBuilder& b, Plan& p) {
       return plan_label_studio(l.members, l.order, l.options, l.transform_outputs, b, p);
     }},
};

const Writer* writer_of(Format format) {
  for (const auto& writer : k_writers) {
    if (writer.format == format) return &writer;
  }
  return nullptr;
}

Status check_folders(const std::vector<PlannedFile>& files) {
  std::unordered_set<std::string_view> paths;
  for (const auto& file : files) paths.insert(file.path);
  for (const auto& file : files) {
    std::string_view path = file.path;
    for (std::size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
      if (paths.contains(path.substr(0, slash))) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("'{}' would be both a file and the folder of '{}'", path.substr(0, slash), path),
                    "remove one of the objects from the dataset, or instantiate without --preserve-paths");
      }
    }
  }
  return {};
}

}  // namespace

Result<Plan> build_plan(std::span<const Member> members, const Options& options,
                        std::span<const std::vector<TransformOutput>> transform_outputs) {
  auto params = parse_params(options);
  if (!params) return std::unexpected(params.error());

  // A fixed order makes names (and --preserve-paths fallbacks) independent of
  // the order the caller lists members in.
  std::vector<std::size_t> order(members.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (options.preserve_paths && members[a].storage_relative != members[b].storage_relative) {
      return members[a].storage_relative < members[b].storage_relative;
    }
    return members[a].hash < members[b].hash;
  });
  std::vector<std::size_t> by_hash = order;
  std::sort(by_hash.begin(), by_hash.end(),
            [&](std::size_t a, std::size_t b) { return members[a].hash < members[b].hash; });
  for (std::size_t i = 1; i < by_hash.size(); ++i) {
    if (members[by_hash[i]].hash == members[by_hash[i - 1]].hash) {
      return fail(
          ErrorCode::invalid_argument,
          fmt::format("{} is listed twice among the members to instantiate", subject_of(members[by_hash[i]].hash)),
          "a dataset holds each object once; this is a bug in the caller");
    }
  }

  Plan plan;
  PlanBuilder builder;
  const Writer* writer = writer_of(options.format);
  if (!writer) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("instantiate cannot write format {}", format_name(options.format)),
                fmt::format("use one of: {}", index::describe_format_names(index::FormatRole::write)));
  }
  LDB_TRY(writer->plan(Layout{members, order, options, *params, transform_outputs}, builder, plan));
  plan.files = builder.take();
  std::sort(plan.files.begin(), plan.files.end(),
            [](const PlannedFile& a, const PlannedFile& b) { return a.path < b.path; });
  LDB_TRY(check_folders(plan.files));
  return plan;
}

bool has_writer(Format format) { return writer_of(format) != nullptr; }

}  // namespace ldb::formats
