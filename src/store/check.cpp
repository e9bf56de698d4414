#include "store/check.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "store/sqlite.hpp"
#include "store/store.hpp"

// The check reads everything in one read transaction (a consistent snapshot
// even while other processes commit). SQLite's integrity_check and
// foreign_key_check cover every table, including ones added by later schema
// versions; the ldb-specific checks below cover the tables whose invariants
// live in blobs and counters. Objects and annotation versions are loaded into
// memory once, so members are checked with hash lookups, not one query each.

namespace ldb::store {

namespace {

constexpr std::string_view k_restore_hint =
    "restore the instance from a backup (copy the instance folder while no ldb runs)";
// More problems than this of one kind say only "and N more".
constexpr std::size_t k_max_problems_per_kind = 50;

struct Md5Hash {
  std::size_t operator()(const Md5& m) const {
    std::size_t h = 0;
    for (int i = 0; i < 8; ++i) h = (h << 8) | m.bytes[static_cast<std::size_t>(i)];
    return h;
  }
};

class Checker {
 public:
  explicit Checker(Database& db) : m_db(db) {}

  Status run(CheckReport& report);
  // What was found before run() stopped on an error it could not read past.
  std::vector<Problem> take_problems() { return std::move(m_problems); }

 private:
  void problem(std::string kind, std::string where, std::string message,
               std::string hint = std::string(k_restore_hint));
  Status sqlite_checks();
  Status schema_checks(CheckReport& report);
  Status object_checks(CheckReport& report);
  Status dataset_checks(CheckReport& report);
  Status path_checks();
  Status check_collection(const Md5& hash, std::string_view blob, std::string_view where, std::int64_t num_objects,
                          std::int64_t num_annotations);

