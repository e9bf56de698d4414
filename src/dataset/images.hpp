#pragma once
// What ldb sees in images, over selections (SPEC section 8): features for
// objects indexed before, near-duplicate groups and the --dedup filter,
// embeddings per model and the --similar filter, and 2-D projections. The
// pixel work is src/image's; this layer reads the objects' files through the
// storage seam and keeps the results in the store.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataset/context.hpp"
#include "dataset/pipeline.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

// The default `--threshold` of dups and --dedup, in bits of pHash Hamming
// distance, chosen by measurement on labelled near-duplicates (docs/images.md).
constexpr unsigned k_default_dup_threshold = 12;

// ---- features ---------------------------------------------------------------

struct FeaturesOutcome {
  std::uint64_t selected = 0;
  std::uint64_t not_images = 0;                                  // objects whose bytes are no known image
  std::uint64_t already = 0;                                     // images that had features (left alone unless forced)
  std::uint64_t computed = 0;                                    // images given features now
  std::vector<std::pair<std::string, std::string>> undecodable;  // (path, error) of those computed
};

// Computes and stores the features of the selected images that have none
// (all of them with `force`), reading each file once, in one store write.
Result<FeaturesOutcome> compute_features(Context& ctx, const Selection& selection, bool force);

// ---- near-duplicates ------------------------------------------------------

// The pHash of each object of `selection`, in order (nothing where the object
// has no features or did not decode).
Result<std::vector<std::optional<std::uint64_t>>> phashes(Context& ctx, const Selection& selection);

struct DupGroup {
  std::vector<std::size_t> members;  // positions in the selection, ascending (the first is the group's first)
  std::vector<unsigned> distance;    // each member's pHash distance to the first
};

struct DupsOutcome {
  std::uint64_t without_hash = 0;  // objects left out: no features (or image.error)
  std::vector<DupGroup> groups;    // ordered by their first member
};

// Near-duplicate groups of `selection` (connected components of pHash
// distance <= threshold). invalid_argument for a threshold above the largest.
Result<DupsOutcome> near_duplicate_groups(Context& ctx, const Selection& selection, unsigned threshold);

struct CrossPair {
  std::size_t left = 0;   // position in the left selection
  std::size_t right = 0;  // position in the right selection
  unsigned distance = 0;
};

struct CrossOutcome {
  std::uint64_t without_hash = 0;  // objects of either side left out
  std::vector<CrossPair> pairs;    // sorted by (left, right)
};

// Pairs straddling `left` and `right` within the threshold (train/test leakage).
Result<CrossOutcome> near_duplicates_across(Context& ctx, const Selection& left, const Selection& right,
                                            unsigned threshold);

// --dedup: the first object of each near-duplicate group, in the current
// order; objects without a pHash are kept (a warning counts them).
Result<Selection> dedup(Context& ctx, Selection selection, unsigned threshold);

// ---- embeddings -----------------------------------------------------------

// An embedding model: `builtin`, or a plugin declared in the instance config
// as [embedding.NAME] run = [...] (Settings::embedding_models).
struct EmbeddingModel {
  std::string name;
  std::string key;               // what vectors are stored under: "builtin", or the command as a JSON array
  std::vector<std::string> run;  // empty for builtin
};

// invalid_argument naming the models there are for an unknown name.
Result<EmbeddingModel> embedding_model(const Context& ctx, std::string_view name);

struct EmbedOutcome {
  std::uint64_t selected = 0;
  std::uint64_t already = 0;     // had a vector of this model (skipped)
  std::uint64_t embedded = 0;    // given one now
  std::uint64_t not_images = 0;  // builtin: objects that are no image, or do not decode (skipped)
  std::size_t dimensions = 0;
};

// Computes and stores the vectors of `model` for the selected objects that
// have none, in one store write at the end (nothing is stored when the model
// fails).
Result<EmbedOutcome> embed(Context& ctx, const Selection& selection, const EmbeddingModel& model);

// The vector of `model` for one image file that need not be indexed (an
// absolute local path or a storage URL).
Result<std::vector<float>> embed_file(Context& ctx, const EmbeddingModel& model, const std::string& path);

// --similar: the objects that have a vector of `model`, nearest to `query`
// first (cosine distance; ties keep the current order). Objects without one
// are dropped and a warning counts them.
Result<Selection> order_by_similarity(Context& ctx, Selection selection, const EmbeddingModel& model,
                                      std::span<const float> query);

// The --similar filter: `object` is id:HASH (a unique prefix; its stored
// vector) or an absolute image path or URL (its stored vector when it is an
// indexed object that has one, else embedded now). invalid_argument for an
// indexed object without a vector of the model (with the ldb embed to run).
Result<Selection> similar_to(Context& ctx, Selection selection, const std::string& object, std::string_view model_name);

// ---- projections ----------------------------------------------------------

struct ProjectOutcome {
  std::uint64_t projected = 0;
  std::uint64_t without_embedding = 0;  // selected objects left out
};

// Projects the selected objects' vectors of `model` to 2-D with `method`
// ("pca" built in; "umap" the plugin ldb-umap, from the instance's plugin
// folder, $PATH or Context::shipped_plugins; another name a [projection.NAME]
// run = [...] of Settings::projection_methods, which may also redefine umap) and stores
// the points, replacing that projection. invalid_argument when no selected
// object has a vector.
Result<ProjectOutcome> project(Context& ctx, const Selection& selection, const EmbeddingModel& model,
                               std::string_view method);

}  // namespace ldb::dataset
