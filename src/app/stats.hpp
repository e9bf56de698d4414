#pragma once
// ldb stats and ldb diff --stats (SPEC section 9): how the values of keys
// are spread over a selection, and how that changed between two datasets.
// docs/stats.md describes what is counted and how.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "app/inspect.hpp"
#include "app/selection.hpp"
#include "app/session.hpp"

namespace ldb::app {

// The keys of a stats request and how they are shown.
struct StatsKeys {
  std::vector<std::string> by;       // JMESPath over annotations (ldb dialect, as --query)
  std::vector<std::string> file_by;  // JMESPath over file attributes (as --file)
  std::optional<std::string> bins;   // histogram bins, as given (checked here); unset: 10
  std::optional<std::string> top;    // distinct values shown, as given; unset: 20
};

struct StatsRequest {
  Selector selector;                  // no objects: the staged dataset (as ldb list)
  std::optional<std::string> target;  // the workspace for the default
  StatsKeys keys;                     // none: the overview (coverage and image sizes)
};

struct ValueCount {
  std::string value;     // a string, or "true"/"false"
  bool boolean = false;  // value is a JSON boolean
  std::uint64_t count = 0;
};

struct HistogramBin {
  double low = 0, high = 0;  // [low, high); the last bin [low, high]
  std::uint64_t count = 0;
};

// Population standard deviation (ddof 0); quantiles by linear interpolation
// (numpy's default); equal-width bins over [min, max] as numpy.histogram.
struct NumberStats {
  std::uint64_t count = 0;
  double min = 0, max = 0, mean = 0, std = 0;
  std::vector<std::pair<double, double>> quantiles;  // (level 0.05 ... 0.95, value)
  std::vector<HistogramBin> histogram;
};

struct KeyStats {
  std::string key;     // as given
  std::string source;  // "annotation" (--by) or "file" (--file-by)
  std::uint64_t objects = 0;
  std::uint64_t missing = 0;  // objects where it is absent or null
  std::uint64_t errors = 0;   // objects where it could not be evaluated (a warning says why)
  std::string unit;           // what was counted: "objects", "elements" (of arrays) or "values" (both)
  std::uint64_t values = 0;   // how many were counted: the base of the shares
  std::uint64_t null_elements = 0;
  std::vector<ValueCount> top;         // the most frequent booleans and strings, ties by value
  std::uint64_t distinct = 0;          // distinct booleans and strings in all
  std::uint64_t other_values = 0;      // distinct values beyond `top`
  std::uint64_t other_count = 0;       // how many had one of those
  std::optional<NumberStats> numbers;  // when any value was a number
  std::uint64_t other = 0;             // objects, nested arrays, non-finite numbers: counted, not broken down
};

struct KeyCoverage {
  std::string key;
  std::uint64_t annotations = 0;
};

struct StatsResult {
  std::uint64_t objects = 0;
  std::uint64_t annotations = 0;  // objects with an annotation
  // Without keys: the annotations' top-level keys (most common first) and
  // `keys` holds image.width, image.height and image.format (source "file").
  bool overview = false;
  std::vector<KeyCoverage> coverage;
  std::vector<KeyStats> keys;  // --by keys, then --file-by keys, each in order
};

// Errors: invalid_argument for a malformed key (the query error and caret),
// bad --bins/--top, or a key no object could be evaluated on; not_found for a
// key every selected object misses (the hint names the keys there are).
Result<StatsResult> stats(Session& session, const StatsRequest& request);
// The same over objects already selected (a front end that keeps its
// selection, as the web UI's grid does), in their order.
Result<StatsResult> stats(Session& session, std::span<const ObjectRef> objects, const StatsKeys& keys);

struct DiffStatsRequest {
  DiffRequest sides;  // as ldb diff takes them (details is ignored)
  StatsKeys keys;     // at least one key
};

struct ValueChange {
  std::string value;
  bool boolean = false;
  std::uint64_t from = 0, to = 0;
  double from_share = 0, to_share = 0;  // of each side's counted values (0 to 1)
};

struct KeyDiff {
  std::string key, source;
  KeyStats from, to;                 // each side's stats (their `top` cut as the request says)
  std::vector<ValueChange> changes;  // the --top values most frequent in either side, then by value
  std::uint64_t other_values = 0;    // distinct values beyond them
};

struct DiffStatsResult {
  std::uint64_t from_objects = 0, to_objects = 0;
  std::vector<KeyDiff> keys;
};

// Errors as stats(), and invalid_argument without a key.
Result<DiffStatsResult> diff_stats(Session& session, const DiffStatsRequest& request);

}  // namespace ldb::app
