#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/json.hpp"
#include "store/sqlite_store.hpp"

// Ingest: the one writer of indexing results. A session opens one write
// transaction, records each batch of files as it is added (new objects,
// paths, annotation versions, tags) and at commit updates every touched
// object's row once and commits, so an index run lands whole or not at all
// while the store writes overlap the hashing of later files.

namespace ldb::store {

namespace {

// Shallow merge for --annotation-update merge: top-level keys of `update`
// replace those of `current` when both are objects; otherwise update wins.
Result<std::string> merge_annotations(std::string_view current, std::string_view update) {
  try {
    auto base = nlohmann::json::parse(current);
    auto add = nlohmann::json::parse(update);
    if (base.is_object() && add.is_object()) {
      base.update(add);
    } else {
      base = std::move(add);
    }
    return core::canonical_json(base.dump(), "merged annotation");
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::corruption, fmt::format("cannot merge annotations: {}", e.what()));
  }
}

// Binds a file's image attributes to parameters first..first+2 (width,
// height, format): NULLs when its header was not examined, NULL sizes and
// format '' when it was and the bytes are not a known image.
void bind_image(Statement& stmt, int first, const IndexedFile& file) {
  if (file.image_probed && file.image) {
    stmt.bind(first, static_cast<std::int64_t>(file.image->width))
        .bind(first + 1, static_cast<std::int64_t>(file.image->height))
        .bind(first + 2, std::string_view(file.image->format));
    return;
  }
  stmt.bind_null(first).bind_null(first + 1);
  if (file.image_probed) {
    stmt.bind(first + 2, std::string_view(""));
  } else {
    stmt.bind_null(first + 2);
  }
}

// The statements of one ingest, prepared once per session.
struct IngestStatements {
  Statement sel_obj, ins_obj, set_image, put_features, touch_obj, sel_content, ins_content, sel_version, ins_version, cur_json,
      upsert_path, ins_tag, sel_path, sel_path_of_version;

  static Result<IngestStatements> prepare(Database& db) {
    auto sel_obj = db.prepare(
        "SELECT id, current_version, (SELECT COALESCE(MAX(version), 0) FROM annotation_versions "
        "WHERE object_id = objects.id) FROM objects WHERE hash = ?");
    auto ins_obj = db.prepare(
        "INSERT INTO objects(hash, size, first_indexed, last_indexed, current_version, image_width, image_height, "
        "image_format) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING");
    auto set_image = db.prepare("UPDATE objects SET image_width = ?, image_height = ?, image_format = ? WHERE id = ?");
    auto put_features = db.prepare(
        "INSERT OR REPLACE INTO image_features(object_id, phash, dhash, mean, std, sharpness, entropy, channels, "
        "error) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    auto touch_obj = db.prepare("UPDATE objects SET last_indexed = ?, current_version = ? WHERE id = ?");
    auto sel_content = db.prepare("SELECT id FROM annotation_contents WHERE hash = ?");
    auto ins_content = db.prepare("INSERT OR IGNORE INTO annotation_contents(hash, json) VALUES(?, ?)");
    auto sel_version = db.prepare("SELECT version FROM annotation_versions WHERE object_id = ? AND content_id = ?");
    auto ins_version =
        db.prepare("INSERT INTO annotation_versions(object_id, version, content_id, indexed_at) VALUES(?, ?, ?, ?)");
    auto cur_json = db.prepare(
        "SELECT c.json FROM annotation_versions v JOIN annotation_contents c ON c.id = v.content_id "
        "WHERE v.object_id = ? AND v.version = ?");
    auto upsert_path = db.prepare(
        "INSERT INTO paths(path, object_id, size, mtime_ns, annotation_path, annotation_size, annotation_mtime_ns, "
        "annotation_version) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET "
        "object_id = excluded.object_id, size = excluded.size, mtime_ns = excluded.mtime_ns, "
        "annotation_path = excluded.annotation_path, annotation_size = excluded.annotation_size, "
        "annotation_mtime_ns = excluded.annotation_mtime_ns, annotation_version = excluded.annotation_version");
    auto ins_tag = db.prepare("INSERT OR IGNORE INTO tags(object_id, tag) VALUES(?, ?)");
    auto sel_path = db.prepare("SELECT object_id, annotation_version FROM paths WHERE path = ?");
    auto sel_path_of_version =
        db.prepare("SELECT path FROM paths WHERE object_id = ? AND annotation_version = ? ORDER BY path LIMIT 1");
    for (auto* s : {&sel_obj, &ins_obj, &set_image, &put_features, &touch_obj, &sel_content, &ins_content, &sel_version, &ins_version,
                    &cur_json, &upsert_path, &ins_tag, &sel_path, &sel_path_of_version}) {
      if (!*s) return std::unexpected(s->error());
    }
    return IngestStatements{std::move(*sel_obj),
                            std::move(*ins_obj),
                            std::move(*set_image),
                            std::move(*put_features),
                            std::move(*touch_obj),
                            std::move(*sel_content),
                            std::move(*ins_content),
                            std::move(*sel_version),
                            std::move(*ins_version),
                            std::move(*cur_json),
                            std::move(*upsert_path),
                            std::move(*ins_tag),
                            std::move(*sel_path),
                            std::move(*sel_path_of_version)};
  }
};

class SqliteIngest final : public IngestSession {
 public:
  SqliteIngest(Database& db, Transaction txn, IngestStatements statements, IngestOptions options)
      : m_db(db), m_txn(std::move(txn)), m_s(std::move(statements)), m_options(std::move(options)), m_now(unix_now()) {}

