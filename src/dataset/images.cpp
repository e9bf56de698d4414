#include "dataset/images.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <mutex>
#include <numeric>

#include <fmt/format.h>

#include "core/json.hpp"
#include "dataset/pipe_plugin.hpp"
#include "image/embedding.hpp"
#include "image/near_dups.hpp"
#include "image/plugin_protocol.hpp"
#include "image/projection.hpp"
#include "index/image_probe.hpp"

namespace ldb::dataset {

namespace {

constexpr std::size_t k_chunk = 8;
// Paths handed to an embedding plugin per run: its model loads once per batch.
constexpr std::size_t k_plugin_batch = 4096;

std::vector<core::Md5> hashes_of(const Selection& selection) {
  std::vector<core::Md5> out;
  out.reserve(selection.size());
  for (const auto& r : selection) out.push_back(r.hash);
  return out;
}

// The first error of a parallel loop, in position order (so a run fails the
// same way every time).
class FirstError {
 public:
  void record(std::size_t position, Error error) {
    std::lock_guard lock(m_mutex);
    if (!m_error || position < m_position) {
      m_position = position;
      m_error = std::move(error);
    }
  }
  Status status() && {
    if (m_error) return std::unexpected(std::move(*m_error));
    return {};
  }

 private:
  std::mutex m_mutex;
  std::size_t m_position = 0;
  std::optional<Error> m_error;
};

// A file of an object that cannot be read: the command fails naming it.
Error unreadable(const core::Md5& hash, Error error) {
  if (error.hint.empty()) {
    error.hint = fmt::format("restore the file, or remove the object from the index: ldb unindex id:{}", hash.hex());
  }
  return error;
}

std::optional<std::filesystem::path> plugin_program(const Context& ctx, const std::vector<std::string>& run) {
  return find_plugin(ctx.instance_dir, run.front(), ctx.program_path);
}

Error program_not_found(std::string_view what, std::string_view name, std::string_view program,
                        std::string_view table) {
  return Error{ErrorCode::invalid_argument, fmt::format("{} '{}': program '{}' not found", what, name, program),
               fmt::format("install it, or give its path in [{}.{}] run of the instance config", table, name)};
}

// Local copies of files for programs that take paths: local files are given
// as they are; others (s3://, gs://, az://, https://) are copied into a
// temporary folder, removed with this object.
class LocalFiles {
 public:
  explicit LocalFiles(Context& ctx) : m_ctx(ctx) {}
  ~LocalFiles() {
    std::error_code ec;
    if (!m_dir.empty()) std::filesystem::remove_all(m_dir, ec);
  }

  Result<std::string> local(const std::string& path) {
    if (path.starts_with('/')) return path;
    if (m_dir.empty()) {
      auto base = m_ctx.instance_dir / "tmp";
      std::error_code ec;
      std::filesystem::create_directories(base, ec);
      std::string pattern = (base / "embed-XXXXXX").string();
      if (!::mkdtemp(pattern.data())) {
        return fail(ErrorCode::io, fmt::format("cannot make a temporary folder in '{}'", base.string()),
                    "check that the instance folder is writable");
      }
      m_dir = pattern;
    }
    auto name = path.substr(path.find_last_of('/') + 1);
    auto dest = m_dir / fmt::format("{}-{}", m_count++, name);
    LDB_TRY(m_ctx.fs.copy_to(path, dest));
    return dest.string();
  }

