#include "dataset/merge.hpp"

#include <algorithm>
#include <string>

#include "core/hash.hpp"
#include "test_support.hpp"

namespace ldb::dataset {
namespace {

using store::Collection;
using store::ObjectRef;

// Objects whose hashes sort h(0) < h(1) < h(2) ... (built byte-wise).
core::Md5 h(int n) {
  core::Md5 m;
  m.bytes[0] = static_cast<std::uint8_t>(n);
  m.bytes[15] = 0xCD;
  return m;
}
ObjectRef r(int n, std::uint32_t version) { return ObjectRef{h(n), version}; }
DatasetContent content(Collection members, store::TransformAssignments transforms = {}) {
  return DatasetContent{std::move(members), std::move(transforms)};
}
const store::TransformSet k_rotate{R"(["rotate","90"])", "self"};
const store::TransformSet k_flip{R"(["flip"])"};
MergeSide member(std::uint32_t version, store::TransformSet transforms = {"self"}) {
  return MergeSide{true, version, std::move(transforms)};
}

TEST(MergeThreeWayTest, NothingChangedGivesTheBase) {
  auto base = content({r(1, 1), r(2, 1)});
  auto result = merge_three_way(base, base, base, Resolution::none);
  EXPECT_EQ(result.merged, base);
  EXPECT_TRUE(result.conflicts.empty());
}

TEST(MergeThreeWayTest, BothSidesAdditionsAreKept) {
  // The scenario of the issue: A adds dresses (theirs, committed first), B adds shirts.
  auto base = content({r(10, 1), r(20, 1)});
  auto theirs = content({r(10, 1), r(11, 1), r(12, 1), r(13, 1), r(20, 1)});
  auto ours = content({r(5, 1), r(10, 1), r(20, 1), r(21, 2), r(30, 1), r(31, 1)});
  auto result = merge_three_way(base, ours, theirs, Resolution::none);
  EXPECT_TRUE(result.conflicts.empty());
  EXPECT_EQ(result.merged.members,
            (Collection{r(5, 1), r(10, 1), r(11, 1), r(12, 1), r(13, 1), r(20, 1), r(21, 2), r(30, 1), r(31, 1)}));
}

TEST(MergeThreeWayTest, BothSidesDeletionsAreKept) {
  auto base = content({r(1, 1), r(2, 1), r(3, 1), r(4, 1)});
  auto ours = content({r(1, 1), r(3, 1), r(4, 1)});    // deleted 2
  auto theirs = content({r(1, 1), r(2, 1), r(3, 1)});  // deleted 4
  auto result = merge_three_way(base, ours, theirs, Resolution::none);
  EXPECT_TRUE(result.conflicts.empty());
  EXPECT_EQ(result.merged.members, (Collection{r(1, 1), r(3, 1)}));
}

TEST(MergeThreeWayTest, DeletedOnOneSideAddedOnTheOther) {
  auto base = content({r(1, 1), r(2, 1)});
  auto ours = content({r(2, 1), r(3, 1)});             // deleted 1, added 3
  auto theirs = content({r(1, 1), r(2, 1), r(4, 1)});  // added 4
  auto result = merge_three_way(base, ours, theirs, Resolution::none);
  EXPECT_TRUE(result.conflicts.empty());
  EXPECT_EQ(result.merged.members, (Collection{r(2, 1), r(3, 1), r(4, 1)}));
}

TEST(MergeThreeWayTest, SameChangeOnBothSidesIsNoConflict) {
  auto base = content({r(1, 1), r(2, 1), r(3, 1)});
  auto both = content({r(1, 2), r(3, 1), r(4, 1)});  // re-pinned 1, deleted 2, added 4
  auto result = merge_three_way(base, both, both, Resolution::none);
  EXPECT_TRUE(result.conflicts.empty());
  EXPECT_EQ(result.merged, both);
}

TEST(MergeThreeWayTest, RepinnedOnOneSideKeepsThatPin) {
  auto base = content({r(1, 1), r(2, 1)});
  auto ours = content({r(1, 3), r(2, 1)});
  auto theirs = content({r(1, 1), r(2, 2)});
  auto result = merge_three_way(base, ours, theirs, Resolution::none);
  EXPECT_TRUE(result.conflicts.empty());
  EXPECT_EQ(result.merged.members, (Collection{r(1, 3), r(2, 2)}));
}

TEST(MergeThreeWayTest, RepinnedDifferentlyIsAConflict) {
  auto base = content({r(1, 1), r(2, 1), r(3, 1)});
  auto ours = content({r(1, 2), r(2, 1), r(3, 3)});
  auto theirs = content({r(1, 3), r(2, 1), r(3, 2)});
  auto result = merge_three_way(base, ours, theirs, Resolution::none);
  ASSERT_EQ(result.conflicts.size(), 2u);
  EXPECT_EQ(result.conflicts[0].hash, h(1));
  EXPECT_EQ(result.conflicts[0].base, member(1));
  EXPECT_EQ(result.conflicts[0].ours, member(2));
  EXPECT_EQ(result.conflicts[0].theirs, member(3));
  EXPECT_EQ(result.conflicts[1].hash, h(3));
  EXPECT_EQ(result.conflicts[1].ours, member(3));
  EXPECT_EQ(result.conflicts[1].theirs, member(2));
  // Undecided, the merged content holds ours (the caller refuses it).
  EXPECT_EQ(result.merged.members, (Collection{r(1, 2), r(2, 1), r(3, 3)}));
}

TEST(MergeThreeWayTest, ResolutionDecidesEveryConflictOneWay) {
  auto base = content({r(1, 1), r(3, 1)});
  auto ours = content({r(1, 2), r(2, 1), r(3, 3)});
  auto theirs = content({r(1, 3), r(3, 2), r(4, 1)});
  auto for_ours = merge_three_way(base, ours, theirs, Resolution::ours);
  EXPECT_EQ(for_ours.conflicts.size(), 2u);
  EXPECT_EQ(for_ours.merged.members, (Collection{r(1, 2), r(2, 1), r(3, 3), r(4, 1)}));
  auto for_theirs = merge_three_way(base, ours, theirs, Resolution::theirs);
  EXPECT_EQ(for_theirs.conflicts.size(), 2u);
  // Non-conflicting changes of both sides stay either way.
  EXPECT_EQ(for_theirs.merged.members, (Collection{r(1, 3), r(2, 1), r(3, 2), r(4, 1)}));
}

TEST(MergeThreeWayTest, AddedOnBothSidesWithDifferentPinsIsAConflict) {
  auto base = content({});
  auto ours = content({r(1, 1), r(2, 4)});
  auto theirs = content({r(1, 1), r(2, 5)});
  auto result = merge_three_way(base, ours, theirs, Resolution::none);
  ASSERT_EQ(result.conflicts.size(), 1u);
  EXPECT_EQ(result.conflicts[0].hash, h(2));
  EXPECT_FALSE(result.conflicts[0].base.member);
  EXPECT_EQ(result.conflicts[0].ours, member(4));
  EXPECT_EQ(result.conflicts[0].theirs, member(5));
}

TEST(MergeThreeWayTest, DeletedOnOneSideRepinnedOnTheOtherIsAConflict) {
  auto base = content({r(1, 1), r(2, 1)});
  auto ours = content({r(2, 1)});             // deleted 1
  auto theirs = content({r(1, 2), r(2, 1)});  // re-pinned 1
  auto result = merge_three_way(base, ours, theirs, Resolution::none);
  ASSERT_EQ(result.conflicts.size(), 1u);
  EXPECT_FALSE(result.conflicts[0].ours.member);
  EXPECT_EQ(result.conflicts[0].theirs, member(2));
  EXPECT_EQ(merge_three_way(base, ours, theirs, Resolution::ours).merged.members, (Collection{r(2, 1)}));
  EXPECT_EQ(merge_three_way(base, ours, theirs, Resolution::theirs).merged.members, (Collection{r(1, 2), r(2, 1)}));
  // And the other way round.
  auto swapped = merge_three_way(base, theirs, ours, Resolution::none);
  ASSERT_EQ(swapped.conflicts.size(), 1u);
  EXPECT_EQ(swapped.conflicts[0].ours, member(2));
  EXPECT_FALSE(swapped.conflicts[0].theirs.member);
}

TEST(MergeThreeWayTest, TransformSetsMergeLikePins) {
  auto base = content({r(1, 1), r(2, 1), r(3, 1)}, {{h(3), k_flip}});
  // Ours gives 1 a rotation; theirs drops 3's flip. Neither touched the other's.
  auto ours = content({r(1, 1), r(2, 1), r(3, 1)}, {{h(1), k_rotate}, {h(3), k_flip}});
  auto theirs = content({r(1, 1), r(2, 1), r(3, 1)});
  auto result = merge_three_way(base, ours, theirs, Resolution::none);
  EXPECT_TRUE(result.conflicts.empty());
  EXPECT_EQ(result.merged, content({r(1, 1), r(2, 1), r(3, 1)}, {{h(1), k_rotate}}));
}

TEST(MergeThreeWayTest, DifferentTransformSetsOnBothSidesConflict) {
  auto base = content({r(1, 1)});
  auto ours = content({r(1, 1)}, {{h(1), k_rotate}});
  auto theirs = content({r(1, 1)}, {{h(1), k_flip}});
  auto result = merge_three_way(base, ours, theirs, Resolution::none);
  ASSERT_EQ(result.conflicts.size(), 1u);
  EXPECT_EQ(result.conflicts[0].base, member(1));
  EXPECT_EQ(result.conflicts[0].ours, member(1, k_rotate));
  EXPECT_EQ(result.conflicts[0].theirs, member(1, k_flip));
  EXPECT_EQ(merge_three_way(base, ours, theirs, Resolution::theirs).merged, theirs);
  EXPECT_EQ(merge_three_way(base, ours, theirs, Resolution::ours).merged, ours);
}

TEST(MergeThreeWayTest, RollbackAgainstAMovedDatasetKeepsTheirNewMembers) {
  // Staged v1 on purpose when v3 was the latest (base v3); v4 landed since.
  auto v3 = content({r(1, 1), r(2, 1), r(3, 1)});
  auto ours = content({r(1, 1)});  // v1's members
  auto v4 = content({r(1, 1), r(2, 1), r(3, 1), r(4, 1)});
  auto result = merge_three_way(v3, ours, v4, Resolution::none);
  EXPECT_TRUE(result.conflicts.empty());
  EXPECT_EQ(result.merged.members, (Collection{r(1, 1), r(4, 1)}));
}

TEST(MergeThreeWayTest, LargeDisjointAdditions) {
  Collection base_members, ours_members, theirs_members;
  for (int i = 0; i < 200; i += 2) base_members.push_back(r(i, 1));
  ours_members = base_members;
  theirs_members = base_members;
  for (int i = 1; i < 200; i += 4) ours_members.push_back(r(i, 1));
  for (int i = 3; i < 200; i += 4) theirs_members.push_back(r(i, 2));
  auto sorted = [](Collection c) {
    std::sort(c.begin(), c.end());
    return c;
  };
  auto result = merge_three_way(content(sorted(base_members)), content(sorted(ours_members)),
                                content(sorted(theirs_members)), Resolution::none);
  EXPECT_TRUE(result.conflicts.empty());
  ASSERT_EQ(result.merged.members.size(), 200u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(result.merged.members[static_cast<std::size_t>(i)], r(i, i % 4 == 3 ? 2u : 1u)) << i;
  }
}

}  // namespace
}  // namespace ldb::dataset
