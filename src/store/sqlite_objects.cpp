#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/hash_index.hpp"
#include "core/json.hpp"
#include "store/sqlite_store.hpp"

// Objects, paths, annotation versions and tags. ingest() is the one writer of
// indexing results: everything an index run found lands in one transaction.

namespace ldb::store {

namespace {

Md5 md5_from_blob(std::string_view blob) {
  Md5 m;
  if (blob.size() == 16) std::copy(blob.begin(), blob.end(), reinterpret_cast<char*>(m.bytes.data()));
  return m;
}

Error unknown_object(const Md5& hash) {
  return Error{ErrorCode::not_found, fmt::format("object id:{} is not indexed", hash.hex()),
               "index the data first: ldb index <path>"};
}

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

}  // namespace

Result<std::int64_t> SqliteStore::object_id(const Md5& hash) {
  auto stmt = m_db.prepare("SELECT id FROM objects WHERE hash = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_blob(1, hash.bytes);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(unknown_object(hash));
  return stmt->column_int(0);
}

Result<std::vector<KnownPath>> SqliteStore::known_paths_under(std::string_view prefix) {
  std::string base(prefix);
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  auto stmt = m_db.prepare(
      "SELECT p.path, p.size, p.mtime_ns, o.hash, p.annotation_path, p.annotation_size, p.annotation_mtime_ns, "
      "p.annotation_version, o.image_format IS NULL FROM paths p JOIN objects o ON o.id = p.object_id "
      "WHERE p.path = ?1 OR (p.path >= ?2 AND p.path < ?3) ORDER BY p.path");
  if (!stmt) return std::unexpected(stmt.error());
  std::string lo = base == "/" ? "/" : base + "/";
  std::string hi = base == "/" ? "0" : base + "0";  // '0' sorts right after '/'
  stmt->bind(1, base).bind(2, lo).bind(3, hi);
  std::vector<KnownPath> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    KnownPath k;
    k.path = std::string(stmt->column_text(0));
    k.size = static_cast<std::uint64_t>(stmt->column_int(1));
    k.mtime_ns = stmt->column_int(2);
    k.hash = md5_from_blob(stmt->column_blob(3));
    k.annotation_path = std::string(stmt->column_text(4));
    k.annotation_size = static_cast<std::uint64_t>(stmt->column_int(5));
    k.annotation_mtime_ns = stmt->column_int(6);
    k.annotation_version = static_cast<std::uint32_t>(stmt->column_int(7));
    k.image_unprobed = stmt->column_int(8) != 0;
    out.push_back(std::move(k));
  }
  return out;
}

Result<IngestResult> SqliteStore::ingest(std::span<const IndexedFile> files, const IngestOptions& options) {
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  const auto now = unix_now();

  auto sel_obj = m_db.prepare(
      "SELECT id, current_version, (SELECT COALESCE(MAX(version), 0) FROM annotation_versions "
      "WHERE object_id = objects.id) FROM objects WHERE hash = ?");
  auto ins_obj = m_db.prepare(
      "INSERT INTO objects(hash, size, first_indexed, last_indexed, current_version, image_width, image_height, "
      "image_format) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  auto set_image = m_db.prepare("UPDATE objects SET image_width = ?, image_height = ?, image_format = ? WHERE id = ?");
  auto touch_obj = m_db.prepare("UPDATE objects SET last_indexed = ?, current_version = ? WHERE id = ?");
  auto sel_content = m_db.prepare("SELECT id FROM annotation_contents WHERE hash = ?");
  auto ins_content = m_db.prepare("INSERT OR IGNORE INTO annotation_contents(hash, json) VALUES(?, ?)");
  auto sel_version = m_db.prepare("SELECT version FROM annotation_versions WHERE object_id = ? AND content_id = ?");
  auto ins_version = m_db.prepare(
      "INSERT INTO annotation_versions(object_id, version, content_id, indexed_at) VALUES(?, ?, ?, ?)");
  auto cur_json = m_db.prepare(
      "SELECT c.json FROM annotation_versions v JOIN annotation_contents c ON c.id = v.content_id "
      "WHERE v.object_id = ? AND v.version = ?");
  auto upsert_path = m_db.prepare(
      "INSERT INTO paths(path, object_id, size, mtime_ns, annotation_path, annotation_size, annotation_mtime_ns, "
      "annotation_version) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET "
      "object_id = excluded.object_id, size = excluded.size, mtime_ns = excluded.mtime_ns, "
      "annotation_path = excluded.annotation_path, annotation_size = excluded.annotation_size, "
      "annotation_mtime_ns = excluded.annotation_mtime_ns, annotation_version = excluded.annotation_version");
  auto ins_tag = m_db.prepare("INSERT OR IGNORE INTO tags(object_id, tag) VALUES(?, ?)");
  auto sel_path = m_db.prepare("SELECT object_id, annotation_version FROM paths WHERE path = ?");
  for (auto* s : {&sel_path, &sel_obj, &ins_obj, &set_image, &touch_obj, &sel_content, &ins_content, &sel_version, &ins_version, &cur_json,
                  &upsert_path, &ins_tag}) {
    if (!*s) return std::unexpected(s->error());
  }

  // Per object touched by this batch. Its row is updated once at the end
  // (last_indexed, current version), not once per file.
  struct ObjectState {
    std::int64_t id;
    std::uint32_t current;  // may be older than newest after an undone edit
    std::uint32_t newest;
    std::uint32_t stored_current;  // what the row holds now
    bool created;                  // inserted by this batch (last_indexed already now)
  };
  std::unordered_map<Md5, ObjectState> objects;
  IngestResult result;
  result.refs.reserve(files.size());

  for (const auto& file : files) {
    auto it = objects.find(file.hash);
    if (it == objects.end()) {
      sel_obj->bind_blob(1, file.hash.bytes);
      auto row = sel_obj->step();
      if (!row) return std::unexpected(row.error());
      ObjectState state{};
      if (*row) {
        auto current = static_cast<std::uint32_t>(sel_obj->column_int(1));
        state = {sel_obj->column_int(0), current, static_cast<std::uint32_t>(sel_obj->column_int(2)), current, false};
        sel_obj->reset();
      } else {
        sel_obj->reset();
        if (file.path.empty()) return std::unexpected(unknown_object(file.hash));
        // A new object with an annotation gets version 1 below; insert it
        // with that current version to save an update.
        std::uint32_t current = file.annotation ? 1 : 0;
        ins_obj->bind_blob(1, file.hash.bytes)
            .bind(2, static_cast<std::int64_t>(file.size))
            .bind(3, now)
            .bind(4, now)
            .bind(5, static_cast<std::int64_t>(current));
        bind_image(*ins_obj, 6, file);
        LDB_TRY(ins_obj->run());
        state = {m_db.last_insert_rowid(), 0, 0, current, true};
        ++result.new_objects;
      }
      it = objects.emplace(file.hash, state).first;
    }
    auto& object = it->second;
    if (file.image_probed && !object.created) {
      bind_image(*set_image, 1, file);
      set_image->bind(4, object.id);
      LDB_TRY(set_image->run());
    }

    std::uint32_t version = 0;
    if (file.annotation) {
      std::string merged;
      std::string_view json = file.annotation->canonical_json;
      if (options.update == AnnotationUpdate::merge && object.current != 0) {
        cur_json->bind(1, object.id).bind(2, static_cast<std::int64_t>(object.current));
        auto row = cur_json->step();
        if (!row) return std::unexpected(row.error());
        if (*row) {
          auto m = merge_annotations(cur_json->column_text(0), json);
          cur_json->reset();
          if (!m) return std::unexpected(m.error());
          merged = std::move(*m);
          json = merged;
        } else {
          cur_json->reset();
        }
      }
      auto content_hash = core::md5_of(json);
      // Most content is new: try the insert, look the row up only when it exists.
      ins_content->bind_blob(1, content_hash.bytes).bind(2, json);
      LDB_TRY(ins_content->run());
      std::int64_t content_id;
      if (sqlite3_changes(m_db.handle()) > 0) {
        content_id = m_db.last_insert_rowid();
      } else {
        sel_content->bind_blob(1, content_hash.bytes);
        auto found = sel_content->step();
        if (!found) return std::unexpected(found.error());
        if (!*found) return fail(ErrorCode::internal, "annotation content vanished during ingest");
        content_id = sel_content->column_int(0);
        sel_content->reset();
      }
      // An object without versions (new in this batch) cannot have this content.
      Result<bool> row = false;
      if (object.newest != 0) {
        sel_version->bind(1, object.id).bind(2, content_id);
        row = sel_version->step();
        if (!row) return std::unexpected(row.error());
      }
      if (*row) {
        version = static_cast<std::uint32_t>(sel_version->column_int(0));
        sel_version->reset();
        // Content the object had before. It becomes current again when it
        // was put back where another version had been found (an edit that
        // was undone), or given explicitly by an annotation-only file.
        bool reverted = file.path.empty();
        if (!reverted) {
          sel_path->bind(1, file.path);
          auto prev = sel_path->step();
          if (!prev) return std::unexpected(prev.error());
          reverted = *prev && sel_path->column_int(0) == object.id &&
                     sel_path->column_int(1) != 0 && static_cast<std::uint32_t>(sel_path->column_int(1)) != version;
          sel_path->reset();
        }
        if (reverted) object.current = version;
      } else {
        sel_version->reset();
        version = object.newest + 1;
        ins_version->bind(1, object.id).bind(2, static_cast<std::int64_t>(version)).bind(3, content_id).bind(4, now);
        LDB_TRY(ins_version->run());
        object.current = object.newest = version;
        ++result.new_annotations;
      }
    }
    if (!file.path.empty()) {
      const auto* a = file.annotation ? &*file.annotation : nullptr;
      upsert_path->bind(1, file.path)
          .bind(2, object.id)
          .bind(3, static_cast<std::int64_t>(file.size))
          .bind(4, file.mtime_ns)
          .bind(5, a ? std::string_view(a->path) : std::string_view())
          .bind(6, a ? static_cast<std::int64_t>(a->size) : 0)
          .bind(7, a ? a->mtime_ns : 0)
          .bind(8, static_cast<std::int64_t>(version));
      LDB_TRY(upsert_path->run());
    }
    for (const auto& tag : options.add_tags) {
      ins_tag->bind(1, object.id).bind(2, tag);
      LDB_TRY(ins_tag->run());
    }
    result.refs.push_back(ObjectRef{file.hash, version});
  }
  for (const auto& [hash, object] : objects) {
    if (object.created && object.current == object.stored_current) continue;
    touch_obj->bind(1, now).bind(2, static_cast<std::int64_t>(object.current)).bind(3, object.id);
    LDB_TRY(touch_obj->run());
  }
  LDB_TRY(txn->commit());
  return result;
}

Result<std::vector<Md5>> SqliteStore::objects_with_prefix(std::string_view hex_prefix, std::size_t limit) {
  std::string lo(hex_prefix), hi(hex_prefix);
  lo.resize(32, '0');
  hi.resize(32, 'f');
  auto lo_hash = Md5::from_hex(lo);
  auto hi_hash = Md5::from_hex(hi);
  if (!lo_hash || !hi_hash) return std::unexpected(lo_hash ? hi_hash.error() : lo_hash.error());
  auto stmt = m_db.prepare("SELECT hash FROM objects WHERE hash >= ? AND hash <= ? ORDER BY hash LIMIT ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_blob(1, lo_hash->bytes).bind_blob(2, hi_hash->bytes).bind(3, static_cast<std::int64_t>(limit));
  std::vector<Md5> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(md5_from_blob(stmt->column_blob(0)));
  }
  return out;
}

Result<std::vector<ObjectInfo>> SqliteStore::objects_info(std::span<const Md5> hashes) {
  auto snapshot = ReadTransaction::begin(m_db);
  if (!snapshot) return std::unexpected(snapshot.error());
  auto object = m_db.prepare(
      "SELECT id, size, first_indexed, last_indexed, current_version, image_width, image_height, image_format "
      "FROM objects WHERE hash = ?");
  auto paths = m_db.prepare("SELECT path, mtime_ns FROM paths WHERE object_id = ? ORDER BY path");
  auto tags = m_db.prepare("SELECT tag FROM tags WHERE object_id = ? ORDER BY tag");
  auto versions = m_db.prepare(
      "SELECT v.version, v.indexed_at, c.hash FROM annotation_versions v JOIN annotation_contents c "
      "ON c.id = v.content_id WHERE v.object_id = ? ORDER BY v.version");
  for (auto* stmt : {&object, &paths, &tags, &versions}) {
    if (!*stmt) return std::unexpected(stmt->error());
  }
  // Runs `stmt` for one object id, calling `take` per row.
  auto each_row = [](Statement& stmt, std::int64_t id, auto take) -> Status {
    stmt.bind(1, id);
    for (;;) {
      auto row = stmt.step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      take(stmt);
    }
    stmt.reset();
    return {};
  };
  std::vector<ObjectInfo> out;
  out.reserve(hashes.size());
  for (const auto& hash : hashes) {
    object->bind_blob(1, hash.bytes);
    auto row = object->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) {
      object->reset();
      return std::unexpected(unknown_object(hash));
    }
    ObjectInfo info;
    info.hash = hash;
    auto id = object->column_int(0);
    info.size = static_cast<std::uint64_t>(object->column_int(1));
    info.first_indexed = object->column_int(2);
    info.last_indexed = object->column_int(3);
    info.current_version = static_cast<std::uint32_t>(object->column_int(4));
    if (!object->column_is_null(7) && !object->column_text(7).empty()) {
      info.image = ImageInfo{static_cast<std::uint32_t>(object->column_int(5)),
                             static_cast<std::uint32_t>(object->column_int(6)), std::string(object->column_text(7))};
    }
    object->reset();
    LDB_TRY(each_row(*paths, id, [&](const Statement& r) {
      if (info.paths.empty()) info.mtime_ns = r.column_int(1);
      info.paths.emplace_back(r.column_text(0));
    }));
    LDB_TRY(each_row(*tags, id, [&](const Statement& r) { info.tags.emplace_back(r.column_text(0)); }));
    LDB_TRY(each_row(*versions, id, [&](const Statement& r) {
      info.versions.push_back(AnnotationVersionInfo{static_cast<std::uint32_t>(r.column_int(0)), r.column_int(1),
                                                    md5_from_blob(r.column_blob(2))});
    }));
    out.push_back(std::move(info));
  }
  return out;
}

Result<ObjectInfo> SqliteStore::object_info(const Md5& hash) {
  auto infos = objects_info(std::span<const Md5>(&hash, 1));
  if (!infos) return std::unexpected(infos.error());
  return std::move(infos->front());
}

Result<Collection> SqliteStore::root_collection() {
  auto stmt = m_db.prepare("SELECT hash, current_version FROM objects ORDER BY hash");
  if (!stmt) return std::unexpected(stmt.error());
  Collection out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(ObjectRef{md5_from_blob(stmt->column_blob(0)), static_cast<std::uint32_t>(stmt->column_int(1))});
  }
  return out;
}

