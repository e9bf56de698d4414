#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "store/sqlite_store.hpp"

// Unindexing: objects leave the index with everything recorded about them.
// The check that no saved dataset version holds them runs in the same write
// transaction as the deletes, so a concurrent commit cannot slip in between.

namespace ldb::store {

Result<RemovalOutcome> SqliteStore::remove_objects(std::span<const Md5> hashes) {
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  std::vector<Md5> sorted(hashes.begin(), hashes.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<std::int64_t> ids;
  ids.reserve(sorted.size());
  for (const auto& hash : sorted) {
    auto id = object_id(hash);
    if (!id) return std::unexpected(id.error());
    ids.push_back(*id);
  }

  RemovalOutcome outcome;
  auto versions = read_versions("ORDER BY d.name, v.version", "", 0);
  if (!versions) return std::unexpected(versions.error());
  LDB_TRY(find_holding_versions(
      *versions, sorted, [&](const Md5& hash) { return collection(hash); }, outcome));
  if (!outcome.held_by.empty()) return outcome;  // the transaction rolls back; nothing was written

  auto contents = m_db.prepare("SELECT content_id FROM annotation_versions WHERE object_id = ?");
  if (!contents) return std::unexpected(contents.error());
  std::set<std::int64_t> content_ids;
  for (auto id : ids) {
    contents->bind(1, id);
    for (;;) {
      auto row = contents->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      content_ids.insert(contents->column_int(0));
    }
    contents->reset();
  }
  for (std::string_view sql :
       {"DELETE FROM tags WHERE object_id = ?", "DELETE FROM paths WHERE object_id = ?",
        "DELETE FROM annotation_versions WHERE object_id = ?", "DELETE FROM image_features WHERE object_id = ?",
        "DELETE FROM embeddings WHERE object_id = ?", "DELETE FROM projections WHERE object_id = ?",
        "DELETE FROM objects WHERE id = ?"}) {
    auto stmt = m_db.prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    for (auto id : ids) {
      stmt->bind(1, id);
      LDB_TRY(stmt->run());
    }
  }
  // Contents no remaining version uses go too; one scan of annotation_versions per chunk.
  std::vector<std::int64_t> content_list(content_ids.begin(), content_ids.end());
  constexpr std::size_t k_chunk = 500;
  for (std::size_t begin = 0; begin < content_list.size(); begin += k_chunk) {
    std::string list;
    for (std::size_t i = begin; i < std::min(content_list.size(), begin + k_chunk); ++i) {
      list += fmt::format("{}{}", list.empty() ? "" : ",", content_list[i]);
    }
    LDB_TRY(
        m_db.exec(fmt::format("DELETE FROM annotation_contents WHERE id IN ({}) AND id NOT IN "
                              "(SELECT content_id FROM annotation_versions)",
                              list)));
  }
  LDB_TRY(txn->commit());
  outcome.removed = ids.size();
  return outcome;
}

}  // namespace ldb::store
