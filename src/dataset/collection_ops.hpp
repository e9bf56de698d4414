#pragma once
// Set operations on collections (sorted by hash, one member per object). All
// are linear merges of sorted arrays, as DESIGN.md intends.

#include <vector>

#include "store/types.hpp"

namespace ldb::dataset {

using store::Collection;
using store::ObjectRef;

// Sorts refs by hash and collapses duplicates; the highest annotation version wins.
Collection normalize(std::vector<ObjectRef> refs);

// a ∪ b. For an object in both: the newer (higher) annotation version wins,
// unless `b_wins` is set (an explicitly pinned version, e.g. --label-version).
enum class Pinned { no, yes };
Collection merge(const Collection& a, const Collection& b, Pinned b_wins = Pinned::no);

// Members of a whose object is not in b (versions are ignored).
Collection subtract(const Collection& a, const Collection& b);

// Members of a whose object is also in b, with a's version.
Collection intersect(const Collection& a, const Collection& b);

// An object in both collections whose transform set changed.
struct TransformChange {
  ObjectRef ref;  // as in `to`
  store::TransformSet from;
  store::TransformSet to;
};

struct Diff {
  std::vector<ObjectRef> added;                           // in `to` only
  std::vector<ObjectRef> deleted;                         // in `from` only
  std::vector<std::pair<ObjectRef, ObjectRef>> modified;  // same object, other version (from, to)
  std::vector<TransformChange> retransformed;  // same object, other transform set (transform-aware diff only)
  std::size_t size() const { return added.size() + deleted.size() + modified.size() + retransformed.size(); }
};
Diff diff(const Collection& from, const Collection& to);

// diff() that also lists objects in both whose transform set changed
// (assignments sorted by hash; absent = {self}). An object may be both
// modified and retransformed.
Diff diff(const Collection& from, const Collection& to, const store::TransformAssignments& from_transforms,
          const store::TransformAssignments& to_transforms);

}  // namespace ldb::dataset
