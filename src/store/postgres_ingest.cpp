#include <fmt/format.h>

#include "store/ingest_writer.hpp"
#include "store/postgres_store.hpp"

// Ingest into PostgreSQL: the steps ingest_writer.cpp takes, as statements
// prepared once per connection, all inside one write transaction, so an index
// run lands whole or not at all. Concurrent index runs meet on the unique
// object hash (INSERT ... ON CONFLICT DO NOTHING waits for the other's
// transaction) and on object rows, which a run locks (FOR UPDATE) before it
// adds annotation versions to them, so two runs never number a version twice.

namespace ldb::store {

namespace {

// A file's image attributes as three parameters (width, height, format):
// NULLs when its header was not examined, NULL sizes and format '' when it
// was and the bytes are not a known image.
void add_image(PgParams& params, const IndexedFile& file) {
  if (file.image_probed && file.image) {
    params.add(std::int64_t{file.image->width}).add(std::int64_t{file.image->height}).add(file.image->format);
    return;
  }
  params.add_null("int8").add_null("int8");
  if (file.image_probed) {
    params.add(std::string_view(""));
  } else {
    params.add_null("text");
  }
}

class PostgresIngestTarget final : public IngestTarget {
 public:
  PostgresIngestTarget(PgConnection& conn, PgTransaction txn) : m_conn(conn), m_txn(std::move(txn)) {}

  Result<std::optional<std::int64_t>> insert_object(const IndexedFile& file, std::uint32_t current,
                                                    std::int64_t now) override {
    PgParams params;
    params.add_bytes(file.hash).add(static_cast<std::int64_t>(file.size)).add(now).add(std::int64_t{current});
    add_image(params, file);
    LDB_TRY_ASSIGN(auto row, m_conn.query("INSERT INTO objects(hash, size, first_indexed, last_indexed, "
                                          "current_version, image_width, image_height, image_format) "
                                          "VALUES($1, $2, $3, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING "
                                          "RETURNING id",
                                          params));
    if (row.rows() == 0) return std::nullopt;
    return row.integer(0, 0);
  }

  Result<std::optional<StoredObject>> find_object(const Md5& hash) override {
    LDB_TRY_ASSIGN(auto row, m_conn.query("SELECT id, current_version, (SELECT COALESCE(max(version), 0) FROM "
                                          "annotation_versions WHERE object_id = objects.id) FROM objects "
                                          "WHERE hash = $1 FOR UPDATE",
                                          PgParams().add_bytes(hash)));
    if (row.rows() == 0) return std::nullopt;
    return StoredObject{row.integer(0, 0), static_cast<std::uint32_t>(row.integer(0, 1)),
                        static_cast<std::uint32_t>(row.integer(0, 2))};
  }

  Status set_image(std::int64_t object_id, const IndexedFile& file) override {
    PgParams params;
    add_image(params, file);
    params.add(object_id);
    return status(m_conn.query(
        "UPDATE objects SET image_width = $1, image_height = $2, image_format = $3 WHERE id = $4", params));
  }

  Status put_features(std::int64_t object_id, const ImageFeatures& features) override {
    PgParams params;
    params.add(object_id);
    add_image_features(params, features);
    return status(m_conn.query(k_put_image_features, params));
  }

  Status touch_object(std::int64_t object_id, std::int64_t now, std::uint32_t current) override {
    return status(m_conn.query("UPDATE objects SET last_indexed = $1, current_version = $2 WHERE id = $3",
                               PgParams().add(now).add(std::int64_t{current}).add(object_id)));
  }

  Result<std::int64_t> content_id(const Md5& hash, std::string_view json) override {
    LDB_TRY_ASSIGN(auto row, m_conn.query("INSERT INTO annotation_contents(hash, json) VALUES($1, $2) "
                                          "ON CONFLICT (hash) DO NOTHING RETURNING id",
                                          PgParams().add_bytes(hash).add(json)));
    if (row.rows() > 0) return row.integer(0, 0);
    LDB_TRY_ASSIGN(auto found,
                   m_conn.query("SELECT id FROM annotation_contents WHERE hash = $1", PgParams().add_bytes(hash)));
    if (found.rows() == 0) return fail(ErrorCode::internal, "annotation content vanished during ingest");
    return found.integer(0, 0);
  }

  Result<std::optional<std::uint32_t>> version_with_content(std::int64_t object_id, std::int64_t content_id) override {
    LDB_TRY_ASSIGN(auto row, m_conn.query("SELECT version FROM annotation_versions WHERE object_id = $1 AND "
                                          "content_id = $2 ORDER BY version LIMIT 1",
                                          PgParams().add(object_id).add(content_id)));
    if (row.rows() == 0) return std::nullopt;
    return static_cast<std::uint32_t>(row.integer(0, 0));
  }

