#pragma once
// Annotations of the tensorflow-inferred format, derived from folder names
// (see index/indexer.hpp for the rules, which follow the original LDB).

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "core/error.hpp"

namespace ldb::index {

struct InferParams {
  std::vector<std::string> label_key{"label"};  // key path, outermost first
  std::optional<std::string> base_label;        // label of files directly in the root
};

// Reads -p label-key=K (dotted path, non-empty parts) and -p base-label=L.
// invalid_argument naming the parameter when a value is empty or malformed.
Result<InferParams> parse_infer_params(std::span<const std::pair<std::string, std::string>> params);

// The non-empty components of a '/'-separated folder path, in order.
std::vector<std::string_view> folder_parts(std::string_view relative_dir);

// The canonical JSON annotation of a file whose folder, relative to its
// indexed root, is `relative_dir` ('/'-separated, "" directly in the root);
// nullopt when the file is in the root and there is no base label.
std::optional<std::string> inferred_annotation(std::string_view relative_dir, const InferParams& params);

// The parts of a label value: a string, number or boolean is one part, a
// one-key object {"k": v} is "k" followed by the parts of v (several keys: the
// first in canonical order). invalid_argument naming `subject` and the label's
// key `key_text` for an empty object or any other type.
Result<std::vector<std::string>> label_parts(simdjson::dom::element label, std::string_view subject,
                                             std::string_view key_text);

// The inverse of inferred_annotation: the class folders an annotation's label
// makes. The value at `label_key` (a path of object keys), where a string,
// number or boolean is one folder and a one-key object {"k": v} is folder "k"
// followed by the folders of v (several keys: the first in canonical order).
// A label equal to `base_label` (when given) means the root itself (empty
// result). invalid_argument naming `subject` when the key is missing or the
// label has another type; corruption when the JSON is invalid. Folder names
// are not checked (formats::label_folders refuses hostile ones). `parser` is
// reused between calls (one per thread).
Result<std::vector<std::string>> label_folders(simdjson::dom::parser& parser, std::string_view annotation_json,
                                               const std::vector<std::string>& label_key, const std::string* base_label,
                                               std::string_view subject);

}  // namespace ldb::index
