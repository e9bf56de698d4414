#pragma once
// Editing a staged object's boxes (the web UI's object panel, SPEC section
// 10): the edited annotation is recorded as a new annotation version of the
// object — the old one stays — and the workspace's member is moved to it, as
// `ldb sync` does for an edited label file. The next commit records it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/session.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace ldb::app {

// The annotation version the workspace holds for an object.
struct StagedAnnotation {
  std::string dataset;        // the staged dataset's name, "" for an unnamed one
  bool staged = false;        // false: not a member (version and annotation are then the current ones)
  std::uint32_t version = 0;  // 0: no annotation
  std::string annotation;     // canonical JSON, "" when none
};

// What the workspace at `target` (or the Context's cwd or above) stages for
// `hash`. not_found when there is no workspace or the object is not indexed.
Result<StagedAnnotation> staged_annotation(Session& session, const core::Md5& hash,
                                           const std::optional<std::string>& target);

enum class BoxAction { set_category, remove };

struct BoxEdit {
  std::size_t index = 0;  // into the annotation's "objects"
  BoxAction action = BoxAction::set_category;
  std::string category;  // set_category: the new class
};

struct EditAnnotationRequest {
  core::Md5 hash;
  // The version the edits were made on (what the page showed): conflict when
  // the workspace holds another by now. Unset: whatever it holds.
  std::optional<std::uint32_t> version;
  std::vector<BoxEdit> edits;
  std::optional<std::string> target;  // the workspace folder; unset: the Context's cwd or above
};

struct EditAnnotationOutcome {
  std::string dataset;
  std::uint32_t previous_version = 0;
  std::uint32_t version = 0;  // staged now (previous_version when the edit changed nothing)
  bool changed = false;
  std::string annotation;  // canonical JSON of `version`
};

// Applies `edits` (dataset::edit_boxes) to the annotation version the
// workspace stages for the object, records the result as the object's new
// annotation version (one store transaction; content the object had before
// gets that version back) and stages it. The object must be a member with an
// annotation in ldb's detection shape. On any error nothing is written:
// not_found (no workspace, not staged), invalid_argument (no annotation, not
// the detection shape, a box out of range), conflict (the version differs).
Result<EditAnnotationOutcome> edit_annotation(Session& session, const EditAnnotationRequest& request);

}  // namespace ldb::app
