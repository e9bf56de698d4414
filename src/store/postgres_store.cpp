#include "store/postgres_store.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/hash.hpp"

namespace ldb::store {

// --- opening -----------------------------------------------------------------

Result<std::unique_ptr<Store>> create_postgres_store(std::string_view url, std::chrono::milliseconds busy_timeout) {
  LDB_TRY_ASSIGN(auto conn, PgConnection::connect(url, busy_timeout, Access::as_permitted));
  LDB_TRY(create_postgres_schema(conn));
  return std::make_unique<PostgresStore>(std::move(conn), std::string(url));
}

Result<std::unique_ptr<Store>> open_postgres_store(std::string_view url, Access access,
                                                   std::chrono::milliseconds busy_timeout) {
  LDB_TRY_ASSIGN(auto conn, PgConnection::connect(url, busy_timeout, access));
  LDB_TRY(open_postgres_schema(conn));
  return std::make_unique<PostgresStore>(std::move(conn), std::string(url));
}

bool postgres_holds_store(std::string_view url) {
  auto conn = PgConnection::connect(url, k_default_busy_timeout, Access::read_only);
  if (!conn) return false;
  auto found = conn->query("SELECT to_regclass('ldb_schema_migrations') IS NOT NULL");
  return found && found->integer(0, 0) != 0;
}

Status PostgresStore::check_writable() {
  if (m_conn.read_only()) return std::unexpected(m_conn.read_only_error());
  return {};
}

// --- storage locations -----------------------------------------------------------

Result<std::vector<StorageLocation>> PostgresStore::storage_locations() {
  LDB_TRY_ASSIGN(auto rows, m_conn.query("SELECT prefix, read_add, options FROM storage_locations ORDER BY prefix"));
  std::vector<StorageLocation> out;
  for (int r = 0; r < rows.rows(); ++r) {
    out.push_back(
        StorageLocation{std::string(rows.text(r, 0)), rows.integer(r, 1) != 0, decode_options(rows.text(r, 2))});
  }
  return out;
}

namespace {
PgParams location_params(const StorageLocation& location) {
  PgParams params;
  params.add(location.prefix).add(std::int64_t{location.read_add ? 1 : 0}).add(encode_options(location.options));
  return params;
}
}  // namespace

Status PostgresStore::add_storage_location(const StorageLocation& location) {
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  LDB_TRY_ASSIGN(auto added, m_conn.query("INSERT INTO storage_locations(prefix, read_add, options) "
                                          "VALUES($1, $2, $3) ON CONFLICT (prefix) DO NOTHING",
                                          location_params(location)));
  if (added.affected() == 0) return std::unexpected(storage_location_exists(location.prefix));
  return txn.commit();
}

Status PostgresStore::remove_storage_location(std::string_view prefix) {
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  LDB_TRY_ASSIGN(auto removed, m_conn.query("DELETE FROM storage_locations WHERE prefix = $1", PgParams().add(prefix)));
  if (removed.affected() == 0) return std::unexpected(storage_location_unknown(prefix));
  return txn.commit();
}

Status PostgresStore::put_storage_location(const StorageLocation& location, std::span<const std::string> replaced) {
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  for (const auto& prefix : replaced) {
    LDB_TRY_ASSIGN(auto removed,
                   m_conn.query("DELETE FROM storage_locations WHERE prefix = $1", PgParams().add(prefix)));
    if (removed.affected() == 0) return std::unexpected(storage_location_unknown(prefix));
  }
  if (location.read_add) LDB_TRY(m_conn.query("UPDATE storage_locations SET read_add = 0 WHERE read_add <> 0"));
  LDB_TRY(
      m_conn.query("INSERT INTO storage_locations(prefix, read_add, options) VALUES($1, $2, $3) "
                   "ON CONFLICT (prefix) DO UPDATE SET read_add = excluded.read_add, options = excluded.options",
                   location_params(location)));
  return txn.commit();
}

// --- indexed roots -------------------------------------------------------------------

Result<std::vector<IndexedRoot>> PostgresStore::indexed_roots() {
  LDB_TRY_ASSIGN(auto rows, m_conn.query("SELECT prefix, format, params FROM indexed_roots ORDER BY prefix"));
  std::vector<IndexedRoot> out;
  for (int r = 0; r < rows.rows(); ++r) {
    out.push_back(
        IndexedRoot{std::string(rows.text(r, 0)), std::string(rows.text(r, 1)), decode_options(rows.text(r, 2))});
  }
  return out;
}

// --- collections and datasets --------------------------------------------------------

Result<Collection> PostgresStore::collection(const Md5& hash) {
  LDB_TRY_ASSIGN(auto rows,
                 m_conn.query("SELECT members FROM collections WHERE hash = $1", PgParams().add_bytes(hash)));
  if (rows.rows() == 0) {
    return fail(ErrorCode::corruption, fmt::format("collection {} is missing from the instance", hash.hex()),
                "the instance may be damaged; restore it from a backup");
  }
  return deserialize_collection(rows.text(0, 0));
}

Result<std::vector<DatasetVersion>> PostgresStore::read_versions(std::string_view where_sql, const PgParams& params) {
  LDB_TRY_ASSIGN(auto rows,
                 m_conn.query(fmt::format("SELECT d.name, v.version, v.parent, v.collection_hash, v.message, v.author, "
                                          "v.time, v.num_objects, v.num_annotations, v.transforms_hash, "
                                          "v.merge_parent FROM dataset_versions v JOIN datasets d ON d.id = "
                                          "v.dataset_id {}",
                                          where_sql),
                              params));
  std::vector<DatasetVersion> out;
  out.reserve(static_cast<std::size_t>(rows.rows()));
  for (int r = 0; r < rows.rows(); ++r) {
    DatasetVersion v;
    v.name = std::string(rows.text(r, 0));
    v.version = static_cast<std::uint32_t>(rows.integer(r, 1));
    v.parent = static_cast<std::uint32_t>(rows.integer(r, 2));
    v.collection_hash = rows.hash(r, 3);
    v.message = std::string(rows.text(r, 4));
    v.author = std::string(rows.text(r, 5));
    v.time = rows.integer(r, 6);
    v.num_objects = static_cast<std::uint64_t>(rows.integer(r, 7));
    v.num_annotations = static_cast<std::uint64_t>(rows.integer(r, 8));
    v.transforms_hash = rows.hash(r, 9);
    v.merge_parent = static_cast<std::uint32_t>(rows.integer(r, 10));
    out.push_back(std::move(v));
  }
  return out;
}

namespace {
constexpr std::string_view k_latest_of_name = "WHERE d.name = $1 ORDER BY v.version DESC LIMIT 1";
}

Result<std::vector<DatasetSummary>> PostgresStore::datasets() {
  LDB_TRY_ASSIGN(auto rows, read_versions("WHERE v.version = (SELECT max(version) FROM dataset_versions w WHERE "
                                          "w.dataset_id = v.dataset_id) ORDER BY d.name",
                                          PgParams()));
  std::vector<DatasetSummary> out;
  for (auto& v : rows) out.push_back(DatasetSummary{v.name, v});
  return out;
}

Result<DatasetVersion> PostgresStore::dataset_version(std::string_view name, std::uint32_t version) {
  auto snapshot = PgTransaction::begin(m_conn, PgTransaction::Kind::snapshot);
  if (!snapshot) return std::unexpected(snapshot.error());
  LDB_TRY_ASSIGN(auto latest, read_versions(k_latest_of_name, PgParams().add(name)));
  if (latest.empty()) return std::unexpected(dataset_unknown(name));
  if (version == 0 || version == latest.front().version) return latest.front();
  LDB_TRY_ASSIGN(auto rows, read_versions("WHERE d.name = $1 AND v.version = $2",
                                          PgParams().add(name).add(std::int64_t{version})));
  if (rows.empty()) return std::unexpected(dataset_version_unknown(name, version, latest.front().version));
  return rows.front();
}

Result<std::vector<DatasetVersion>> PostgresStore::dataset_log(std::string_view name) {
  LDB_TRY_ASSIGN(auto rows, read_versions("WHERE d.name = $1 ORDER BY v.version", PgParams().add(name)));
  if (rows.empty()) return std::unexpected(dataset_unknown(name));
  return rows;
}

Result<DatasetVersion> PostgresStore::commit_dataset(std::string_view name, const Collection& members,
                                                     std::uint32_t parent, std::string_view message,
                                                     std::string_view author) {
  return commit_dataset_with_transforms(name, members, {}, parent, message, author);
}

Result<DatasetVersion> PostgresStore::commit_dataset_with_transforms(std::string_view name, const Collection& members,
                                                                     const TransformAssignments& transforms,
                                                                     std::uint32_t parent, std::string_view message,
                                                                     std::string_view author) {
  return commit_given_version(*this, name, members, transforms, parent, message, author);
}

Result<std::vector<std::optional<DatasetVersion>>> PostgresStore::commit_datasets_decided(
    std::span<const std::string> names, const MultiCommitDecider& decide, std::string_view message,
    std::string_view author) {
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  // Commits to one dataset are serialised by an advisory lock on its name,
  // held to the end of the transaction: the latest version read here is still
  // the latest when the new one is appended, and commits to other datasets
  // do not wait. Names are locked in sorted order, so that two commits of
  // several datasets cannot deadlock.
  std::vector<std::string> sorted(names.begin(), names.end());
  std::sort(sorted.begin(), sorted.end());
  for (const auto& name : sorted) {
    LDB_TRY(m_conn.query("SELECT pg_advisory_xact_lock(7160522, hashtext($1))", PgParams().add(name)));
  }
  std::vector<std::optional<DatasetVersion>> latest;
  latest.reserve(names.size());
  for (const auto& name : names) {
    LDB_TRY_ASSIGN(auto rows, read_versions(k_latest_of_name, PgParams().add(name)));
    latest.emplace_back();
    if (!rows.empty()) latest.back() = std::move(rows.front());
  }
  LDB_TRY_ASSIGN(auto chosen, decide(latest));
  if (chosen.size() != names.size()) {
    return fail(ErrorCode::internal, "a commit decided a different number of versions than it was given datasets");
  }
  std::vector<std::optional<DatasetVersion>> saved(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!chosen[i]) continue;
    LDB_TRY_ASSIGN(saved[i], append_version(names[i], *chosen[i], message, author));
  }
  LDB_TRY(txn.commit());
  return saved;
}

