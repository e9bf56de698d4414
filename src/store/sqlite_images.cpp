#include <array>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "core/hash_index.hpp"
#include "store/sqlite_store.hpp"

// What ldb sees in images (schema 6): image_features, embedding_models,
// embeddings and projections. Vectors are stored as BLOBs of little-endian
// float32 (the byte order of every machine ldb builds for; checked below).

namespace ldb::store {

static_assert(std::endian::native == std::endian::little, "vectors are stored as little-endian float32");

namespace {

// Lists this many hashes or more are served by one scan of the objects
// instead of a B-tree probe each (as lookup_annotations does).
constexpr std::size_t k_scan_threshold = 20000;

// Runs `sql` once per hash and calls take(i, row) with hash i's row. `sql`
// selects o.hash first, then the caller's columns, FROM objects o (LEFT JOIN
// whatever the caller reads); it may use parameters ?1..?8, which `bind`
// sets; this adds "WHERE o.hash = ?9" for a probe. Many hashes are served by
// one scan and a flat hash index. not_found when a hash is not indexed.
template <class Bind, class Take>
Status for_each_hash_row(Database& db, std::span<const Md5> hashes, std::string_view sql, Bind bind, Take take) {
  auto snapshot = ReadTransaction::begin(db);
  if (!snapshot) return std::unexpected(snapshot.error());
  if (hashes.size() >= k_scan_threshold) {
    core::HashIndex position(hashes.size());
    for (std::size_t i = 0; i < hashes.size(); ++i) position.insert(hashes[i], static_cast<std::uint32_t>(i));
    auto scan = db.prepare(sql);
    if (!scan) return std::unexpected(scan.error());
    bind(*scan);
    std::vector<char> seen(hashes.size(), 0);
    for (;;) {
      auto row = scan->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      auto i = position.find(md5_from_blob(scan->column_blob(0)));
      if (!i) continue;
      seen[*i] = 1;
      LDB_TRY(take(*i, *scan));
    }
    for (std::size_t i = 0; i < hashes.size(); ++i) {
      if (!seen[i]) return std::unexpected(unknown_object(hashes[i]));
    }
    return {};
  }
  auto probe = db.prepare(fmt::format("{} WHERE o.hash = ?9", sql));
  if (!probe) return std::unexpected(probe.error());
  bind(*probe);
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    probe->bind_blob(9, hashes[i].bytes);
    auto row = probe->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) {
      probe->reset();
      return std::unexpected(unknown_object(hashes[i]));
    }
    auto taken = take(i, *probe);
    probe->reset();
    LDB_TRY(taken);
  }
  return {};
}

// The object ids of `hashes`, in order, inside the caller's transaction.
Result<std::vector<std::int64_t>> object_ids(Database& db, std::span<const Md5> hashes) {
  auto stmt = db.prepare("SELECT id FROM objects WHERE hash = ?");
  if (!stmt) return std::unexpected(stmt.error());
  std::vector<std::int64_t> ids;
  ids.reserve(hashes.size());
  for (const auto& hash : hashes) {
    stmt->bind_blob(1, hash.bytes);
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) {
      stmt->reset();
      return std::unexpected(unknown_object(hash));
    }
    ids.push_back(stmt->column_int(0));
    stmt->reset();
  }
  return ids;
}

struct ModelRow {
  std::int64_t id = 0;
  std::size_t dimensions = 0;
};

Result<std::optional<ModelRow>> find_model(Database& db, std::string_view model) {
  auto stmt = db.prepare("SELECT id, dimensions FROM embedding_models WHERE model = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, model);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<ModelRow>();
  return std::optional<ModelRow>(ModelRow{stmt->column_int(0), static_cast<std::size_t>(stmt->column_int(1))});
}

std::int64_t signed_bits(std::uint64_t value) { return std::bit_cast<std::int64_t>(value); }
std::uint64_t unsigned_bits(std::int64_t value) { return std::bit_cast<std::uint64_t>(value); }

}  // namespace

