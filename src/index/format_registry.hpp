#pragma once
// The format registry: every format ldb reads (index -m) or writes
// (instantiate -m) described once — its names, its -p parameters with their
// help, the capabilities other code asks about instead of comparing format
// values, and the reader and detector that make_plan (index/plan.cpp)
// dispatches to. Parsing -m, the "valid formats" hints, the -m help and shell
// completion, and the parameter checks of both commands read this table.
//
// It lives in the index layer because index is below formats (CMake link
// order: index ← dataset ← formats); the writer half of a writable format
// (its planner, formats/layout.cpp) is keyed by the same Format value, and a
// unit test (tests/unit/formats/registry_test.cpp) checks that every format
// marked writable here has one. docs/architecture.md, "Adding a format",
// lists the steps.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ldb::index {

enum class Format {
  auto_detect,
  strict_pairs,
  bare_pairs,
  tensorflow_inferred,
  annotation_only,
  coco,
  yolo,
  voc,
  label_studio
};

struct Plan;
struct ReadContext;  // index/read_context.hpp

// Plans the files of a scan in one format (index/plan.hpp). Errors name the file.
using Reader = Status (*)(ReadContext& context, Plan& plan);
// Whether every file of the scan is in this format (auto-detection); may read
// files through the context, which keeps what it read for the reader.
using Detector = bool (*)(ReadContext& context);

// One -p KEY=VALUE a format accepts, with the line its help shows.
struct FormatParam {
  std::string_view key;
  std::string_view help;  // "DIR: the image folder, relative to the COCO file"
};

// What code outside a format's own files needs to know about it.
enum Capability : unsigned {
  // Annotations in ldb's detection shape (image, objects; README "Formats"):
  // their annotation files are shared by many data files (a path below an
  // indexed root is read through the root) and their written labels can be
  // read back (formats/label_read_back.hpp).
  k_detection = 1u << 0,
  // instantiate decides every file name itself: --preserve-paths does not apply.
  k_fixed_layout = 1u << 1,
  // instantiate places members' transform outputs beside their plain copies.
  k_takes_transforms = 1u << 2,
  // instantiate writes data files only: --annotations-only does not apply.
  k_data_only = 1u << 3,
};

struct FormatInfo {
  Format format = Format::auto_detect;
  std::string_view name;                  // canonical, as stored and printed
  std::vector<std::string_view> aliases;  // also accepted by -m
  bool readable = false;                  // index -m (auto included)
  bool writable = false;                  // instantiate -m
  std::vector<FormatParam> read_params;   // -p of index, in help order
  std::vector<FormatParam> write_params;  // -p of instantiate, in help order
  unsigned capabilities = 0;              // Capability bits
  // Every readable format but auto has a reader. A detector makes auto pick
  // the format; formats without one (the pair formats, tensorflow-inferred,
  // annotation-only) are auto's fallback rules (index/indexer.hpp).
  Reader read = nullptr;
  Detector detect = nullptr;
  // Detectors run in increasing order of this value until one claims the scan.
  int detect_order = 0;

  bool has(Capability capability) const { return (capabilities & capability) != 0; }
};

// Which command a name list or parameter list is for.
enum class FormatRole { read, write };

// Every format in table order: the order of help, hints and completion.
const std::vector<FormatInfo>& format_registry();

// The entry of a format (every Format value has one).
const FormatInfo& format_info(Format format);

// The entry a canonical name or alias names for `role`, or nullptr.
const FormatInfo* find_format(std::string_view name, FormatRole role);

// The canonical names of the formats of `role` in table order; the first is
// the default (auto for read, strict-pairs for write).
std::vector<std::string_view> format_names(FormatRole role);

// Every name of the formats of `role` for a hint, aliases in parentheses after
// their format: "auto (auto-detect), strict-pairs (strict), ..., coco".
std::string describe_format_names(FormatRole role);

// The -p keys of a format for `role`, ", "-separated ("" when none).
std::string param_keys(const FormatInfo& info, FormatRole role);

// The parameter help of a format for `role`, one line a parameter:
// "-p images=DIR: ...". "" when it takes none.
std::string param_help(const FormatInfo& info, FormatRole role);

// Parses a format name or alias: auto, strict-pairs|strict, bare-pairs|bare,
// tensorflow-inferred|infer, annotation-only|annot, coco, yolo, label-studio, voc
// (auto-detect also accepted). invalid_argument listing the valid names for an
// unknown one.
Result<Format> parse_format(std::string_view name);

// The canonical name of a format ("strict-pairs", ...).
std::string_view format_name(Format format);

// The canonical names of every index format, auto first (help and shell
// completion): format_names(FormatRole::read).
std::vector<std::string_view> format_names();

}  // namespace ldb::index
