#include <algorithm>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "core/hash_index.hpp"
#include "store/postgres_store.hpp"
#include "store/scan_rows.hpp"

// Objects, paths, annotation versions and tags in PostgreSQL (ingest is in
// postgres_ingest.cpp). Lookups of many objects send their hashes as one
// bytea[] parameter and join against unnest() WITH ORDINALITY: one round trip
// and one plan (hash or merge join) however long the list, where SQLite
// probes its B-tree per hash.

namespace ldb::store {

namespace {

// The FROM clause of a lookup by a list of hashes ($1): h.i is the 1-based
// position of h.hash in the list; o is its object (NULLs when unknown).
constexpr std::string_view k_by_hashes =
    "FROM unnest($1::bytea[]) WITH ORDINALITY AS h(hash, i) LEFT JOIN objects o ON o.hash = h.hash";

std::size_t position(const PgResult& rows, int row) { return static_cast<std::size_t>(rows.integer(row, 0) - 1); }

}  // namespace

Result<std::vector<std::int64_t>> PostgresStore::object_ids(std::span<const Md5> hashes) {
  LDB_TRY_ASSIGN(auto rows, m_conn.query(fmt::format("SELECT h.i, o.id {} ORDER BY h.i", k_by_hashes),
                                         PgParams().add_hashes(hashes)));
  std::vector<std::int64_t> ids(hashes.size());
  for (int r = 0; r < rows.rows(); ++r) {
    if (rows.is_null(r, 1)) return std::unexpected(unknown_object(hashes[position(rows, r)]));
    ids[position(rows, r)] = rows.integer(r, 1);
  }
  return ids;
}

Result<std::vector<KnownPath>> PostgresStore::known_paths_under(std::string_view prefix) {
  std::string base(prefix);
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  // One range scan of the primary key (byte order: the "C" collation), from
  // `base` to just before base + "0" ('0' sorts right after '/'); names like
  // "base.old" in between are skipped here, as in SQLite.
  std::string under = base == "/" ? "/" : base + "/";
  LDB_TRY_ASSIGN(auto rows, m_conn.query("SELECT p.path, p.size, p.mtime_ns, o.hash, p.annotation_path, "
                                         "p.annotation_size, p.annotation_mtime_ns, p.annotation_version, "
                                         "o.image_format IS NULL FROM paths p JOIN objects o ON o.id = p.object_id "
                                         "WHERE p.path >= $1 AND p.path < $2 ORDER BY p.path",
                                         PgParams().add(base).add(base == "/" ? std::string("0") : base + "0")));
  std::vector<KnownPath> out;
  for (int r = 0; r < rows.rows(); ++r) {
    std::string_view path = rows.text(r, 0);
    if (path != base && !path.starts_with(under)) continue;
    KnownPath k;
    k.path = std::string(path);
    k.size = static_cast<std::uint64_t>(rows.integer(r, 1));
    k.mtime_ns = rows.integer(r, 2);
    k.hash = rows.hash(r, 3);
    k.annotation_path = std::string(rows.text(r, 4));
    k.annotation_size = static_cast<std::uint64_t>(rows.integer(r, 5));
    k.annotation_mtime_ns = rows.integer(r, 6);
    k.annotation_version = static_cast<std::uint32_t>(rows.integer(r, 7));
    k.image_unprobed = rows.integer(r, 8) != 0;
    out.push_back(std::move(k));
  }
  return out;
}

Result<std::vector<Md5>> PostgresStore::objects_with_prefix(std::string_view hex_prefix, std::size_t limit) {
  std::string lo(hex_prefix), hi(hex_prefix);
  lo.resize(32, '0');
  hi.resize(32, 'f');
  LDB_TRY_ASSIGN(auto lo_hash, Md5::from_hex(lo));
  LDB_TRY_ASSIGN(auto hi_hash, Md5::from_hex(hi));
  LDB_TRY_ASSIGN(auto rows,
                 m_conn.query("SELECT hash FROM objects WHERE hash >= $1 AND hash <= $2 ORDER BY hash "
                              "LIMIT $3",
                              PgParams().add_bytes(lo_hash).add_bytes(hi_hash).add(static_cast<std::int64_t>(limit))));
  std::vector<Md5> out;
  for (int r = 0; r < rows.rows(); ++r) out.push_back(rows.hash(r, 0));
  return out;
}

Result<std::vector<ObjectInfo>> PostgresStore::objects_info(std::span<const Md5> hashes) {
  auto snapshot = PgTransaction::begin(m_conn, PgTransaction::Kind::snapshot);
  if (!snapshot) return std::unexpected(snapshot.error());
  PgParams list;
  list.add_hashes(hashes);
  LDB_TRY_ASSIGN(auto objects,
                 m_conn.query(fmt::format("SELECT h.i, o.id, o.size, o.first_indexed, o.last_indexed, "
                                          "o.current_version, o.image_width, o.image_height, o.image_format, f.phash, "
                                          "f.dhash, f.mean, f.std, f.sharpness, f.entropy, f.channels, f.error {} "
                                          "LEFT JOIN image_features f ON f.object_id = o.id ORDER BY h.i",
                                          k_by_hashes),
                              list));
  std::vector<ObjectInfo> out(hashes.size());
  for (int r = 0; r < objects.rows(); ++r) {
    auto i = position(objects, r);
    if (objects.is_null(r, 1)) return std::unexpected(unknown_object(hashes[i]));
    ObjectInfo& info = out[i];
    info.hash = hashes[i];
    info.size = static_cast<std::uint64_t>(objects.integer(r, 2));
    info.first_indexed = objects.integer(r, 3);
    info.last_indexed = objects.integer(r, 4);
    info.current_version = static_cast<std::uint32_t>(objects.integer(r, 5));
    if (!objects.is_null(r, 8) && !objects.text(r, 8).empty()) {
      info.image = ImageInfo{static_cast<std::uint32_t>(objects.integer(r, 6)),
                             static_cast<std::uint32_t>(objects.integer(r, 7)), std::string(objects.text(r, 8)),
                             read_image_features(objects, r, 9)};
    }
  }
  LDB_TRY_ASSIGN(auto paths, m_conn.query(fmt::format("SELECT h.i, p.path, p.mtime_ns {} JOIN paths p ON "
                                                      "p.object_id = o.id ORDER BY h.i, p.path",
                                                      k_by_hashes),
                                          list));
  for (int r = 0; r < paths.rows(); ++r) {
    ObjectInfo& info = out[position(paths, r)];
    if (info.paths.empty()) info.mtime_ns = paths.integer(r, 2);
    info.paths.emplace_back(paths.text(r, 1));
  }
  LDB_TRY_ASSIGN(auto tags, m_conn.query(fmt::format("SELECT h.i, t.tag {} JOIN tags t ON t.object_id = o.id "
                                                     "ORDER BY h.i, t.tag",
                                                     k_by_hashes),
                                         list));
  for (int r = 0; r < tags.rows(); ++r) out[position(tags, r)].tags.emplace_back(tags.text(r, 1));
  LDB_TRY_ASSIGN(auto versions,
                 m_conn.query(fmt::format("SELECT h.i, v.version, v.indexed_at, c.hash {} JOIN annotation_versions v "
                                          "ON v.object_id = o.id JOIN annotation_contents c ON c.id = v.content_id "
                                          "ORDER BY h.i, v.version",
                                          k_by_hashes),
                              list));
  for (int r = 0; r < versions.rows(); ++r) {
    out[position(versions, r)].versions.push_back(AnnotationVersionInfo{
        static_cast<std::uint32_t>(versions.integer(r, 1)), versions.integer(r, 2), versions.hash(r, 3)});
  }
  return out;
}

Result<ObjectInfo> PostgresStore::object_info(const Md5& hash) {
  LDB_TRY_ASSIGN(auto infos, objects_info(std::span<const Md5>(&hash, 1)));
  return std::move(infos.front());
}

Result<std::vector<ObjectFiles>> PostgresStore::object_files(std::span<const Md5> hashes) {
  LDB_TRY_ASSIGN(auto rows, m_conn.query(fmt::format("SELECT h.i, o.id, o.size, p.path {} LEFT JOIN paths p ON "
                                                     "p.object_id = o.id ORDER BY h.i, p.path",
                                                     k_by_hashes),
                                         PgParams().add_hashes(hashes)));
  std::vector<ObjectFiles> out(hashes.size());
  for (int r = 0; r < rows.rows(); ++r) {
    auto i = position(rows, r);
    if (rows.is_null(r, 1)) return std::unexpected(unknown_object(hashes[i]));
    out[i].size = static_cast<std::uint64_t>(rows.integer(r, 2));
    if (!rows.is_null(r, 3)) out[i].paths.emplace_back(rows.text(r, 3));
  }
  return out;
}

Result<Collection> PostgresStore::root_collection() {
  // Sorted here rather than by the server: sort_by_hash is faster than a
  // walk of the hash index.
  LDB_TRY_ASSIGN(auto rows, m_conn.query("SELECT hash, current_version FROM objects"));
  Collection out;
  out.reserve(static_cast<std::size_t>(rows.rows()));
  for (int r = 0; r < rows.rows(); ++r) {
    out.push_back(ObjectRef{rows.hash(r, 0), static_cast<std::uint32_t>(rows.integer(r, 1))});
  }
  return sort_by_hash(std::move(out));
}

Result<Collection> PostgresStore::current_versions(std::span<const Md5> hashes) {
  LDB_TRY_ASSIGN(auto rows, m_conn.query(fmt::format("SELECT h.i, o.current_version {} ORDER BY h.i", k_by_hashes),
                                         PgParams().add_hashes(hashes)));
  Collection out(hashes.size());
  for (int r = 0; r < rows.rows(); ++r) {
    auto i = position(rows, r);
    if (rows.is_null(r, 1)) return std::unexpected(unknown_object(hashes[i]));
    out[i] = ObjectRef{hashes[i], static_cast<std::uint32_t>(rows.integer(r, 1))};
  }
  return out;
}

namespace {

// The annotation rows of `refs` (column 1 the JSON, 2 its content hash),
// with refs' 1-based positions in column 0; refs with version 0 or a version
// the store lacks give no row.
Result<PgResult> annotation_rows(PgConnection& conn, std::span<const ObjectRef> refs) {
  std::vector<Md5> hashes;
  std::vector<std::int64_t> versions;
  hashes.reserve(refs.size());
  versions.reserve(refs.size());
  for (const auto& ref : refs) {
    hashes.push_back(ref.hash);
    versions.push_back(ref.annotation_version);
  }
  return conn.query(
      "SELECT h.i, c.json, c.hash FROM unnest($1::bytea[], $2::int8[]) WITH ORDINALITY AS h(hash, version, i) "
      "JOIN objects o ON o.hash = h.hash JOIN annotation_versions v ON v.object_id = o.id AND v.version = h.version "
      "JOIN annotation_contents c ON c.id = v.content_id",
      PgParams().add_hashes(hashes).add_int_array(versions));
}

}  // namespace

Result<std::vector<std::string>> PostgresStore::annotations(std::span<const ObjectRef> refs) {
  LDB_TRY_ASSIGN(auto rows, annotation_rows(m_conn, refs));
  std::vector<std::string> out(refs.size());
  for (int r = 0; r < rows.rows(); ++r) out[position(rows, r)] = std::string(rows.text(r, 1));
  return out;
}

namespace {

// Selections at least this large are served by a scan of every annotation
// version (as SQLite's), in chunks of this many object ids: each chunk is
// one query whose joins follow the id order of objects, versions and (as
// ingest makes them) contents, and the next chunk is computed by the server
// while the client places and evaluates this one. Only one chunk's rows are
// held in memory, whatever the size of the instance.
constexpr std::size_t k_scan_threshold = 20000;
constexpr std::int64_t k_scan_chunk = 10000;

constexpr std::string_view k_scan_chunk_sql =
    "SELECT c.json, o.hash, v.version FROM annotation_versions v JOIN objects o ON o.id = v.object_id "
    "JOIN annotation_contents c ON c.id = v.content_id WHERE v.object_id BETWEEN $1 AND $2";

class PostgresAnnotationCursor final : public AnnotationCursor {
 public:
  PostgresAnnotationCursor(PgConnection& conn, PgTransaction snapshot, std::span<const ObjectRef> refs,
                           std::unique_ptr<core::HashIndex> position, std::int64_t first_id, std::int64_t last_id)
      : m_conn(conn),
        m_snapshot(std::move(snapshot)),
        m_refs(refs),
        m_position(std::move(position)),
        m_next_id(first_id),
        m_last_id(last_id) {}

