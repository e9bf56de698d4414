#pragma once
// Three-way merge of dataset memberships: what `ldb commit` does when others
// committed to the dataset after the workspace was staged.
//
// Every object is a key whose value on a side is "not a member" or "a member
// pinned to annotation version N with transform set S". With b, o and t the
// values in base (the version the workspace's changes are relative to), ours
// (the workspace) and theirs (the latest version), per object:
//   o == t      -> o   (no change, or the same change on both sides)
//   o == b      -> t   (only theirs changed it: added, deleted or re-pinned)
//   t == b      -> o   (only ours changed it)
//   otherwise   -> a conflict: both changed it, differently.
// So both sides' additions and deletions are kept; an object added on both
// sides with different pins, re-pinned differently on both, or deleted on one
// side and re-pinned on the other is a conflict. The three collections are
// sorted by hash, so this is one linear pass, like the other collection_ops.

#include <cstddef>
#include <vector>

#include "store/types.hpp"

namespace ldb::dataset {

// A dataset version's members with their transform sets (those not {self},
// sorted by hash).
struct DatasetContent {
  store::Collection members;
  store::TransformAssignments transforms;

  bool operator==(const DatasetContent&) const = default;
};

// One side's value for an object in a conflict.
struct MergeSide {
  bool member = false;
  std::uint32_t annotation_version = 0;  // when a member (0 = no annotation)
  store::TransformSet transforms;        // when a member; {self} by default

  bool operator==(const MergeSide&) const = default;
};

// An object both sides changed differently.
struct MergeConflict {
  core::Md5 hash;
  MergeSide base, ours, theirs;
};

// How conflicts are decided: not at all (the caller refuses), or all of them
// for one side.
enum class Resolution { none, ours, theirs };

struct MergeResult {
  // The merged membership. A conflict takes the side `resolution` names, and
  // ours when it is `none` (the caller then refuses to save it).
  DatasetContent merged;
  std::vector<MergeConflict> conflicts;  // sorted by hash, decided or not
};

// Merges `ours` and `theirs`, each derived from `base`, as described above.
// Each transforms list must be sorted by hash and hold no {self} set.
MergeResult merge_three_way(const DatasetContent& base, const DatasetContent& ours, const DatasetContent& theirs,
                            Resolution resolution);

}  // namespace ldb::dataset