  Database& m_db;
  std::vector<Problem> m_problems;
  std::map<std::string, std::size_t> m_kind_counts;
  std::unordered_map<Md5, std::int64_t, Md5Hash> m_object_ids;
  std::set<std::pair<std::int64_t, std::int64_t>> m_annotation_versions;  // (object id, version)
  std::unordered_set<Md5, Md5Hash> m_checked_collections;
  std::set<std::string> m_tables;
};

void Checker::problem(std::string kind, std::string where, std::string message, std::string hint) {
  auto& n = m_kind_counts[kind];
  ++n;
  if (n <= k_max_problems_per_kind)
    m_problems.push_back(Problem{std::move(where), std::move(message), std::move(hint)});
}

Status Checker::sqlite_checks() {
  auto integrity = m_db.prepare("PRAGMA integrity_check(100)");
  if (!integrity) return std::unexpected(integrity.error());
  for (;;) {
    auto row = integrity->step();
    if (!row) {
      problem("integrity", "database", fmt::format("SQLite integrity check failed: {}", row.error().message));
      break;
    }
    if (!*row) break;
    auto text = integrity->column_text(0);
    if (text != "ok") problem("integrity", "database", fmt::format("SQLite integrity check: {}", text));
  }
  auto fk = m_db.prepare("PRAGMA foreign_key_check");
  if (!fk) return std::unexpected(fk.error());
  for (;;) {
    auto row = fk->step();
    if (!row) {
      problem("foreign_key", "database", fmt::format("SQLite foreign key check failed: {}", row.error().message));
      break;
    }
    if (!*row) break;
    // WITHOUT ROWID tables report no row id.
    auto where = fk->column_is_null(1) ? fmt::format("table {}", fk->column_text(0))
                                       : fmt::format("table {} row {}", fk->column_text(0), fk->column_int(1));
    problem("foreign_key", where, fmt::format("refers to a missing row of table {}", fk->column_text(2)));
  }
  auto tables = m_db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
  if (!tables) return std::unexpected(tables.error());
  for (;;) {
    auto row = tables->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    m_tables.insert(std::string(tables->column_text(0)));
  }
  for (std::string_view t : {"meta", "objects", "paths", "annotation_contents", "annotation_versions", "tags",
                             "collections", "datasets", "dataset_versions", "storage_locations"}) {
    if (!m_tables.contains(std::string(t))) problem("table", fmt::format("table {}", t), "is missing");
  }
  return {};
}

Status Checker::schema_checks(CheckReport& report) {
  if (!m_tables.contains("meta")) return {};
  auto stmt = m_db.prepare("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) {
    problem("schema", "table meta", "has no schema_version");
    return {};
  }
  auto text = stmt->column_text(0);
  int version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || version < 1) {
    problem("schema", "table meta", fmt::format("schema_version '{}' is not a valid version", text));
    return {};
  }
  report.schema_version = version;
  if (version > k_schema_version) {
    problem("schema", "table meta",
            fmt::format("schema version {} is newer than this ldb understands ({})", version, k_schema_version),
            "check the instance with a newer ldb");
  }
  return {};
}

Status Checker::object_checks(CheckReport& report) {
  if (!m_tables.contains("objects") || !m_tables.contains("annotation_versions")) return {};
  auto objects = m_db.prepare("SELECT id, hash, current_version FROM objects");
  if (!objects) return std::unexpected(objects.error());
  std::unordered_map<std::int64_t, std::pair<Md5, std::int64_t>> current;  // id -> (hash, current_version)
  for (;;) {
    auto row = objects->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    auto id = objects->column_int(0);
    auto blob = objects->column_blob(1);
    if (blob.size() != 16) {
      problem("object_hash", fmt::format("object row {}", id), fmt::format("hash has {} bytes, not 16", blob.size()));
      continue;
    }
    Md5 hash;
    std::copy(blob.begin(), blob.end(), reinterpret_cast<char*>(hash.bytes.data()));
    m_object_ids.emplace(hash, id);
    current.emplace(id, std::pair{hash, objects->column_int(2)});
  }
  report.objects = m_object_ids.size();

  // Versions of each object, to compare with current_version: 1..N, no gaps.
  auto versions = m_db.prepare(
      "SELECT v.object_id, v.version, c.hash, c.json FROM annotation_versions v "
      "LEFT JOIN annotation_contents c ON c.id = v.content_id ORDER BY v.object_id, v.version");
  if (!versions) return std::unexpected(versions.error());
  std::unordered_map<std::int64_t, std::int64_t> max_version;
  std::unordered_set<std::int64_t> checked_contents;
  for (;;) {
    auto row = versions->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    auto object_id = versions->column_int(0);
    auto version = versions->column_int(1);
    m_annotation_versions.emplace(object_id, version);
    auto it = current.find(object_id);
    std::string where = it == current.end()
                            ? fmt::format("annotation version {} of object row {}", version, object_id)
                            : fmt::format("annotation version {} of object id:{}", version, it->second.first.hex());
    auto& max = max_version[object_id];
    if (version != max + 1)
      problem("version_gap", where, fmt::format("follows version {}; versions must count 1, 2, 3, ...", max));
    max = version;
    if (versions->column_is_null(2)) {
      problem("annotation_content", where, "its annotation content is missing");
      continue;
    }
    auto content_hash = versions->column_blob(2);
    auto json = versions->column_text(3);
    auto actual = core::md5_of(json);
    if (content_hash.size() != 16 ||
        !std::equal(content_hash.begin(), content_hash.end(), reinterpret_cast<const char*>(actual.bytes.data()))) {
      problem("annotation_content", where, "its annotation content does not match the hash it is stored under");
    }
  }
  report.annotation_versions = m_annotation_versions.size();
  for (const auto& [id, entry] : current) {
    auto it = max_version.find(id);
    std::int64_t expected = it == max_version.end() ? 0 : it->second;
    // Any existing version may be current: an annotation file put back to
    // earlier content makes that version current again.
    if (entry.second > expected || (expected > 0 && entry.second < 1)) {
      problem("current_version", fmt::format("object id:{}", entry.first.hex()),
              fmt::format("records current annotation version {} but has {} version(s)", entry.second, expected));
    }
  }
  return {};
}

Status Checker::check_collection(const Md5& hash, std::string_view blob, std::string_view where,
                                 std::int64_t num_objects, std::int64_t num_annotations) {
  if (core::md5_of(blob) != hash) {
    problem("collection", std::string(where),
            fmt::format("collection {} does not match the hash it is stored under", hash.hex()));
    return {};
  }
  auto members = deserialize_collection(blob);
  if (!members) {
    problem("collection", std::string(where),
            fmt::format("collection {} cannot be decoded: {}", hash.hex(), members.error().message));
    return {};
  }
  if (static_cast<std::int64_t>(members->size()) != num_objects) {
    problem("counts", std::string(where),
            fmt::format("records {} objects but its collection holds {}", num_objects, members->size()));
  }
  auto annotated =
      std::count_if(members->begin(), members->end(), [](const ObjectRef& r) { return r.annotation_version != 0; });
  if (annotated != num_annotations) {
    problem("counts", std::string(where),
            fmt::format("records {} annotations but its collection holds {}", num_annotations, annotated));
  }
  if (!m_checked_collections.insert(hash).second) return {};
  for (std::size_t i = 0; i < members->size(); ++i) {
    const auto& m = (*members)[i];
    if (i > 0 && !((*members)[i - 1].hash < m.hash)) {
      problem("collection", std::string(where), fmt::format("collection {} is not sorted at member {}", hash.hex(), i));
      break;
    }
    auto obj = m_object_ids.find(m.hash);
    if (obj == m_object_ids.end()) {
      problem("member", std::string(where), fmt::format("member id:{} is not an indexed object", m.hash.hex()));
      continue;
    }
    if (m.annotation_version != 0 && !m_annotation_versions.contains({obj->second, m.annotation_version})) {
      problem("member", std::string(where),
              fmt::format("member id:{} names annotation version {}, which does not exist", m.hash.hex(),
                          m.annotation_version));
    }
  }
  return {};
}

Status Checker::dataset_checks(CheckReport& report) {
  if (!m_tables.contains("datasets") || !m_tables.contains("dataset_versions") || !m_tables.contains("collections"))
    return {};
  auto count = m_db.prepare("SELECT (SELECT COUNT(*) FROM datasets), (SELECT COUNT(*) FROM collections)");
  if (!count) return std::unexpected(count.error());
  auto counted = count->step();
  if (!counted) return std::unexpected(counted.error());
  report.datasets = static_cast<std::uint64_t>(count->column_int(0));
  report.collections = static_cast<std::uint64_t>(count->column_int(1));

  auto empty = m_db.prepare(
      "SELECT name FROM datasets WHERE NOT EXISTS (SELECT 1 FROM dataset_versions v WHERE v.dataset_id = datasets.id)");
  if (!empty) return std::unexpected(empty.error());
  for (;;) {
    auto row = empty->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    problem("dataset", fmt::format("dataset ds:{}", empty->column_text(0)), "has no versions",
            fmt::format("delete it with: ldb ds del ds:{}", empty->column_text(0)));
  }

  auto versions = m_db.prepare(
      "SELECT d.name, v.version, v.collection_hash, v.num_objects, v.num_annotations, c.members, v.dataset_id "
      "FROM dataset_versions v LEFT JOIN datasets d ON d.id = v.dataset_id "
      "LEFT JOIN collections c ON c.hash = v.collection_hash ORDER BY v.dataset_id, v.version");
  if (!versions) return std::unexpected(versions.error());
  std::int64_t last_dataset = -1;
  std::int64_t last_version = 0;
  for (;;) {
    auto row = versions->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    ++report.dataset_versions;
    auto dataset_id = versions->column_int(6);
    auto version = versions->column_int(1);
    std::string where = versions->column_is_null(0)
                            ? fmt::format("version {} of dataset row {}", version, dataset_id)
                            : fmt::format("dataset ds:{} v{}", versions->column_text(0), version);
    if (dataset_id != last_dataset) last_version = 0;
    if (version != last_version + 1) {
      problem("version_gap", where, fmt::format("follows version {}; versions must count 1, 2, 3, ...", last_version));
    }
    last_dataset = dataset_id;
    last_version = version;
    auto hash_blob = versions->column_blob(2);
    if (hash_blob.size() != 16) {
      problem("collection", where, fmt::format("collection hash has {} bytes, not 16", hash_blob.size()));
      continue;
    }
    Md5 hash;
    std::copy(hash_blob.begin(), hash_blob.end(), reinterpret_cast<char*>(hash.bytes.data()));
    if (versions->column_is_null(5)) {
      problem("collection", where, fmt::format("collection {} is missing", hash.hex()));
      continue;
    }
    LDB_TRY(check_collection(hash, versions->column_blob(5), where, versions->column_int(3), versions->column_int(4)));
  }
  return {};
}

Status Checker::path_checks() {
  if (!m_tables.contains("paths")) return {};
  auto paths = m_db.prepare("SELECT path, object_id, annotation_version FROM paths WHERE annotation_version != 0");
  if (!paths) return std::unexpected(paths.error());
  for (;;) {
    auto row = paths->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    auto version = paths->column_int(2);
    if (!m_annotation_versions.contains({paths->column_int(1), version})) {
      problem("path", fmt::format("path '{}'", paths->column_text(0)),
              fmt::format("names annotation version {}, which does not exist", version),
              "index the path again with: ldb index PATH");
    }
  }
  return {};
}

Status Checker::run(CheckReport& report) {
  auto snapshot = ReadTransaction::begin(m_db);
  if (!snapshot) return std::unexpected(snapshot.error());
  LDB_TRY(sqlite_checks());
  LDB_TRY(schema_checks(report));
  LDB_TRY(object_checks(report));
  LDB_TRY(dataset_checks(report));
  LDB_TRY(path_checks());
  for (const auto& [kind, n] : m_kind_counts) {
    if (n > k_max_problems_per_kind) {
      m_problems.push_back(
          Problem{"database", fmt::format("{} more problems of kind '{}' not shown", n - k_max_problems_per_kind, kind),
                  std::string(k_restore_hint)});
    }
  }
  report.problems = std::move(m_problems);
  return {};
}

}  // namespace

