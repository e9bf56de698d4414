#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "core/json.hpp"
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

// The image attributes of `file` as three array elements (width, height,
// format): NULLs when its header was not examined, NULL sizes and format ''
// when it was and the bytes are not a known image.
void add_image(PgArray& width, PgArray& height, PgArray& format, const IndexedFile& file) {
  if (file.image_probed && file.image) {
    width.add(std::int64_t{file.image->width});
    height.add(std::int64_t{file.image->height});
    format.add(std::string_view(file.image->format));
    return;
  }
  width.add_null();
  height.add_null();
  if (file.image_probed) {
    format.add(std::string_view(""));
  } else {
    format.add_null();
  }
}

// Buffered writes are sent once this many rows wait (or earlier, before
// anything reads them back, and at commit).
constexpr std::size_t k_flush_rows = 20000;

// The steps of ingest_writer.cpp in a few round trips per batch rather than
// several per file: a batch's new objects are inserted with one multi-row
// statement, its annotation contents with another (prefetch); object rows,
// paths and annotation versions are read for the whole batch at the first
// step that needs one of them; annotation versions, paths, tags and object
// updates wait in buffers and go out as one multi-row statement each, before
// any read of those tables and at commit, so every read sees them.
// PostgreSQL keeps paths as UTF-8 text; a name that is not UTF-8 is refused
// before anything is sent, naming the file (the server's error names only bytes).
Status require_utf8(std::string_view path) {
  auto shown = core::escape_invalid_utf8(path);
  if (shown == path) return {};
  return fail(ErrorCode::unsupported,
              fmt::format("'{}' is not a valid UTF-8 name, and a PostgreSQL instance stores paths as UTF-8 text", shown),
              "rename the file, or index it into a SQLite instance; nothing of this batch was written");
}

class PostgresIngestTarget final : public IngestTarget {
 public:
  PostgresIngestTarget(PgConnection& conn, PgTransaction txn) : m_conn(conn), m_txn(std::move(txn)) {}

  Status prefetch(std::span<const IndexedFile> files, bool annotations_stored_as_found) override {
    m_batch_hashes.clear();
    m_batch_paths.clear();
    for (const auto& file : files) {
      LDB_TRY(require_utf8(file.path));
      if (file.annotation) LDB_TRY(require_utf8(file.annotation->path));
    }
    for (const auto& file : files) {
      m_batch_hashes.push_back(file.hash);
      if (!file.path.empty()) m_batch_paths.push_back(file.path);
    }
    m_objects_loaded = m_paths_loaded = false;
    m_found_objects.clear();
    m_paths.clear();
    m_contents.clear();
    if (!annotations_stored_as_found) return {};
    // Insert the batch's annotation contents and read their ids in one
    // statement. A content another client inserts meanwhile is neither
    // inserted nor seen here; content_id() finds it on its own.
    PgArray hashes("bytea"), jsons("text");
    for (const auto& file : files) {
      if (!file.annotation) continue;
      Md5 hash = core::md5_of(file.annotation->canonical_json);
      if (!m_contents.emplace(hash, 0).second) continue;
      hashes.add(hash);
      jsons.add(std::string_view(file.annotation->canonical_json));
    }
    m_contents.clear();
    if (hashes.size() == 0) return {};
    LDB_TRY_ASSIGN(auto rows, m_conn.query("WITH input AS (SELECT * FROM unnest($1::bytea[], $2::text[]) AS u(hash, "
                                           "json)), inserted AS (INSERT INTO annotation_contents(hash, json) SELECT "
                                           "hash, json FROM input ON CONFLICT (hash) DO NOTHING RETURNING id, hash) "
                                           "SELECT id, hash FROM inserted UNION ALL SELECT c.id, c.hash FROM "
                                           "annotation_contents c JOIN input ON c.hash = input.hash",
                                           PgParams().add(hashes).add(jsons)));
    for (int i = 0; i < rows.rows(); ++i) m_contents.emplace(rows.hash(i, 1), rows.integer(i, 0));
    return {};
  }

