#pragma once
// Transform sets of dataset members: keeping them in step with membership,
// editing them (ldb transform -a/-r/-s), and finding those of the datasets an
// object list names. A member absent from a TransformAssignments has the
// default set {self} (store::k_self_transform, a plain copy).

#include <span>
#include <string>
#include <vector>

#include "dataset/context.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

// The assignments of `transforms` whose object is in `members`, sorted by
// hash, without sets equal to {self}. `transforms` must be sorted by hash.
store::TransformAssignments prune_transforms(const store::Collection& members, store::TransformAssignments transforms);

// The transform set of `hash` ({self} when `transforms` has none for it).
store::TransformSet transform_set_of(const store::TransformAssignments& transforms, const core::Md5& hash);

enum class TransformEdit { add, remove, set };

struct TransformEditOutcome {
  store::TransformAssignments transforms;  // the new assignments of the whole collection
  std::size_t changed = 0;                 // members whose set changed
};

// Adds `commands` to, removes them from, or sets them as the transform set of
// each of `targets` (sorted by hash; each must be in `members`). invalid_argument
// when a member would be left with no transform, naming it.
Result<TransformEditOutcome> edit_transforms(const store::Collection& members,
                                             const store::TransformAssignments& transforms,
                                             const store::Collection& targets, TransformEdit edit,
                                             const store::TransformSet& commands);

// The transform sets that the dataset identifiers among `identifiers` (ds:NAME,
// ds:NAME.vN, ws:DIR) give their members; other identifiers contribute none.
// When several give one object a set, the first listed wins.
Result<store::TransformAssignments> transforms_of_sources(Context& ctx, std::span<const std::string> identifiers);

}  // namespace ldb::dataset
