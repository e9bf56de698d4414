#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "store/ingest_writer.hpp"
#include "store/sqlite_store.hpp"

// Ingest into SQLite: the statements of the steps ingest_writer.cpp takes,
// prepared once per session, all inside one write transaction (BEGIN
// IMMEDIATE), so an index run lands whole or not at all.

namespace ldb::store {

namespace {

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
  Statement sel_obj, ins_obj, set_image, put_features, touch_obj, sel_content, ins_content, sel_version, ins_version,
      cur_json, upsert_path, ins_tag, sel_path, sel_path_of_version;

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
    for (auto* s : {&sel_obj, &ins_obj, &set_image, &put_features, &touch_obj, &sel_content, &ins_content, &sel_version,
                    &ins_version, &cur_json, &upsert_path, &ins_tag, &sel_path, &sel_path_of_version}) {
      if (!*s) return std::unexpected(s->error());
    }
    return IngestStatements{std::move(*sel_obj),     std::move(*ins_obj),
                            std::move(*set_image),   std::move(*put_features),
                            std::move(*touch_obj),   std::move(*sel_content),
                            std::move(*ins_content), std::move(*sel_version),
                            std::move(*ins_version), std::move(*cur_json),
                            std::move(*upsert_path), std::move(*ins_tag),
                            std::move(*sel_path),    std::move(*sel_path_of_version)};
  }
};

// The SQLite steps of an ingest (the rules are in ingest_writer.cpp).
class SqliteIngestTarget final : public IngestTarget {
 public:
  SqliteIngestTarget(Database& db, Transaction txn, IngestStatements statements)
      : m_db(db), m_txn(std::move(txn)), m_s(std::move(statements)) {}

  Result<std::optional<std::int64_t>> insert_object(const IndexedFile& file, std::uint32_t current,
                                                    std::int64_t now) override {
    m_s.ins_obj.bind_blob(1, file.hash.bytes)
        .bind(2, static_cast<std::int64_t>(file.size))
        .bind(3, now)
        .bind(4, now)
        .bind(5, static_cast<std::int64_t>(current));
    bind_image(m_s.ins_obj, 6, file);
    LDB_TRY(m_s.ins_obj.run());
    if (sqlite3_changes(m_db.handle()) == 0) return std::nullopt;
    return m_db.last_insert_rowid();
  }

  Result<std::optional<StoredObject>> find_object(const Md5& hash) override {
    m_s.sel_obj.bind_blob(1, hash.bytes);
    return one_row(m_s.sel_obj, [](const Statement& r) {
      return StoredObject{r.column_int(0), static_cast<std::uint32_t>(r.column_int(1)),
                          static_cast<std::uint32_t>(r.column_int(2))};
    });
  }

  Status set_image(std::int64_t object_id, const IndexedFile& file) override {
    bind_image(m_s.set_image, 1, file);
    m_s.set_image.bind(4, object_id);
    return m_s.set_image.run();
  }

  Status put_features(std::int64_t object_id, const ImageFeatures& features) override {
    m_s.put_features.bind(1, object_id);
    bind_image_features(m_s.put_features, 2, features);
    return m_s.put_features.run();
  }

  Status touch_object(std::int64_t object_id, std::int64_t now, std::uint32_t current) override {
    m_s.touch_obj.bind(1, now).bind(2, static_cast<std::int64_t>(current)).bind(3, object_id);
    return m_s.touch_obj.run();
  }

  Result<std::int64_t> content_id(const Md5& hash, std::string_view json) override {
    // Most content is new: try the insert, look the row up only when it exists.
    m_s.ins_content.bind_blob(1, hash.bytes).bind(2, json);
    LDB_TRY(m_s.ins_content.run());
    if (sqlite3_changes(m_db.handle()) > 0) return m_db.last_insert_rowid();
    m_s.sel_content.bind_blob(1, hash.bytes);
    LDB_TRY_ASSIGN(auto id, one_row(m_s.sel_content, [](const Statement& r) { return r.column_int(0); }));
    if (!id) return fail(ErrorCode::internal, "annotation content vanished during ingest");
    return *id;
  }