 private:
  Context& m_ctx;
  std::filesystem::path m_dir;
  std::size_t m_count = 0;
};

Result<std::vector<float>> builtin_vector(std::string_view bytes, std::string_view subject) {
  auto picture = image::decode_small(bytes, subject, image::k_embedding_min_side);
  if (!picture) return std::unexpected(std::move(picture).error());
  return image::builtin_embedding(*picture);
}

}  // namespace

// ---- features -----------------------------------------------------------------

Result<FeaturesOutcome> compute_features(Context& ctx, const Selection& selection, bool force) {
  FeaturesOutcome out;
  out.selected = selection.size();
  auto hashes = hashes_of(selection);
  auto infos = ctx.store.objects_info(hashes);
  if (!infos) return std::unexpected(infos.error());
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < infos->size(); ++i) {
    const auto& info = (*infos)[i];
    if (!info.image || info.paths.empty()) {
      ++out.not_images;
    } else if (info.image->features && !force) {
      ++out.already;
    } else {
      todo.push_back(i);
    }
  }
  std::vector<std::pair<core::Md5, store::ImageFeatures>> computed(todo.size());
  FirstError first_error;
  ctx.progress.start("computing features", todo.size());
  ctx.pool.parallel_for(todo.size(), k_chunk, [&](std::size_t begin, std::size_t end, unsigned) {
    for (std::size_t k = begin; k < end; ++k) {
      auto& info = (*infos)[todo[k]];
      storage::FileInfo file{info.paths.front(), info.size, info.mtime_ns, std::nullopt};
      store::ImageInfo image = *info.image;
      auto added = index::add_features(ctx.fs, file, image);
      if (!added) {
        first_error.record(k, unreadable(info.hash, std::move(added).error()));
        continue;
      }
      computed[k] = {info.hash, std::move(*image.features)};
    }
    ctx.progress.advance(end - begin);
  });
  ctx.progress.finish();
  LDB_TRY(std::move(first_error).status());
  for (std::size_t k = 0; k < todo.size(); ++k) {
    if (!computed[k].second.error.empty()) {
      out.undecodable.emplace_back((*infos)[todo[k]].paths.front(), computed[k].second.error);
    }
  }
  out.computed = computed.size();
  if (!computed.empty()) LDB_TRY(ctx.store.put_image_features(computed));
  return out;
}

// ---- near-duplicates --------------------------------------------------------

Result<std::vector<std::optional<std::uint64_t>>> phashes(Context& ctx, const Selection& selection) {
  auto hashes = hashes_of(selection);
  auto features = ctx.store.image_features(hashes);
  if (!features) return std::unexpected(features.error());
  std::vector<std::optional<std::uint64_t>> out(selection.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto& f = (*features)[i];
    if (f && f->error.empty()) out[i] = f->phash;
  }
  return out;
}

namespace {

// The positions that have a hash, and their hashes.
struct Hashed {
  std::vector<std::size_t> positions;
  std::vector<std::uint64_t> hashes;
  std::uint64_t without = 0;
};

Hashed hashed_of(const std::vector<std::optional<std::uint64_t>>& all) {
  Hashed out;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!all[i]) {
      ++out.without;
      continue;
    }
    out.positions.push_back(i);
    out.hashes.push_back(*all[i]);
  }
  return out;
}

Status check_threshold(unsigned threshold) {
  if (threshold <= image::k_max_threshold) return {};
  return fail(
      ErrorCode::invalid_argument,
      fmt::format("--threshold {} is more than {} bits", threshold, image::k_max_threshold),
      fmt::format("give a pHash distance from 0 to {} (default {})", image::k_max_threshold, k_default_dup_threshold));
}

}  // namespace

Result<DupsOutcome> near_duplicate_groups(Context& ctx, const Selection& selection, unsigned threshold) {
  LDB_TRY(check_threshold(threshold));
  auto all = phashes(ctx, selection);
  if (!all) return std::unexpected(all.error());
  auto hashed = hashed_of(*all);
  // The groups without the pairs: many copies of one image would make a
  // quadratic number of them.
  auto groups = image::near_groups(hashed.hashes, threshold);
  if (!groups) return std::unexpected(groups.error());
  DupsOutcome out;
  out.without_hash = hashed.without;
  for (const auto& members : *groups) {
    DupGroup group;
    std::uint64_t first = hashed.hashes[members.front()];
    for (auto m : members) {
      group.members.push_back(hashed.positions[m]);
      group.distance.push_back(static_cast<unsigned>(std::popcount(first ^ hashed.hashes[m])));
    }
    out.groups.push_back(std::move(group));
  }
  return out;
}

Result<CrossOutcome> near_duplicates_across(Context& ctx, const Selection& left, const Selection& right,
                                            unsigned threshold) {
  LDB_TRY(check_threshold(threshold));
  auto left_all = phashes(ctx, left);
  if (!left_all) return std::unexpected(left_all.error());
  auto right_all = phashes(ctx, right);
  if (!right_all) return std::unexpected(right_all.error());
  auto l = hashed_of(*left_all);
  auto r = hashed_of(*right_all);
  auto pairs = image::near_pairs_across(l.hashes, r.hashes, threshold);
  if (!pairs) return std::unexpected(pairs.error());
  CrossOutcome out;
  out.without_hash = l.without + r.without;
  for (const auto& p : *pairs) {
    // An object in both lists is not a leak of itself.
    if (left[l.positions[p.a]].hash == right[r.positions[p.b]].hash) continue;
    out.pairs.push_back({l.positions[p.a], r.positions[p.b], p.distance});
  }
  return out;
}

