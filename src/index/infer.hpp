#pragma once
// Annotations of the tensorflow-inferred format, derived from folder names
// (see index/indexer.hpp for the rules, which follow the original LDB).

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace ldb::index {

struct InferParams {
  std::vector<std::string> label_key{"label"};  // key path, outermost first
  std::optional<std::string> base_label;        // label of files directly in the root
};

// Reads -p label-key=K (dotted path, non-empty parts) and -p base-label=L.
// invalid_argument naming the parameter when a value is empty or malformed.
Result<InferParams> parse_infer_params(std::span<const std::pair<std::string, std::string>> params);

// The canonical JSON annotation of a file whose folder, relative to its
// indexed root, is `relative_dir` ('/'-separated, "" directly in the root);
// nullopt when the file is in the root and there is no base label.
std::optional<std::string> inferred_annotation(std::string_view relative_dir, const InferParams& params);

}  // namespace ldb::index
