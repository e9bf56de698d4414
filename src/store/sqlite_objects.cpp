#include <algorithm>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "core/hash_index.hpp"
#include "core/json.hpp"
#include "store/sqlite_parallel.hpp"
#include "store/sqlite_store.hpp"

// Objects, paths, annotation versions and tags (ingest is in sqlite_ingest.cpp).

namespace ldb::store {

Result<std::int64_t> SqliteStore::object_id(const Md5& hash) {
  auto stmt = m_db.prepare("SELECT id FROM objects WHERE hash = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_blob(1, hash.bytes);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(unknown_object(hash));
  return stmt->column_int(0);
}

Result<std::vector<KnownPath>> SqliteStore::known_paths_under(std::string_view prefix) {
  std::string base(prefix);
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  // One range scan of the primary key, in path order: from `base` itself to
  // just before base + "0" ('0' sorts right after '/'). It also passes names
  // like "base.old" and "base-2" (bytes below '/'), which are skipped here;
  // an OR of the two conditions made SQLite sort all rows again.
  auto stmt = m_db.prepare(
      "SELECT p.path, p.size, p.mtime_ns, o.hash, p.annotation_path, p.annotation_size, p.annotation_mtime_ns, "
      "p.annotation_version, o.image_format IS NULL FROM paths p JOIN objects o ON o.id = p.object_id "
      "WHERE p.path >= ?1 AND p.path < ?2");
  if (!stmt) return std::unexpected(stmt.error());
  std::string under = base == "/" ? "/" : base + "/";
  stmt->bind(1, base).bind(2, base == "/" ? std::string("0") : base + "0");
  std::vector<KnownPath> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    std::string_view path = stmt->column_text(0);
    if (path != base && !path.starts_with(under)) continue;
    KnownPath k;
    k.path = std::string(path);
    k.size = static_cast<std::uint64_t>(stmt->column_int(1));
    k.mtime_ns = stmt->column_int(2);
    k.hash = md5_from_blob(stmt->column_blob(3));
    k.annotation_path = std::string(stmt->column_text(4));
    k.annotation_size = static_cast<std::uint64_t>(stmt->column_int(5));
    k.annotation_mtime_ns = stmt->column_int(6);
    k.annotation_version = static_cast<std::uint32_t>(stmt->column_int(7));
    k.image_unprobed = stmt->column_int(8) != 0;
    out.push_back(std::move(k));
  }
  return out;
}

Result<std::vector<Md5>> SqliteStore::objects_with_prefix(std::string_view hex_prefix, std::size_t limit) {
  std::string lo(hex_prefix), hi(hex_prefix);
  lo.resize(32, '0');
  hi.resize(32, 'f');
  auto lo_hash = Md5::from_hex(lo);
  auto hi_hash = Md5::from_hex(hi);
  if (!lo_hash || !hi_hash) return std::unexpected(lo_hash ? hi_hash.error() : lo_hash.error());
  auto stmt = m_db.prepare("SELECT hash FROM objects WHERE hash >= ? AND hash <= ? ORDER BY hash LIMIT ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_blob(1, lo_hash->bytes).bind_blob(2, hi_hash->bytes).bind(3, static_cast<std::int64_t>(limit));
  std::vector<Md5> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(md5_from_blob(stmt->column_blob(0)));
  }
  return out;
}

Result<std::vector<ObjectInfo>> SqliteStore::objects_info(std::span<const Md5> hashes) {
  auto snapshot = ReadTransaction::begin(m_db);
  if (!snapshot) return std::unexpected(snapshot.error());
  auto object = m_db.prepare(
      "SELECT o.id, o.size, o.first_indexed, o.last_indexed, o.current_version, o.image_width, o.image_height, "
      "o.image_format, f.phash, f.dhash, f.mean, f.std, f.sharpness, f.entropy, f.channels, f.error "
      "FROM objects o LEFT JOIN image_features f ON f.object_id = o.id WHERE o.hash = ?");
  auto paths = m_db.prepare("SELECT path, mtime_ns FROM paths WHERE object_id = ? ORDER BY path");
  auto tags = m_db.prepare("SELECT tag FROM tags WHERE object_id = ? ORDER BY tag");
  auto versions = m_db.prepare(
      "SELECT v.version, v.indexed_at, c.hash FROM annotation_versions v JOIN annotation_contents c "
      "ON c.id = v.content_id WHERE v.object_id = ? ORDER BY v.version");
  for (auto* stmt : {&object, &paths, &tags, &versions}) {
    if (!*stmt) return std::unexpected(stmt->error());
  }
  // Runs `stmt` for one object id, calling `take` per row.
  auto each_row = [](Statement& stmt, std::int64_t id, auto take) -> Status {
    stmt.bind(1, id);
    for (;;) {
      auto row = stmt.step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      take(stmt);
    }
    stmt.reset();
    return {};
  };
  std::vector<ObjectInfo> out;
  out.reserve(hashes.size());
  for (const auto& hash : hashes) {
    object->bind_blob(1, hash.bytes);
    auto row = object->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) {
      object->reset();
      return std::unexpected(unknown_object(hash));
    }
    ObjectInfo info;
    info.hash = hash;
    auto id = object->column_int(0);
    info.size = static_cast<std::uint64_t>(object->column_int(1));
    info.first_indexed = object->column_int(2);
    info.last_indexed = object->column_int(3);
    info.current_version = static_cast<std::uint32_t>(object->column_int(4));
    if (!object->column_is_null(7) && !object->column_text(7).empty()) {
      info.image = ImageInfo{static_cast<std::uint32_t>(object->column_int(5)),
                             static_cast<std::uint32_t>(object->column_int(6)), std::string(object->column_text(7)),
                             read_image_features(*object, 8)};
    }
    object->reset();
    LDB_TRY(each_row(*paths, id, [&](const Statement& r) {
      if (info.paths.empty()) info.mtime_ns = r.column_int(1);
      info.paths.emplace_back(r.column_text(0));
    }));
    LDB_TRY(each_row(*tags, id, [&](const Statement& r) { info.tags.emplace_back(r.column_text(0)); }));
    LDB_TRY(each_row(*versions, id, [&](const Statement& r) {
      info.versions.push_back(AnnotationVersionInfo{static_cast<std::uint32_t>(r.column_int(0)), r.column_int(1),
                                                    md5_from_blob(r.column_blob(2))});
    }));
    out.push_back(std::move(info));
  }
  return out;
}

