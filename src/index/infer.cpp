#include "index/infer.hpp"

#include <fmt/format.h>

#include "core/json.hpp"

namespace ldb::index {

Result<InferParams> parse_infer_params(std::span<const std::pair<std::string, std::string>> params) {
  InferParams out;
  for (const auto& [key, value] : params) {
    if (key == "label-key") {
      std::vector<std::string> parts;
      std::size_t start = 0;
      for (;;) {
        std::size_t dot = value.find('.', start);
        std::string part = value.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (part.empty()) {
          return fail(ErrorCode::invalid_argument, fmt::format("invalid label-key '{}'", value),
                      "give a key or a dotted key path, e.g. -p label-key=label or -p label-key=meta.class");
        }
        parts.push_back(std::move(part));
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      out.label_key = std::move(parts);
    } else if (key == "base-label") {
      if (value.empty()) {
        return fail(ErrorCode::invalid_argument, "base-label cannot be empty",
                    "give the label for files directly in the indexed folder, e.g. -p base-label=unknown");
      }
      out.base_label = value;
    }
  }
  return out;
}

std::optional<std::string> inferred_annotation(std::string_view relative_dir, const InferParams& params) {
  std::vector<std::string_view> parts(params.label_key.begin(), params.label_key.end());
  std::size_t key_parts = parts.size();
  std::size_t start = 0;
  while (start < relative_dir.size()) {
    std::size_t slash = relative_dir.find('/', start);
    if (slash == std::string_view::npos) slash = relative_dir.size();
    if (slash > start) parts.push_back(relative_dir.substr(start, slash - start));
    start = slash + 1;
  }
  if (parts.size() == key_parts) {
    if (!params.base_label) return std::nullopt;
    parts.push_back(*params.base_label);
  }
  // {"p0": {"p1": ... {"pn-1": "pn"}}}: one object per part but the last.
  std::string out;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    out.push_back('{');
    core::append_json_string(parts[i], out);
    out.push_back(':');
  }
  core::append_json_string(parts.back(), out);
  out.append(parts.size() - 1, '}');
  return out;
}

}  // namespace ldb::index