void bind_image_features(Statement& stmt, int first, const ImageFeatures& f) {
  if (!f.error.empty()) {
    for (int i = 0; i < 7; ++i) stmt.bind_null(first + i);
    stmt.bind(first + 7, std::string_view(f.error));
    return;
  }
  stmt.bind(first, signed_bits(f.phash))
      .bind(first + 1, signed_bits(f.dhash))
      .bind_double(first + 2, f.mean)
      .bind_double(first + 3, f.std)
      .bind_double(first + 4, f.sharpness)
      .bind_double(first + 5, f.entropy)
      .bind(first + 6, static_cast<std::int64_t>(f.channels))
      .bind_null(first + 7);
}

std::optional<ImageFeatures> read_image_features(const Statement& row, int first) {
  if (row.column_is_null(first) && row.column_is_null(first + 7)) return std::nullopt;
  ImageFeatures f;
  if (!row.column_is_null(first + 7)) {
    f.error = std::string(row.column_text(first + 7));
    return f;
  }
  f.phash = unsigned_bits(row.column_int(first));
  f.dhash = unsigned_bits(row.column_int(first + 1));
  f.mean = row.column_double(first + 2);
  f.std = row.column_double(first + 3);
  f.sharpness = row.column_double(first + 4);
  f.entropy = row.column_double(first + 5);
  f.channels = static_cast<std::uint8_t>(row.column_int(first + 6));
  return f;
}

Result<std::vector<std::optional<ImageFeatures>>> SqliteStore::image_features(std::span<const Md5> hashes) {
  std::vector<std::optional<ImageFeatures>> out(hashes.size());
  LDB_TRY(for_each_hash_row(
      m_db, hashes,
      "SELECT o.hash, f.phash, f.dhash, f.mean, f.std, f.sharpness, f.entropy, f.channels, f.error "
      "FROM objects o LEFT JOIN image_features f ON f.object_id = o.id",
      [](Statement&) {},
      [&](std::size_t i, const Statement& row) -> Status {
        out[i] = read_image_features(row, 1);
        return {};
      }));
  return out;
}