Result<Selection> dedup(Context& ctx, Selection selection, unsigned threshold) {
  auto groups = near_duplicate_groups(ctx, selection, threshold);
  if (!groups) return std::unexpected(groups.error());
  std::vector<char> drop(selection.size(), 0);
  for (const auto& g : groups->groups) {
    for (std::size_t k = 1; k < g.members.size(); ++k) drop[g.members[k]] = 1;
  }
  if (groups->without_hash) {
    ctx.warnings.push_back(
        fmt::format("--dedup kept {} object{} without image features (not images, or never computed: ldb features)",
                    groups->without_hash, groups->without_hash == 1 ? "" : "s"));
  }
  Selection out;
  out.reserve(selection.size());
  for (std::size_t i = 0; i < selection.size(); ++i) {
    if (!drop[i]) out.push_back(selection[i]);
  }
  return out;
}

// ---- embeddings -----------------------------------------------------------------

Result<EmbeddingModel> embedding_model(const Context& ctx, std::string_view name) {
  if (name == "builtin") return EmbeddingModel{"builtin", "builtin", {}};
  auto it = ctx.settings.embedding_models.find(std::string(name));
  if (it == ctx.settings.embedding_models.end()) {
    std::string names = "builtin";
    for (const auto& [declared, run] : ctx.settings.embedding_models) names += ", " + declared;
    return fail(ErrorCode::invalid_argument, fmt::format("unknown embedding model '{}'", name),
                fmt::format("the models are {}; declare one in the instance config as [embedding.NAME] run = "
                            "[\"program\", \"arg\", ...]",
                            names));
  }
  std::string key = "[";
  for (std::size_t i = 0; i < it->second.size(); ++i) {
    if (i) key += ',';
    core::append_json_string(it->second[i], key);
  }
  key += ']';
  return EmbeddingModel{std::string(name), std::move(key), it->second};
}

Result<EmbedOutcome> embed(Context& ctx, const Selection& selection, const EmbeddingModel& model) {
  EmbedOutcome out;
  out.selected = selection.size();
  auto hashes = hashes_of(selection);
  auto stored = ctx.store.embeddings(model.key, hashes);
  if (!stored) return std::unexpected(stored.error());
  std::vector<core::Md5> todo_hashes;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if (stored->present[i]) {
      ++out.already;
    } else {
      todo_hashes.push_back(hashes[i]);
    }
  }
  out.dimensions = stored->dimensions;
  if (todo_hashes.empty()) return out;
  auto infos = ctx.store.objects_info(todo_hashes);
  if (!infos) return std::unexpected(infos.error());
  std::vector<std::vector<float>> vectors(infos->size());
  if (model.run.empty()) {
    FirstError first_error;
    ctx.progress.start("embedding", infos->size());
    ctx.pool.parallel_for(infos->size(), k_chunk, [&](std::size_t begin, std::size_t end, unsigned) {
      for (std::size_t k = begin; k < end; ++k) {
        const auto& info = (*infos)[k];
        if (!info.image || info.paths.empty()) continue;
        auto bytes = ctx.fs.read(info.paths.front());
        if (!bytes) {
          first_error.record(k, unreadable(info.hash, std::move(bytes).error()));
          continue;
        }
        auto vector = builtin_vector(*bytes, info.paths.front());
        if (vector) vectors[k] = std::move(*vector);
      }
      ctx.progress.advance(end - begin);
    });
    ctx.progress.finish();
    LDB_TRY(std::move(first_error).status());
  } else {
    auto program = plugin_program(ctx, model.run);
    if (!program)
      return std::unexpected(program_not_found("embedding model", model.name, model.run.front(), "embedding"));
    std::vector<std::string> args(model.run.begin() + 1, model.run.end());
    LocalFiles local(ctx);
    ctx.progress.start("embedding", infos->size());
    for (std::size_t begin = 0; begin < infos->size(); begin += k_plugin_batch) {
      std::size_t end = std::min(infos->size(), begin + k_plugin_batch);
      std::vector<std::string> paths;
      std::vector<std::size_t> positions;
      for (std::size_t k = begin; k < end; ++k) {
        const auto& info = (*infos)[k];
        if (info.paths.empty()) continue;
        auto path = local.local(info.paths.front());
        if (!path) return std::unexpected(unreadable(info.hash, std::move(path).error()));
        paths.push_back(std::move(*path));
        positions.push_back(k);
      }
      auto batch = image::embed_with_program(*program, args, paths, model.name);
      if (!batch) return std::unexpected(batch.error());
      for (std::size_t j = 0; j < positions.size(); ++j) vectors[positions[j]] = std::move((*batch)[j]);
      ctx.progress.advance(end - begin);
    }
    ctx.progress.finish();
  }
  store::Embeddings put;
  std::vector<core::Md5> put_hashes;
  for (std::size_t k = 0; k < vectors.size(); ++k) {
    if (vectors[k].empty()) {
      ++out.not_images;
      continue;
    }
    if (put.dimensions == 0) put.dimensions = vectors[k].size();
    if (vectors[k].size() != put.dimensions) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("embedding model '{}' gave vectors of {} and {} numbers", model.name, put.dimensions,
                              vectors[k].size()),
                  "a model must give every object a vector of the same length");
    }
    put.rows.insert(put.rows.end(), vectors[k].begin(), vectors[k].end());
    put.present.push_back(1);
    put_hashes.push_back((*infos)[k].hash);
  }
  if (!put_hashes.empty()) LDB_TRY(ctx.store.put_embeddings(model.key, put_hashes, put));
  out.embedded = put_hashes.size();
  if (put.dimensions) out.dimensions = put.dimensions;
  return out;
}

