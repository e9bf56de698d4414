#pragma once
// Colouring a selection by a key (the embedding view of `ldb ui`): each
// object's value of a JMESPath key over its annotation, as one of a few
// categories, so that a million objects travel as one small number each and a
// legend of a few names.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dataset/context.hpp"
#include "query/expression.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

struct CategoryValue {
  std::string label;  // the value as text ("cat", "true", "0.5"), or (other), (several), (none)
  std::uint64_t count = 0;
};

struct Categories {
  std::vector<std::uint16_t> of;      // per position of the selection: an index into values
  std::vector<CategoryValue> values;  // the most frequent values first (ties by label), then (other), then (none)
};

// The labels of the categories that are not one value.
inline constexpr std::string_view k_other_category = "(other)";
inline constexpr std::string_view k_none_category = "(none)";
inline constexpr std::string_view k_several_category = "(several)";

// Evaluates `key` on every annotation of `selection` (in one parallel scan, as
// ldb stats) and puts each object in a category: a string, boolean or number
// is its own value; an array whose elements are all one such value is that
// value, another non-empty array is (several); null, missing, an error, an
// object or no annotation is (none). The `max` - 2 most frequent values keep
// their own category (max >= 3); the rest share (other). Store errors as Error.
Result<Categories> categorize(Context& ctx, const std::vector<store::ObjectRef>& selection,
                              const query::Expression& key, std::size_t max);

}  // namespace ldb::dataset