Result<Collection> SqliteStore::current_versions(std::span<const Md5> hashes) {
  auto snapshot = ReadTransaction::begin(m_db);
  if (!snapshot) return std::unexpected(snapshot.error());
  auto stmt = m_db.prepare("SELECT current_version FROM objects WHERE hash = ?");
  if (!stmt) return std::unexpected(stmt.error());
  Collection out;
  out.reserve(hashes.size());
  for (const auto& hash : hashes) {
    stmt->bind_blob(1, hash.bytes);
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) {
      stmt->reset();
      return std::unexpected(unknown_object(hash));
    }
    out.push_back(ObjectRef{hash, static_cast<std::uint32_t>(stmt->column_int(0))});
    stmt->reset();
  }
  return out;
}

namespace {
constexpr std::string_view k_annotation_lookup =
    "SELECT c.json, c.hash FROM objects o JOIN annotation_versions v ON v.object_id = o.id "
    "JOIN annotation_contents c ON c.id = v.content_id WHERE o.hash = ? AND v.version = ?";
}

namespace {

// Looks up each ref's annotation row and keeps what `read` takes from it
// (the JSON text or the content hash); refs without one keep T{}. Many refs
// (a query over ds:root) are served by one scan of every annotation version
// instead of a B-tree lookup each.
template <class T, class Read>
Result<std::vector<T>> lookup_annotations(Database& db, std::span<const ObjectRef> refs, Read read) {
  constexpr std::size_t k_scan_threshold = 20000;
  auto snapshot = ReadTransaction::begin(db);
  if (!snapshot) return std::unexpected(snapshot.error());
  std::vector<T> out(refs.size());
  if (refs.size() >= k_scan_threshold) {
    // One sequential scan of every version (rows come in object id order, so
    // the joined lookups stay cache-friendly) and a flat hash index to place
    // each row; cheaper than a scan in hash order, which seeks at random.
    core::HashIndex position(refs.size());
    for (std::size_t i = 0; i < refs.size(); ++i) {
      if (refs[i].annotation_version != 0) position.insert(refs[i].hash, static_cast<std::uint32_t>(i));
    }
    auto scan = db.prepare(
        "SELECT c.json, c.hash, o.hash, v.version FROM annotation_versions v "
        "JOIN objects o ON o.id = v.object_id JOIN annotation_contents c ON c.id = v.content_id");
    if (!scan) return std::unexpected(scan.error());
    for (;;) {
      auto row = scan->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      auto i = position.find(md5_from_blob(scan->column_blob(2)));
      if (i && refs[*i].annotation_version == scan->column_int(3)) out[*i] = read(*scan);
    }
    return out;
  }
  auto stmt = db.prepare(k_annotation_lookup);
  if (!stmt) return std::unexpected(stmt.error());
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (refs[i].annotation_version == 0) continue;
    stmt->bind_blob(1, refs[i].hash.bytes).bind(2, static_cast<std::int64_t>(refs[i].annotation_version));
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (*row) out[i] = read(*stmt);
    stmt->reset();
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> SqliteStore::annotations(std::span<const ObjectRef> refs) {
  return lookup_annotations<std::string>(m_db, refs, [](const Statement& s) { return std::string(s.column_text(0)); });
}

Result<std::vector<Md5>> SqliteStore::annotation_hashes(std::span<const ObjectRef> refs) {
  return lookup_annotations<Md5>(m_db, refs, [](const Statement& s) { return md5_from_blob(s.column_blob(1)); });
}

Result<std::uint64_t> SqliteStore::update_tags(std::span<const Md5> hashes, std::span<const std::string> add,
                                               std::span<const std::string> remove) {
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  auto ins = m_db.prepare("INSERT OR IGNORE INTO tags(object_id, tag) VALUES(?, ?)");
  auto del = m_db.prepare("DELETE FROM tags WHERE object_id = ? AND tag = ?");
  if (!ins) return std::unexpected(ins.error());
  if (!del) return std::unexpected(del.error());
  std::uint64_t changed = 0;
  for (const auto& hash : hashes) {
    auto id = object_id(hash);
    if (!id) return std::unexpected(id.error());
    bool any = false;
    for (const auto& tag : add) {
      ins->bind(1, *id).bind(2, tag);
      LDB_TRY(ins->run());
      any |= sqlite3_changes(m_db.handle()) > 0;
    }
    for (const auto& tag : remove) {
      del->bind(1, *id).bind(2, tag);
      LDB_TRY(del->run());
      any |= sqlite3_changes(m_db.handle()) > 0;
    }
    changed += any ? 1 : 0;
  }
  LDB_TRY(txn->commit());
  return changed;
}

}  // namespace ldb::store
