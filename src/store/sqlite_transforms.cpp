// Transform sets in the SQLite store. A set is one row of transform_sets (its
// commands, one a line: canonical JSON contains no raw newline); a dataset
// version's assignments are one content-addressed row of
// transform_assignments holding 20 bytes a member (object hash, set id), like
// a collection. Versions whose members all have {self} store nothing.

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

#include "store/sqlite_store.hpp"

namespace ldb::store {

Result<Md5> SqliteStore::put_transform_assignments(const Collection& members, const TransformAssignments& transforms) {
  LDB_TRY(validate_transform_assignments(members, transforms));
  if (transforms.empty()) return Md5{};
  auto hash = transform_assignments_hash(transforms);
  auto put_set = m_db.prepare("INSERT OR IGNORE INTO transform_sets(commands) VALUES(?)");
  if (!put_set) return std::unexpected(put_set.error());
  auto get_set = m_db.prepare("SELECT id FROM transform_sets WHERE commands = ?");
  if (!get_set) return std::unexpected(get_set.error());
  std::unordered_map<std::string, std::int64_t> set_ids;
  std::string blob;
  blob.reserve(transforms.size() * k_assignment_bytes);
  for (const auto& entry : transforms) {
    std::string text = transform_set_text(entry.transforms);
    auto it = set_ids.find(text);
    if (it == set_ids.end()) {
      put_set->reset();
      put_set->bind(1, text);
      LDB_TRY(put_set->run());
      get_set->reset();
      get_set->bind(1, text);
      auto row = get_set->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return fail(ErrorCode::internal, "a transform set vanished while it was being stored");
      it = set_ids.emplace(std::move(text), get_set->column_int(0)).first;
    }
    append_assignment(blob, entry.hash, static_cast<std::uint32_t>(it->second));
  }
  auto put = m_db.prepare("INSERT OR IGNORE INTO transform_assignments(hash, members) VALUES(?, ?)");
  if (!put) return std::unexpected(put.error());
  put->bind_blob(1, hash.bytes).bind_blob(2, std::string_view(blob));
  LDB_TRY(put->run());
  return hash;
}

Result<TransformAssignments> SqliteStore::transform_assignments(const Md5& transforms_hash) {
  if (transforms_hash == Md5{}) return TransformAssignments{};
  auto snapshot = ReadTransaction::begin(m_db);
  if (!snapshot) return std::unexpected(snapshot.error());
  auto stmt = m_db.prepare("SELECT members FROM transform_assignments WHERE hash = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_blob(1, transforms_hash.bytes);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(transform_assignments_missing(transforms_hash));
  auto assignments = read_assignments(stmt->column_blob(0), transforms_hash);
  if (!assignments) return std::unexpected(assignments.error());
  auto get_set = m_db.prepare("SELECT commands FROM transform_sets WHERE id = ?");
  if (!get_set) return std::unexpected(get_set.error());
  std::unordered_map<std::uint32_t, TransformSet> sets;
  TransformAssignments out;
  out.reserve(assignments->size());
  for (const auto& [hash, id] : *assignments) {
    auto it = sets.find(id);
    if (it == sets.end()) {
      get_set->reset();
      get_set->bind(1, static_cast<std::int64_t>(id));
      auto set_row = get_set->step();
      if (!set_row) return std::unexpected(set_row.error());
      if (!*set_row) return std::unexpected(transform_set_missing(id));
      it = sets.emplace(id, transform_set_from_text(get_set->column_text(0))).first;
    }
    out.push_back(MemberTransforms{hash, it->second});
  }
  return out;
}

Result<DatasetVersion> SqliteStore::commit_dataset(std::string_view name, const Collection& members,
                                                   std::uint32_t parent, std::string_view message,
                                                   std::string_view author) {
  return commit_dataset_with_transforms(name, members, {}, parent, message, author);
}

}  // namespace ldb::store