  Result<std::optional<std::uint32_t>> version_with_content(std::int64_t object_id, std::int64_t content_id) override {
    m_s.sel_version.bind(1, object_id).bind(2, content_id);
    return one_row(m_s.sel_version, [](const Statement& r) { return static_cast<std::uint32_t>(r.column_int(0)); });
  }

  Status insert_version(std::int64_t object_id, std::uint32_t version, std::int64_t content_id,
                        std::int64_t now) override {
    m_s.ins_version.bind(1, object_id).bind(2, static_cast<std::int64_t>(version)).bind(3, content_id).bind(4, now);
    return m_s.ins_version.run();
  }

  Result<std::optional<std::string>> annotation_json(std::int64_t object_id, std::uint32_t version) override {
    m_s.cur_json.bind(1, object_id).bind(2, static_cast<std::int64_t>(version));
    return one_row(m_s.cur_json, [](const Statement& r) { return std::string(r.column_text(0)); });
  }

  Status put_path(const IndexedFile& file, std::int64_t object_id, std::uint32_t version) override {
    const auto* a = file.annotation ? &*file.annotation : nullptr;
    m_s.upsert_path.bind(1, file.path)
        .bind(2, object_id)
        .bind(3, static_cast<std::int64_t>(file.size))
        .bind(4, file.mtime_ns)
        .bind(5, a ? std::string_view(a->path) : std::string_view())
        .bind(6, a ? static_cast<std::int64_t>(a->size) : 0)
        .bind(7, a ? a->mtime_ns : 0)
        .bind(8, static_cast<std::int64_t>(version));
    return m_s.upsert_path.run();
  }

  Status add_tag(std::int64_t object_id, std::string_view tag) override {
    m_s.ins_tag.bind(1, object_id).bind(2, tag);
    return m_s.ins_tag.run();
  }

  Result<std::optional<StoredPath>> find_path(std::string_view path) override {
    m_s.sel_path.bind(1, path);
    return one_row(m_s.sel_path, [](const Statement& r) {
      return StoredPath{r.column_int(0), static_cast<std::uint32_t>(r.column_int(1))};
    });
  }

  Result<std::optional<std::string>> first_path_of_version(std::int64_t object_id, std::uint32_t version) override {
    m_s.sel_path_of_version.bind(1, object_id).bind(2, static_cast<std::int64_t>(version));
    return one_row(m_s.sel_path_of_version, [](const Statement& r) { return std::string(r.column_text(0)); });
  }

  Status commit(const IngestOptions& options) override {
    LDB_TRY(update_indexed_roots(m_db, options));
    return m_txn.commit();
  }

 private:
  // Steps the bound `stmt` once: what `read` takes from its row, or nullopt
  // when there is none; resets it for the next use either way.
  template <class Read>
  static auto one_row(Statement& stmt, Read read) -> Result<std::optional<decltype(read(stmt))>> {
    auto row = stmt.step();
    if (!row) {
      stmt.reset();
      return std::unexpected(row.error());
    }
    std::optional<decltype(read(stmt))> out;
    if (*row) out = read(stmt);
    stmt.reset();
    return out;
  }

  Database& m_db;
  Transaction m_txn;  // rolled back on destruction unless committed
  IngestStatements m_s;
};

}  // namespace

Result<std::unique_ptr<IngestSession>> SqliteStore::begin_ingest(const IngestOptions& options) {
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  auto statements = IngestStatements::prepare(m_db);
  if (!statements) return std::unexpected(statements.error());
  return make_ingest_writer(std::make_unique<SqliteIngestTarget>(m_db, std::move(*txn), std::move(*statements)),
                            options);
}

Result<IngestResult> SqliteStore::ingest(std::span<const IndexedFile> files, const IngestOptions& options) {
  auto session = begin_ingest(options);
  if (!session) return std::unexpected(session.error());
  LDB_TRY((*session)->add(files));
  return (*session)->commit();
}

}  // namespace ldb::store
