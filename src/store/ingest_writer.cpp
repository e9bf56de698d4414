#include "store/ingest_writer.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "store/backend_common.hpp"

// Ingest: the one writer of indexing results. A session records each batch
// of files as it is added (new objects, paths, annotation versions, tags)
// inside the target's write transaction and at commit updates every touched
// object's row once and commits, so an index run lands whole or not at all
// while the store writes overlap the hashing of later files.

namespace ldb::store {

namespace {

class IngestWriter final : public IngestSession {
 public:
  IngestWriter(std::unique_ptr<IngestTarget> target, IngestOptions options)
      : m_target(std::move(target)), m_options(std::move(options)), m_now(unix_now()) {}

  Status add(std::span<const IndexedFile> files) override {
    if (m_failed) return fail(ErrorCode::internal, "ingest session used after an error");
    auto inserted = insert_new_objects(files);
    if (!inserted) {
      m_failed = true;
      return inserted;
    }
    for (const auto& file : files) {
      auto added = add_file(file);
      if (!added) {
        m_failed = true;
        return added;
      }
    }
    return {};
  }

  Result<IngestResult> commit() override {
    if (m_failed) return fail(ErrorCode::internal, "ingest session used after an error");
    m_failed = true;  // a session commits once
    for (const auto& [hash, object] : m_objects) {
      if (object.created && object.current == object.stored_current) continue;
      LDB_TRY(m_target->touch_object(object.id, m_now, object.current));
      LDB_TRY(note_current_from_another_path(hash, object));
    }
    std::sort(m_result.current_from_another_path.begin(), m_result.current_from_another_path.end(),
              [](const CurrentFromAnotherPath& a, const CurrentFromAnotherPath& b) { return a.hash < b.hash; });
    LDB_TRY(m_target->commit(m_options));
    return std::move(m_result);
  }

 private:
  // Per object touched by this session. Its row is updated once at commit
  // (last_indexed, current version), not once per file.
  struct ObjectState {
    std::int64_t id;
    std::uint32_t current;  // may be older than newest after an undone edit
    std::uint32_t newest;
    std::uint32_t stored_current;  // what the row holds now
    bool created;                  // inserted by this session (last_indexed already now)
    // The data file path whose annotation made `current` what it is in this
    // session, and whether that path held the stored current version before.
    std::string current_set_at;
    bool set_where_current_was = false;
  };

  // Remembers that `path` made `version` the object's current annotation.
  Status set_current(ObjectState& object, std::uint32_t version, std::string_view path) {
    object.current = version;
    if (object.created || object.stored_current == 0 || path.empty()) return {};
    object.current_set_at = std::string(path);
    LDB_TRY_ASSIGN(auto row, m_target->find_path(path));
    object.set_where_current_was =
        row && row->object_id == object.id && row->annotation_version == object.stored_current;
    return {};
  }

  // Records `object` in current_from_another_path when its new current
  // annotation came from a path that did not hold the one it replaces.
  Status note_current_from_another_path(const Md5& hash, const ObjectState& object) {
    if (object.created || object.stored_current == 0 || object.current == object.stored_current ||
        object.current_set_at.empty() || object.set_where_current_was) {
      return {};
    }
    CurrentFromAnotherPath change{hash, object.stored_current, object.current, object.current_set_at, {}};
    LDB_TRY_ASSIGN(auto previous, m_target->first_path_of_version(object.id, object.stored_current));
    if (previous) change.previous_path = std::move(*previous);
    m_result.current_from_another_path.push_back(std::move(change));
    return {};
  }

  // A new object with an annotation gets version 1 (version_of); it is
  // inserted with that current version to save an update.
  static std::uint32_t initial_current(const IndexedFile& file) { return file.annotation ? 1 : 0; }

  void note_created(const IndexedFile& file, std::int64_t id) {
    ++m_result.new_objects;
    m_objects.emplace(file.hash, ObjectState{id, 0, 0, initial_current(file), true, {}, false});
  }

  // Most objects of an index run are new: insert the batch's objects first,
  // in one step, so object_of looks rows up only for hashes already there.
  // An annotation-only file (no path) never creates an object, nor may a
  // later file of the batch create its object ahead of it.
  Status insert_new_objects(std::span<const IndexedFile> files) {
    LDB_TRY(m_target->prefetch(files, m_options.update != AnnotationUpdate::merge));
    m_existing.clear();
    std::vector<NewObject> fresh;
    std::unordered_set<Md5> seen;
    for (const auto& file : files) {
      if (!seen.insert(file.hash).second || file.path.empty() || m_objects.contains(file.hash)) continue;
      fresh.push_back(NewObject{&file, initial_current(file)});
    }
    if (fresh.empty()) return {};
    LDB_TRY_ASSIGN(auto ids, m_target->insert_objects(fresh, m_now));
    for (std::size_t i = 0; i < fresh.size(); ++i) {
      if (ids[i]) {
        note_created(*fresh[i].file, *ids[i]);
      } else {
        m_existing.insert(fresh[i].file->hash);
      }
    }
    return {};
  }