  Result<std::vector<std::optional<std::int64_t>>> insert_objects(std::span<const NewObject> objects,
                                                                  std::int64_t now) override {
    PgArray hashes("bytea"), sizes("int8"), currents("int8"), widths("int8"), heights("int8"), formats("text");
    for (const auto& object : objects) {
      hashes.add(object.file->hash);
      sizes.add(static_cast<std::int64_t>(object.file->size));
      currents.add(std::int64_t{object.current});
      add_image(widths, heights, formats, *object.file);
    }
    // In the batch's order, so ids follow it as one insert per file would.
    LDB_TRY_ASSIGN(
        auto rows,
        m_conn.query("INSERT INTO objects(hash, size, first_indexed, last_indexed, current_version, "
                     "image_width, image_height, image_format) SELECT u.hash, u.size, $1, $1, u.current, "
                     "u.width, u.height, u.format FROM unnest($2::bytea[], $3::int8[], $4::int8[], "
                     "$5::int8[], $6::int8[], $7::text[]) WITH ORDINALITY AS u(hash, size, current, "
                     "width, height, format, n) ORDER BY u.n ON CONFLICT (hash) DO NOTHING "
                     "RETURNING id, hash",
                     PgParams().add(now).add(hashes).add(sizes).add(currents).add(widths).add(heights).add(formats)));
    std::unordered_map<Md5, std::int64_t> created;
    for (int i = 0; i < rows.rows(); ++i) created.emplace(rows.hash(i, 1), rows.integer(i, 0));
    std::vector<std::optional<std::int64_t>> ids;
    ids.reserve(objects.size());
    for (const auto& object : objects) {
      auto it = created.find(object.file->hash);
      if (it == created.end()) {
        ids.emplace_back();
        continue;
      }
      ids.emplace_back(it->second);
      m_versions.emplace(it->second, std::vector<VersionRow>{});  // a new object has no versions yet
    }
    return ids;
  }

  Result<std::optional<std::int64_t>> insert_object(const IndexedFile& file, std::uint32_t current,
                                                    std::int64_t now) override {
    NewObject object{&file, current};
    LDB_TRY_ASSIGN(auto ids, insert_objects(std::span<const NewObject>(&object, 1), now));
    return ids.front();
  }

  Result<std::optional<StoredObject>> find_object(const Md5& hash) override {
    if (!m_objects_loaded) {
      m_objects_loaded = true;
      LDB_TRY(load_objects(m_batch_hashes));
    }
    auto it = m_found_objects.find(hash);
    if (it != m_found_objects.end()) return it->second;
    // Not one of the batch's (or not there when the batch was read).
    LDB_TRY(load_objects(std::span<const Md5>(&hash, 1)));
    it = m_found_objects.find(hash);
    if (it != m_found_objects.end()) return it->second;
    return std::nullopt;
  }

  Status set_image(std::int64_t object_id, const IndexedFile& file) override {
    // One row per object (a multi-row update may not touch a row twice).
    if (m_image_objects.contains(object_id)) LDB_TRY(flush());
    m_image_objects.insert(object_id);
    m_images.ids.add(object_id);
    add_image(m_images.widths, m_images.heights, m_images.formats, file);
    ++m_pending;
    return flush_if_full();
  }

  Status put_features(std::int64_t object_id, const ImageFeatures& features) override {
    PgParams params;
    params.add(object_id);
    add_image_features(params, features);
    return status(m_conn.query(k_put_image_features, params));
  }

  Status touch_object(std::int64_t object_id, std::int64_t now, std::uint32_t current) override {
    m_touched.push_back(TouchRow{object_id, now, current});
    ++m_pending;
    return flush_if_full();
  }

  Result<std::int64_t> content_id(const Md5& hash, std::string_view json) override {
    if (auto it = m_contents.find(hash); it != m_contents.end()) return it->second;
    LDB_TRY_ASSIGN(auto row, m_conn.query("INSERT INTO annotation_contents(hash, json) VALUES($1, $2) "
                                          "ON CONFLICT (hash) DO NOTHING RETURNING id",
                                          PgParams().add_bytes(hash).add(json)));
    std::int64_t id = 0;
    if (row.rows() > 0) {
      id = row.integer(0, 0);
    } else {
      LDB_TRY_ASSIGN(auto found,
                     m_conn.query("SELECT id FROM annotation_contents WHERE hash = $1", PgParams().add_bytes(hash)));
      if (found.rows() == 0) return fail(ErrorCode::internal, "annotation content vanished during ingest");
      id = found.integer(0, 0);
    }
    m_contents.emplace(hash, id);
    return id;
  }

  Result<std::optional<std::uint32_t>> version_with_content(std::int64_t object_id, std::int64_t content_id) override {
    auto it = m_versions.find(object_id);
    if (it == m_versions.end()) {
      LDB_TRY(load_versions(object_id));
      it = m_versions.find(object_id);
    }
    std::optional<std::uint32_t> lowest;
    for (const auto& row : it->second) {
      if (row.content_id == content_id && (!lowest || row.version < *lowest)) lowest = row.version;
    }
    return lowest;
  }

