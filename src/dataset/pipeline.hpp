#pragma once
// The selection pipeline: an ordered list of objects passed through filters in
// the order they were given on the command line (--query, --jquery, --file,
// --path, --tag, --no-tag, --limit, --sample, --sample-rate, --shuffle, --seed, --sort,
// --sort-desc, --pipe, --dedup, --similar, --balance, --stratify). Query expressions are parsed once, before any work,
// and evaluated over annotations on all cores.

#include <span>
#include <string>
#include <vector>

#include "dataset/context.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

// sample keeps each object with a probability (0 to 1), sample_rate with a
// percentage (0 to 100): the same draw, each checked and reported as written.
enum class FilterKind {
  query,
  jquery,
  file,
  path,
  tag,
  no_tag,
  limit,
  sample,
  sample_rate,
  shuffle,
  seed,
  sort,
  sort_desc,
  pipe,
  dedup,     // keep the first of each near-duplicate group (dataset/images.hpp)
  similar,   // value: the object (id:HASH or an absolute image path); args: {MODEL} or none (builtin)
  balance,   // value: EXPR; takes the --limit / --sample / --sample-rate right after it (dataset/sampling.hpp)
  stratify,  // likewise
};

struct FilterSpec {
  FilterKind kind;
  std::string value;              // expression, regex, tags, number...
  std::vector<std::string> args;  // --pipe: the program's arguments
};

using Selection = std::vector<store::ObjectRef>;

// Checks every filter's argument (query syntax, numbers, tag names) without
// running anything, so a bad filter fails before any work is done.
Status validate_filters(std::span<const FilterSpec> filters);

// Applies the filters in order. Objects a query cannot be evaluated on (a
// runtime type error) are dropped and counted in one warning in ctx.warnings.
Result<Selection> apply_filters(Context& ctx, Selection selection, std::span<const FilterSpec> filters);

// For `eval`: the JSON value of a query/jquery/file expression for each
// object, in order (an error string per object where evaluation failed).
struct Evaluation {
  store::ObjectRef ref;
  bool ok = true;
  bool missing = false;  // !ok because a key the expression names is absent
  std::string json;      // the value, or the error message when !ok
};
Result<std::vector<Evaluation>> evaluate_each(Context& ctx, const Selection& selection, const FilterSpec& expression);

// The image.* members of SPEC section 8 (",\"phash\":…" or ",\"error\":…"),
// appended to `doc` inside the file attributes' "image" object.
void append_image_features(const store::ImageFeatures& features, std::string& doc);

// The file attributes of objects as the JSON documents `--file` queries see.
Result<std::vector<std::string>> file_attributes_json(Context& ctx, const Selection& selection);

}  // namespace ldb::dataset
