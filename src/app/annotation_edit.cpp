#include "app/annotation_edit.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "dataset/label_edits.hpp"

namespace ldb::app {

namespace {

// The member of `members` (sorted by hash) for `hash`, or nullptr.
store::ObjectRef* member_of(store::Collection& members, const core::Md5& hash) {
  auto it = std::lower_bound(members.begin(), members.end(), hash,
                             [](const store::ObjectRef& r, const core::Md5& h) { return r.hash < h; });
  return it != members.end() && it->hash == hash ? &*it : nullptr;
}

struct Opened {
  dataset::Workspace ws;
  detail::Instance* instance = nullptr;
};

Result<Opened> open(Session& session, const std::optional<std::string>& target) {
  LDB_TRY_ASSIGN(auto* instance, detail::instance(session));
  LDB_TRY_ASSIGN(auto ws, detail::workspace(session.context(), target));
  return Opened{std::move(ws), instance};
}

Result<std::string> annotation_of(store::Store& store, const core::Md5& hash, std::uint32_t version) {
  if (version == 0) return std::string();
  const store::ObjectRef ref{hash, version};
  LDB_TRY_ASSIGN(auto texts, store.annotations(std::span(&ref, 1)));
  return std::move(texts.front());
}

}  // namespace

Result<StagedAnnotation> staged_annotation(Session& session, const core::Md5& hash,
                                           const std::optional<std::string>& target) {
  LDB_TRY_ASSIGN(auto opened, open(session, target));
  auto& store = *opened.instance->store;
  StagedAnnotation out;
  out.dataset = opened.ws.state().dataset_name;
  if (const auto* member = member_of(opened.ws.state().members, hash)) {
    out.staged = true;
    out.version = member->annotation_version;
  } else {
    LDB_TRY_ASSIGN(auto current, store.current_versions(std::span(&hash, 1)));
    out.version = current.front().annotation_version;
  }
  LDB_TRY_ASSIGN(out.annotation, annotation_of(store, hash, out.version));
  return out;
}

Result<EditAnnotationOutcome> edit_annotation(Session& session, const EditAnnotationRequest& request) {
  LDB_TRY_ASSIGN(auto opened, open(session, request.target));
  auto& store = *opened.instance->store;
  auto& state = opened.ws.state();
  const std::string subject = fmt::format("id:{}", request.hash.hex());
  const std::string dataset = state.dataset_name.empty() ? "the staged dataset" : "ds:" + state.dataset_name;
  auto* member = member_of(state.members, request.hash);
  if (member == nullptr) {
    return fail(ErrorCode::not_found, fmt::format("{} is not staged in {}", subject, dataset),
                fmt::format("add it first (ldb add {}), then edit its boxes", subject));
  }
  const std::uint32_t previous = member->annotation_version;
  if (request.version && *request.version != previous) {
    return fail(ErrorCode::conflict,
                fmt::format("{} holds annotation version {} of {}, but the edit was made on version {}", dataset,
                            previous, subject, *request.version),
                "reload the object and make the edit again");
  }
  if (previous == 0) {
    return fail(ErrorCode::invalid_argument, fmt::format("{} has no annotation to edit", subject),
                "only objects with boxes in ldb's detection shape can be edited here");
  }
  LDB_TRY_ASSIGN(auto original, annotation_of(store, request.hash, previous));
  std::vector<dataset::BoxEdit> edits;
  for (const auto& edit : request.edits) {
    edits.push_back({edit.index,
                     edit.action == BoxAction::remove ? dataset::BoxAction::remove : dataset::BoxAction::set_category,
                     edit.category});
  }
  LDB_TRY_ASSIGN(auto edited, dataset::edit_boxes(original, edits, subject));
  EditAnnotationOutcome out{state.dataset_name, previous, previous, false, edited};
  if (edited == original) return out;
  LDB_TRY(store.check_writable());
  // An annotation-only entry (no path): ingest records the content as the
  // object's next version, or gives back the version that already holds it.
  store::IndexedFile file;
  file.hash = request.hash;
  file.annotation = store::FoundAnnotation{"", 0, 0, std::move(edited)};
  LDB_TRY_ASSIGN(auto ingested, store.ingest(std::span(&file, 1), {}));
  out.version = ingested.refs.front().annotation_version;
  out.changed = true;
  member->annotation_version = out.version;
  LDB_TRY(opened.ws.save());
  return out;
}

}  // namespace ldb::app