  Status insert_version(std::int64_t object_id, std::uint32_t version, std::int64_t content_id,
                        std::int64_t now) override {
    // Versions read before stay right: the rows are locked (or new) for the session.
    if (auto it = m_versions.find(object_id); it != m_versions.end()) {
      it->second.push_back({version, content_id});
    } else {
      m_unread_versions.insert(object_id);
    }
    m_new_versions.push_back(NewVersion{object_id, version, content_id, now});
    ++m_pending;
    return flush_if_full();
  }

  Result<std::optional<std::string>> annotation_json(std::int64_t object_id, std::uint32_t version) override {
    LDB_TRY(flush());
    LDB_TRY_ASSIGN(auto row, m_conn.query("SELECT c.json FROM annotation_versions v JOIN annotation_contents c ON "
                                          "c.id = v.content_id WHERE v.object_id = $1 AND v.version = $2",
                                          PgParams().add(object_id).add(std::int64_t{version})));
    if (row.rows() == 0) return std::nullopt;
    return std::string(row.text(0, 0));
  }

  Status put_path(const IndexedFile& file, std::int64_t object_id, std::uint32_t version) override {
    // One row per path (a multi-row upsert may not touch a row twice).
    if (m_pending_paths.contains(file.path)) LDB_TRY(flush());
    m_pending_paths.emplace(file.path, StoredPath{object_id, version});
    const auto* a = file.annotation ? &*file.annotation : nullptr;
    auto& p = m_new_paths;
    p.paths.add(std::string_view(file.path));
    p.objects.add(object_id);
    p.sizes.add(static_cast<std::int64_t>(file.size));
    p.mtimes.add(file.mtime_ns);
    p.annotation_paths.add(a ? std::string_view(a->path) : std::string_view());
    p.annotation_sizes.add(a ? static_cast<std::int64_t>(a->size) : std::int64_t{0});
    p.annotation_mtimes.add(a ? a->mtime_ns : std::int64_t{0});
    p.versions.add(std::int64_t{version});
    ++m_pending;
    return flush_if_full();
  }

  Status add_tag(std::int64_t object_id, std::string_view tag) override {
    m_tags.emplace_back(object_id, std::string(tag));
    ++m_pending;
    return flush_if_full();
  }

  Result<std::optional<StoredPath>> find_path(std::string_view path) override {
    if (auto it = m_pending_paths.find(std::string(path)); it != m_pending_paths.end()) return it->second;
    if (auto it = m_paths.find(std::string(path)); it != m_paths.end()) return it->second;
    if (!m_paths_loaded) {
      m_paths_loaded = true;
      LDB_TRY(load_paths(std::span<const std::string>(m_batch_paths)));
      if (auto it = m_paths.find(std::string(path)); it != m_paths.end()) return it->second;
    }
    LDB_TRY(load_paths(std::span<const std::string_view>(&path, 1)));
    return m_paths[std::string(path)];
  }

  Result<std::optional<std::string>> first_path_of_version(std::int64_t object_id, std::uint32_t version) override {
    LDB_TRY(flush());
    LDB_TRY_ASSIGN(auto row, m_conn.query("SELECT path FROM paths WHERE object_id = $1 AND annotation_version = $2 "
                                          "ORDER BY path LIMIT 1",
                                          PgParams().add(object_id).add(std::int64_t{version})));
    if (row.rows() == 0) return std::nullopt;
    return std::string(row.text(0, 0));
  }

