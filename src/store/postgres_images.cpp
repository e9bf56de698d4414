#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "store/postgres_store.hpp"

// What ldb sees in images in PostgreSQL: image_features, embedding_models,
// embeddings and projections, as in SQLite (sqlite_images.cpp). Vectors are
// bytea of little-endian float32, the same bytes SQLite stores.

namespace ldb::store {

static_assert(std::endian::native == std::endian::little, "vectors are stored as little-endian float32");

namespace {

constexpr std::string_view k_by_hashes =
    "FROM unnest($1::bytea[]) WITH ORDINALITY AS h(hash, i) LEFT JOIN objects o ON o.hash = h.hash";

std::size_t position(const PgResult& rows, int row) { return static_cast<std::size_t>(rows.integer(row, 0) - 1); }

struct ModelRow {
  std::int64_t id = 0;
  std::size_t dimensions = 0;
};

Result<std::optional<ModelRow>> find_model(PgConnection& conn, std::string_view model) {
  LDB_TRY_ASSIGN(auto rows,
                 conn.query("SELECT id, dimensions FROM embedding_models WHERE model = $1", PgParams().add(model)));
  if (rows.rows() == 0) return std::optional<ModelRow>();
  return std::optional<ModelRow>(ModelRow{rows.integer(0, 0), static_cast<std::size_t>(rows.integer(0, 1))});
}

}  // namespace

void add_image_features(PgParams& params, const ImageFeatures& f) {
  if (!f.error.empty()) {
    params.add_null("int8").add_null("int8");
    for (int i = 0; i < 4; ++i) params.add_null("float8");
    params.add_null("int8").add(f.error);
    return;
  }
  params.add(std::bit_cast<std::int64_t>(f.phash))
      .add(std::bit_cast<std::int64_t>(f.dhash))
      .add_double(f.mean)
      .add_double(f.std)
      .add_double(f.sharpness)
      .add_double(f.entropy)
      .add(std::int64_t{f.channels})
      .add_null("text");
}

std::optional<ImageFeatures> read_image_features(const PgResult& rows, int row, int first) {
  if (rows.is_null(row, first) && rows.is_null(row, first + 7)) return std::nullopt;
  ImageFeatures f;
  if (!rows.is_null(row, first + 7)) {
    f.error = std::string(rows.text(row, first + 7));
    return f;
  }
  f.phash = std::bit_cast<std::uint64_t>(rows.integer(row, first));
  f.dhash = std::bit_cast<std::uint64_t>(rows.integer(row, first + 1));
  f.mean = rows.real(row, first + 2);
  f.std = rows.real(row, first + 3);
  f.sharpness = rows.real(row, first + 4);
  f.entropy = rows.real(row, first + 5);
  f.channels = static_cast<std::uint8_t>(rows.integer(row, first + 6));
  return f;
}

Result<std::vector<std::optional<ImageFeatures>>> PostgresStore::image_features(std::span<const Md5> hashes) {
  LDB_TRY_ASSIGN(auto rows, m_conn.query(fmt::format("SELECT h.i, o.id, f.phash, f.dhash, f.mean, f.std, f.sharpness, "
                                                     "f.entropy, f.channels, f.error {} LEFT JOIN image_features f ON "
                                                     "f.object_id = o.id",
                                                     k_by_hashes),
                                         PgParams().add_hashes(hashes)));
  std::vector<std::optional<ImageFeatures>> out(hashes.size());
  for (int r = 0; r < rows.rows(); ++r) {
    auto i = position(rows, r);
    if (rows.is_null(r, 1)) return std::unexpected(unknown_object(hashes[i]));
    out[i] = read_image_features(rows, r, 2);
  }
  return out;
}

Status PostgresStore::put_image_features(std::span<const std::pair<Md5, ImageFeatures>> features) {
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  std::vector<Md5> hashes;
  hashes.reserve(features.size());
  for (const auto& [hash, f] : features) hashes.push_back(hash);
  LDB_TRY_ASSIGN(auto ids, object_ids(hashes));
  for (std::size_t i = 0; i < features.size(); ++i) {
    PgParams params;
    params.add(ids[i]);
    add_image_features(params, features[i].second);
    LDB_TRY(m_conn.query(k_put_image_features, params));
  }
  return txn.commit();
}

Result<Embeddings> PostgresStore::embeddings(std::string_view model, std::span<const Md5> hashes) {
  auto snapshot = PgTransaction::begin(m_conn, PgTransaction::Kind::snapshot);
  if (!snapshot) return std::unexpected(snapshot.error());
  LDB_TRY_ASSIGN(auto found, find_model(m_conn, model));
  ModelRow of_model = found.value_or(ModelRow{-1, 0});
  Embeddings out;
  out.present.assign(hashes.size(), 0);
  out.dimensions = of_model.dimensions;
  out.rows.assign(hashes.size() * out.dimensions, 0.0f);
  std::size_t bytes = out.dimensions * sizeof(float);
  LDB_TRY_ASSIGN(auto rows, m_conn.query(fmt::format("SELECT h.i, o.id, e.vector {} LEFT JOIN embeddings e ON "
                                                     "e.object_id = o.id AND e.model_id = $2",
                                                     k_by_hashes),
                                         PgParams().add_hashes(hashes).add(of_model.id)));
  for (int r = 0; r < rows.rows(); ++r) {
    auto i = position(rows, r);
    if (rows.is_null(r, 1)) return std::unexpected(unknown_object(hashes[i]));
    if (rows.is_null(r, 2)) continue;
    auto blob = rows.text(r, 2);
    if (blob.size() != bytes) {
      return fail(ErrorCode::corruption,
                  fmt::format("the stored '{}' vector of object id:{} has {} bytes; the model's vectors have {}", model,
                              hashes[i].hex(), blob.size(), bytes),
                  "embed it again: ldb embed id:" + hashes[i].hex());
    }
    std::memcpy(out.rows.data() + i * out.dimensions, blob.data(), bytes);
    out.present[i] = 1;
  }
  return out;
}

Status PostgresStore::put_embeddings(std::string_view model, std::span<const Md5> hashes, const Embeddings& vectors) {
  if (vectors.dimensions == 0 || vectors.rows.size() != hashes.size() * vectors.dimensions) {
    return fail(ErrorCode::invalid_argument, fmt::format("{} numbers for {} vectors of {} dimensions",
                                                         vectors.rows.size(), hashes.size(), vectors.dimensions));
  }
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  // The model row is locked (or created) first: two clients storing vectors
  // of one new model at once agree on its length.
  LDB_TRY(m_conn.query("INSERT INTO embedding_models(model, dimensions) VALUES($1, $2) ON CONFLICT (model) DO NOTHING",
                       PgParams().add(model).add(static_cast<std::int64_t>(vectors.dimensions))));
  LDB_TRY_ASSIGN(auto found, m_conn.query("SELECT id, dimensions FROM embedding_models WHERE model = $1 FOR UPDATE",
                                          PgParams().add(model)));
  if (found.rows() == 0) return fail(ErrorCode::internal, fmt::format("model '{}' vanished while storing it", model));
  auto stored_dimensions = static_cast<std::size_t>(found.integer(0, 1));
  if (stored_dimensions != vectors.dimensions) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("model '{}' gave vectors of {} numbers, but its stored vectors have {}", model,
                            vectors.dimensions, stored_dimensions),
                "a model's vectors all have one length: declare a changed model under a new name");
  }
  std::int64_t model_id = found.integer(0, 0);
  LDB_TRY_ASSIGN(auto ids, object_ids(hashes));
  std::size_t bytes = vectors.dimensions * sizeof(float);
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    const char* data = reinterpret_cast<const char*>(vectors.rows.data() + i * vectors.dimensions);
    LDB_TRY(
        m_conn.query("INSERT INTO embeddings(model_id, object_id, vector) VALUES($1, $2, $3) ON CONFLICT "
                     "(model_id, object_id) DO UPDATE SET vector = excluded.vector",
                     PgParams().add(model_id).add(ids[i]).add_bytes(std::string_view(data, bytes))));
  }
  return txn.commit();
}

