#include "dataset/class_folders.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/json.hpp"
#include "dataset/workspace.hpp"
#include "storage/file_system.hpp"

namespace ldb::dataset {

namespace {

std::filesystem::path layout_path(const std::filesystem::path& root) {
  return root / k_workspace_dir / k_layout_file_name;
}

// The value at `key` in `json`, or nullptr.
const nlohmann::json* at_key(const nlohmann::json& json, const std::vector<std::string>& key) {
  const nlohmann::json* value = &json;
  for (const auto& part : key) {
    if (!value->is_object()) return nullptr;
    auto it = value->find(part);
    if (it == value->end()) return nullptr;
    value = &*it;
  }
  return value;
}

// A folder name read back as a label: a string, unless the old label was a
// number or boolean and the name reads as one of the same kind ("3" for 3).
nlohmann::json label_value(const nlohmann::json& folder_label, const nlohmann::json* old_label) {
  if (!old_label || !folder_label.is_string() || !(old_label->is_number() || old_label->is_boolean())) {
    return folder_label;
  }
  auto parsed = nlohmann::json::parse(folder_label.get<std::string>(), nullptr, false);
  if (parsed.is_discarded()) return folder_label;
  if ((old_label->is_number() && parsed.is_number()) || (old_label->is_boolean() && parsed.is_boolean())) return parsed;
  return folder_label;
}

}  // namespace

Status write_instantiated_layout(const std::filesystem::path& root, const InstantiatedLayout& layout) {
  nlohmann::json params = nlohmann::json::array();
  for (const auto& [key, value] : layout.params) params.push_back({key, value});
  nlohmann::json record = {{"format", layout.format}, {"params", params}};
  return storage::write_file_atomic(layout_path(root),
                                    record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

Result<std::optional<InstantiatedLayout>> read_instantiated_layout(const std::filesystem::path& root) {
  auto file = layout_path(root);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::optional<InstantiatedLayout>();
  auto text = storage::read_local_file(file);
  if (!text) return std::unexpected(text.error());
  auto corrupt = [&] {
    return fail(ErrorCode::corruption, fmt::format("'{}' is not a layout record", file.string()),
                "delete it and run ldb instantiate again (until then, class folders are read as plain files)");
  };
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("format") || !json["format"].is_string() ||
      !json.contains("params") || !json["params"].is_array()) {
    return corrupt();
  }
  InstantiatedLayout layout;
  layout.format = json["format"].get<std::string>();
  for (const auto& param : json["params"]) {
    if (!param.is_array() || param.size() != 2 || !param[0].is_string() || !param[1].is_string()) return corrupt();
    layout.params.emplace_back(param[0].get<std::string>(), param[1].get<std::string>());
  }
  return std::optional<InstantiatedLayout>(std::move(layout));
}

Result<std::string> relabel_from_folder(simdjson::dom::parser& parser, std::string_view stored,
                                        std::string_view relative_dir, const index::InferParams& params) {
  auto from_folder = index::inferred_annotation(relative_dir, params);
  if (!from_folder) return std::string();  // the root without a base label: no label to read
  if (stored.empty()) return std::move(*from_folder);
  const std::string* base = params.base_label ? &*params.base_label : nullptr;
  auto old_folders = index::label_folders(parser, stored, params.label_key, base, "the stored annotation");
  if (old_folders && std::ranges::equal(*old_folders, index::folder_parts(relative_dir))) return std::string();
  if (!old_folders && old_folders.error().code != ErrorCode::invalid_argument) {
    return std::unexpected(std::move(old_folders).error());
  }
  // A different folder, or a stored annotation without a usable label: the
  // folder's label replaces the value at the key, the rest stays.
  auto annotation = nlohmann::json::parse(stored, nullptr, false);
  if (annotation.is_discarded()) {
    return fail(ErrorCode::corruption, "the stored annotation is not valid JSON", "re-index the object's annotation");
  }
  auto folder_json = nlohmann::json::parse(*from_folder);
  const nlohmann::json* new_label = at_key(folder_json, params.label_key);
  nlohmann::json value = label_value(*new_label, at_key(annotation, params.label_key));
  nlohmann::json* slot = &annotation;
  for (const auto& part : params.label_key) {
    if (!slot->is_object()) *slot = nlohmann::json::object();
    slot = &(*slot)[part];
  }
  *slot = std::move(value);
  return core::canonical_json(annotation.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                              "the relabelled annotation");
}

}  // namespace ldb::dataset