Status SqliteStore::put_image_features(std::span<const std::pair<Md5, ImageFeatures>> features) {
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  auto put = m_db.prepare(
      "INSERT OR REPLACE INTO image_features(object_id, phash, dhash, mean, std, sharpness, entropy, channels, error) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!put) return std::unexpected(put.error());
  std::vector<Md5> hashes;
  hashes.reserve(features.size());
  for (const auto& [hash, f] : features) hashes.push_back(hash);
  auto ids = object_ids(m_db, hashes);
  if (!ids) return std::unexpected(ids.error());
  for (std::size_t i = 0; i < features.size(); ++i) {
    put->bind(1, (*ids)[i]);
    bind_image_features(*put, 2, features[i].second);
    LDB_TRY(put->run());
  }
  return txn->commit();
}

Result<Embeddings> SqliteStore::embeddings(std::string_view model, std::span<const Md5> hashes) {
  Embeddings out;
  out.present.assign(hashes.size(), 0);
  auto snapshot = ReadTransaction::begin(m_db);
  if (!snapshot) return std::unexpected(snapshot.error());
  auto found = find_model(m_db, model);
  if (!found) return std::unexpected(found.error());
  ModelRow row_of_model = found->value_or(ModelRow{-1, 0});
  out.dimensions = row_of_model.dimensions;
  out.rows.assign(hashes.size() * out.dimensions, 0.0f);
  std::size_t bytes = out.dimensions * sizeof(float);
  LDB_TRY(for_each_hash_row(
      m_db, hashes,
      "SELECT o.hash, e.vector FROM objects o LEFT JOIN embeddings e ON e.object_id = o.id AND e.model_id = ?1",
      [&](Statement& stmt) { stmt.bind(1, row_of_model.id); },
      [&](std::size_t i, const Statement& row) -> Status {
        if (row.column_is_null(1)) return {};
        auto blob = row.column_blob(1);
        if (blob.size() != bytes) {
          return fail(ErrorCode::corruption,
                      fmt::format("the stored '{}' vector of object id:{} has {} bytes; the model's vectors have {}",
                                  model, hashes[i].hex(), blob.size(), bytes),
                      "embed it again: ldb embed id:" + hashes[i].hex());
        }
        std::memcpy(out.rows.data() + i * out.dimensions, blob.data(), bytes);
        out.present[i] = 1;
        return {};
      }));
  return out;
}

Status SqliteStore::put_embeddings(std::string_view model, std::span<const Md5> hashes, const Embeddings& vectors) {
  if (vectors.dimensions == 0 || vectors.rows.size() != hashes.size() * vectors.dimensions) {
    return fail(ErrorCode::invalid_argument, fmt::format("{} numbers for {} vectors of {} dimensions",
                                                         vectors.rows.size(), hashes.size(), vectors.dimensions));
  }
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  auto found = find_model(m_db, model);
  if (!found) return std::unexpected(found.error());
  std::int64_t model_id;
  if (*found) {
    if ((*found)->dimensions != vectors.dimensions) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("model '{}' gave vectors of {} numbers, but its stored vectors have {}", model,
                              vectors.dimensions, (*found)->dimensions),
                  "a model's vectors all have one length: declare a changed model under a new name");
    }
    model_id = (*found)->id;
  } else {
    auto add = m_db.prepare("INSERT INTO embedding_models(model, dimensions) VALUES(?, ?)");
    if (!add) return std::unexpected(add.error());
    add->bind(1, model).bind(2, static_cast<std::int64_t>(vectors.dimensions));
    LDB_TRY(add->run());
    model_id = m_db.last_insert_rowid();
  }
  auto ids = object_ids(m_db, hashes);
  if (!ids) return std::unexpected(ids.error());
  auto put = m_db.prepare("INSERT OR REPLACE INTO embeddings(model_id, object_id, vector) VALUES(?, ?, ?)");
  if (!put) return std::unexpected(put.error());
  std::size_t bytes = vectors.dimensions * sizeof(float);
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    const char* data = reinterpret_cast<const char*>(vectors.rows.data() + i * vectors.dimensions);
    put->bind(1, model_id).bind(2, (*ids)[i]).bind_blob(3, std::string_view(data, bytes));
    LDB_TRY(put->run());
  }
  return txn->commit();
}