namespace {

// Selections at least this large are read by one scan of every path, as
// scan_annotations decides for annotations (sqlite_annotation_cursor.cpp):
// a million lookups took 30 s where the scan takes a fraction of one.
constexpr std::size_t k_files_scan_threshold = 20000;
// Tables spanning at least this many ids are read on two threads.
constexpr std::int64_t k_split_above = 200000;

}  // namespace

Result<std::vector<ObjectFiles>> SqliteStore::object_files(std::span<const Md5> hashes) {
  std::vector<ObjectFiles> out(hashes.size());
  std::vector<char> found(hashes.size(), 0);
  if (hashes.size() < k_files_scan_threshold) {
    auto snapshot = ReadTransaction::begin(m_db);
    if (!snapshot) return std::unexpected(snapshot.error());
    auto stmt = m_db.prepare(
        "SELECT o.size, p.path FROM objects o LEFT JOIN paths p ON p.object_id = o.id WHERE o.hash = ? ORDER BY "
        "p.path");
    if (!stmt) return std::unexpected(stmt.error());
    for (std::size_t i = 0; i < hashes.size(); ++i) {
      stmt->bind_blob(1, hashes[i].bytes);
      for (;;) {
        auto row = stmt->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        found[i] = 1;
        out[i].size = static_cast<std::uint64_t>(stmt->column_int(0));
        if (!stmt->column_is_null(1)) out[i].paths.emplace_back(stmt->column_text(1));
      }
      stmt->reset();
      if (!found[i]) return std::unexpected(unknown_object(hashes[i]));
    }
    return out;
  }
  // Each hash's position; a hash given twice is copied from its first.
  core::HashIndex position(hashes.size());
  std::vector<std::pair<std::size_t, std::uint32_t>> repeats;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if (auto first = position.find(hashes[i])) {
      repeats.emplace_back(i, *first);
    } else {
      position.insert(hashes[i], static_cast<std::uint32_t>(i));
    }
  }
  // The paths in object id order (their covering index), each joined with its
  // object: three times faster than objects LEFT JOIN paths, which looks the
  // paths up per object. Objects without a path are looked up after. A large
  // table is read in two id ranges on two threads, as root_collection() is.
  // Rows come in object id order, their positions in no order: each row costs
  // a cache miss in the index and one in `out`. A batch of rows is read
  // first, prefetching as it goes, and placed afterwards, so that the misses
  // overlap instead of stalling one by one (as the annotation scan does).
  // Different ranges hold different objects: the threads write apart.
  auto read_part = [&](Database& db, std::pair<std::int64_t, std::int64_t> range, std::size_t) -> Status {
    auto scan = db.prepare(
        "SELECT o.hash, o.size, p.path FROM paths p JOIN objects o ON o.id = p.object_id "
        "WHERE p.object_id BETWEEN ? AND ?");
    if (!scan) return std::unexpected(scan.error());
    scan->bind(1, range.first).bind(2, range.second);
    constexpr std::size_t k_batch = 256;
    struct Row {
      Md5 hash;
      std::uint64_t size = 0;
      std::size_t path_end = 0;  // in `text`
    };
    std::vector<Row> rows(k_batch);
    std::vector<std::optional<std::uint32_t>> at(k_batch);
    std::string text;
    for (bool done = false; !done;) {
      std::size_t n = 0;
      text.clear();
      for (; n < k_batch; ++n) {
        auto row = scan->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) {
          done = true;
          break;
        }
        rows[n].hash = md5_from_blob(scan->column_blob(0));
        position.prefetch(rows[n].hash);
        rows[n].size = static_cast<std::uint64_t>(scan->column_int(1));
        text.append(scan->column_text(2));
        rows[n].path_end = text.size();
      }
      for (std::size_t r = 0; r < n; ++r) {
        at[r] = position.find(rows[r].hash);
        if (at[r]) __builtin_prefetch(&out[*at[r]]);
      }
      std::size_t path_begin = 0;
      for (std::size_t r = 0; r < n; ++r) {
        if (at[r]) {
          found[*at[r]] = 1;
          auto& files = out[*at[r]];
          files.size = rows[r].size;
          files.paths.emplace_back(text, path_begin, rows[r].path_end - path_begin);
        }
        path_begin = rows[r].path_end;
      }
    }
    return {};
  };
  LDB_TRY(read_id_ranges(m_db, "paths", "object_id", k_split_above, 2, read_part));
  auto snapshot = ReadTransaction::begin(m_db);
  if (!snapshot) return std::unexpected(snapshot.error());
  auto pathless = m_db.prepare("SELECT size FROM objects WHERE hash = ?");
  if (!pathless) return std::unexpected(pathless.error());
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if (found[i] || position.find(hashes[i]) != i) continue;
    pathless->bind_blob(1, hashes[i].bytes);
    auto row = pathless->step();
    if (!row) return std::unexpected(row.error());
    if (*row) {
      found[i] = 1;
      out[i].size = static_cast<std::uint64_t>(pathless->column_int(0));
    }
    pathless->reset();
  }
  for (const auto& [i, first] : repeats) {
    out[i] = out[first];
    found[i] = found[first];
  }
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if (!found[i]) return std::unexpected(unknown_object(hashes[i]));
    if (out[i].paths.size() > 1) std::sort(out[i].paths.begin(), out[i].paths.end());
  }
  return out;
}

