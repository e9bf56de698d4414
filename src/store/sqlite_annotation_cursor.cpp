#include <algorithm>
#include <optional>

#include "core/hash_index.hpp"
#include "store/sqlite_store.hpp"

// SqliteStore::scan_annotations: the streaming read behind queries. A large
// selection (a query over ds:root) is served by one sequential scan of every
// annotation version — rows come in object id order, so the joined lookups
// stay cache-friendly — and a flat hash index places each row; a small one by
// a B-tree lookup per ref. Rows are appended straight from SQLite's buffers
// into the caller's reused batch: nothing is allocated per object.

namespace ldb::store {

namespace {

// Selections at least this large are served by a scan of every version.
constexpr std::size_t k_scan_threshold = 20000;

Md5 md5_of_blob(std::string_view blob) {
  Md5 m;
  if (blob.size() == 16) std::copy(blob.begin(), blob.end(), reinterpret_cast<char*>(m.bytes.data()));
  return m;
}

class SqliteAnnotationCursor final : public AnnotationCursor {
 public:
  SqliteAnnotationCursor(ReadTransaction snapshot, Statement statement, std::span<const ObjectRef> refs,
                         std::optional<core::HashIndex> position)
      : m_snapshot(std::move(snapshot)),
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
  Result<bool> next_scanned(AnnotationBatch& batch, std::size_t max_rows) {
    while (batch.size() < max_rows) {
      auto row = m_statement.step();
      if (!row) return std::unexpected(row.error());
      if (!*row) {
        m_done = true;
        break;
      }
      auto i = m_position->find(md5_of_blob(m_statement.column_blob(1)));
      if (i && m_refs[*i].annotation_version == m_statement.column_int(2)) {
        batch.add(*i, m_statement.column_text(0));
      }
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

  ReadTransaction m_snapshot;  // declared first: outlives the statement
  Statement m_statement;
  std::span<const ObjectRef> m_refs;
  std::optional<core::HashIndex> m_position;
  std::size_t m_next = 0;
  bool m_done = false;
};

}  // namespace

Result<std::unique_ptr<AnnotationCursor>> SqliteStore::scan_annotations(std::span<const ObjectRef> refs) {
  auto snapshot = ReadTransaction::begin(m_db);
  if (!snapshot) return std::unexpected(snapshot.error());
  if (refs.size() >= k_scan_threshold) {
    core::HashIndex position(refs.size());
    for (std::size_t i = 0; i < refs.size(); ++i) {
      if (refs[i].annotation_version != 0) position.insert(refs[i].hash, static_cast<std::uint32_t>(i));
    }
    auto scan = m_db.prepare(
        "SELECT c.json, o.hash, v.version FROM annotation_versions v "
        "JOIN objects o ON o.id = v.object_id JOIN annotation_contents c ON c.id = v.content_id");
    if (!scan) return std::unexpected(scan.error());
    return std::make_unique<SqliteAnnotationCursor>(std::move(*snapshot), std::move(*scan), refs,
                                                    std::move(position));
  }
  auto lookup = m_db.prepare(
      "SELECT c.json FROM objects o JOIN annotation_versions v ON v.object_id = o.id "
      "JOIN annotation_contents c ON c.id = v.content_id WHERE o.hash = ? AND v.version = ?");
  if (!lookup) return std::unexpected(lookup.error());
  return std::make_unique<SqliteAnnotationCursor>(std::move(*snapshot), std::move(*lookup), refs, std::nullopt);
}

}  // namespace ldb::store
