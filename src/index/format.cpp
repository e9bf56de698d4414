#include <array>

#include <fmt/format.h>

#include "index/indexer.hpp"
#include "index/plan.hpp"

namespace ldb::index {

namespace {

struct FormatName {
  std::string_view name;
  Format format;
};

constexpr std::array k_format_names{
    FormatName{"auto", Format::auto_detect},
    FormatName{"auto-detect", Format::auto_detect},
    FormatName{"strict-pairs", Format::strict_pairs},
    FormatName{"strict", Format::strict_pairs},
    FormatName{"bare-pairs", Format::bare_pairs},
    FormatName{"bare", Format::bare_pairs},
    FormatName{"tensorflow-inferred", Format::tensorflow_inferred},
    FormatName{"infer", Format::tensorflow_inferred},
    FormatName{"annotation-only", Format::annotation_only},
    FormatName{"annot", Format::annotation_only},
    FormatName{"coco", Format::coco},
    FormatName{"yolo", Format::yolo},
    FormatName{"voc", Format::voc},
    FormatName{"label-studio", Format::label_studio},
};

}  // namespace

Result<Format> parse_format(std::string_view name) {
  for (const auto& entry : k_format_names) {
    if (entry.name == name) return entry.format;
  }
  return fail(ErrorCode::invalid_argument, fmt::format("unknown format '{}'", name),
              "valid formats: auto, strict-pairs (strict), bare-pairs (bare), tensorflow-inferred (infer), "
              "annotation-only (annot), coco, yolo, voc, label-studio");
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
