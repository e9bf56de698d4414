#include "index/format_registry.hpp"

#include <fmt/format.h>

#include "index/label_studio.hpp"
#include "index/plan.hpp"
#include "index/voc.hpp"
#include "index/yolo.hpp"

namespace ldb::index {

namespace {

constexpr FormatParam k_label_key_read{"label-key",
                                       "KEY[.KEY...]: the key path the folder names go under (default: label)"};
constexpr FormatParam k_base_label_read{
    "base-label", "LABEL: the label of files directly in the root (default: they are not indexed)"};
constexpr FormatParam k_label_key_write{
    "label-key", "KEY[.KEY...]: the key path of the label that names each class folder (default: label)"};
constexpr FormatParam k_base_label_write{"base-label",
                                         "LABEL: members with this label go directly in the target, not in a folder"};

// Table order is the order of help, hints and completion; each command's
// default (auto to read, strict-pairs to write) is its first format. (Before
// the registry, index listed voc before label-studio and instantiate after;
// the instantiate order, which a CLI test pins, is the one kept.)
std::vector<FormatInfo> make_registry() {
  std::vector<FormatInfo> r;
  r.push_back({.format = Format::auto_detect, .name = "auto", .aliases = {"auto-detect"}, .readable = true});
  r.push_back({.format = Format::strict_pairs,
               .name = "strict-pairs",
               .aliases = {"strict"},
               .readable = true,
               .writable = true,
               .capabilities = k_takes_transforms,
               .read = read_strict_pairs});
  r.push_back({.format = Format::bare_pairs,
               .name = "bare-pairs",
               .aliases = {"bare"},
               .readable = true,
               .writable = true,
               .capabilities = k_takes_transforms,
               .read = read_bare_pairs});
  r.push_back({.format = Format::tensorflow_inferred,
               .name = "tensorflow-inferred",
               .aliases = {"infer"},
               .readable = true,
               .writable = true,
               .read_params = {k_label_key_read, k_base_label_read},
               .write_params = {k_label_key_write, k_base_label_write},
               .capabilities = k_fixed_layout | k_takes_transforms | k_data_only,
               .read = read_inferred});
  r.push_back(
      {.format = Format::annotation_only,
       .name = "annotation-only",
       .aliases = {"annot"},
       .readable = true,
       .writable = true,
       .write_params = {{"single-file", "true|false: one dataset.json holding every annotation (default: false)"}},
       .read = read_annotation_only});
  r.push_back({.format = Format::coco,
               .name = "coco",
               .readable = true,
               .writable = true,
               .read_params = {{"images",
                                "DIR: the image folder, relative to the COCO file's folder or absolute "
                                "(default: found beside the file)"}},
               .capabilities = k_detection | k_fixed_layout,
               .read = read_coco,
               .detect = detect_coco,
               .detect_order = 1});
  r.push_back({.format = Format::yolo,
               .name = "yolo",
               .readable = true,
               .writable = true,
               .capabilities = k_detection | k_fixed_layout,
               .read = read_yolo,
               .detect = detect_yolo,
               .detect_order = 4});
  r.push_back({.format = Format::label_studio,
               .name = "label-studio",
               .readable = true,
               .writable = true,
               .read_params = {{"data-key",
                                "KEY: the key of a task's \"data\" that names its file "
                                "(default: its first string value)"}},
               .capabilities = k_detection | k_fixed_layout,
               .read = read_label_studio,
               .detect = detect_label_studio,
               .detect_order = 2});
  r.push_back({.format = Format::voc,
               .name = "voc",
               .readable = true,
               .writable = true,
               .capabilities = k_detection | k_fixed_layout,
               .read = read_voc,
               .detect = detect_voc,
               .detect_order = 3});
  return r;
}

bool has_role(const FormatInfo& info, FormatRole role) {
  return role == FormatRole::read ? info.readable : info.writable;
}

const std::vector<FormatParam>& params_of(const FormatInfo& info, FormatRole role) {
  return role == FormatRole::read ? info.read_params : info.write_params;
}

}  // namespace

const std::vector<FormatInfo>& format_registry() {
  static const std::vector<FormatInfo> registry = make_registry();
  return registry;
}

const FormatInfo& format_info(Format format) {
  for (const auto& info : format_registry()) {
    if (info.format == format) return info;
  }
  return format_registry().front();  // unreachable: the registry test checks every Format has an entry
}

const FormatInfo* find_format(std::string_view name, FormatRole role) {
  for (const auto& info : format_registry()) {
    if (!has_role(info, role)) continue;
    if (info.name == name) return &info;
    for (auto alias : info.aliases) {
      if (alias == name) return &info;
    }
  }
  return nullptr;
}

std::vector<std::string_view> format_names(FormatRole role) {
  std::vector<std::string_view> names;
  for (const auto& info : format_registry()) {
    if (has_role(info, role)) names.push_back(info.name);
  }
  return names;
}

std::string describe_format_names(FormatRole role) {
  std::string out;
  for (const auto& info : format_registry()) {
    if (!has_role(info, role)) continue;
    if (!out.empty()) out += ", ";
    out += info.name;
    for (auto alias : info.aliases) out += fmt::format(" ({})", alias);
  }
  return out;
}

std::string param_keys(const FormatInfo& info, FormatRole role) {
  std::string out;
  for (const auto& param : params_of(info, role)) out += fmt::format("{}{}", out.empty() ? "" : ", ", param.key);
  return out;
}

std::string param_help(const FormatInfo& info, FormatRole role) {
  std::string out;
  for (const auto& param : params_of(info, role)) out += fmt::format("-p {}={}\n", param.key, param.help);
  return out;
}

Result<Format> parse_format(std::string_view name) {
  if (const FormatInfo* info = find_format(name, FormatRole::read)) return info->format;
  return fail(ErrorCode::invalid_argument, fmt::format("unknown format '{}'", name),
              fmt::format("valid formats: {}", describe_format_names(FormatRole::read)));
}

std::string_view format_name(Format format) { return format_info(format).name; }

std::vector<std::string_view> format_names() { return format_names(FormatRole::read); }

}  // namespace ldb::index