  Result<ObjectState*> object_of(const IndexedFile& file) {
    auto it = m_objects.find(file.hash);
    if (it != m_objects.end()) return &it->second;
    // Not inserted with its batch (an annotation-only file came first): try
    // the insert and look the row up only when the hash is already there.
    if (!file.path.empty() && !m_existing.contains(file.hash)) {
      LDB_TRY_ASSIGN(auto id, m_target->insert_object(file, initial_current(file), m_now));
      if (id) {
        note_created(file, *id);
        return &m_objects.find(file.hash)->second;
      }
    }
    LDB_TRY_ASSIGN(auto row, m_target->find_object(file.hash));
    if (!row) {
      if (file.path.empty()) return std::unexpected(unknown_object(file.hash));
      return fail(ErrorCode::internal, fmt::format("object id:{} vanished during ingest", file.hash.hex()));
    }
    ObjectState state{row->id, row->current, row->newest, row->current, false, {}, false};
    return &m_objects.emplace(file.hash, state).first->second;
  }

  // The version of the object that `file`'s annotation is, creating it when new.
  Result<std::uint32_t> version_of(const IndexedFile& file, ObjectState& object) {
    std::string merged;
    std::string_view json = file.annotation->canonical_json;
    if (m_options.update == AnnotationUpdate::merge && object.current != 0) {
      LDB_TRY_ASSIGN(auto current_json, m_target->annotation_json(object.id, object.current));
      if (current_json) {
        LDB_TRY_ASSIGN(merged, merge_annotations(*current_json, json));
        json = merged;
      }
    }
    LDB_TRY_ASSIGN(auto content_id, m_target->content_id(core::md5_of(json), json));
    // An object without versions (new in this session) cannot have this content.
    std::optional<std::uint32_t> existing;
    if (object.newest != 0) {
      LDB_TRY_ASSIGN(existing, m_target->version_with_content(object.id, content_id));
    }
    if (!existing) {
      std::uint32_t version = object.newest + 1;
      LDB_TRY(m_target->insert_version(object.id, version, content_id, m_now));
      object.newest = version;
      LDB_TRY(set_current(object, version, file.path));
      ++m_result.new_annotations;
      return version;
    }
    std::uint32_t version = *existing;
    // Content the object had before. It becomes current again when it was put
    // back where another version had been found (an edit that was undone), or
    // given explicitly by an annotation-only file.
    bool reverted = file.path.empty();
    if (!reverted) {
      LDB_TRY_ASSIGN(auto previous, m_target->find_path(file.path));
      reverted = previous && previous->object_id == object.id && previous->annotation_version != 0 &&
                 previous->annotation_version != version;
    }
    if (reverted) LDB_TRY(set_current(object, version, file.path));
    return version;
  }

  Status add_file(const IndexedFile& file) {
    LDB_TRY_ASSIGN(ObjectState * found, object_of(file));
    ObjectState& object = *found;
    if (file.image_probed && !object.created) LDB_TRY(m_target->set_image(object.id, file));
    if (file.image_probed && file.image && file.image->features) {
      LDB_TRY(m_target->put_features(object.id, *file.image->features));
    }
    std::uint32_t version = 0;
    if (file.annotation) {
      LDB_TRY_ASSIGN(version, version_of(file, object));
    }
    if (!file.path.empty()) LDB_TRY(m_target->put_path(file, object.id, version));
    for (const auto& tag : m_options.add_tags) LDB_TRY(m_target->add_tag(object.id, tag));
    m_result.refs.push_back(ObjectRef{file.hash, version});
    return {};
  }

  std::unique_ptr<IngestTarget> m_target;  // its transaction rolls back unless committed
  IngestOptions m_options;
  std::int64_t m_now;
  std::unordered_map<Md5, ObjectState> m_objects;
  std::unordered_set<Md5> m_existing;  // hashes of this batch that insert_objects found stored
  IngestResult m_result;
  bool m_failed = false;
};

}  // namespace

std::unique_ptr<IngestSession> make_ingest_writer(std::unique_ptr<IngestTarget> target, IngestOptions options) {
  return std::make_unique<IngestWriter>(std::move(target), std::move(options));
}

}  // namespace ldb::store