  ~PostgresAnnotationCursor() override {
    if (m_in_flight) (void)m_conn.receive();  // the connection must be idle before the rollback
  }

  Result<bool> next(AnnotationBatch& batch, std::size_t max_rows) override {
    batch.clear();
    while (batch.size() == 0 && !m_done) {
      m_hashes.clear();
      m_versions.clear();
      while (batch.size() < max_rows) {
        if (m_row == m_rows.rows()) {
          LDB_TRY_ASSIGN(bool more, next_chunk());
          if (!more) {
            m_done = true;
            break;
          }
          continue;
        }
        m_hashes.push_back(m_rows.hash(m_row, 1));
        m_position->prefetch(m_hashes.back());
        m_versions.push_back(static_cast<std::uint32_t>(m_rows.integer(m_row, 2)));
        batch.add(AnnotationBatch::k_unplaced, m_rows.text(m_row, 0));
        ++m_row;
      }
      place_scanned_rows(batch, m_refs, *m_position, m_hashes, m_versions);
    }
    return batch.size() > 0;
  }

 private:
  // Takes the chunk in flight (sending the first when none is) and sends
  // the one after it; false when every chunk was read.
  Result<bool> next_chunk() {
    if (!m_in_flight) {
      if (m_next_id > m_last_id) return false;
      LDB_TRY(send_chunk());
    }
    m_in_flight = false;
    m_rows = PgResult();
    LDB_TRY_ASSIGN(m_rows, m_conn.receive());
    m_row = 0;
    if (m_next_id <= m_last_id) LDB_TRY(send_chunk());
    return true;
  }

