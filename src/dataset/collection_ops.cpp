#include "dataset/collection_ops.hpp"

#include <algorithm>

namespace ldb::dataset {

Collection normalize(std::vector<ObjectRef> refs) {
  // Already a collection (e.g. ds:root or one dataset): nothing to sort.
  auto disorder = std::adjacent_find(refs.begin(), refs.end(),
                                     [](const ObjectRef& a, const ObjectRef& b) { return !(a.hash < b.hash); });
  if (disorder == refs.end()) return refs;
  std::sort(refs.begin(), refs.end(), [](const ObjectRef& a, const ObjectRef& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.annotation_version > b.annotation_version;
  });
  refs.erase(
      std::unique(refs.begin(), refs.end(), [](const ObjectRef& a, const ObjectRef& b) { return a.hash == b.hash; }),
      refs.end());
  return refs;
}

Collection merge(const Collection& a, const Collection& b, Pinned b_wins) {
  Collection out;
  out.reserve(a.size() + b.size());
  auto ia = a.begin(), ib = b.begin();
  while (ia != a.end() && ib != b.end()) {
    if (ia->hash < ib->hash) {
      out.push_back(*ia++);
    } else if (ib->hash < ia->hash) {
      out.push_back(*ib++);
    } else {
      bool take_b = b_wins == Pinned::yes || ib->annotation_version > ia->annotation_version;
      out.push_back(take_b ? *ib : *ia);
      ++ia;
      ++ib;
    }
  }
  out.insert(out.end(), ia, a.end());
  out.insert(out.end(), ib, b.end());
  return out;
}

Collection subtract(const Collection& a, const Collection& b) {
  Collection out;
  out.reserve(a.size());
  auto ib = b.begin();
  for (const auto& m : a) {
    while (ib != b.end() && ib->hash < m.hash) ++ib;
    if (ib == b.end() || ib->hash != m.hash) out.push_back(m);
  }
  return out;
}

Collection intersect(const Collection& a, const Collection& b) {
  Collection out;
  auto ib = b.begin();
  for (const auto& m : a) {
    while (ib != b.end() && ib->hash < m.hash) ++ib;
    if (ib != b.end() && ib->hash == m.hash) out.push_back(m);
  }
  return out;
}

Diff diff(const Collection& from, const Collection& to) {
  Diff d;
  auto ia = from.begin(), ib = to.begin();
  while (ia != from.end() || ib != to.end()) {
    if (ib == to.end() || (ia != from.end() && ia->hash < ib->hash)) {
      d.deleted.push_back(*ia++);
    } else if (ia == from.end() || ib->hash < ia->hash) {
      d.added.push_back(*ib++);
    } else {
      if (ia->annotation_version != ib->annotation_version) d.modified.emplace_back(*ia, *ib);
      ++ia;
      ++ib;
    }
  }
  return d;
}

Diff diff(const Collection& from, const Collection& to, const store::TransformAssignments& from_transforms,
          const store::TransformAssignments& to_transforms) {
  Diff d = diff(from, to);
  if (from_transforms.empty() && to_transforms.empty()) return d;
  const store::TransformSet self{std::string(store::k_self_transform)};
  auto set_in = [&](const store::TransformAssignments& transforms,
                    const core::Md5& hash) -> const store::TransformSet& {
    auto it = std::lower_bound(transforms.begin(), transforms.end(), hash,
                               [](const store::MemberTransforms& m, const core::Md5& h) { return m.hash < h; });
    return it != transforms.end() && it->hash == hash ? it->transforms : self;
  };
  auto ia = from.begin(), ib = to.begin();
  while (ia != from.end() && ib != to.end()) {
    if (ia->hash < ib->hash) {
      ++ia;
    } else if (ib->hash < ia->hash) {
      ++ib;
    } else {
      const auto& before = set_in(from_transforms, ia->hash);
      const auto& after = set_in(to_transforms, ib->hash);
      if (before != after) d.retransformed.push_back(TransformChange{*ib, before, after});
      ++ia;
      ++ib;
    }
  }
  return d;
}

}  // namespace ldb::dataset