Result<std::vector<std::optional<Point2>>> PostgresStore::projection(std::string_view model, std::string_view method,
                                                                     std::span<const Md5> hashes) {
  auto snapshot = PgTransaction::begin(m_conn, PgTransaction::Kind::snapshot);
  if (!snapshot) return std::unexpected(snapshot.error());
  LDB_TRY_ASSIGN(auto found, find_model(m_conn, model));
  std::int64_t model_id = found ? found->id : -1;
  LDB_TRY_ASSIGN(auto rows, m_conn.query(fmt::format("SELECT h.i, o.id, p.x, p.y {} LEFT JOIN projections p ON "
                                                     "p.object_id = o.id AND p.model_id = $2 AND p.method = $3",
                                                     k_by_hashes),
                                         PgParams().add_hashes(hashes).add(model_id).add(method)));
  std::vector<std::optional<Point2>> out(hashes.size());
  for (int r = 0; r < rows.rows(); ++r) {
    auto i = position(rows, r);
    if (rows.is_null(r, 1)) return std::unexpected(unknown_object(hashes[i]));
    if (!rows.is_null(r, 2)) {
      out[i] = Point2{static_cast<float>(rows.real(r, 2)), static_cast<float>(rows.real(r, 3))};
    }
  }
  return out;
}

Status PostgresStore::put_projection(std::string_view model, std::string_view method, std::span<const Md5> hashes,
                                     std::span<const Point2> points) {
  if (points.size() != hashes.size()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} points for {} objects in a projection", points.size(), hashes.size()));
  }
  LDB_TRY_ASSIGN(auto txn, PgTransaction::begin(m_conn, PgTransaction::Kind::write));
  LDB_TRY_ASSIGN(auto found, find_model(m_conn, model));
  if (!found) {
    return fail(ErrorCode::not_found, fmt::format("no object has embeddings of model '{}'", model),
                fmt::format("compute them first: ldb embed -m {}", model));
  }
  LDB_TRY(m_conn.query("DELETE FROM projections WHERE model_id = $1 AND method = $2",
                       PgParams().add(found->id).add(method)));
  LDB_TRY_ASSIGN(auto ids, object_ids(hashes));
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    LDB_TRY(m_conn.query(
        "INSERT INTO projections(model_id, method, object_id, x, y) VALUES($1, $2, $3, $4, $5) "
        "ON CONFLICT (model_id, method, object_id) DO UPDATE SET x = excluded.x, y = excluded.y",
        PgParams().add(found->id).add(method).add(ids[i]).add_double(points[i].x).add_double(points[i].y)));
  }
  return txn.commit();
}

}  // namespace ldb::store