Result<std::vector<float>> embed_file(Context& ctx, const EmbeddingModel& model, const std::string& path) {
  if (model.run.empty()) {
    auto bytes = ctx.fs.read(path);
    if (!bytes) return std::unexpected(bytes.error());
    return builtin_vector(*bytes, path);
  }
  auto program = plugin_program(ctx, model.run);
  if (!program)
    return std::unexpected(program_not_found("embedding model", model.name, model.run.front(), "embedding"));
  std::vector<std::string> args(model.run.begin() + 1, model.run.end());
  LocalFiles local(ctx);
  auto file = local.local(path);
  if (!file) return std::unexpected(file.error());
  std::vector<std::string> paths{*file};
  auto vectors = image::embed_with_program(*program, args, paths, model.name);
  if (!vectors) return std::unexpected(vectors.error());
  return std::move(vectors->front());
}

Result<Selection> order_by_similarity(Context& ctx, Selection selection, const EmbeddingModel& model,
                                      std::span<const float> query) {
  auto hashes = hashes_of(selection);
  auto stored = ctx.store.embeddings(model.key, hashes);
  if (!stored) return std::unexpected(stored.error());
  std::size_t dims = stored->dimensions;
  bool any = std::any_of(stored->present.begin(), stored->present.end(), [](char p) { return p != 0; });
  if (any && dims != query.size()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("--similar: the query has a '{}' vector of {} numbers; the stored ones have {}", model.name,
                            query.size(), dims),
                "embed the objects again with the model's current program");
  }
  double query_norm = std::sqrt(std::inner_product(query.begin(), query.end(), query.begin(), 0.0));
  std::vector<std::pair<double, std::size_t>> order;
  order.reserve(selection.size());
  for (std::size_t i = 0; i < selection.size(); ++i) {
    if (!stored->present[i]) continue;
    const float* v = stored->rows.data() + i * dims;
    double dot = 0, norm = 0;
    for (std::size_t d = 0; d < dims; ++d) {
      dot += static_cast<double>(v[d]) * query[d];
      norm += static_cast<double>(v[d]) * v[d];
    }
    double denominator = std::sqrt(norm) * query_norm;
    double cosine = denominator > 0 ? dot / denominator : 0.0;
    order.emplace_back(1.0 - cosine, i);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::size_t dropped = selection.size() - order.size();
  if (dropped) {
    ctx.warnings.push_back(fmt::format("--similar dropped {} object{} without a '{}' embedding (ldb embed -m {})",
                                       dropped, dropped == 1 ? "" : "s", model.name, model.name));
  }
  Selection out;
  out.reserve(order.size());
  for (const auto& [distance, i] : order) out.push_back(selection[i]);
  return out;
}

