// Conformance (every backend, store_test_support.hpp): unindexing objects and replacing
// storage locations (SQLite: src/store/sqlite_remove.cpp,
// SqliteStore::put_storage_location).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using testing::file;
using testing::StoreTest;

class RemoveTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // a and b share one annotation content; c has two versions.
    ingest({file("/d/a.jpg", "a", R"({"k":1})"), file("/d/b.jpg", "b", R"({"k":1})"),
            file("/d/c.jpg", "c", R"({"v":1})"), file("/e/a.jpg", "a", R"({"k":1})")});
    ingest({file("/d/c.jpg", "c", R"({"v":2})")});
    std::vector<Md5> all{m_a, m_b, m_c};
    std::vector<std::string> tags{"t"};
    ASSERT_OK(store().update_tags(all, tags, {}));
  }
  std::int64_t count(const std::string& table) { return raw_int("SELECT COUNT(*) FROM " + table); }

  Md5 m_a = core::md5_of("a"), m_b = core::md5_of("b"), m_c = core::md5_of("c");
};

TEST_P(RemoveTest, RemovesObjectsWithPathsVersionsTagsAndOrphanContents) {
  ASSERT_EQ(count("annotation_contents"), 3);
  std::vector<Md5> gone{m_a, m_c};
  auto outcome = store().remove_objects(gone);
  ASSERT_OK(outcome);
  EXPECT_EQ(outcome->removed, 2u);
  EXPECT_TRUE(outcome->held_by.empty());
  EXPECT_EQ(count("objects"), 1);
  EXPECT_EQ(count("paths"), 1);  // /d/b.jpg
  EXPECT_EQ(count("annotation_versions"), 1);
  EXPECT_EQ(count("tags"), 1);
  // {"k":1} is still b's; c's two contents are gone.
  EXPECT_EQ(count("annotation_contents"), 1);
  EXPECT_EQ(store().object_info(m_a).error().code, ErrorCode::not_found);
  auto root = store().root_collection();
  ASSERT_OK(root);
  EXPECT_EQ(*root, (Collection{{m_b, 1}}));
}

TEST_P(RemoveTest, RefusesObjectsHeldBySavedVersionsAndChangesNothing) {
  ASSERT_OK(store().commit_dataset("zoo", Collection{{m_c, 2}}, 0, "", "me"));
  Collection both{{m_a, 1}, {m_c, 1}};
  std::sort(both.begin(), both.end());
  ASSERT_OK(store().commit_dataset("zoo", both, 1, "", "me"));
  ASSERT_OK(store().commit_dataset("alpha", Collection{{m_b, 1}}, 0, "", "me"));
  std::vector<Md5> gone{m_c, m_a};
  auto outcome = store().remove_objects(gone);
  ASSERT_OK(outcome);
  EXPECT_EQ(outcome->removed, 0u);
  using Held = std::vector<std::pair<std::string, std::uint32_t>>;
  EXPECT_EQ(outcome->held_by, (Held{{"zoo", 1}, {"zoo", 2}}));
  std::vector<Md5> held{m_a, m_c};
  std::sort(held.begin(), held.end());
  EXPECT_EQ(outcome->held, held);
  EXPECT_EQ(count("objects"), 3);
  EXPECT_EQ(count("paths"), 4);
  EXPECT_EQ(count("tags"), 3);
}

TEST_P(RemoveTest, UnknownObjectRemovesNothing) {
  std::vector<Md5> gone{m_a, core::md5_of("never indexed")};
  auto outcome = store().remove_objects(gone);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code, ErrorCode::not_found);
  EXPECT_EQ(count("objects"), 3);
}

TEST_P(StoreTest, PutStorageLocationReplacesNestedAndMovesReadAdd) {
  ASSERT_OK(store().add_storage_location({"/data/a", true, {}}));
  ASSERT_OK(store().add_storage_location({"/data/b", false, {}}));
  ASSERT_OK(store().add_storage_location({"/other", false, {}}));
  std::vector<std::string> replaced{"/data/a", "/data/b"};
  ASSERT_OK(store().put_storage_location({"/data", false, {}}, replaced));
  auto locations = store().storage_locations();
  ASSERT_OK(locations);
  ASSERT_EQ(locations->size(), 2u);
  EXPECT_EQ((*locations)[0].prefix, "/data");
  EXPECT_FALSE((*locations)[0].read_add);
  // A read-add registration takes the mark from any other; re-putting a prefix updates it.
  ASSERT_OK(store().put_storage_location({"/other", true, {{"k", "v"}}}, {}));
  ASSERT_OK(store().put_storage_location({"/data", true, {}}, {}));
  locations = store().storage_locations();
  ASSERT_OK(locations);
  ASSERT_EQ(locations->size(), 2u);
  EXPECT_TRUE((*locations)[0].read_add);
  EXPECT_FALSE((*locations)[1].read_add);
  EXPECT_EQ((*locations)[1].options.size(), 1u);
  // Replacing an unregistered prefix changes nothing.
  std::vector<std::string> missing{"/nope"};
  auto failed = store().put_storage_location({"/x", false, {}}, missing);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code, ErrorCode::not_found);
  EXPECT_EQ(store().storage_locations()->size(), 2u);
}

LDB_STORE_CONFORMANCE(RemoveTest);

}  // namespace
}  // namespace ldb::store