Result<DatasetVersion> PostgresStore::append_version(std::string_view name, const NewVersion& version,
                                                     std::string_view message, std::string_view author) {
  LDB_TRY_ASSIGN(auto transforms_hash, put_transform_assignments(version.members, version.transforms));
  // PostgreSQL stores no value over 1 GB (a bytea of 20-byte members: at most
  // 53,687,091 members); say so instead of the server's allocation error.
  constexpr std::size_t k_max_value_bytes = (std::size_t{1} << 30) - 1;
  if (version.members.size() > k_max_value_bytes / 20) {
    return fail(ErrorCode::unsupported,
                fmt::format("dataset '{}' would hold {} members; a dataset version in PostgreSQL holds at most {}",
                            name, version.members.size(), k_max_value_bytes / 20),
                "split it into several datasets (ldb split), or keep it in a SQLite instance");
  }
  auto blob = serialize_collection(version.members);
  auto hash = core::md5_of(blob);
  LDB_TRY(m_conn.query("INSERT INTO collections(hash, members) VALUES($1, $2) ON CONFLICT (hash) DO NOTHING",
                       PgParams().add_bytes(hash).add_bytes(blob)));
  LDB_TRY(m_conn.query("INSERT INTO datasets(name, created) VALUES($1, $2) ON CONFLICT (name) DO NOTHING",
                       PgParams().add(name).add(unix_now())));
  LDB_TRY_ASSIGN(auto row, m_conn.query("SELECT id, (SELECT COALESCE(max(version), 0) FROM dataset_versions WHERE "
                                        "dataset_id = datasets.id) FROM datasets WHERE name = $1",
                                        PgParams().add(name)));
  if (row.rows() == 0) return fail(ErrorCode::internal, fmt::format("dataset '{}' vanished during commit", name));
  auto v = make_dataset_version(name, static_cast<std::uint32_t>(row.integer(0, 1) + 1), version, transforms_hash,
                                message, author);
  PgParams params;
  params.add(row.integer(0, 0))
      .add(std::int64_t{v.version})
      .add(std::int64_t{v.parent})
      .add_bytes(hash)
      .add(message)
      .add(author)
      .add(v.time)
      .add(static_cast<std::int64_t>(v.num_objects))
      .add(static_cast<std::int64_t>(v.num_annotations));
  if (v.transforms_hash == Md5{}) {
    params.add_null("bytea");
  } else {
    params.add_bytes(v.transforms_hash);
  }
  params.add(std::int64_t{v.merge_parent});
  LDB_TRY(
      m_conn.query("INSERT INTO dataset_versions(dataset_id, version, parent, collection_hash, message, author, "
                   "time, num_objects, num_annotations, transforms_hash, merge_parent) "
                   "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                   params));
  return v;
}

Status PostgresStore::delete_dataset(std::string_view name) {
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  LDB_TRY(m_conn.query("SELECT pg_advisory_xact_lock(7160522, hashtext($1))", PgParams().add(name)));
  LDB_TRY_ASSIGN(auto deleted, m_conn.query("DELETE FROM datasets WHERE name = $1", PgParams().add(name)));
  if (deleted.affected() == 0) return std::unexpected(dataset_unknown(name));
  // Collections no dataset version refers to any more are garbage.
  LDB_TRY(
      m_conn.query("DELETE FROM collections c WHERE NOT EXISTS "
                   "(SELECT 1 FROM dataset_versions v WHERE v.collection_hash = c.hash)"));
  LDB_TRY(
      m_conn.query("DELETE FROM transform_assignments t WHERE NOT EXISTS "
                   "(SELECT 1 FROM dataset_versions v WHERE v.transforms_hash = t.hash)"));
  return txn.commit();
}

Result<std::vector<std::pair<std::string, std::uint32_t>>> PostgresStore::datasets_containing(const Md5& hash) {
  auto snapshot = PgTransaction::begin(m_conn, PgTransaction::Kind::snapshot);
  if (!snapshot) return std::unexpected(snapshot.error());
  LDB_TRY_ASSIGN(auto versions, read_versions("ORDER BY d.name, v.version", PgParams()));
  RemovalOutcome found;
  LDB_TRY(find_holding_versions(
      versions, std::span<const Md5>(&hash, 1), [&](const Md5& h) { return collection(h); }, found));
  return found.held_by;
}

// --- transform sets (as in SQLite: sqlite_transforms.cpp) -------------------------------

Result<Md5> PostgresStore::put_transform_assignments(const Collection& members,
                                                     const TransformAssignments& transforms) {
  LDB_TRY(validate_transform_assignments(members, transforms));
  if (transforms.empty()) return Md5{};
  auto hash = transform_assignments_hash(transforms);
  std::map<std::string, std::int64_t> set_ids;
  std::string blob;
  blob.reserve(transforms.size() * k_assignment_bytes);
  for (const auto& entry : transforms) {
    std::string text = transform_set_text(entry.transforms);
    auto it = set_ids.find(text);
    if (it == set_ids.end()) {
      // DO UPDATE (a no-op) so that RETURNING gives the id of an existing row too.
      LDB_TRY_ASSIGN(auto row, m_conn.query("INSERT INTO transform_sets(commands) VALUES($1) ON CONFLICT (commands) "
                                            "DO UPDATE SET commands = excluded.commands RETURNING id",
                                            PgParams().add(text)));
      it = set_ids.emplace(std::move(text), row.integer(0, 0)).first;
    }
    append_assignment(blob, entry.hash, static_cast<std::uint32_t>(it->second));
  }
  LDB_TRY(m_conn.query("INSERT INTO transform_assignments(hash, members) VALUES($1, $2) ON CONFLICT (hash) DO NOTHING",
                       PgParams().add_bytes(hash).add_bytes(blob)));
  return hash;
}

Result<TransformAssignments> PostgresStore::transform_assignments(const Md5& transforms_hash) {
  if (transforms_hash == Md5{}) return TransformAssignments{};
  auto snapshot = PgTransaction::begin(m_conn, PgTransaction::Kind::snapshot);
  if (!snapshot) return std::unexpected(snapshot.error());
  LDB_TRY_ASSIGN(auto row, m_conn.query("SELECT members FROM transform_assignments WHERE hash = $1",
                                        PgParams().add_bytes(transforms_hash)));
  if (row.rows() == 0) return std::unexpected(transform_assignments_missing(transforms_hash));
  LDB_TRY_ASSIGN(auto assignments, read_assignments(row.text(0, 0), transforms_hash));
  std::map<std::uint32_t, TransformSet> sets;
  TransformAssignments out;
  out.reserve(assignments.size());
  for (const auto& [hash, id] : assignments) {
    auto it = sets.find(id);
    if (it == sets.end()) {
      LDB_TRY_ASSIGN(auto set, m_conn.query("SELECT commands FROM transform_sets WHERE id = $1",
                                            PgParams().add(std::int64_t{id})));
      if (set.rows() == 0) return std::unexpected(transform_set_missing(id));
      it = sets.emplace(id, transform_set_from_text(set.text(0, 0))).first;
    }
    out.push_back(MemberTransforms{hash, it->second});
  }
  return out;
}

}  // namespace ldb::store