  Status add(std::span<const IndexedFile> files) override {
    if (m_failed) return fail(ErrorCode::internal, "ingest session used after an error");
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
      m_s.touch_obj.bind(1, m_now).bind(2, static_cast<std::int64_t>(object.current)).bind(3, object.id);
      LDB_TRY(m_s.touch_obj.run());
      LDB_TRY(note_current_from_another_path(hash, object));
    }
    std::sort(m_result.current_from_another_path.begin(), m_result.current_from_another_path.end(),
              [](const CurrentFromAnotherPath& a, const CurrentFromAnotherPath& b) { return a.hash < b.hash; });
    LDB_TRY(update_indexed_roots(m_db, m_options));
    LDB_TRY(m_txn.commit());
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
    m_s.sel_path.bind(1, path);
    auto row = m_s.sel_path.step();
    if (!row) return std::unexpected(row.error());
    object.set_where_current_was = *row && m_s.sel_path.column_int(0) == object.id &&
                                   static_cast<std::uint32_t>(m_s.sel_path.column_int(1)) == object.stored_current;
    m_s.sel_path.reset();
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
    m_s.sel_path_of_version.bind(1, object.id).bind(2, static_cast<std::int64_t>(object.stored_current));
    auto row = m_s.sel_path_of_version.step();
    if (!row) return std::unexpected(row.error());
    if (*row) change.previous_path = std::string(m_s.sel_path_of_version.column_text(0));
    m_s.sel_path_of_version.reset();
    m_result.current_from_another_path.push_back(std::move(change));
    return {};
  }

  Result<ObjectState*> object_of(const IndexedFile& file) {
    auto it = m_objects.find(file.hash);
    if (it != m_objects.end()) return &it->second;
    // Most objects of an index run are new: try the insert first and look
    // the row up only when the hash is already there (one B-tree probe of
    // the hash index fewer per new object). An annotation-only file (no
    // path) never creates an object.
    if (!file.path.empty()) {
      // A new object with an annotation gets version 1 below; insert it
      // with that current version to save an update.
      std::uint32_t current = file.annotation ? 1 : 0;
      m_s.ins_obj.bind_blob(1, file.hash.bytes)
          .bind(2, static_cast<std::int64_t>(file.size))
          .bind(3, m_now)
          .bind(4, m_now)
          .bind(5, static_cast<std::int64_t>(current));
      bind_image(m_s.ins_obj, 6, file);
      LDB_TRY(m_s.ins_obj.run());
      if (sqlite3_changes(m_db.handle()) > 0) {
        ++m_result.new_objects;
        return &m_objects.emplace(file.hash, ObjectState{m_db.last_insert_rowid(), 0, 0, current, true, {}, false})
                    .first->second;
      }
    }
    Statement& sel_obj = m_s.sel_obj;
    sel_obj.bind_blob(1, file.hash.bytes);
    auto row = sel_obj.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) {
      sel_obj.reset();
      if (file.path.empty()) return std::unexpected(unknown_object(file.hash));
      return fail(ErrorCode::internal, fmt::format("object id:{} vanished during ingest", file.hash.hex()));
    }
    auto current = static_cast<std::uint32_t>(sel_obj.column_int(1));
    ObjectState state{
        sel_obj.column_int(0), current, static_cast<std::uint32_t>(sel_obj.column_int(2)), current, false, {}, false};
    sel_obj.reset();
    return &m_objects.emplace(file.hash, state).first->second;
  }

