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
};

constexpr std::array<std::string_view, 2> k_later_formats{"voc", "label-studio"};

}  // namespace

Result<Format> parse_format(std::string_view name) {
  for (const auto& entry : k_format_names) {
    if (entry.name == name) return entry.format;
  }
  for (auto later : k_later_formats) {
    if (later == name) {
      return fail(ErrorCode::unsupported, fmt::format("format '{}' is not supported yet", name),
                  "use one of: auto, strict-pairs, bare-pairs, tensorflow-inferred, annotation-only, coco, yolo");
    }
  }
  return fail(ErrorCode::invalid_argument, fmt::format("unknown format '{}'", name),
              "valid formats: auto, strict-pairs (strict), bare-pairs (bare), tensorflow-inferred (infer), "
              "annotation-only (annot), coco, yolo");
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
  }
  return "auto";
}

Status check_params(Format format, std::span<const std::pair<std::string, std::string>> params, bool detected) {
  for (const auto& [key, value] : params) {
    if (format == Format::tensorflow_inferred && (key == "label-key" || key == "base-label")) continue;
    std::string_view valid =
        format == Format::tensorflow_inferred ? "label-key, base-label" : "none";
    return fail(ErrorCode::invalid_argument,
                fmt::format("parameter '{}' does not apply to format '{}'{}", key, format_name(format),
                            detected ? " (auto-detected)" : ""),
                fmt::format("parameters of {}: {}{}", format_name(format), valid,
                            detected ? "; choose the format with -m FORMAT" : ""));
  }
  return {};
}

}  // namespace ldb::index
