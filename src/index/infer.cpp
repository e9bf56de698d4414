#include "index/infer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

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

std::vector<std::string_view> folder_parts(std::string_view relative_dir) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start < relative_dir.size()) {
    std::size_t slash = relative_dir.find('/', start);
    if (slash == std::string_view::npos) slash = relative_dir.size();
    if (slash > start) parts.push_back(relative_dir.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

std::optional<std::string> inferred_annotation(std::string_view relative_dir, const InferParams& params) {
  std::vector<std::string_view> parts(params.label_key.begin(), params.label_key.end());
  std::size_t key_parts = parts.size();
  for (auto folder : folder_parts(relative_dir)) parts.push_back(folder);
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

Result<std::vector<std::string>> label_parts(simdjson::dom::element label, std::string_view subject,
                                             std::string_view key_text) {
  using simdjson::dom::element_type;
  std::vector<std::string> parts;
  for (;;) {
    switch (label.type()) {
      case element_type::STRING:
        parts.emplace_back(std::string_view(label.get_string()));
        return parts;
      case element_type::INT64:
      case element_type::UINT64:
      case element_type::DOUBLE:
      case element_type::BOOL: {
        std::string text;
        core::append_canonical(label, text);
        parts.push_back(std::move(text));
        return parts;
      }
      case element_type::OBJECT: {
        // Canonical JSON sorts keys, so "first" is the smallest key.
        simdjson::dom::object object = label.get_object();
        auto field = object.begin();
        if (field == object.end()) {
          return fail(ErrorCode::invalid_argument,
                      fmt::format("the label of {} at key '{}' is an empty object", subject, key_text),
                      "a nested label needs one key per folder level, e.g. {\"animal\": \"cat\"}");
        }
        parts.emplace_back((*field).key);
        label = (*field).value;
        continue;
      }
      default:
        return fail(ErrorCode::invalid_argument,
                    fmt::format("the label of {} at key '{}' is not a string, number or object", subject, key_text),
                    "tensorflow-inferred makes one folder per label; fix the annotation or pick another "
                    "key with -p label-key=KEY");
    }
  }
}

Result<std::vector<std::string>> label_folders(simdjson::dom::parser& parser, std::string_view annotation_json,
                                               const std::vector<std::string>& label_key, const std::string* base_label,
                                               std::string_view subject) {
  std::string key_text = fmt::format("{}", fmt::join(label_key, "."));
  auto missing = [&] {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} has no label at key '{}' in its annotation", subject, key_text),
                "tensorflow-inferred needs a label for every object: remove unlabeled objects "
                "(e.g. ldb del --jquery '" +
                    key_text + " == `null`') or choose the key with -p label-key=KEY");
  };
  if (annotation_json.empty()) return missing();
  simdjson::dom::element label;
  if (parser.parse(annotation_json.data(), annotation_json.size()).get(label)) {
    return fail(ErrorCode::corruption, fmt::format("the annotation of {} is not valid JSON", subject),
                "re-index the object's annotation");
  }
  for (const auto& key : label_key) {
    simdjson::dom::object object;
    if (label.get_object().get(object) || object.at_key(key).get(label)) return missing();
  }
  if (base_label != nullptr && label.is_string() && std::string_view(label.get_string()) == *base_label) {
    return std::vector<std::string>{};
  }
  return label_parts(label, subject, key_text);
}

}  // namespace ldb::index