Result<CheckReport> check_sqlite_instance(const std::filesystem::path& instance_dir,
                                          std::chrono::milliseconds busy_timeout) {
  auto file = instance_dir / k_database_file;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return fail(ErrorCode::not_found,
                fmt::format("'{}' is not an ldb instance (no {})", instance_dir.string(), k_database_file),
                "check $LDB_DIR or core.ldb_dir in ~/.ldb/config, or create one with: ldb init <folder>");
  }
  CheckReport report;
  auto db = Database::open(file, Database::Create::no, Access::as_permitted, busy_timeout);
  if (!db) {
    if (db.error().code == ErrorCode::io && db.error().message.find("cannot open") != std::string::npos) {
      return std::unexpected(db.error());
    }
    report.problems.push_back(Problem{file.string(),
                                      fmt::format("cannot be opened as a database: {}", db.error().message),
                                      std::string(k_restore_hint)});
    return report;
  }
  Checker checker(*db);
  auto status = checker.run(report);
  if (!status) {
    // A read that fails part-way (a damaged page SQLite trips over) is a
    // finding, not a reason to stop reporting what was found before it.
    if (status.error().code == ErrorCode::conflict) return std::unexpected(status.error());
    report.problems = checker.take_problems();
    report.problems.push_back(
        Problem{"database", fmt::format("cannot be read: {}", status.error().message), std::string(k_restore_hint)});
  }
  return report;
}

}  // namespace ldb::store
