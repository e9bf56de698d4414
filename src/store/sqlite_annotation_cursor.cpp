#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/hash_index.hpp"
#include "store/scan_rows.hpp"
#include "store/sqlite_parallel.hpp"
#include "store/sqlite_store.hpp"

// SqliteStore::scan_annotations: the streaming read behind queries. A large
// selection (a query over ds:root) is served by sequential scans of every
// annotation version — rows come in object id order, so the joined lookups
// stay cache-friendly — and a flat hash index places each row; a small one by
// a B-tree lookup per ref. Rows are appended straight from SQLite's buffers
// into the caller's reused batch: nothing is allocated per object.
//
// A scan is split by object id range over connections that share one
// snapshot (store/sqlite_parallel.hpp), one cursor each; when they cannot be
// had (a writer is at work) it stays one serial cursor.

namespace ldb::store {

namespace {

// Selections at least this large are served by a scan of every version.
constexpr std::size_t k_scan_threshold = 20000;

class SqliteAnnotationCursor final : public AnnotationCursor {
 public:
  // `connection` is the cursor's own connection (null: the store's), which it
  // closes when done; `position` null means lookup mode.
  SqliteAnnotationCursor(std::unique_ptr<Database> connection, ReadTransaction snapshot, Statement statement,
                         std::span<const ObjectRef> refs, std::shared_ptr<const core::HashIndex> position)
      : m_connection(std::move(connection)),
        m_snapshot(std::move(snapshot)),
        m_statement(std::move(statement)),
        m_refs(refs),
        m_position(std::move(position)) {}

  Result<bool> next(AnnotationBatch& batch, std::size_t max_rows) override {
    batch.clear();
    if (m_done) return false;
    if (m_position) return next_scanned(batch, max_rows);
    return next_looked_up(batch, max_rows);
  }

 private:
  // Scan mode: statement rows are (json, object hash, version) of every version.
  // A batch is read first and placed afterwards: each row's slot in the hash
  // index is prefetched as it is read, so the index's cache misses overlap
  // SQLite's work instead of stalling one by one.
  Result<bool> next_scanned(AnnotationBatch& batch, std::size_t max_rows) {
    while (batch.size() == 0 && !m_done) {
      m_hashes.clear();
      m_versions.clear();
      while (batch.size() < max_rows) {
        auto row = m_statement.step();
        if (!row) return std::unexpected(row.error());
        if (!*row) {
          m_done = true;
          break;
        }
        m_hashes.push_back(md5_from_blob(m_statement.column_blob(1)));
        m_position->prefetch(m_hashes.back());
        m_versions.push_back(static_cast<std::uint32_t>(m_statement.column_int(2)));
        batch.add(AnnotationBatch::k_unplaced, m_statement.column_text(0));
      }
      place_scanned_rows(batch, m_refs, *m_position, m_hashes, m_versions);
    }
    return batch.size() > 0;
  }

  // Lookup mode: the statement takes (object hash, version) and returns json.
  Result<bool> next_looked_up(AnnotationBatch& batch, std::size_t max_rows) {
    while (batch.size() < max_rows && m_next < m_refs.size()) {
      const ObjectRef& ref = m_refs[m_next];
      if (ref.annotation_version != 0) {
        m_statement.bind_blob(1, ref.hash.bytes).bind(2, static_cast<std::int64_t>(ref.annotation_version));
        auto row = m_statement.step();
        if (!row) return std::unexpected(row.error());
        if (*row) batch.add(static_cast<std::uint32_t>(m_next), m_statement.column_text(0));
        m_statement.reset();
      }
      ++m_next;
    }
    if (m_next == m_refs.size()) m_done = true;
    return batch.size() > 0;
  }

  std::unique_ptr<Database> m_connection;  // declared first: outlives the transaction
  ReadTransaction m_snapshot;              // ... which outlives the statement
  Statement m_statement;
  std::span<const ObjectRef> m_refs;
  std::shared_ptr<const core::HashIndex> m_position;
  std::vector<Md5> m_hashes;              // scan mode: the current batch's object hashes
  std::vector<std::uint32_t> m_versions;  // ... and versions
  std::size_t m_next = 0;
  bool m_done = false;
};

constexpr std::string_view k_scan_sql =
    "SELECT c.json, o.hash, v.version FROM annotation_versions v "
    "JOIN objects o ON o.id = v.object_id JOIN annotation_contents c ON c.id = v.content_id "
    "WHERE v.object_id BETWEEN ? AND ?";

}  // namespace

Result<std::vector<std::unique_ptr<AnnotationCursor>>> SqliteStore::scan_annotations(std::span<const ObjectRef> refs,
                                                                                     unsigned parts) {
  std::vector<std::unique_ptr<AnnotationCursor>> cursors;
  if (refs.size() < k_scan_threshold) {
    auto snapshot = ReadTransaction::begin(m_db);
    if (!snapshot) return std::unexpected(snapshot.error());
    auto lookup = m_db.prepare(
        "SELECT c.json FROM objects o JOIN annotation_versions v ON v.object_id = o.id "
        "JOIN annotation_contents c ON c.id = v.content_id WHERE o.hash = ? AND v.version = ?");
    if (!lookup) return std::unexpected(lookup.error());
    cursors.push_back(
        std::make_unique<SqliteAnnotationCursor>(nullptr, std::move(*snapshot), std::move(*lookup), refs, nullptr));
    return cursors;
  }
  auto position = std::make_shared<core::HashIndex>(refs.size());
  constexpr std::size_t k_ahead = 16;  // inserts prefetch the slot this many refs ahead
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (i + k_ahead < refs.size()) position->prefetch(refs[i + k_ahead].hash);
    if (refs[i].annotation_version != 0) position->insert(refs[i].hash, static_cast<std::uint32_t>(i));
  }
  auto shared = share_snapshot(m_db, parts > 1 ? parts - 1 : 0);
  if (!shared) return std::unexpected(shared.error());
  auto ids = id_range(m_db, "annotation_versions", "object_id");
  if (!ids) return std::unexpected(ids.error());
  auto ranges = split_id_range(ids->first, ids->second, shared->readers.size() + 1);
  for (std::size_t part = 0; part < ranges.size(); ++part) {
    std::unique_ptr<Database> connection;
    std::optional<ReadTransaction> snapshot;
    if (part == 0) {
      snapshot.emplace(std::move(*shared->own));
    } else {
      connection = std::move(shared->readers[part - 1].connection);
      snapshot.emplace(std::move(shared->readers[part - 1].snapshot));
    }
    Database& db = connection ? *connection : m_db;
    auto scan = db.prepare(k_scan_sql);
    if (!scan) return std::unexpected(scan.error());
    scan->bind(1, ranges[part].first).bind(2, ranges[part].second);
    cursors.push_back(std::make_unique<SqliteAnnotationCursor>(std::move(connection), std::move(*snapshot),
                                                               std::move(*scan), refs, position));
  }
  return cursors;
}

}  // namespace ldb::store
