#include "store/sqlite_store.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include <fmt/format.h>

namespace ldb::store {

Result<std::unique_ptr<Store>> create_sqlite_store(const std::filesystem::path& instance_dir,
                                                   std::chrono::milliseconds busy_timeout) {
  auto file = instance_dir / k_database_file;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    return fail(ErrorCode::already_exists,
                fmt::format("'{}' already holds an instance database", instance_dir.string()),
                "use ldb init -f to replace it");
  }
  auto db = Database::open(file, Database::Create::yes, Access::as_permitted, busy_timeout);
  if (!db) return std::unexpected(db.error());
  LDB_TRY(create_schema(*db));
  return std::make_unique<SqliteStore>(std::move(*db));
}

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& instance_dir, Access access,
                                                 std::chrono::milliseconds busy_timeout) {
  auto file = instance_dir / k_database_file;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return fail(ErrorCode::not_found,
                fmt::format("'{}' is not an ldb instance (no {})", instance_dir.string(), k_database_file),
                "create one with: ldb init <folder>");
  }
  auto db = Database::open(file, Database::Create::no, access, busy_timeout);
  if (!db) return std::unexpected(db.error());
  LDB_TRY(migrate_schema(*db));
  return std::make_unique<SqliteStore>(std::move(*db));
}

Status SqliteStore::check_writable() {
  if (m_db.read_only()) return std::unexpected(m_db.read_only_error());
  return {};
}

// --- storage locations ----------------------------------------------------

Result<std::vector<StorageLocation>> SqliteStore::storage_locations() {
  auto stmt = m_db.prepare("SELECT prefix, read_add, options FROM storage_locations ORDER BY prefix");
  if (!stmt) return std::unexpected(stmt.error());
  std::vector<StorageLocation> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(StorageLocation{std::string(stmt->column_text(0)), stmt->column_int(1) != 0,
                                  decode_options(stmt->column_text(2))});
  }
  return out;
}

Status SqliteStore::add_storage_location(const StorageLocation& location) {
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  auto check = m_db.prepare("SELECT 1 FROM storage_locations WHERE prefix = ?");
  if (!check) return std::unexpected(check.error());
  check->bind(1, location.prefix);
  auto exists = check->step();
  if (!exists) return std::unexpected(exists.error());
  if (*exists) {
    return std::unexpected(storage_location_exists(location.prefix));
  }
  auto ins = m_db.prepare("INSERT INTO storage_locations(prefix, read_add, options) VALUES(?, ?, ?)");
  if (!ins) return std::unexpected(ins.error());
  ins->bind(1, location.prefix).bind(2, location.read_add ? 1 : 0).bind(3, encode_options(location.options));
  LDB_TRY(ins->run());
  return txn->commit();
}

Status SqliteStore::remove_storage_location(std::string_view prefix) {
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  auto del = m_db.prepare("DELETE FROM storage_locations WHERE prefix = ?");
  if (!del) return std::unexpected(del.error());
  del->bind(1, prefix);
  LDB_TRY(del->run());
  if (sqlite3_changes(m_db.handle()) == 0) {
    return std::unexpected(storage_location_unknown(prefix));
  }
  return txn->commit();
}

Status SqliteStore::put_storage_location(const StorageLocation& location, std::span<const std::string> replaced) {
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  auto del = m_db.prepare("DELETE FROM storage_locations WHERE prefix = ?");
  if (!del) return std::unexpected(del.error());
  for (const auto& prefix : replaced) {
    del->bind(1, prefix);
    LDB_TRY(del->run());
    if (sqlite3_changes(m_db.handle()) == 0) {
      return std::unexpected(storage_location_unknown(prefix));
    }
  }
  if (location.read_add) LDB_TRY(m_db.exec("UPDATE storage_locations SET read_add = 0"));
  auto put = m_db.prepare("INSERT OR REPLACE INTO storage_locations(prefix, read_add, options) VALUES(?, ?, ?)");
  if (!put) return std::unexpected(put.error());
  put->bind(1, location.prefix).bind(2, location.read_add ? 1 : 0).bind(3, encode_options(location.options));
  LDB_TRY(put->run());
  return txn->commit();
}

// --- collections and datasets ---------------------------------------------

Result<Collection> SqliteStore::collection(const Md5& hash) {
  auto stmt = m_db.prepare("SELECT members FROM collections WHERE hash = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_blob(1, hash.bytes);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) {
    return fail(ErrorCode::corruption, fmt::format("collection {} is missing from the instance", hash.hex()),
                "the instance may be damaged; restore it from a backup");
  }
  return deserialize_collection(stmt->column_blob(0));
}