  // The id of the content row holding `json`, inserting it when new.
  Result<std::int64_t> content_id_of(std::string_view json) {
    auto content_hash = core::md5_of(json);
    // Most content is new: try the insert, look the row up only when it exists.
    m_s.ins_content.bind_blob(1, content_hash.bytes).bind(2, json);
    LDB_TRY(m_s.ins_content.run());
    if (sqlite3_changes(m_db.handle()) > 0) return m_db.last_insert_rowid();
    m_s.sel_content.bind_blob(1, content_hash.bytes);
    auto found = m_s.sel_content.step();
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorCode::internal, "annotation content vanished during ingest");
    std::int64_t id = m_s.sel_content.column_int(0);
    m_s.sel_content.reset();
    return id;
  }

  // The version of the object that `file`'s annotation is, creating it when new.
  Result<std::uint32_t> version_of(const IndexedFile& file, ObjectState& object) {
    std::string merged;
    std::string_view json = file.annotation->canonical_json;
    if (m_options.update == AnnotationUpdate::merge && object.current != 0) {
      m_s.cur_json.bind(1, object.id).bind(2, static_cast<std::int64_t>(object.current));
      auto row = m_s.cur_json.step();
      if (!row) return std::unexpected(row.error());
      if (*row) {
        auto m = merge_annotations(m_s.cur_json.column_text(0), json);
        m_s.cur_json.reset();
        if (!m) return std::unexpected(m.error());
        merged = std::move(*m);
        json = merged;
      } else {
        m_s.cur_json.reset();
      }
    }
    auto content_id = content_id_of(json);
    if (!content_id) return std::unexpected(content_id.error());
    // An object without versions (new in this session) cannot have this content.
    Result<bool> row = false;
    if (object.newest != 0) {
      m_s.sel_version.bind(1, object.id).bind(2, *content_id);
      row = m_s.sel_version.step();
      if (!row) return std::unexpected(row.error());
    }
    if (!*row) {
      m_s.sel_version.reset();
      std::uint32_t version = object.newest + 1;
      m_s.ins_version.bind(1, object.id)
          .bind(2, static_cast<std::int64_t>(version))
          .bind(3, *content_id)
          .bind(4, m_now);
      LDB_TRY(m_s.ins_version.run());
      object.newest = version;
      LDB_TRY(set_current(object, version, file.path));
      ++m_result.new_annotations;
      return version;
    }
    auto version = static_cast<std::uint32_t>(m_s.sel_version.column_int(0));
    m_s.sel_version.reset();
    // Content the object had before. It becomes current again when it was put
    // back where another version had been found (an edit that was undone), or
    // given explicitly by an annotation-only file.
    bool reverted = file.path.empty();
    if (!reverted) {
      m_s.sel_path.bind(1, file.path);
      auto prev = m_s.sel_path.step();
      if (!prev) return std::unexpected(prev.error());
      reverted = *prev && m_s.sel_path.column_int(0) == object.id && m_s.sel_path.column_int(1) != 0 &&
                 static_cast<std::uint32_t>(m_s.sel_path.column_int(1)) != version;
      m_s.sel_path.reset();
    }
    if (reverted) LDB_TRY(set_current(object, version, file.path));
    return version;
  }

  Status add_file(const IndexedFile& file) {
    auto found = object_of(file);
    if (!found) return std::unexpected(found.error());
    ObjectState& object = **found;
    if (file.image_probed && !object.created) {
      bind_image(m_s.set_image, 1, file);
      m_s.set_image.bind(4, object.id);
      LDB_TRY(m_s.set_image.run());
    }
    if (file.image_probed && file.image && file.image->features) {
      m_s.put_features.bind(1, object.id);
      bind_image_features(m_s.put_features, 2, *file.image->features);
      LDB_TRY(m_s.put_features.run());
    }
    std::uint32_t version = 0;
    if (file.annotation) {
      auto v = version_of(file, object);
      if (!v) return std::unexpected(v.error());
      version = *v;
    }
    if (!file.path.empty()) {
      const auto* a = file.annotation ? &*file.annotation : nullptr;
      m_s.upsert_path.bind(1, file.path)
          .bind(2, object.id)
          .bind(3, static_cast<std::int64_t>(file.size))
          .bind(4, file.mtime_ns)
          .bind(5, a ? std::string_view(a->path) : std::string_view())
          .bind(6, a ? static_cast<std::int64_t>(a->size) : 0)
          .bind(7, a ? a->mtime_ns : 0)
          .bind(8, static_cast<std::int64_t>(version));
      LDB_TRY(m_s.upsert_path.run());
    }
    for (const auto& tag : m_options.add_tags) {
      m_s.ins_tag.bind(1, object.id).bind(2, tag);
      LDB_TRY(m_s.ins_tag.run());
    }
    m_result.refs.push_back(ObjectRef{file.hash, version});
    return {};
  }

  Database& m_db;
  Transaction m_txn;  // rolled back on destruction unless committed
  IngestStatements m_s;
  IngestOptions m_options;
  std::int64_t m_now;
  std::unordered_map<Md5, ObjectState> m_objects;
  IngestResult m_result;
  bool m_failed = false;
};

}  // namespace

Result<std::unique_ptr<IngestSession>> SqliteStore::begin_ingest(const IngestOptions& options) {
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  auto statements = IngestStatements::prepare(m_db);
  if (!statements) return std::unexpected(statements.error());
  return std::make_unique<SqliteIngest>(m_db, std::move(*txn), std::move(*statements), options);
}

Result<IngestResult> SqliteStore::ingest(std::span<const IndexedFile> files, const IngestOptions& options) {
  auto session = begin_ingest(options);
  if (!session) return std::unexpected(session.error());
  LDB_TRY((*session)->add(files));
  return (*session)->commit();
}

}  // namespace ldb::store
