// Conformance (every backend, store_test_support.hpp): transform sets of dataset versions
// (SQLite: src/store/sqlite_transforms.cpp; src/store/transform_assignments.cpp).

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using testing::file;
using testing::StoreTest;

const std::string k_rotate = R"(["rotate","90"])";
const std::string k_blur = R"(["blur","-r","2"])";
const std::string k_self(k_self_transform);

class TransformStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ingest({file("/d/a.jpg", "a", R"({"v":1})"), file("/d/b.jpg", "b"), file("/d/c.jpg", "c", R"({"v":3})")});
    m_members = {{core::md5_of("a"), 1}, {core::md5_of("b"), 0}, {core::md5_of("c"), 1}};
    std::sort(m_members.begin(), m_members.end());
  }
  Collection m_members;
};

TEST_P(TransformStoreTest, PlainCommitRecordsNoTransforms) {
  auto v = store().commit_dataset("cats", m_members, 0, "m", "alice");
  ASSERT_OK(v);
  EXPECT_EQ(v->transforms_hash, Md5{});
  auto back = store().dataset_version("cats", 1);
  ASSERT_OK(back);
  EXPECT_EQ(back->transforms_hash, Md5{});
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM dataset_versions WHERE transforms_hash IS NULL"), 1);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM transform_assignments"), 0);
}

TEST_P(TransformStoreTest, TransformSetsRoundTripThroughACommit) {
  TransformAssignments transforms{{m_members[0].hash, {k_rotate, k_self}}, {m_members[2].hash, {k_blur}}};
  auto v = store().commit_dataset_with_transforms("cats", m_members, transforms, 0, "m", "alice");
  ASSERT_OK(v);
  EXPECT_EQ(v->transforms_hash, transform_assignments_hash(transforms));
  auto latest = store().dataset_version("cats", 0);
  ASSERT_OK(latest);
  EXPECT_EQ(latest->transforms_hash, v->transforms_hash);
  auto back = store().transform_assignments(latest->transforms_hash);
  ASSERT_OK(back);
  EXPECT_EQ(*back, transforms);
  // The collection itself is the plain 20-bytes-a-member form.
  auto members = store().collection(latest->collection_hash);
  ASSERT_OK(members);
  EXPECT_EQ(*members, m_members);
  EXPECT_EQ(raw_int("SELECT LENGTH(members) FROM collections"), 60);
}

TEST_P(TransformStoreTest, SetsAndAssignmentsAreStoredOnce) {
  TransformAssignments transforms{{m_members[0].hash, {k_rotate, k_self}}, {m_members[1].hash, {k_rotate, k_self}}};
  ASSERT_OK(store().commit_dataset_with_transforms("cats", m_members, transforms, 0, "m", "alice"));
  ASSERT_OK(store().commit_dataset_with_transforms("dogs", m_members, transforms, 0, "m", "alice"));
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM transform_sets"), 1);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM transform_assignments"), 1);
  EXPECT_EQ(raw_int("SELECT LENGTH(members) FROM transform_assignments"), 40);
}

TEST_P(TransformStoreTest, OnlyTheTransformSetChangingMakesANewHash) {
  TransformAssignments one{{m_members[0].hash, {k_rotate}}};
  TransformAssignments other{{m_members[0].hash, {k_blur}}};
  auto v1 = store().commit_dataset_with_transforms("cats", m_members, one, 0, "m", "alice");
  auto v2 = store().commit_dataset_with_transforms("cats", m_members, other, 1, "m", "alice");
  ASSERT_OK(v1);
  ASSERT_OK(v2);
  EXPECT_EQ(v1->collection_hash, v2->collection_hash);
  EXPECT_NE(v1->transforms_hash, v2->transforms_hash);
}

TEST_P(TransformStoreTest, InvalidAssignmentsAreRefusedAndNothingLands) {
  Md5 stranger = core::md5_of("not a member");
  for (const auto& bad :
       {TransformAssignments{{stranger, {k_rotate}}}, TransformAssignments{{m_members[0].hash, {k_self}}},
        TransformAssignments{{m_members[0].hash, {}}}, TransformAssignments{{m_members[0].hash, {k_self, k_rotate}}},
        TransformAssignments{{m_members[0].hash, {"rotate"}}},
        TransformAssignments{{m_members[1].hash, {k_rotate}}, {m_members[0].hash, {k_rotate}}}}) {
    auto v = store().commit_dataset_with_transforms("cats", m_members, bad, 0, "m", "alice");
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().code, ErrorCode::invalid_argument) << v.error().message;
  }
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM dataset_versions"), 0);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM transform_sets"), 0);
}

TEST_P(TransformStoreTest, DeletingTheLastHolderCollectsTheAssignments) {
  TransformAssignments transforms{{m_members[0].hash, {k_rotate}}};
  ASSERT_OK(store().commit_dataset_with_transforms("cats", m_members, transforms, 0, "m", "alice"));
  auto kept = store().commit_dataset_with_transforms("dogs", m_members, transforms, 0, "m", "alice");
  ASSERT_OK(kept);
  ASSERT_OK(store().delete_dataset("cats"));
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM transform_assignments"), 1);
  ASSERT_OK(store().transform_assignments(kept->transforms_hash));
  ASSERT_OK(store().delete_dataset("dogs"));
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM transform_assignments"), 0);
}

TEST_P(TransformStoreTest, MissingAssignmentsAreCorruption) {
  auto missing = store().transform_assignments(core::md5_of("nothing"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::corruption);
  EXPECT_NE(missing.error().message.find(core::md5_of("nothing").hex()), std::string::npos);
}

TEST(TransformAssignmentsTest, CanonicalTextNamesObjectsAndCommands) {
  Md5 a = core::md5_of("a");
  TransformAssignments transforms{{a, {k_rotate, k_self}}};
  EXPECT_EQ(serialize_transform_assignments(transforms), fmt::format(R"([["{}",[["rotate","90"],"self"]]])", a.hex()));
  EXPECT_EQ(serialize_transform_assignments({}), "");
  EXPECT_EQ(transform_assignments_hash({}), Md5{});
  EXPECT_EQ(transform_assignments_hash(transforms), core::md5_of(serialize_transform_assignments(transforms)));
}

LDB_STORE_CONFORMANCE(TransformStoreTest);

}  // namespace
}  // namespace ldb::store
