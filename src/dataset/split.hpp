#pragma once
// ldb split (SPEC section 9): one new version of ds:PREFIX-NAME for each part
// of `--into NAME=FRACTION,...`, committed in one transaction.
//
// Units, not objects, are assigned: a near-duplicate group (pHash distance
// within the threshold, section 8) is one unit, so no image leaks across
// parts; exact duplicates are one object already. A unit's place comes from
// u = a hash of (its smallest MD5, the seed), uniform in [0, 1):
//   - without --stratify: the part whose cumulative fraction interval holds
//     u, a function of the hash and the seed alone, so the same object lands in
//     the same part whatever else is split with it; each part's size is
//     binomial around its fraction (standard deviation sqrt(n f (1 - f)));
//   - with --stratify EXPR: within each value of EXPR (of the unit's smallest
//     MD5), units in order of u fill the parts to their exact quotas (the
//     largest-remainder rounding of fraction x the value's objects), so each
//     part holds its share of each value to within half a unit.
// Objects that the parts' latest versions already hold stay in their part (a
// unit joins the part of a member that has one), so objects added later never
// move earlier ones.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataset/context.hpp"
#include "dataset/pipeline.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

struct SplitPart {
  std::string name;  // the dataset is PREFIX-NAME
  double fraction = 0;
};

// "train=0.8,val=0.1,test=0.1" to parts, in order. invalid_argument for a
// malformed or repeated part, a fraction that is not in (0, 1], or fractions
// that do not sum to 1 (within 1e-6), naming what is wrong.
Result<std::vector<SplitPart>> parse_split_parts(std::string_view text);

struct SplitOptions {
  std::string prefix;  // the datasets are PREFIX-NAME
  std::vector<SplitPart> parts;
  std::optional<std::string> stratify;  // an annotation expression (ldb dialect)
  std::uint64_t seed = 0;
  unsigned threshold = 12;  // pHash bits for near-duplicate groups
  std::string message;
};

struct SplitPartOutcome {
  std::string dataset;  // PREFIX-NAME
  double fraction = 0;
  std::uint64_t objects = 0;
  std::uint64_t kept = 0;         // held by the part's previous version and kept there
  bool committed = false;         // false: the latest version already held exactly these
  store::DatasetVersion version;  // the new version, or the latest when not committed
};

struct SplitOutcome {
  std::vector<SplitPartOutcome> parts;
  std::uint64_t objects = 0;
  std::uint64_t units = 0;              // near-duplicate groups and single objects
  std::uint64_t grouped_objects = 0;    // objects in groups of two or more
  std::uint64_t without_features = 0;   // no pHash: split alone
  std::uint64_t straddling_groups = 0;  // groups whose kept members were already in different parts
  std::uint64_t unvalued = 0;           // --stratify: objects without a value (the value null)
};

// Validates the parts' dataset names, then splits `selection` and commits.
Result<SplitOutcome> split(Context& ctx, const Selection& selection, const SplitOptions& options);

// The u of a unit whose smallest MD5 is `hash` (exposed for tests).
double split_draw(const core::Md5& hash, std::uint64_t seed);

}  // namespace ldb::dataset
