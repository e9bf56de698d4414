#include "dataset/merge.hpp"

#include <algorithm>
#include <string>

namespace ldb::dataset {

namespace {

// One side's value for an object; `transforms` is null for the default {self}.
struct Value {
  bool member = false;
  std::uint32_t annotation_version = 0;
  const store::TransformSet* transforms = nullptr;
};

bool same(const Value& a, const Value& b) {
  if (a.member != b.member) return false;
  if (!a.member) return true;
  if (a.annotation_version != b.annotation_version) return false;
  if (!a.transforms || !b.transforms) return a.transforms == b.transforms;  // {self} only equals {self}
  return *a.transforms == *b.transforms;
}

// Walks one side's members and transform assignments in hash order.
class Side {
 public:
  explicit Side(const DatasetContent& content) : m_content(content) {}

  // The smallest hash not yet taken, or null at the end.
  const core::Md5* head() const {
    return m_member < m_content.members.size() ? &m_content.members[m_member].hash : nullptr;
  }

  // The value for `hash`, which is no greater than any side's head; moves
  // past it when it is a member here.
  Value take(const core::Md5& hash) {
    const auto& members = m_content.members;
    if (m_member == members.size() || members[m_member].hash != hash) return {};
    Value v{true, members[m_member].annotation_version, nullptr};
    ++m_member;
    const auto& transforms = m_content.transforms;
    while (m_transform < transforms.size() && transforms[m_transform].hash < hash) ++m_transform;
    if (m_transform < transforms.size() && transforms[m_transform].hash == hash) {
      v.transforms = &transforms[m_transform].transforms;
    }
    return v;
  }

 private:
  const DatasetContent& m_content;
  std::size_t m_member = 0;
  std::size_t m_transform = 0;
};

MergeSide describe(const Value& v) {
  if (!v.member) return {};
  return MergeSide{true, v.annotation_version,
                   v.transforms ? *v.transforms : store::TransformSet{std::string(store::k_self_transform)}};
}

}  // namespace

MergeResult merge_three_way(const DatasetContent& base, const DatasetContent& ours, const DatasetContent& theirs,
                            Resolution resolution) {
  MergeResult out;
  out.merged.members.reserve(std::max(ours.members.size(), theirs.members.size()));
  Side b(base), o(ours), t(theirs);
  for (;;) {
    const core::Md5* next = nullptr;
    for (const Side* side : {&b, &o, &t}) {
      const auto* head = side->head();
      if (head && (!next || *head < *next)) next = head;
    }
    if (!next) break;
    const core::Md5 hash = *next;  // a copy: take() moves the heads
    Value in_base = b.take(hash), in_ours = o.take(hash), in_theirs = t.take(hash);
    const Value* chosen = &in_ours;
    if (same(in_ours, in_theirs) || same(in_theirs, in_base)) {
      chosen = &in_ours;
    } else if (same(in_ours, in_base)) {
      chosen = &in_theirs;
    } else {
      out.conflicts.push_back(MergeConflict{hash, describe(in_base), describe(in_ours), describe(in_theirs)});
      if (resolution == Resolution::theirs) chosen = &in_theirs;
    }
    if (!chosen->member) continue;
    out.merged.members.push_back(store::ObjectRef{hash, chosen->annotation_version});
    if (chosen->transforms) out.merged.transforms.push_back(store::MemberTransforms{hash, *chosen->transforms});
  }
  return out;
}

}  // namespace ldb::dataset
