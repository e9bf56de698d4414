#pragma once
// ldb stats (SPEC section 9): which values keys take over a selection, to see
// how the data is spread (class balance, box sizes, image sizes). Keys are
// JMESPath expressions (ldb dialect, as --query and --file) evaluated in the
// same parallel scan as query filters (dataset/annotation_scan.hpp); each
// worker counts into its own KeyTally and the tallies are merged at the end.
// Every number is kept, so quantiles are exact.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <simdjson.h>

#include "dataset/context.hpp"
#include "query/expression.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringCounts = std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>>;

// The values one key took on the objects counted so far. Not thread-safe:
// one per worker, merged at the end.
struct KeyTally {
  std::uint64_t evaluated = 0;  // objects the key was evaluated on
  std::uint64_t missing = 0;    // of those: absent (the ldb dialect's missing key) or null
  std::uint64_t errors = 0;     // of those: the evaluation failed (first_error says why)
  std::string first_error;
  std::uint64_t arrays = 0;   // of those: gave an array, whose elements were counted
  std::uint64_t singles = 0;  // of those: gave one value that is not null
  std::uint64_t null_elements = 0;
  StringCounts strings;
  std::uint64_t trues = 0, falses = 0;
  std::vector<double> numbers;  // finite numbers, unsorted
  std::uint64_t other = 0;      // objects, arrays inside arrays, non-finite numbers: counted, not broken down

  // Evaluates `key` on `document` (nullopt: an annotation that is not valid
  // JSON, counted as an error) and counts what it gave.
  void add(const query::Expression& key, std::optional<simdjson::dom::element> document);
  void merge(KeyTally&& other);
};

// The top-level keys of the annotations counted so far (per worker, merged).
struct KeyCoverageTally {
  std::uint64_t annotations = 0;  // valid JSON annotations seen
  StringCounts keys;              // top-level key -> annotations having it

  void add(std::optional<simdjson::dom::element> document);
  void merge(KeyCoverageTally&& other);
};

// One distinct string or boolean value and how many objects (or elements) had it.
struct ValueCount {
  enum class Type { boolean, string };
  Type type = Type::string;
  std::string value;  // "true"/"false" for booleans
  std::uint64_t count = 0;
};

// Booleans and strings of a tally, most frequent first, ties by type
// (booleans first) then value (by UTF-8 bytes).
std::vector<ValueCount> ranked_values(const KeyTally& tally);

struct HistogramBin {
  double low = 0, high = 0;  // [low, high), the last bin [low, high]
  std::uint64_t count = 0;
};

// The quantile levels of NumberSummary::quantiles.
inline constexpr std::array<double, 5> k_quantile_levels = {0.05, 0.25, 0.5, 0.75, 0.95};

// count, min, max, mean, the population standard deviation (numpy.std with
// ddof=0), quantiles by linear interpolation between the closest ranks
// (numpy.quantile's default: position (n-1)p of the sorted values) and a
// histogram of equal-width bins over [min, max] as numpy.histogram makes it
// (all values equal: [v - 0.5, v + 0.5]).
struct NumberSummary {
  std::uint64_t count = 0;
  double min = 0, max = 0, mean = 0, std = 0;
  std::array<double, k_quantile_levels.size()> quantiles{};
  std::vector<HistogramBin> histogram;
};

// Summarizes finite numbers; `numbers` must not be empty, bins > 0.
NumberSummary summarize_numbers(std::vector<double> numbers, std::size_t bins);

// What was counted per object: one value each, each element of arrays, or a mix.
enum class CountedUnit { objects, elements, values };

struct KeySummary {
  std::uint64_t objects = 0;  // the selection's size
  std::uint64_t missing = 0;  // absent or null (objects without an annotation too, for annotation keys)
  std::uint64_t errors = 0;
  std::string first_error;
  CountedUnit unit = CountedUnit::objects;
  std::uint64_t values = 0;  // values counted: booleans, strings, numbers and other
  std::uint64_t null_elements = 0;
  std::vector<ValueCount> distinct;      // every boolean and string value (ranked_values)
  std::optional<NumberSummary> numbers;  // when there was at least one number
  std::uint64_t other = 0;
};

// The summary of a merged tally over a selection of `objects` objects.
KeySummary summarize_key(KeyTally tally, std::uint64_t objects, std::size_t bins);

// What one stats scan computes.
struct StatsKeys {
  std::vector<query::Expression> annotation;  // --by: over annotations
  std::vector<query::Expression> file;        // --file-by: over file attributes (pipeline.hpp)
  bool coverage = false;                      // count the annotations' top-level keys
};

struct KeyCoverage {
  std::string key;
  std::uint64_t annotations = 0;  // annotations having it
};

struct SelectionStats {
  std::uint64_t objects = 0;
  std::uint64_t annotations = 0;            // objects with an annotation
  std::vector<KeyCoverage> coverage;        // with StatsKeys::coverage: most common first, ties by key
  std::vector<KeySummary> annotation_keys;  // in StatsKeys::annotation's order
  std::vector<KeySummary> file_keys;        // in StatsKeys::file's order
};

// One scan of the selection's annotations for every annotation key (and the
// coverage), one pass over its file attributes when there are file keys.
// Store errors as Error. bins > 0.
Result<SelectionStats> selection_stats(Context& ctx, const std::vector<store::ObjectRef>& selection,
                                       const StatsKeys& keys, std::size_t bins);

}  // namespace ldb::dataset