  Status insert_version(std::int64_t object_id, std::uint32_t version, std::int64_t content_id,
                        std::int64_t now) override {
    return status(m_conn.query(
        "INSERT INTO annotation_versions(object_id, version, content_id, indexed_at) VALUES($1, $2, $3, $4)",
        PgParams().add(object_id).add(std::int64_t{version}).add(content_id).add(now)));
  }

  Result<std::optional<std::string>> annotation_json(std::int64_t object_id, std::uint32_t version) override {
    LDB_TRY_ASSIGN(auto row, m_conn.query("SELECT c.json FROM annotation_versions v JOIN annotation_contents c ON "
                                          "c.id = v.content_id WHERE v.object_id = $1 AND v.version = $2",
                                          PgParams().add(object_id).add(std::int64_t{version})));
    if (row.rows() == 0) return std::nullopt;
    return std::string(row.text(0, 0));
  }

  Status put_path(const IndexedFile& file, std::int64_t object_id, std::uint32_t version) override {
    const auto* a = file.annotation ? &*file.annotation : nullptr;
    PgParams params;
    params.add(file.path)
        .add(object_id)
        .add(static_cast<std::int64_t>(file.size))
        .add(file.mtime_ns)
        .add(a ? std::string_view(a->path) : std::string_view())
        .add(a ? static_cast<std::int64_t>(a->size) : std::int64_t{0})
        .add(a ? a->mtime_ns : std::int64_t{0})
        .add(std::int64_t{version});
    return status(m_conn.query(
        "INSERT INTO paths(path, object_id, size, mtime_ns, annotation_path, annotation_size, annotation_mtime_ns, "
        "annotation_version) VALUES($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (path) DO UPDATE SET "
        "object_id = excluded.object_id, size = excluded.size, mtime_ns = excluded.mtime_ns, "
        "annotation_path = excluded.annotation_path, annotation_size = excluded.annotation_size, "
        "annotation_mtime_ns = excluded.annotation_mtime_ns, annotation_version = excluded.annotation_version",
        params));
  }

  Status add_tag(std::int64_t object_id, std::string_view tag) override {
    return status(m_conn.query("INSERT INTO tags(object_id, tag) VALUES($1, $2) ON CONFLICT DO NOTHING",
                               PgParams().add(object_id).add(tag)));
  }

  Result<std::optional<StoredPath>> find_path(std::string_view path) override {
    LDB_TRY_ASSIGN(auto row, m_conn.query("SELECT object_id, annotation_version FROM paths WHERE path = $1",
                                          PgParams().add(path)));
    if (row.rows() == 0) return std::nullopt;
    return StoredPath{row.integer(0, 0), static_cast<std::uint32_t>(row.integer(0, 1))};
  }

  Result<std::optional<std::string>> first_path_of_version(std::int64_t object_id, std::uint32_t version) override {
    LDB_TRY_ASSIGN(auto row, m_conn.query("SELECT path FROM paths WHERE object_id = $1 AND annotation_version = $2 "
                                          "ORDER BY path LIMIT 1",
                                          PgParams().add(object_id).add(std::int64_t{version})));
    if (row.rows() == 0) return std::nullopt;
    return std::string(row.text(0, 0));
  }

  Status commit(const IngestOptions& options) override {
    for (const auto& prefix : options.forget_roots) {
      LDB_TRY(m_conn.query("DELETE FROM indexed_roots WHERE prefix = $1", PgParams().add(prefix)));
    }
    for (const auto& root : options.remember_roots) {
      if (root.prefix.empty() || root.format.empty()) {
        return fail(ErrorCode::internal, fmt::format("indexed root '{}' has no prefix or format", root.prefix));
      }
      LDB_TRY(
          m_conn.query("INSERT INTO indexed_roots(prefix, format, params) VALUES($1, $2, $3) ON CONFLICT "
                       "(prefix) DO UPDATE SET format = excluded.format, params = excluded.params",
                       PgParams().add(root.prefix).add(root.format).add(encode_options(root.params))));
    }
    return m_txn.commit();
  }

 private:
  static Status status(const Result<PgResult>& result) {
    if (!result) return std::unexpected(result.error());
    return {};
  }

  PgConnection& m_conn;
  PgTransaction m_txn;  // rolled back on destruction unless committed
};

}  // namespace

Result<std::unique_ptr<IngestSession>> PostgresStore::begin_ingest(const IngestOptions& options) {
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  return make_ingest_writer(std::make_unique<PostgresIngestTarget>(m_conn, std::move(txn)), options);
}

Result<IngestResult> PostgresStore::ingest(std::span<const IndexedFile> files, const IngestOptions& options) {
  LDB_TRY_ASSIGN(auto session, begin_ingest(options));
  LDB_TRY(session->add(files));
  return session->commit();
}

}  // namespace ldb::store