Result<std::vector<std::optional<Point2>>> SqliteStore::projection(std::string_view model, std::string_view method,
                                                                   std::span<const Md5> hashes) {
  std::vector<std::optional<Point2>> out(hashes.size());
  auto snapshot = ReadTransaction::begin(m_db);
  if (!snapshot) return std::unexpected(snapshot.error());
  auto found = find_model(m_db, model);
  if (!found) return std::unexpected(found.error());
  std::int64_t model_id = *found ? (*found)->id : -1;
  auto take_point = [&](std::size_t i, const Statement& row) -> Status {
    if (!row.column_is_null(1)) {
      out[i] = Point2{static_cast<float>(row.column_double(1)), static_cast<float>(row.column_double(2))};
    }
    return {};
  };
  if (hashes.size() < k_scan_threshold) {
    LDB_TRY(for_each_hash_row(
        m_db, hashes,
        "SELECT o.hash, p.x, p.y FROM objects o LEFT JOIN projections p "
        "ON p.object_id = o.id AND p.model_id = ?1 AND p.method = ?2",
        [&](Statement& stmt) { stmt.bind(1, model_id).bind(2, method); }, take_point));
    return out;
  }
  // Many hashes (the embedding view's million): one range scan of the
  // projection, in object order, instead of a probe of it per object in hash
  // order (6x faster at 100k); then the hashes left without a point are
  // checked to be objects, as the probe would have.
  core::HashIndex position(hashes.size());
  for (std::size_t i = 0; i < hashes.size(); ++i) position.insert(hashes[i], static_cast<std::uint32_t>(i));
  auto scan = m_db.prepare(
      "SELECT o.hash, p.x, p.y FROM projections p JOIN objects o ON o.id = p.object_id "
      "WHERE p.model_id = ?1 AND p.method = ?2");
  if (!scan) return std::unexpected(scan.error());
  scan->bind(1, model_id).bind(2, method);
  // The rows come in object order and land at random positions: each lookup
  // and each store is a cache miss, so they go in batches whose slots are
  // prefetched first (2x faster at 1M).
  constexpr std::size_t k_batch = 256;
  std::vector<std::pair<Md5, Point2>> batch;
  batch.reserve(k_batch);
  constexpr std::uint32_t k_nowhere = UINT32_MAX;
  std::array<std::uint32_t, k_batch> at{};
  auto flush = [&] {
    for (const auto& [hash, point] : batch) position.prefetch(hash);
    for (std::size_t k = 0; k < batch.size(); ++k) {
      auto i = position.find(batch[k].first);
      at[k] = i ? *i : k_nowhere;
      if (i) __builtin_prefetch(&out[*i], 1);
    }
    for (std::size_t k = 0; k < batch.size(); ++k) {
      if (at[k] != k_nowhere) out[at[k]] = batch[k].second;
    }
    batch.clear();
  };
  for (;;) {
    auto row = scan->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    batch.emplace_back(md5_from_blob(scan->column_blob(0)),
                       Point2{static_cast<float>(scan->column_double(1)), static_cast<float>(scan->column_double(2))});
    if (batch.size() == k_batch) flush();
  }
  flush();
  std::vector<Md5> without;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if (out[i]) continue;
    // A hash given twice: the index holds its first position.
    if (auto first = position.find(hashes[i]); first && *first != i && out[*first]) {
      out[i] = out[*first];
    } else {
      without.push_back(hashes[i]);
    }
  }
  if (!without.empty()) {
    LDB_TRY(for_each_hash_row(
        m_db, without, "SELECT o.hash FROM objects o", [](Statement&) {},
        [](std::size_t, const Statement&) -> Status { return {}; }));
  }
  return out;
}

Status SqliteStore::put_projection(std::string_view model, std::string_view method, std::span<const Md5> hashes,
                                   std::span<const Point2> points) {
  if (points.size() != hashes.size()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} points for {} objects in a projection", points.size(), hashes.size()));
  }
  auto txn = Transaction::begin(m_db);
  if (!txn) return std::unexpected(txn.error());
  auto found = find_model(m_db, model);
  if (!found) return std::unexpected(found.error());
  if (!*found) {
    return fail(ErrorCode::not_found, fmt::format("no object has embeddings of model '{}'", model),
                fmt::format("compute them first: ldb embed -m {}", model));
  }
  auto clear = m_db.prepare("DELETE FROM projections WHERE model_id = ? AND method = ?");
  if (!clear) return std::unexpected(clear.error());
  clear->bind(1, (*found)->id).bind(2, method);
  LDB_TRY(clear->run());
  auto ids = object_ids(m_db, hashes);
  if (!ids) return std::unexpected(ids.error());
  auto put =
      m_db.prepare("INSERT OR REPLACE INTO projections(model_id, method, object_id, x, y) VALUES(?, ?, ?, ?, ?)");
  if (!put) return std::unexpected(put.error());
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    put->bind(1, (*found)->id)
        .bind(2, method)
        .bind(3, (*ids)[i])
        .bind_double(4, points[i].x)
        .bind_double(5, points[i].y);
    LDB_TRY(put->run());
  }
  return txn->commit();
}

}  // namespace ldb::store