namespace {
constexpr std::string_view k_version_columns =
    "SELECT d.name, v.version, v.parent, v.collection_hash, v.message, v.author, v.time, v.num_objects, "
    "v.num_annotations, v.transforms_hash, v.merge_parent FROM dataset_versions v JOIN datasets d ON d.id = "
    "v.dataset_id ";

DatasetVersion read_version_row(const Statement& stmt) {
  DatasetVersion v;
  v.name = std::string(stmt.column_text(0));
  v.version = static_cast<std::uint32_t>(stmt.column_int(1));
  v.parent = static_cast<std::uint32_t>(stmt.column_int(2));
  auto blob = stmt.column_blob(3);
  v.collection_hash = md5_from_blob(blob);
  v.message = std::string(stmt.column_text(4));
  v.author = std::string(stmt.column_text(5));
  v.time = stmt.column_int(6);
  v.num_objects = static_cast<std::uint64_t>(stmt.column_int(7));
  v.num_annotations = static_cast<std::uint64_t>(stmt.column_int(8));
  auto transforms = stmt.column_blob(9);
  if (transforms.size() == 16) {
    std::copy(transforms.begin(), transforms.end(), reinterpret_cast<char*>(v.transforms_hash.bytes.data()));
  }
  v.merge_parent = static_cast<std::uint32_t>(stmt.column_int(10));
  return v;
}
}  // namespace

Result<std::vector<DatasetVersion>> SqliteStore::read_versions(std::string_view where_sql, std::string_view name,
                                                               std::uint32_t version) {
  auto stmt = m_db.prepare(fmt::format("{}{}", k_version_columns, where_sql));
  if (!stmt) return std::unexpected(stmt.error());
  if (!name.empty()) stmt->bind(1, name);
  if (version) stmt->bind(2, static_cast<std::int64_t>(version));
  std::vector<DatasetVersion> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_version_row(*stmt));
  }
  return out;
}

Result<std::vector<DatasetSummary>> SqliteStore::datasets() {
  auto rows = read_versions(
      "WHERE v.version = (SELECT MAX(version) FROM dataset_versions w WHERE w.dataset_id = v.dataset_id) "
      "ORDER BY d.name",
      "", 0);
  if (!rows) return std::unexpected(rows.error());
  std::vector<DatasetSummary> out;
  for (auto& v : *rows) out.push_back(DatasetSummary{v.name, v});
  return out;
}

Result<DatasetVersion> SqliteStore::dataset_version(std::string_view name, std::uint32_t version) {
  auto rows = version ? read_versions("WHERE d.name = ?1 AND v.version = ?2", name, version)
                      : read_versions("WHERE d.name = ?1 ORDER BY v.version DESC LIMIT 1", name, 0);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) {
    if (version) {
      auto any = read_versions("WHERE d.name = ?1 ORDER BY v.version DESC LIMIT 1", name, 0);
      if (any && !any->empty()) {
        return std::unexpected(dataset_version_unknown(name, version, any->front().version));
      }
    }
    return std::unexpected(dataset_unknown(name));
  }
  return rows->front();
}

Result<std::vector<DatasetVersion>> SqliteStore::dataset_log(std::string_view name) {
  auto rows = read_versions("WHERE d.name = ?1 ORDER BY v.version", name, 0);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) {
    return std::unexpected(dataset_unknown(name));
  }
  return rows;
}

Result<DatasetVersion> SqliteStore::commit_dataset_with_transforms(std::string_view name, const Collection& members,
                                                                   const TransformAssignments& transforms,
                                                                   std::uint32_t parent, std::string_view message,
                                                                   std::string_view author) {
  return commit_given_version(*this, name, members, transforms, parent, message, author);
}

Result<std::vector<std::optional<DatasetVersion>>> SqliteStore::commit_datasets_decided(
    std::span<const std::string> names, const MultiCommitDecider& decide, std::string_view message,
    std::string_view author) {
  // BEGIN IMMEDIATE takes the write lock first, so the latest versions read
  // here are still the latest when the new ones are appended.
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  std::vector<std::optional<DatasetVersion>> latest;
  latest.reserve(names.size());
  for (const auto& name : names) {
    auto rows = read_versions("WHERE d.name = ?1 ORDER BY v.version DESC LIMIT 1", name, 0);
    if (!rows) return std::unexpected(rows.error());
    latest.emplace_back();
    if (!rows->empty()) latest.back() = std::move(rows->front());
  }
  auto chosen = decide(latest);
  if (!chosen) return std::unexpected(chosen.error());
  if (chosen->size() != names.size()) {
    return fail(ErrorCode::internal, "a commit decided a different number of versions than it was given datasets");
  }
  std::vector<std::optional<DatasetVersion>> saved(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!(*chosen)[i]) continue;
    auto version = append_version(names[i], *(*chosen)[i], message, author);
    if (!version) return std::unexpected(version.error());
    saved[i] = std::move(*version);
  }
  LDB_TRY(txn->commit());
  return saved;
}

