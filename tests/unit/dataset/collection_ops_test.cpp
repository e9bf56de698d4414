#include "dataset/collection_ops.hpp"

#include <algorithm>
#include <string>

#include "core/hash.hpp"
#include "test_support.hpp"

namespace ldb::dataset {
namespace {

// Objects whose hashes sort h(0) < h(1) < h(2) ... (built byte-wise).
core::Md5 h(int n) {
  core::Md5 m;
  m.bytes[0] = static_cast<std::uint8_t>(n);
  m.bytes[15] = 0xAB;
  return m;
}
ObjectRef r(int n, std::uint32_t version) { return ObjectRef{h(n), version}; }

TEST(NormalizeTest, EmptyStaysEmpty) { EXPECT_TRUE(normalize({}).empty()); }

TEST(NormalizeTest, SortsByHash) {
  Collection c = normalize({r(3, 1), r(1, 0), r(2, 5)});
  EXPECT_EQ(c, (Collection{r(1, 0), r(2, 5), r(3, 1)}));
}

TEST(NormalizeTest, DuplicatesCollapseToNewestVersion) {
  Collection c = normalize({r(2, 1), r(1, 2), r(2, 3), r(2, 2), r(1, 0)});
  EXPECT_EQ(c, (Collection{r(1, 2), r(2, 3)}));
}

TEST(NormalizeTest, UnannotatedDuplicateKeepsAnnotatedVersion) {
  EXPECT_EQ(normalize({r(1, 0), r(1, 4), r(1, 0)}), (Collection{r(1, 4)}));
  EXPECT_EQ(normalize({r(1, 0), r(1, 0)}), (Collection{r(1, 0)}));
}

TEST(MergeTest, EmptySides) {
  Collection a{r(1, 1), r(2, 1)};
  EXPECT_EQ(merge(a, {}), a);
  EXPECT_EQ(merge({}, a), a);
  EXPECT_TRUE(merge({}, {}).empty());
}

TEST(MergeTest, InterleavedUnionStaysSorted) {
  Collection a{r(1, 1), r(4, 1), r(6, 1)};
  Collection b{r(0, 2), r(2, 2), r(5, 2), r(9, 2)};
  Collection m = merge(a, b);
  EXPECT_EQ(m, (Collection{r(0, 2), r(1, 1), r(2, 2), r(4, 1), r(5, 2), r(6, 1), r(9, 2)}));
  EXPECT_TRUE(std::is_sorted(m.begin(), m.end()));
}

TEST(MergeTest, NewestVersionWinsFromEitherSide) {
  Collection a{r(1, 3), r(2, 1), r(3, 2)};
  Collection b{r(1, 1), r(2, 4), r(3, 2)};
  EXPECT_EQ(merge(a, b), (Collection{r(1, 3), r(2, 4), r(3, 2)}));
  EXPECT_EQ(merge(b, a), (Collection{r(1, 3), r(2, 4), r(3, 2)}));
}

TEST(MergeTest, PinnedBWinsEvenWhenOlder) {
  Collection a{r(1, 3), r(2, 1), r(5, 2)};
  Collection b{r(1, 1), r(2, 4), r(4, 0)};
  EXPECT_EQ(merge(a, b, Pinned::yes), (Collection{r(1, 1), r(2, 4), r(4, 0), r(5, 2)}));
}

TEST(MergeTest, PinnedVersionZeroDropsAnnotation) {
  // --label-version pins exactly; an explicit "no annotation" pin is honoured too.
  EXPECT_EQ(merge({r(1, 3)}, {r(1, 0)}, Pinned::yes), (Collection{r(1, 0)}));
  EXPECT_EQ(merge({r(1, 3)}, {r(1, 0)}, Pinned::no), (Collection{r(1, 3)}));
}

TEST(SubtractTest, IgnoresVersions) {
  Collection a{r(1, 1), r(2, 2), r(3, 3)};
  Collection b{r(2, 9), r(3, 0)};
  EXPECT_EQ(subtract(a, b), (Collection{r(1, 1)}));
}

TEST(SubtractTest, EdgeCases) {
  Collection a{r(1, 1), r(3, 1)};
  EXPECT_EQ(subtract(a, {}), a);
  EXPECT_TRUE(subtract({}, a).empty());
  EXPECT_TRUE(subtract(a, a).empty());
  // Members of b that a lacks, before, between and after a's members.
  EXPECT_EQ(subtract(a, {r(0, 1), r(2, 1), r(4, 1)}), a);
}

TEST(IntersectTest, KeepsVersionsOfA) {
  Collection a{r(1, 1), r(2, 2), r(4, 4)};
  Collection b{r(0, 7), r(2, 7), r(4, 7), r(5, 7)};
  EXPECT_EQ(intersect(a, b), (Collection{r(2, 2), r(4, 4)}));
}

TEST(IntersectTest, EdgeCases) {
  Collection a{r(1, 1)};
  EXPECT_TRUE(intersect(a, {}).empty());
  EXPECT_TRUE(intersect({}, a).empty());
  EXPECT_TRUE(intersect(a, {r(2, 1)}).empty());
  EXPECT_EQ(intersect(a, a), a);
}

TEST(DiffTest, EqualCollectionsHaveNoDifference) {
  Collection a{r(1, 1), r(2, 0)};
  EXPECT_EQ(diff(a, a).size(), 0u);
  EXPECT_EQ(diff({}, {}).size(), 0u);
}

TEST(DiffTest, AddedDeletedModified) {
  Collection from{r(1, 1), r(2, 1), r(3, 1), r(7, 2)};
  Collection to{r(0, 1), r(2, 1), r(3, 2), r(8, 0)};
  Diff d = diff(from, to);
  EXPECT_EQ(d.added, (std::vector<ObjectRef>{r(0, 1), r(8, 0)}));
  EXPECT_EQ(d.deleted, (std::vector<ObjectRef>{r(1, 1), r(7, 2)}));
  ASSERT_EQ(d.modified.size(), 1u);
  EXPECT_EQ(d.modified[0].first, r(3, 1));
  EXPECT_EQ(d.modified[0].second, r(3, 2));
  EXPECT_EQ(d.size(), 5u);
}

TEST(DiffTest, FromOrToEmpty) {
  Collection c{r(1, 1), r(2, 2)};
  Diff added = diff({}, c);
  EXPECT_EQ(added.added, c);
  EXPECT_TRUE(added.deleted.empty());
  Diff deleted = diff(c, {});
  EXPECT_EQ(deleted.deleted, c);
  EXPECT_TRUE(deleted.added.empty());
  EXPECT_TRUE(deleted.modified.empty());
}

TEST(DiffTest, AnnotationRemovedIsAModification) {
  Diff d = diff({r(1, 2)}, {r(1, 0)});
  ASSERT_EQ(d.modified.size(), 1u);
  EXPECT_EQ(d.modified[0].second.annotation_version, 0u);
}

}  // namespace
}  // namespace ldb::dataset
