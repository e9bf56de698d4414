#pragma once
// What ldb sees in images (SPEC section 8): ldb features, dups, embed and
// project. The --dedup and --similar filters are in the Selector's filters.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/selection.hpp"
#include "app/session.hpp"

namespace ldb::app {

// The default pHash distance (bits) under which two images are near duplicates.
unsigned default_dup_threshold();

// ---- ldb features ------------------------------------------------------------

struct FeaturesRequest {
  Selector selector;   // no objects: ds:root
  bool force = false;  // recompute images that have features
};

struct FeaturesSummary {
  std::uint64_t selected = 0;
  std::uint64_t not_images = 0;
  std::uint64_t already = 0;   // had features, left alone
  std::uint64_t computed = 0;  // given features now (undecodable included)
  struct Undecodable {
    std::string path;
    std::string error;
  };
  std::vector<Undecodable> undecodable;
};

Result<FeaturesSummary> compute_features(Session& session, const FeaturesRequest& request);

// ---- ldb dups ------------------------------------------------------------------

struct DupsRequest {
  Selector selector;                     // no objects: the staged dataset, else ds:root
  std::optional<Selector> against;       // set: only pairs straddling selector and against
  std::optional<std::string> threshold;  // bits, as given (checked here); unset: the default
  // no: members' paths are left empty (a lookup of every member in the store,
  // which a caller that shows ids, like the web UI, does not need).
  enum class Paths { yes, no } paths = Paths::yes;
};

struct DupMember {
  core::Md5 hash;
  std::string path;       // its first path (empty with Paths::no)
  unsigned distance = 0;  // to the group's first member (--against: to the pair's left object)
};

struct DupsResult {
  unsigned threshold = 0;
  std::uint64_t objects = 0;       // selected (both sides with --against)
  std::uint64_t without_hash = 0;  // left out: no features, or not decodable
  // Without --against: the groups, each first member first. With it: pairs
  // as groups of two, left object first.
  std::vector<std::vector<DupMember>> groups;
};

Result<DupsResult> find_dups(Session& session, const DupsRequest& request);

// ---- ldb embed -----------------------------------------------------------------

struct EmbedRequest {
  Selector selector;              // no objects: ds:root
  std::string model = "builtin";  // builtin or an [embedding.NAME] of the instance config
};

struct EmbedSummary {
  std::string model;
  std::uint64_t selected = 0;
  std::uint64_t already = 0;
  std::uint64_t embedded = 0;
  std::uint64_t skipped = 0;  // builtin: not images, or not decodable
  std::size_t dimensions = 0;
};

Result<EmbedSummary> embed(Session& session, const EmbedRequest& request);

// ---- ldb project ---------------------------------------------------------------

struct ProjectRequest {
  Selector selector;  // no objects: ds:root
  std::string model = "builtin";
  std::string method = "pca";  // pca, umap, or a [projection.NAME] of the instance config
};

struct ProjectSummary {
  std::string model;
  std::string method;
  std::uint64_t projected = 0;
  std::uint64_t without_embedding = 0;
};

Result<ProjectSummary> project(Session& session, const ProjectRequest& request);

// The stored 2-D points of (model, method) for the selected objects that
// have one, for the embedding view and scripts.
struct ProjectedPoint {
  core::Md5 hash;
  float x = 0;
  float y = 0;
};

Result<std::vector<ProjectedPoint>> projected_points(Session& session, const ProjectRequest& request);

}  // namespace ldb::app