Result<ObjectInfo> SqliteStore::object_info(const Md5& hash) {
  auto infos = objects_info(std::span<const Md5>(&hash, 1));
  if (!infos) return std::unexpected(infos.error());
  return std::move(infos->front());
}

Result<Collection> SqliteStore::root_collection() {
  // Read in rowid order and sorted here: "ORDER BY hash" would walk the hash
  // index and seek the table once per object, four times slower over a
  // million. A large table is read in two id ranges on two threads.
  std::vector<Collection> parts(2);
  LDB_TRY(read_id_ranges(
      m_db, "objects", "id", k_split_above, 2, [&](Database& db, auto range, std::size_t part) -> Status {
        auto stmt = db.prepare("SELECT hash, current_version FROM objects WHERE id BETWEEN ? AND ?");
        if (!stmt) return std::unexpected(stmt.error());
        stmt->bind(1, range.first).bind(2, range.second);
        for (;;) {
          auto row = stmt->step();
          if (!row) return std::unexpected(row.error());
          if (!*row) return {};
          parts[part].push_back(
              ObjectRef{md5_from_blob(stmt->column_blob(0)), static_cast<std::uint32_t>(stmt->column_int(1))});
        }
      }));
  Collection out = std::move(parts[0]);
  for (std::size_t i = 1; i < parts.size(); ++i) out.insert(out.end(), parts[i].begin(), parts[i].end());
  return sort_by_hash(std::move(out));
}