  Status send_chunk() {
    std::int64_t last = m_last_id - m_next_id < k_scan_chunk ? m_last_id : m_next_id + k_scan_chunk - 1;
    LDB_TRY(m_conn.send(k_scan_chunk_sql, PgParams().add(m_next_id).add(last)));
    m_in_flight = true;
    m_next_id = last + 1;
    return {};
  }

  PgConnection& m_conn;
  PgTransaction m_snapshot;  // every chunk reads this one snapshot
  std::span<const ObjectRef> m_refs;
  std::unique_ptr<core::HashIndex> m_position;
  std::int64_t m_next_id;  // the first object id of the next chunk to send
  std::int64_t m_last_id;
  bool m_in_flight = false;
  PgResult m_rows;  // the chunk being handed out
  int m_row = 0;
  std::vector<Md5> m_hashes;              // the current batch's object hashes
  std::vector<std::uint32_t> m_versions;  // ... and versions
  bool m_done = false;
};

}  // namespace

Result<std::vector<std::unique_ptr<AnnotationCursor>>> PostgresStore::scan_annotations(std::span<const ObjectRef> refs,
                                                                                       unsigned parts) {
  if (refs.size() < k_scan_threshold) return Store::scan_annotations(refs, parts);
  LDB_TRY_ASSIGN(auto snapshot, PgTransaction::begin(m_conn, PgTransaction::Kind::snapshot));
  LDB_TRY_ASSIGN(auto range, m_conn.query("SELECT min(object_id), max(object_id) FROM annotation_versions"));
  auto position = std::make_unique<core::HashIndex>(refs.size());
  constexpr std::size_t k_ahead = 16;  // inserts prefetch the slot this many refs ahead
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (i + k_ahead < refs.size()) position->prefetch(refs[i + k_ahead].hash);
    if (refs[i].annotation_version != 0) position->insert(refs[i].hash, static_cast<std::uint32_t>(i));
  }
  std::int64_t first = range.integer(0, 0), last = range.is_null(0, 1) ? first - 1 : range.integer(0, 1);
  std::vector<std::unique_ptr<AnnotationCursor>> cursors;
  cursors.push_back(
      std::make_unique<PostgresAnnotationCursor>(m_conn, std::move(snapshot), refs, std::move(position), first, last));
  return cursors;
}