  Status commit(const IngestOptions& options) override {
    LDB_TRY(flush());
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
  struct VersionRow {
    std::uint32_t version;
    std::int64_t content_id;
  };
  struct NewVersion {
    std::int64_t object_id;
    std::uint32_t version;
    std::int64_t content_id;
    std::int64_t indexed_at;
  };
  // Buffered rows as the columns of their multi-row statement (copied: the
  // batch's files do not outlive add()).
  struct PathColumns {
    PgArray paths{"text"}, objects{"int8"}, sizes{"int8"}, mtimes{"int8"}, annotation_paths{"text"},
        annotation_sizes{"int8"}, annotation_mtimes{"int8"}, versions{"int8"};
  };
  struct ImageColumns {
    PgArray ids{"int8"}, widths{"int8"}, heights{"int8"}, formats{"text"};
  };
  struct TouchRow {
    std::int64_t object_id;
    std::int64_t now;
    std::uint32_t current;
  };

  static Status status(const Result<PgResult>& result) {
    if (!result) return std::unexpected(result.error());
    return {};
  }

  // Reads (and locks, FOR UPDATE: their annotation versions are numbered by
  // this session) the object rows of `hashes` that exist.
  // Buffered rows need not be sent first: the objects the writer asks for
  // are not yet its own, so no buffered version or path belongs to them.
  Status load_objects(std::span<const Md5> hashes) {
    if (hashes.empty()) return {};
    if (!m_touched.empty()) LDB_TRY(flush());
    PgArray list("bytea");
    for (const auto& hash : hashes) list.add(hash);
    LDB_TRY_ASSIGN(auto rows, m_conn.query("SELECT o.hash, o.id, o.current_version, (SELECT COALESCE(max(version), 0) "
                                           "FROM annotation_versions WHERE object_id = o.id) FROM objects o WHERE "
                                           "o.hash = ANY($1::bytea[]) ORDER BY o.id FOR UPDATE",
                                           PgParams().add(list)));
    for (int i = 0; i < rows.rows(); ++i) {
      m_found_objects.insert_or_assign(rows.hash(i, 0),
                                       StoredObject{rows.integer(i, 1), static_cast<std::uint32_t>(rows.integer(i, 2)),
                                                    static_cast<std::uint32_t>(rows.integer(i, 3))});
    }
    return {};
  }

  // Reads the paths rows of `paths` (buffered rows need not be sent first:
  // find_path answers those from m_pending_paths).
  template <class Path>
  Status load_paths(std::span<const Path> paths) {
    if (paths.empty()) return {};
    PgArray list("text");
    for (const auto& path : paths) list.add(std::string_view(path));
    LDB_TRY_ASSIGN(auto rows, m_conn.query("SELECT path, object_id, annotation_version FROM paths WHERE path = "
                                           "ANY($1::text[])",
                                           PgParams().add(list)));
    for (int i = 0; i < rows.rows(); ++i) {
      m_paths.emplace(std::string(rows.text(i, 0)),
                      StoredPath{rows.integer(i, 1), static_cast<std::uint32_t>(rows.integer(i, 2))});
    }
    for (const auto& path : paths) m_paths.emplace(std::string(path), std::nullopt);  // not recorded
    return {};
  }

  // Reads the annotation versions of `object_id` and of every object of the
  // batch read so far whose versions are not known yet.
  Status load_versions(std::int64_t object_id) {
    std::vector<std::int64_t> ids{object_id};
    for (const auto& [hash, object] : m_found_objects) {
      if (object.id != object_id && !m_versions.contains(object.id)) ids.push_back(object.id);
    }
    // Versions buffered for an object whose versions were not read are sent first.
    if (std::ranges::any_of(ids, [&](std::int64_t id) { return m_unread_versions.contains(id); })) {
      LDB_TRY(flush());
    }
    for (auto id : ids) m_versions.emplace(id, std::vector<VersionRow>{});
    LDB_TRY_ASSIGN(auto rows, m_conn.query("SELECT object_id, version, content_id FROM annotation_versions WHERE "
                                           "object_id = ANY($1::int8[])",
                                           PgParams().add_int_array(ids)));
    for (int i = 0; i < rows.rows(); ++i) {
      m_versions[rows.integer(i, 0)].push_back(
          VersionRow{static_cast<std::uint32_t>(rows.integer(i, 1)), rows.integer(i, 2)});
    }
    return {};
  }

  Status flush_if_full() { return m_pending >= k_flush_rows ? flush() : Status{}; }

  // Sends every buffered write, one statement per table.
  Status flush() {
    if (m_pending == 0) return {};
    m_pending = 0;
    if (m_images.ids.size() > 0) {
      auto images = std::exchange(m_images, ImageColumns{});
      m_image_objects.clear();
      LDB_TRY(
          m_conn.query("UPDATE objects o SET image_width = u.width, image_height = u.height, image_format = "
                       "u.format FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::text[]) AS u(id, width, "
                       "height, format) WHERE o.id = u.id",
                       PgParams().add(images.ids).add(images.widths).add(images.heights).add(images.formats)));
    }
    if (!m_new_versions.empty()) {
      PgArray objects("int8"), versions("int8"), contents("int8"), times("int8");
      for (const auto& row : m_new_versions) {
        objects.add(row.object_id);
        versions.add(std::int64_t{row.version});
        contents.add(row.content_id);
        times.add(row.indexed_at);
      }
      m_new_versions.clear();
      m_unread_versions.clear();
      LDB_TRY(
          m_conn.query("INSERT INTO annotation_versions(object_id, version, content_id, indexed_at) SELECT * "
                       "FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[])",
                       PgParams().add(objects).add(versions).add(contents).add(times)));
    }
    if (m_new_paths.paths.size() > 0) {
      auto p = std::exchange(m_new_paths, PathColumns{});
      for (auto& [path, row] : m_pending_paths) m_paths.insert_or_assign(path, row);
      m_pending_paths.clear();
      LDB_TRY(m_conn.query(
          "INSERT INTO paths(path, object_id, size, mtime_ns, annotation_path, annotation_size, "
          "annotation_mtime_ns, annotation_version) SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], "
          "$4::int8[], $5::text[], $6::int8[], $7::int8[], $8::int8[]) ON CONFLICT (path) DO UPDATE SET "
          "object_id = excluded.object_id, size = excluded.size, mtime_ns = excluded.mtime_ns, "
          "annotation_path = excluded.annotation_path, annotation_size = excluded.annotation_size, "
          "annotation_mtime_ns = excluded.annotation_mtime_ns, annotation_version = excluded.annotation_version",
          PgParams()
              .add(p.paths)
              .add(p.objects)
              .add(p.sizes)
              .add(p.mtimes)
              .add(p.annotation_paths)
              .add(p.annotation_sizes)
              .add(p.annotation_mtimes)
              .add(p.versions)));
    }
    if (!m_tags.empty()) {
      PgArray objects("int8"), tags("text");
      for (const auto& [id, tag] : m_tags) {
        objects.add(id);
        tags.add(std::string_view(tag));
      }
      m_tags.clear();
      LDB_TRY(
          m_conn.query("INSERT INTO tags(object_id, tag) SELECT * FROM unnest($1::int8[], $2::text[]) "
                       "ON CONFLICT DO NOTHING",
                       PgParams().add(objects).add(tags)));
    }
    if (!m_touched.empty()) {
      PgArray ids("int8"), times("int8"), currents("int8");
      for (const auto& row : m_touched) {
        ids.add(row.object_id);
        times.add(row.now);
        currents.add(std::int64_t{row.current});
      }
      m_touched.clear();
      LDB_TRY(
          m_conn.query("UPDATE objects o SET last_indexed = u.now, current_version = u.current FROM "
                       "unnest($1::int8[], $2::int8[], $3::int8[]) AS u(id, now, current) WHERE o.id = u.id",
                       PgParams().add(ids).add(times).add(currents)));
    }
    return {};
  }

  PgConnection& m_conn;
  PgTransaction m_txn;  // rolled back on destruction unless committed

  // What the current batch's steps read (cleared at each prefetch).
  std::vector<Md5> m_batch_hashes;
  std::vector<std::string> m_batch_paths;
  bool m_objects_loaded = false, m_paths_loaded = false;
  std::unordered_map<Md5, StoredObject> m_found_objects;
  // Read (nullopt: not recorded), or written by this session.
  std::unordered_map<std::string, std::optional<StoredPath>> m_paths;
  std::unordered_map<Md5, std::int64_t> m_contents;  // content ids by hash
  // Annotation versions per object, for the session: the objects are new or locked.
  std::unordered_map<std::int64_t, std::vector<VersionRow>> m_versions;

  // Buffered writes.
  std::size_t m_pending = 0;
  ImageColumns m_images;
  std::unordered_set<std::int64_t> m_image_objects;
  std::vector<NewVersion> m_new_versions;
  PathColumns m_new_paths;
  std::unordered_map<std::string, StoredPath> m_pending_paths;  // the rows in m_new_paths
  std::unordered_set<std::int64_t> m_unread_versions;           // objects with buffered versions, not in m_versions
  std::vector<std::pair<std::int64_t, std::string>> m_tags;
  std::vector<TouchRow> m_touched;
};

}  // namespace

Result<std::unique_ptr<IngestSession>> PostgresStore::begin_ingest(const IngestOptions& options) {
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  // The tables grow inside this one transaction, unseen by autovacuum's
  // statistics: a plan cached while they were small (a sequential scan of
  // paths) would stay and make every batch slower than the one before.
  // Plan each statement for the table as it is and the arrays as given.
  LDB_TRY(m_conn.exec("SET LOCAL plan_cache_mode = force_custom_plan"));
  return make_ingest_writer(std::make_unique<PostgresIngestTarget>(m_conn, std::move(txn)), options);
}

Result<IngestResult> PostgresStore::ingest(std::span<const IndexedFile> files, const IngestOptions& options) {
  LDB_TRY_ASSIGN(auto session, begin_ingest(options));
  LDB_TRY(session->add(files));
  return session->commit();
}

}  // namespace ldb::store