Result<Collection> SqliteStore::current_versions(std::span<const Md5> hashes) {
  auto snapshot = ReadTransaction::begin(m_db);
  if (!snapshot) return std::unexpected(snapshot.error());
  auto stmt = m_db.prepare("SELECT current_version FROM objects WHERE hash = ?");
  if (!stmt) return std::unexpected(stmt.error());
  Collection out;
  out.reserve(hashes.size());
  for (const auto& hash : hashes) {
    stmt->bind_blob(1, hash.bytes);
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) {
      stmt->reset();
      return std::unexpected(unknown_object(hash));
    }
    out.push_back(ObjectRef{hash, static_cast<std::uint32_t>(stmt->column_int(0))});
    stmt->reset();
  }
  return out;
}

namespace {
constexpr std::string_view k_annotation_lookup =
    "SELECT c.json, c.hash FROM objects o JOIN annotation_versions v ON v.object_id = o.id "
    "JOIN annotation_contents c ON c.id = v.content_id WHERE o.hash = ? AND v.version = ?";
}

namespace {

// Looks up each ref's annotation row and keeps what `read` takes from it
// (the JSON text or the content hash); refs without one keep T{}. Many refs
// (a query over ds:root) are served by one scan of every annotation version
// instead of a B-tree lookup each.
template <class T, class Read>
Result<std::vector<T>> lookup_annotations(Database& db, std::span<const ObjectRef> refs, Read read) {
  constexpr std::size_t k_scan_threshold = 20000;
  auto snapshot = ReadTransaction::begin(db);
  if (!snapshot) return std::unexpected(snapshot.error());
  std::vector<T> out(refs.size());
  if (refs.size() >= k_scan_threshold) {
    // One sequential scan of every version (rows come in object id order, so
    // the joined lookups stay cache-friendly) and a flat hash index to place
    // each row; cheaper than a scan in hash order, which seeks at random.
    core::HashIndex position(refs.size());
    for (std::size_t i = 0; i < refs.size(); ++i) {
      if (refs[i].annotation_version != 0) position.insert(refs[i].hash, static_cast<std::uint32_t>(i));
    }
    auto scan = db.prepare(
        "SELECT c.json, c.hash, o.hash, v.version FROM annotation_versions v "
        "JOIN objects o ON o.id = v.object_id JOIN annotation_contents c ON c.id = v.content_id");
    if (!scan) return std::unexpected(scan.error());
    for (;;) {
      auto row = scan->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      auto i = position.find(md5_from_blob(scan->column_blob(2)));
      if (i && refs[*i].annotation_version == scan->column_int(3)) out[*i] = read(*scan);
    }
    return out;
  }
  auto stmt = db.prepare(k_annotation_lookup);
  if (!stmt) return std::unexpected(stmt.error());
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (refs[i].annotation_version == 0) continue;
    stmt->bind_blob(1, refs[i].hash.bytes).bind(2, static_cast<std::int64_t>(refs[i].annotation_version));
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (*row) out[i] = read(*stmt);
    stmt->reset();
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> SqliteStore::annotations(std::span<const ObjectRef> refs) {
  return lookup_annotations<std::string>(m_db, refs, [](const Statement& s) { return std::string(s.column_text(0)); });
}

Result<std::vector<Md5>> SqliteStore::annotation_hashes(std::span<const ObjectRef> refs) {
  return lookup_annotations<Md5>(m_db, refs, [](const Statement& s) { return md5_from_blob(s.column_blob(1)); });
}

Result<std::uint64_t> SqliteStore::update_tags(std::span<const Md5> hashes, std::span<const std::string> add,
                                               std::span<const std::string> remove) {
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  auto ins = m_db.prepare("INSERT OR IGNORE INTO tags(object_id, tag) VALUES(?, ?)");
  auto del = m_db.prepare("DELETE FROM tags WHERE object_id = ? AND tag = ?");
  if (!ins) return std::unexpected(ins.error());
  if (!del) return std::unexpected(del.error());
  std::uint64_t changed = 0;
  for (const auto& hash : hashes) {
    auto id = object_id(hash);
    if (!id) return std::unexpected(id.error());
    bool any = false;
    for (const auto& tag : add) {
      ins->bind(1, *id).bind(2, tag);
      LDB_TRY(ins->run());
      any |= sqlite3_changes(m_db.handle()) > 0;
    }
    for (const auto& tag : remove) {
      del->bind(1, *id).bind(2, tag);
      LDB_TRY(del->run());
      any |= sqlite3_changes(m_db.handle()) > 0;
    }
    changed += any ? 1 : 0;
  }
  LDB_TRY(txn->commit());
  return changed;
}

}  // namespace ldb::store