Result<std::vector<Md5>> PostgresStore::annotation_hashes(std::span<const ObjectRef> refs) {
  LDB_TRY_ASSIGN(auto rows, annotation_rows(m_conn, refs));
  std::vector<Md5> out(refs.size());
  for (int r = 0; r < rows.rows(); ++r) out[position(rows, r)] = rows.hash(r, 2);
  return out;
}

Result<std::uint64_t> PostgresStore::update_tags(std::span<const Md5> hashes, std::span<const std::string> add,
                                                 std::span<const std::string> remove) {
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  LDB_TRY_ASSIGN(auto ids, object_ids(hashes));
  std::set<std::int64_t> changed;
  for (auto id : ids) {
    for (const auto& tag : add) {
      LDB_TRY_ASSIGN(auto added, m_conn.query("INSERT INTO tags(object_id, tag) VALUES($1, $2) ON CONFLICT DO NOTHING",
                                              PgParams().add(id).add(tag)));
      if (added.affected() > 0) changed.insert(id);
    }
    for (const auto& tag : remove) {
      LDB_TRY_ASSIGN(auto removed,
                     m_conn.query("DELETE FROM tags WHERE object_id = $1 AND tag = $2", PgParams().add(id).add(tag)));
      if (removed.affected() > 0) changed.insert(id);
    }
  }
  LDB_TRY(txn.commit());
  return changed.size();
}