Result<Selection> similar_to(Context& ctx, Selection selection, const std::string& object,
                             std::string_view model_name) {
  auto model = embedding_model(ctx, model_name);
  if (!model) return std::unexpected(model.error());
  std::optional<core::Md5> indexed;
  if (object.starts_with("id:")) {
    auto hex = std::string_view(object).substr(3);
    auto found = ctx.store.objects_with_prefix(hex, 2);
    if (!found) return std::unexpected(found.error());
    if (found->size() != 1) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("--similar {}: {}", object, found->empty() ? "no object has this id" : "ambiguous id"),
                  found->empty() ? "list ids with: ldb list ds:root" : "give more digits of the id");
    }
    indexed = found->front();
  } else {
    // An indexed file is known by its bytes' hash.
    auto hash = ctx.fs.hash(object);
    if (!hash) return std::unexpected(hash.error());
    if (ctx.store.object_info(*hash)) indexed = *hash;
  }
  std::vector<float> query;
  if (indexed) {
    auto stored = ctx.store.embeddings(model->key, std::span<const core::Md5>(&*indexed, 1));
    if (!stored) return std::unexpected(stored.error());
    if (stored->present.front()) {
      query.assign(stored->rows.begin(), stored->rows.end());
    } else if (object.starts_with("id:")) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("--similar: object id:{} has no '{}' embedding", indexed->hex(), model->name),
                  fmt::format("compute it first: ldb embed id:{} -m {}", indexed->hex(), model->name));
    }
  }
  if (query.empty()) {
    auto vector = embed_file(ctx, *model, object);
    if (!vector) return std::unexpected(vector.error());
    query = std::move(*vector);
  }
  return order_by_similarity(ctx, std::move(selection), *model, query);
}

// ---- projections ------------------------------------------------------------

Result<ProjectOutcome> project(Context& ctx, const Selection& selection, const EmbeddingModel& model,
                               std::string_view method) {
  // The method is checked before any vector is read.
  std::optional<std::filesystem::path> program;
  std::vector<std::string> args;
  if (method != "pca") {
    std::vector<std::string> run;
    if (auto it = ctx.settings.projection_methods.find(std::string(method));
        it != ctx.settings.projection_methods.end()) {
      run = it->second;
    } else if (method == "umap") {
      run = {"ldb-umap"};
    } else {
      std::string names = "pca, umap";
      for (const auto& [declared, r] : ctx.settings.projection_methods) names += ", " + declared;
      return fail(ErrorCode::invalid_argument, fmt::format("unknown projection method '{}'", method),
                  fmt::format("the methods are {}; declare one in the instance config as [projection.NAME] run = "
                              "[\"program\", ...]",
                              names));
    }
    program = plugin_program(ctx, run);
    if (!program && run.front() == "ldb-umap" && !ctx.shipped_plugins.empty()) {
      program = find_plugin(ctx.instance_dir, (ctx.shipped_plugins / "ldb-umap").string(), "");
    }
    if (!program) return std::unexpected(program_not_found("projection method", method, run.front(), "projection"));
    args.assign(run.begin() + 1, run.end());
  }
  auto hashes = hashes_of(selection);
  auto stored = ctx.store.embeddings(model.key, hashes);
  if (!stored) return std::unexpected(stored.error());
  ProjectOutcome out;
  std::vector<core::Md5> present;
  std::vector<float> rows;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if (!stored->present[i]) {
      ++out.without_embedding;
      continue;
    }
    present.push_back(hashes[i]);
    rows.insert(rows.end(), stored->rows.begin() + static_cast<std::ptrdiff_t>(i * stored->dimensions),
                stored->rows.begin() + static_cast<std::ptrdiff_t>((i + 1) * stored->dimensions));
  }
  if (present.empty()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("none of the {} selected objects has a '{}' embedding", hashes.size(), model.name),
                fmt::format("compute them first: ldb embed -m {}", model.name));
  }
  Result<std::vector<std::array<float, 2>>> points = std::vector<std::array<float, 2>>{};
  if (!program) {
    points = image::pca_2d(rows, stored->dimensions);
  } else {
    ctx.progress.start(fmt::format("projecting ({})", method), 0);
    points = image::project_with_program(*program, args, rows, stored->dimensions, method);
    ctx.progress.finish();
  }
  if (!points) return std::unexpected(points.error());
  std::vector<store::Point2> stored_points;
  stored_points.reserve(points->size());
  for (const auto& p : *points) stored_points.push_back({p[0], p[1]});
  LDB_TRY(ctx.store.put_projection(model.key, method, present, stored_points));
  out.projected = present.size();
  return out;
}

}  // namespace ldb::dataset