Result<DatasetVersion> SqliteStore::append_version(std::string_view name, const NewVersion& version,
                                                   std::string_view message, std::string_view author) {
  const auto& members = version.members;
  auto transforms_hash = put_transform_assignments(members, version.transforms);
  if (!transforms_hash) return std::unexpected(transforms_hash.error());
  auto blob = serialize_collection(members);
  auto hash = core::md5_of(blob);
  auto put = m_db.prepare("INSERT OR IGNORE INTO collections(hash, members) VALUES(?, ?)");
  if (!put) return std::unexpected(put.error());
  put->bind_blob(1, hash.bytes).bind_blob(2, std::string_view(blob));
  LDB_TRY(put->run());

  auto now = unix_now();
  auto ds = m_db.prepare("INSERT OR IGNORE INTO datasets(name, created) VALUES(?, ?)");
  if (!ds) return std::unexpected(ds.error());
  ds->bind(1, name).bind(2, now);
  LDB_TRY(ds->run());
  auto id_stmt = m_db.prepare(
      "SELECT id, (SELECT COALESCE(MAX(version), 0) FROM dataset_versions WHERE dataset_id = datasets.id) FROM "
      "datasets WHERE name = ?");
  if (!id_stmt) return std::unexpected(id_stmt.error());
  id_stmt->bind(1, name);
  auto row = id_stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(ErrorCode::internal, fmt::format("dataset '{}' vanished during commit", name));
  std::int64_t dataset_id = id_stmt->column_int(0);

  auto v = make_dataset_version(name, static_cast<std::uint32_t>(id_stmt->column_int(1) + 1), version, *transforms_hash,
                                message, author);

  auto ins = m_db.prepare(
      "INSERT INTO dataset_versions(dataset_id, version, parent, collection_hash, message, author, time, "
      "num_objects, num_annotations, transforms_hash, merge_parent) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return std::unexpected(ins.error());
  ins->bind(1, dataset_id)
      .bind(2, static_cast<std::int64_t>(v.version))
      .bind(3, static_cast<std::int64_t>(v.parent))
      .bind_blob(4, hash.bytes)
      .bind(5, message)
      .bind(6, author)
      .bind(7, v.time)
      .bind(8, static_cast<std::int64_t>(v.num_objects))
      .bind(9, static_cast<std::int64_t>(v.num_annotations));
  if (v.transforms_hash == Md5{}) {
    ins->bind_null(10);
  } else {
    ins->bind_blob(10, v.transforms_hash.bytes);
  }
  ins->bind(11, static_cast<std::int64_t>(v.merge_parent));
  LDB_TRY(ins->run());
  return v;
}

Status SqliteStore::delete_dataset(std::string_view name) {
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  auto del = m_db.prepare("DELETE FROM datasets WHERE name = ?");
  if (!del) return std::unexpected(del.error());
  del->bind(1, name);
  LDB_TRY(del->run());
  if (sqlite3_changes(m_db.handle()) == 0) {
    return std::unexpected(dataset_unknown(name));
  }
  // Collections no dataset version refers to any more are garbage.
  LDB_TRY(m_db.exec("DELETE FROM collections WHERE hash NOT IN (SELECT collection_hash FROM dataset_versions)"));
  LDB_TRY(
      m_db.exec("DELETE FROM transform_assignments WHERE hash NOT IN "
                "(SELECT transforms_hash FROM dataset_versions WHERE transforms_hash IS NOT NULL)"));
  return txn->commit();
}

Result<std::vector<std::pair<std::string, std::uint32_t>>> SqliteStore::datasets_containing(const Md5& hash) {
  auto rows = read_versions("ORDER BY d.name, v.version", "", 0);
  if (!rows) return std::unexpected(rows.error());
  std::map<Md5, bool> holds;  // collection hash -> contains the object
  std::vector<std::pair<std::string, std::uint32_t>> out;
  for (const auto& v : *rows) {
    auto it = holds.find(v.collection_hash);
    if (it == holds.end()) {
      auto members = collection(v.collection_hash);
      if (!members) return std::unexpected(members.error());
      bool found = std::binary_search(members->begin(), members->end(), ObjectRef{hash, 0},
                                      [](const ObjectRef& a, const ObjectRef& b) { return a.hash < b.hash; });
      it = holds.emplace(v.collection_hash, found).first;
    }
    if (it->second) out.emplace_back(v.name, v.version);
  }
  return out;
}

}  // namespace ldb::store
