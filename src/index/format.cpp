#include <array>

#include <fmt/format.h>

#include "core/name_table.hpp"
#include "index/indexer.hpp"
#include "index/plan.hpp"

namespace ldb::index {

namespace {

using Name = core::NamedValue<Format>;

// Each canonical name before its aliases.
constexpr std::array k_format_names{
    Name{"auto", Format::auto_detect},
    Name{"auto-detect", Format::auto_detect},
    Name{"strict-pairs", Format::strict_pairs},
    Name{"strict", Format::strict_pairs},
    Name{"bare-pairs", Format::bare_pairs},
    Name{"bare", Format::bare_pairs},
    Name{"tensorflow-inferred", Format::tensorflow_inferred},
    Name{"infer", Format::tensorflow_inferred},
    Name{"annotation-only", Format::annotation_only},
    Name{"annot", Format::annotation_only},
    Name{"coco", Format::coco},
    Name{"yolo", Format::yolo},
    Name{"voc", Format::voc},
    Name{"label-studio", Format::label_studio},
};

}  // namespace

Result<Format> parse_format(std::string_view name) {
  if (auto format = core::value_named<Format>(k_format_names, name)) return *format;
  return fail(ErrorCode::invalid_argument, fmt::format("unknown format '{}'", name),
              fmt::format("valid formats: {}", core::describe_names<Format>(k_format_names, format_name)));
}

std::string_view format_name(Format format) {
  switch (format) {
    case Format::auto_detect: return "auto";
    case Format::strict_pairs: return "strict-pairs";
    case Format::bare_pairs: return "bare-pairs";
    case Format::tensorflow_inferred: return "tensorflow-inferred";
    case Format::annotation_only: return "annotation-only";
    case Format::coco: return "coco";
    case Format::yolo: return "yolo";
    case Format::voc: return "voc";
    case Format::label_studio: return "label-studio";
  }
  return "auto";
}

std::vector<std::string_view> format_names() { return core::canonical_names<Format>(k_format_names, format_name); }

Status check_params(Format format, std::span<const std::pair<std::string, std::string>> params, bool detected) {
  for (const auto& [key, value] : params) {
    if (format == Format::tensorflow_inferred && (key == "label-key" || key == "base-label")) continue;
    if (format == Format::label_studio && key == "data-key") continue;
    if (format == Format::coco && key == "images") continue;
    std::string_view valid = format == Format::tensorflow_inferred ? "label-key, base-label"
                             : format == Format::label_studio      ? "data-key"
                             : format == Format::coco              ? "images"
                                                                   : "none";
    return fail(ErrorCode::invalid_argument,
                fmt::format("parameter '{}' does not apply to format '{}'{}", key, format_name(format),
                            detected ? " (auto-detected)" : ""),
                fmt::format("parameters of {}: {}{}", format_name(format), valid,
                            detected ? "; choose the format with -m FORMAT" : ""));
  }
  return {};
}

}  // namespace ldb::index
