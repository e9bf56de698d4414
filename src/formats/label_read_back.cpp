// Each layout is written into memory with the writer instantiate uses and
// parsed with the reader `ldb add .` uses, under made-up names below a folder
// that does not exist ("/ldb-read-back/<i>.jpg"): the readers are told that
// exactly those files exist, so nothing is looked up on disk.

#include "formats/label_read_back.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json.hpp"
#include "formats/coco_writer.hpp"
#include "formats/detection_shape.hpp"
#include "formats/label_studio_writer.hpp"
#include "formats/voc_writer.hpp"
#include "formats/yolo_writer.hpp"
#include "index/coco.hpp"
#include "index/label_studio.hpp"
#include "index/voc.hpp"
#include "index/yolo.hpp"

namespace ldb::formats {

namespace {

constexpr std::string_view k_folder = "/ldb-read-back";

std::string file_name(std::size_t i) { return fmt::format("{}.jpg", i); }
std::string file_path(std::size_t i) { return fmt::format("{}/{}", k_folder, file_name(i)); }

std::vector<Member> to_members(std::span<const dataset::LabelSource> sources) {
  std::vector<Member> members(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    members[i].hash = sources[i].hash;
    members[i].annotation_json = std::string(sources[i].annotation);
    if (sources[i].image) members[i].image = ImageSize{sources[i].image->width, sources[i].image->height};
  }
  return members;
}

std::unexpected<Error> mismatch(const Member& member, std::string_view layout) {
  return fail(ErrorCode::internal,
              fmt::format("object id:{}: the {} reader does not give back the objects the {} writer wrote",
                          member.hash.hex(), layout, layout),
              "please report this with the annotation (ldb eval -j id:HASH)");
}

// The objects of a reader's annotation, canonical, with what they were written for.
Result<dataset::WrittenLabels> labels_of(std::string_view read_back, const WrittenObjects& written,
                                         const Member& member, std::string_view layout) {
  dataset::WrittenLabels out = dataset::written_as_is(read_back);
  if (out.objects.size() != written.size()) return mismatch(member, layout);
  out.written_for = written;
  return out;
}

// The image size the workspace's reader sees: the data file's header, else the annotation's.
std::pair<std::uint32_t, std::uint32_t> image_size(const Member& member) {
  if (member.image) return {member.image->width, member.image->height};
  simdjson::dom::parser parser;
  auto root = core::parse_json(parser, member.annotation_json, "an annotation");
  std::uint64_t width = 0, height = 0;
  if (auto detection = root ? parse_detection(*root) : std::nullopt) {
    // A size that is not a non-negative integer counts as none (0).
    if (!detection->width || detection->width->get_uint64().get(width) != simdjson::SUCCESS) width = 0;
    if (!detection->height || detection->height->get_uint64().get(height) != simdjson::SUCCESS) height = 0;
  }
  return {static_cast<std::uint32_t>(width), static_cast<std::uint32_t>(height)};
}

Result<std::vector<dataset::WrittenLabels>> yolo(std::span<const Member> members, std::span<const std::size_t> wanted) {
  std::vector<YoloImageEntry> entries;
  for (const auto& member : members) entries.push_back({&member});
  auto output = yolo_labels(entries);
  if (!output) return std::unexpected(std::move(output).error());
  std::vector<dataset::WrittenLabels> out;
  for (std::size_t i : wanted) {
    auto [width, height] = image_size(members[i]);
    auto read = index::yolo_annotation(file_name(i), width, height, &output->labels[i], "a YOLO label read back",
                                       output->names);
    if (!read) return std::unexpected(std::move(read).error());
    auto labels = labels_of(*read, output->written[i], members[i], "yolo");
    if (!labels) return std::unexpected(std::move(labels).error());
    out.push_back(std::move(*labels));
  }
  return out;
}

Result<std::vector<dataset::WrittenLabels>> voc(std::span<const Member> members, std::span<const std::size_t> wanted) {
  std::vector<VocImageEntry> entries;
  for (std::size_t i : wanted) entries.push_back({&members[i], file_name(i)});
  auto output = voc_annotations(entries);
  if (!output) return std::unexpected(std::move(output).error());
  auto exists = [](std::string_view) { return true; };
  std::vector<dataset::WrittenLabels> out;
  for (std::size_t k = 0; k < wanted.size(); ++k) {
    auto read = index::parse_voc(output->xml[k], fmt::format("{}/{}.xml", k_folder, wanted[k]), exists);
    if (!read) return std::unexpected(std::move(read).error());
    auto labels = labels_of(read->canonical_json, output->written[k], members[wanted[k]], "voc");
    if (!labels) return std::unexpected(std::move(labels).error());
    out.push_back(std::move(*labels));
  }
  return out;
}

Result<std::vector<dataset::WrittenLabels>> coco(std::span<const Member> members, std::span<const std::size_t> wanted) {
  std::vector<CocoImageEntry> entries;
  for (std::size_t i = 0; i < members.size(); ++i) entries.push_back({&members[i], file_name(i)});
  auto output = coco_annotations(entries);
  if (!output) return std::unexpected(std::move(output).error());
  auto exists = [](std::string_view) { return true; };
  auto read = index::parse_coco(output->json, fmt::format("{}/annotations.json", k_folder), {}, exists);
  if (!read) return std::unexpected(std::move(read).error());
  std::unordered_map<std::string, const index::CocoImage*> by_path;
  for (const auto& image : read->images) by_path.emplace(image.data_path, &image);
  std::vector<dataset::WrittenLabels> out;
  for (std::size_t i : wanted) {
    auto it = by_path.find(file_path(i));
    if (it == by_path.end()) return mismatch(members[i], "coco");
    auto labels = labels_of(it->second->canonical_json, output->written[i], members[i], "coco");
    if (!labels) return std::unexpected(std::move(labels).error());
    out.push_back(std::move(*labels));
  }
  return out;
}

// The annotation's own objects, for a task written back as indexed: the
// reader derived them from the task's results, so it gives them back in order.
WrittenObjects as_indexed(const Member& member, std::size_t read_back) {
  auto own = dataset::written_as_is(member.annotation_json);
  WrittenObjects out(read_back);
  if (own.objects.size() == read_back) out.assign(own.written_for.begin(), own.written_for.end());
  return out;
}

Result<std::vector<dataset::WrittenLabels>> label_studio(std::span<const Member> members,
                                                         std::span<const std::size_t> wanted) {
  std::vector<LabelStudioEntry> entries;
  std::unordered_set<std::string> paths;
  for (std::size_t i : wanted) {
    entries.push_back({&members[i], file_name(i)});
    paths.insert(file_path(i));
  }
  auto output = label_studio_tasks(entries);
  if (!output) return std::unexpected(std::move(output).error());
  const std::string json_path = fmt::format("{}/annotations.json", k_folder);
  auto exists = [&](std::string_view path) { return paths.contains(std::string(path)); };
  auto tasks = index::parse_label_studio(output->json, json_path, "", exists);
  if (!tasks) return std::unexpected(std::move(tasks).error());
  if (tasks->size() != wanted.size()) return mismatch(members[wanted.front()], "label-studio");
  std::vector<dataset::WrittenLabels> out;
  for (std::size_t k = 0; k < wanted.size(); ++k) {
    const Member& member = members[wanted[k]];
    std::optional<index::LabelStudioImageSize> size;
    if (member.image) size = index::LabelStudioImageSize{member.image->width, member.image->height};
    auto read = index::label_studio_annotation((*tasks)[k], member.hash, size, json_path);
    if (!read) return std::unexpected(std::move(read).error());
    const auto& written = output->written[k];
    auto labels =
        labels_of(*read, written ? *written : as_indexed(member, dataset::written_as_is(*read).objects.size()), member,
                  "label-studio");
    if (!labels) return std::unexpected(std::move(labels).error());
    // A task written back as it was indexed holds the task's own keys.
    if (!written) labels->kept_keys = std::vector<std::string>{"data", "image", "source_format"};
    out.push_back(std::move(*labels));
  }
  return out;
}

}  // namespace

Result<std::vector<dataset::WrittenLabels>> read_back_labels(index::Format layout,
                                                             std::span<const dataset::LabelSource> sources,
                                                             std::span<const std::size_t> wanted) {
  if (wanted.empty()) return std::vector<dataset::WrittenLabels>{};
  const std::vector<Member> members = to_members(sources);
  switch (layout) {
    case index::Format::yolo:
      return yolo(members, wanted);
    case index::Format::voc:
      return voc(members, wanted);
    case index::Format::coco:
      return coco(members, wanted);
    case index::Format::label_studio:
      return label_studio(members, wanted);
    default:
      break;
  }
  return fail(ErrorCode::invalid_argument,
              fmt::format("'{}' is not a detection layout: its labels cannot be read back", index::format_name(layout)),
              "read back COCO, YOLO, VOC or Label Studio files only");
}

}  // namespace ldb::formats
