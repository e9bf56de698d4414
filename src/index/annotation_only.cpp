#include "index/annotation_only.hpp"

#include <simdjson.h>

#include <fmt/format.h>

#include "core/json.hpp"

namespace ldb::index {

namespace {

constexpr std::string_view k_shape_hint =
    R"(annotation-only files look like {"annotation": ..., "ldb_meta": {"data_object_id": "<32 hex digits>"}})";

Error shape_error(std::string_view where, std::string_view problem) {
  return Error{ErrorCode::invalid_argument, fmt::format("{} is not an annotation-only entry: {}", where, problem),
               std::string(k_shape_hint)};
}

// Reads one entry; an Error when it does not have the shape.
Result<AnnotationOnlyEntry> read_entry(simdjson::dom::element element, std::string_view where) {
  simdjson::dom::object object;
  if (element.get_object().get(object)) return std::unexpected(shape_error(where, "not a JSON object"));
  simdjson::dom::element annotation;
  if (object["annotation"].get(annotation)) return std::unexpected(shape_error(where, "no \"annotation\" key"));
  simdjson::dom::object meta;
  if (object["ldb_meta"].get_object().get(meta)) {
    return std::unexpected(shape_error(where, "no \"ldb_meta\" object"));
  }
  std::string_view id;
  if (meta["data_object_id"].get_string().get(id)) {
    return std::unexpected(shape_error(where, "no \"ldb_meta.data_object_id\" string"));
  }
  auto hash = core::Md5::from_hex(id);
  if (!hash) {
    return std::unexpected(
        shape_error(where, fmt::format("ldb_meta.data_object_id '{}' is not an MD5 (32 hex digits)", id)));
  }
  AnnotationOnlyEntry entry{*hash, {}};
  core::append_canonical(annotation, entry.canonical_json);
  return entry;
}

}  // namespace

Result<AnnotationOnlyParse> parse_annotation_only(std::string_view text, std::string_view origin) {
  thread_local simdjson::dom::parser parser;
  auto parsed = core::parse_json(parser, text, origin);
  if (!parsed) return std::unexpected(parsed.error());
  simdjson::dom::element root = *parsed;
  AnnotationOnlyParse out;
  simdjson::dom::array array;
  if (root.get_array().get(array) == simdjson::SUCCESS) {
    std::size_t position = 0;
    for (auto element : array) {
      auto entry = read_entry(element, fmt::format("entry {} of '{}'", position, origin));
      if (!entry) {
        out.entries.clear();
        out.shape_error = std::move(entry).error();
        return out;
      }
      out.entries.push_back(std::move(*entry));
      ++position;
    }
    return out;
  }
  auto entry = read_entry(root, fmt::format("'{}'", origin));
  if (!entry) {
    out.shape_error = std::move(entry).error();
  } else {
    out.entries.push_back(std::move(*entry));
  }
  return out;
}

}  // namespace ldb::index