Result<RemovalOutcome> PostgresStore::remove_objects(std::span<const Md5> hashes) {
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  std::vector<Md5> sorted(hashes.begin(), hashes.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  LDB_TRY_ASSIGN(auto ids, object_ids(sorted));
  // No commit may add a version holding one of them while they go: take
  // every dataset's commit lock (the locks commits take, all at once).
  LDB_TRY(
      m_conn.query("SELECT pg_advisory_xact_lock(7160522, hashtext(name)) FROM "
                   "(SELECT name FROM datasets ORDER BY name) d"));
  RemovalOutcome outcome;
  LDB_TRY_ASSIGN(auto versions, read_versions("ORDER BY d.name, v.version", PgParams()));
  LDB_TRY(find_holding_versions(
      versions, sorted, [&](const Md5& hash) { return collection(hash); }, outcome));
  if (!outcome.held_by.empty()) return outcome;  // the transaction rolls back; nothing was written

  PgParams list;
  list.add_int_array(ids);
  LDB_TRY_ASSIGN(auto contents, m_conn.query("SELECT DISTINCT content_id FROM annotation_versions WHERE object_id = "
                                             "ANY($1::int8[])",
                                             list));
  std::vector<std::int64_t> content_ids;
  for (int r = 0; r < contents.rows(); ++r) content_ids.push_back(contents.integer(r, 0));
  for (std::string_view table :
       {"tags", "paths", "annotation_versions", "image_features", "embeddings", "projections"}) {
    LDB_TRY(m_conn.query(fmt::format("DELETE FROM {} WHERE object_id = ANY($1::int8[])", table), list));
  }
  LDB_TRY(m_conn.query("DELETE FROM objects WHERE id = ANY($1::int8[])", list));
  // Contents no remaining version uses go too.
  LDB_TRY(
      m_conn.query("DELETE FROM annotation_contents c WHERE c.id = ANY($1::int8[]) AND NOT EXISTS "
                   "(SELECT 1 FROM annotation_versions v WHERE v.content_id = c.id)",
                   PgParams().add_int_array(content_ids)));
  LDB_TRY(txn.commit());
  outcome.removed = ids.size();
  return outcome;
}

}  // namespace ldb::store
