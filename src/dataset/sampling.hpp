#pragma once
// Sampling by the value of a key (SPEC section 9): --balance EXPR gives each
// value of EXPR an equal share of N objects, --stratify EXPR keeps each
// value's share of the input. The value of an object is the JSON text of EXPR
// over its annotation (so an array is one value: its combination of
// elements); objects where EXPR is null, absent or an error share the value
// `null`. Counts are exact: each value gets the floor or the ceiling of its
// ideal share, and the total is exactly N.

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "dataset/context.hpp"
#include "dataset/pipeline.hpp"

namespace ldb::dataset {

enum class Shares {
  equal,  // --balance
  input,  // --stratify
};

// How many objects of each group to keep, for groups of `counts` objects and
// `total` to keep (at most the sum of counts). equal: water-filling — groups
// smaller than the level keep all, the others get floor or ceiling of the
// level; input: largest remainder on total * count / sum. Where groups tie for
// the last objects, `rng` decides.
std::vector<std::uint64_t> quotas(std::span<const std::uint64_t> counts, std::uint64_t total, Shares shares,
                                  std::mt19937_64& rng);

// The value (canonical JSON text) of `expression` (ldb dialect, over
// annotations) for each object of `selection`, in order; "null" where it has
// none. `misses` (when given) counts why an object has none.
struct KeyMisses {
  std::uint64_t missing = 0;  // a key the expression names is absent
  std::uint64_t failed = 0;   // the expression could not be evaluated
  std::string first_failure;  // why, for the first of `failed`
};
Result<std::vector<std::string>> key_values(Context& ctx, const Selection& selection, const std::string& expression,
                                            KeyMisses* misses = nullptr);

// The positions of `values` grouped by value: groups in order of first
// appearance, positions ascending within each.
std::vector<std::vector<std::size_t>> group_by_value(std::span<const std::string> values);

// The filters --balance / --stratify: keeps `limit` objects (or, with
// `probability`, the rounded share of the selection) in their current order,
// drawn at random within each value. invalid_argument naming the expression
// when no object has a value for it.
struct SampleSize {
  std::uint64_t limit = 0;
  bool by_probability = false;
  double probability = 0;
};
Result<Selection> sample_by_key(Context& ctx, Selection selection, const std::string& expression, Shares shares,
                                const SampleSize& size, std::mt19937_64& rng);

}  // namespace ldb::dataset
