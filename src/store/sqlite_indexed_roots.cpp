// indexed_roots: the format (and -p parameters) each indexed folder was
// indexed with. The table holds one row per folder an index run decided the
// format of, so it stays small; it is read whole, and the longest-prefix rule
// (covering_root) runs in memory on what it returns.

#include <fmt/format.h>

#include "core/paths.hpp"
#include "store/sqlite_store.hpp"

namespace ldb::store {

const IndexedRoot* covering_root(std::span<const IndexedRoot> roots, std::string_view path) {
  const IndexedRoot* best = nullptr;
  for (const auto& root : roots) {
    if (!core::path_is_within(path, root.prefix)) continue;
    if (!best || root.prefix.size() > best->prefix.size()) best = &root;
  }
  return best;
}

Result<std::vector<IndexedRoot>> SqliteStore::indexed_roots() {
  auto stmt = m_db.prepare("SELECT prefix, format, params FROM indexed_roots ORDER BY prefix");
  if (!stmt) return std::unexpected(stmt.error());
  std::vector<IndexedRoot> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(IndexedRoot{std::string(stmt->column_text(0)), std::string(stmt->column_text(1)),
                              decode_options(stmt->column_text(2))});
  }
  return out;
}

Status update_indexed_roots(Database& db, const IngestOptions& options) {
  if (!options.forget_roots.empty()) {
    auto del = db.prepare("DELETE FROM indexed_roots WHERE prefix = ?");
    if (!del) return std::unexpected(del.error());
    for (const auto& prefix : options.forget_roots) {
      del->bind(1, prefix);
      LDB_TRY(del->run());
    }
  }
  if (options.remember_roots.empty()) return {};
  auto put = db.prepare("INSERT OR REPLACE INTO indexed_roots(prefix, format, params) VALUES(?, ?, ?)");
  if (!put) return std::unexpected(put.error());
  for (const auto& root : options.remember_roots) {
    if (root.prefix.empty() || root.format.empty()) {
      return fail(ErrorCode::internal, fmt::format("indexed root '{}' has no prefix or format", root.prefix));
    }
    put->bind(1, root.prefix).bind(2, root.format).bind(3, encode_options(root.params));
    LDB_TRY(put->run());
  }
  return {};
}

}  // namespace ldb::store
