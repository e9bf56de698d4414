#pragma once
// Reader of the annotation-only format: `{"annotation": ANY, "ldb_meta":
// {"data_object_id": "<md5>"}}`, or an array of such entries in one file.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace ldb::index {

struct AnnotationOnlyEntry {
  core::Md5 object;
  std::string canonical_json;  // of the "annotation" value
};

struct AnnotationOnlyParse {
  std::vector<AnnotationOnlyEntry> entries;
  // Set when the JSON is valid but not of the annotation-only shape (the
  // message names `origin` and the entry); entries is then empty.
  std::optional<Error> shape_error;
};

// Parses one file's text. invalid_argument naming `origin` for malformed JSON.
Result<AnnotationOnlyParse> parse_annotation_only(std::string_view text, std::string_view origin);

}  // namespace ldb::index
