// Conformance (every backend, store_test_support.hpp): datasets, dataset versions,
// collections and storage locations (SQLite: src/store/sqlite_store.cpp).

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using testing::file;
using testing::StoreTest;

class DatasetTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ingest({file("/d/a.jpg", "a", R"({"v":1})"), file("/d/b.jpg", "b"), file("/d/c.jpg", "c", R"({"v":3})")});
    m_a = {core::md5_of("a"), 1};
    m_b = {core::md5_of("b"), 0};
    m_c = {core::md5_of("c"), 1};
  }
  static Collection sorted(Collection members) {
    std::sort(members.begin(), members.end());
    return members;
  }
  DatasetVersion commit(std::string_view name, const Collection& members, std::uint32_t parent,
                        std::string_view message = "msg") {
    auto v = store().commit_dataset(name, members, parent, message, "alice");
    EXPECT_TRUE(v.has_value()) << ldb::testing::describe(v);
    return v ? *v : DatasetVersion{};
  }
  ObjectRef m_a, m_b, m_c;
};

TEST_P(DatasetTest, CommitVersionsWithParents) {
  auto v1 = commit("cats", sorted({m_a}), 0, "first");
  auto v2 = commit("cats", sorted({m_a, m_b}), 1, "second");
  auto v3 = commit("cats", sorted({m_b, m_c}), 2, "third");
  EXPECT_EQ(v1.version, 1u);
  EXPECT_EQ(v2.version, 2u);
  EXPECT_EQ(v3.version, 3u);
  EXPECT_EQ(v1.parent, 0u);
  EXPECT_EQ(v2.parent, 1u);
  EXPECT_EQ(v3.parent, 2u);
  EXPECT_EQ(v2.name, "cats");
  EXPECT_EQ(v2.message, "second");
  EXPECT_EQ(v2.author, "alice");
  EXPECT_GT(v2.time, 0);
  EXPECT_EQ(v2.num_objects, 2u);
  EXPECT_EQ(v2.num_annotations, 1u);  // b has no annotation
  EXPECT_EQ(v3.num_annotations, 1u);
  EXPECT_EQ(v2.collection_hash, collection_hash(sorted({m_a, m_b})));

  auto members = store().collection(v3.collection_hash);
  ASSERT_OK(members);
  EXPECT_EQ(*members, sorted({m_b, m_c}));
}

TEST_P(DatasetTest, CommitAfterOthersAppendsAndRecordsTheStartingParent) {
  commit("cats", {m_a}, 0);
  commit("cats", {m_b}, 1);
  // A workspace staged from v1 commits after v2 landed: it becomes v3 with parent 1.
  auto v3 = commit("cats", {m_c}, 1);
  EXPECT_EQ(v3.version, 3u);
  EXPECT_EQ(v3.parent, 1u);
}

TEST_P(DatasetTest, DecidedCommitSeesTheLatestVersionAndRecordsBothParents) {
  std::vector<std::optional<DatasetVersion>> seen;
  auto decide = [&](const std::optional<DatasetVersion>& latest) -> Result<std::optional<NewVersion>> {
    seen.push_back(latest);
    // What a merge decides: read the latest members inside the transaction.
    Collection members;
    if (latest) {
      auto theirs = store().collection(latest->collection_hash);
      if (!theirs) return std::unexpected(theirs.error());
      members = *theirs;
    }
    members.push_back(m_c);
    return NewVersion{sorted(members), {}, 1, latest ? latest->version : 0};
  };
  auto first = store().commit_dataset_decided("cats", decide, "first", "bob");
  ASSERT_OK(first);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->version, 1u);
  EXPECT_EQ((*first)->merge_parent, 0u);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].has_value());

  commit("cats", sorted({m_a, m_c}), 1);  // someone else's v2
  auto merged = store().commit_dataset_decided(
      "cats",
      [&](const std::optional<DatasetVersion>& latest) -> Result<std::optional<NewVersion>> {
        seen.push_back(latest);
        return NewVersion{sorted({m_a, m_b, m_c}), {}, 1, latest->version};
      },
      "merge", "bob");
  ASSERT_OK(merged);
  ASSERT_TRUE(merged->has_value());
  EXPECT_EQ((*merged)->version, 3u);
  EXPECT_EQ((*merged)->parent, 1u);
  EXPECT_EQ((*merged)->merge_parent, 2u);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1]->version, 2u);
  EXPECT_EQ(seen[1]->collection_hash, collection_hash(sorted({m_a, m_c})));
  // Both parents are read back, by version and in the log.
  auto v3 = store().dataset_version("cats", 3);
  ASSERT_OK(v3);
  EXPECT_EQ(v3->parent, 1u);
  EXPECT_EQ(v3->merge_parent, 2u);
  EXPECT_EQ(v3->num_objects, 3u);
  auto log = store().dataset_log("cats");
  ASSERT_OK(log);
  EXPECT_EQ(log->at(1).merge_parent, 0u);
  EXPECT_EQ(log->at(2).merge_parent, 2u);
  EXPECT_EQ(raw_int("SELECT merge_parent FROM dataset_versions WHERE version = 3"), 2);
}

TEST_P(DatasetTest, SeveralDatasetsCommitTogetherOrNotAtAll) {
  commit("split-train", {m_a}, 0);
  const std::vector<std::string> names{"split-train", "split-test", "split-val"};
  std::vector<std::optional<DatasetVersion>> seen;
  auto saved = store().commit_datasets_decided(
      names,
      [&](const std::vector<std::optional<DatasetVersion>>& latest) -> Result<std::vector<std::optional<NewVersion>>> {
        seen = latest;
        std::vector<std::optional<NewVersion>> out(3);
        out[0] = NewVersion{sorted({m_a, m_b}), {}, latest[0]->version, 0};
        out[1] = NewVersion{sorted({m_c}), {}, 0, 0};
        return out;  // nothing for split-val
      },
      "split", "bob");
  ASSERT_OK(saved);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0]->version, 1u);
  EXPECT_FALSE(seen[1].has_value());
  ASSERT_EQ(saved->size(), 3u);
  EXPECT_EQ((*saved)[0]->version, 2u);
  EXPECT_EQ((*saved)[0]->parent, 1u);
  EXPECT_EQ((*saved)[1]->version, 1u);
  EXPECT_FALSE((*saved)[2].has_value());
  EXPECT_EQ(store().dataset_version("split-test", 0)->message, "split");
  // A failing decision writes none of them.
  auto refused = store().commit_datasets_decided(
      names,
      [&](const std::vector<std::optional<DatasetVersion>>&) -> Result<std::vector<std::optional<NewVersion>>> {
        return fail(ErrorCode::invalid_argument, "no", "no");
      },
      "m", "bob");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM dataset_versions"), 3);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM datasets"), 2);
}

TEST_P(DatasetTest, DecidedCommitThatChoosesNothingOrFailsWritesNothing) {
  commit("cats", {m_a}, 0);
  auto nothing = store().commit_dataset_decided(
      "cats", [](const std::optional<DatasetVersion>&) -> Result<std::optional<NewVersion>> { return std::nullopt; },
      "m", "bob");
  ASSERT_OK(nothing);
  EXPECT_FALSE(nothing->has_value());
  auto refused = store().commit_dataset_decided(
      "cats",
      [](const std::optional<DatasetVersion>&) -> Result<std::optional<NewVersion>> {
        return fail(ErrorCode::conflict, "two sides disagree", "pick one");
      },
      "m", "bob");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  EXPECT_EQ(refused.error().message, "two sides disagree");
  // A new dataset that is refused is not created either.
  auto new_refused = store().commit_dataset_decided(
      "dogs",
      [](const std::optional<DatasetVersion>&) -> Result<std::optional<NewVersion>> {
        return fail(ErrorCode::conflict, "no", "no");
      },
      "m", "bob");
  ASSERT_FALSE(new_refused.has_value());
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM dataset_versions"), 1);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM datasets"), 1);
  // The write lock was released: the next commit goes through.
  EXPECT_EQ(commit("cats", sorted({m_a, m_b}), 1).version, 2u);
}

TEST_P(DatasetTest, SameCollectionTwiceSharesOneRow) {
  auto v1 = commit("cats", sorted({m_a, m_c}), 0);
  auto v2 = commit("cats", sorted({m_a, m_c}), 1);
  auto other = commit("dogs", sorted({m_a, m_c}), 0);
  EXPECT_EQ(v1.collection_hash, v2.collection_hash);
  EXPECT_EQ(v1.collection_hash, other.collection_hash);
  EXPECT_EQ(v2.version, 2u);
  EXPECT_EQ(other.version, 1u);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM collections"), 1);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM dataset_versions"), 3);
}

TEST_P(DatasetTest, EmptyDataset) {
  auto v1 = commit("empty", {}, 0);
  EXPECT_EQ(v1.num_objects, 0u);
  auto members = store().collection(v1.collection_hash);
  ASSERT_OK(members);
  EXPECT_TRUE(members->empty());
}

TEST_P(DatasetTest, MissingCollectionIsCorruption) {
  auto missing = store().collection(core::md5_of("no such collection"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::corruption);
  EXPECT_NE(missing.error().message.find(core::md5_of("no such collection").hex()), std::string::npos);
}

TEST_P(DatasetTest, DatasetVersionLatestAndSpecific) {
  commit("cats", {m_a}, 0, "one");
  commit("cats", {m_b}, 1, "two");
  auto latest = store().dataset_version("cats", 0);
  ASSERT_OK(latest);
  EXPECT_EQ(latest->version, 2u);
  EXPECT_EQ(latest->message, "two");
  auto first = store().dataset_version("cats", 1);
  ASSERT_OK(first);
  EXPECT_EQ(first->version, 1u);
  EXPECT_EQ(first->message, "one");
  EXPECT_EQ(first->collection_hash, collection_hash({m_a}));
}

TEST_P(DatasetTest, MissingVersionNamesTheLatest) {
  commit("cats", {m_a}, 0);
  commit("cats", {m_b}, 1);
  auto missing = store().dataset_version("cats", 7);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_NE(missing.error().message.find("ds:cats"), std::string::npos) << missing.error().message;
  EXPECT_NE(missing.error().message.find("7"), std::string::npos) << missing.error().message;
  EXPECT_NE(missing.error().message.find("latest is v2"), std::string::npos) << missing.error().message;
  EXPECT_NE(missing.error().hint.find("ldb log ds:cats"), std::string::npos) << missing.error().hint;
}

TEST_P(DatasetTest, UnknownDatasetIsNotFound) {
  for (std::uint32_t version : {0u, 1u}) {
    auto missing = store().dataset_version("nope", version);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
    EXPECT_NE(missing.error().message.find("ds:nope"), std::string::npos);
    EXPECT_NE(missing.error().hint.find("ldb ds list"), std::string::npos);
  }
  auto log = store().dataset_log("nope");
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().code, ErrorCode::not_found);
}

TEST_P(DatasetTest, DatasetLogOldestFirst) {
  commit("cats", {m_a}, 0, "one");
  commit("dogs", {m_c}, 0, "dog one");
  commit("cats", {m_b}, 1, "two");
  commit("cats", {m_c}, 2, "three");
  auto log = store().dataset_log("cats");
  ASSERT_OK(log);
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ((*log)[0].version, 1u);
  EXPECT_EQ((*log)[0].message, "one");
  EXPECT_EQ((*log)[1].version, 2u);
  EXPECT_EQ((*log)[1].parent, 1u);
  EXPECT_EQ((*log)[2].version, 3u);
  EXPECT_EQ((*log)[2].message, "three");
  for (const auto& v : *log) EXPECT_EQ(v.name, "cats");
}

TEST_P(DatasetTest, DatasetsListsLatestVersionByName) {
  commit("zebra", {m_a}, 0);
  commit("apple", {m_a}, 0);
  commit("apple", sorted({m_a, m_b, m_c}), 1);
  auto list = store().datasets();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "apple");
  EXPECT_EQ((*list)[0].latest.version, 2u);
  EXPECT_EQ((*list)[0].latest.num_objects, 3u);
  EXPECT_EQ((*list)[1].name, "zebra");
  EXPECT_EQ((*list)[1].latest.version, 1u);
}

TEST_P(DatasetTest, DeleteDatasetRemovesVersionsAndGarbageCollections) {
  auto shared = commit("keep", {m_a}, 0);
  commit("gone", {m_a}, 0);             // shares its collection with "keep"
  auto own = commit("gone", {m_b}, 1);  // a collection only "gone" uses
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM collections"), 2);

  ASSERT_OK(store().delete_dataset("gone"));
  EXPECT_FALSE(store().dataset_version("gone", 0).has_value());
  EXPECT_FALSE(store().dataset_log("gone").has_value());
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM dataset_versions"), 1);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM datasets"), 1);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM collections"), 1);
  EXPECT_OK(store().collection(shared.collection_hash));
  EXPECT_FALSE(store().collection(own.collection_hash).has_value());

  // The name can be used again, starting at v1.
  auto again = commit("gone", {m_c}, 0);
  EXPECT_EQ(again.version, 1u);
}

TEST_P(DatasetTest, DeleteUnknownDatasetIsNotFound) {
  auto st = store().delete_dataset("nope");
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::not_found);
  EXPECT_NE(st.error().message.find("ds:nope"), std::string::npos);
}

TEST_P(DatasetTest, DatasetsContaining) {
  commit("cats", {m_a}, 0);
  commit("cats", sorted({m_a, m_b}), 1);
  commit("cats", {m_c}, 2);
  commit("dogs", sorted({m_b, m_c}), 0);
  using Held = std::vector<std::pair<std::string, std::uint32_t>>;
  auto a = store().datasets_containing(m_a.hash);
  ASSERT_OK(a);
  EXPECT_EQ(*a, (Held{{"cats", 1}, {"cats", 2}}));
  auto b = store().datasets_containing(m_b.hash);
  ASSERT_OK(b);
  EXPECT_EQ(*b, (Held{{"cats", 2}, {"dogs", 1}}));
  auto none = store().datasets_containing(core::md5_of("nowhere"));
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreTest, DatasetsSurviveReopen) {
  ingest({file("/d/a.jpg", "a")});
  Collection members{{core::md5_of("a"), 0}};
  ASSERT_OK(store().commit_dataset("cats", members, 0, "m", "bob"));
  m_store.reset();
  auto reopened = open_again();
  ASSERT_OK(reopened);
  auto v = (*reopened)->dataset_version("cats", 1);
  ASSERT_OK(v);
  EXPECT_EQ(v->author, "bob");
  auto collection = (*reopened)->collection(v->collection_hash);
  ASSERT_OK(collection);
  EXPECT_EQ(*collection, members);
}

TEST_P(StoreTest, StorageLocationsAddListRemove) {
  auto empty = store().storage_locations();
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());

  StorageLocation lake{"/data/lake", false, {}};
  StorageLocation bucket{"s3://bucket/prefix", true, {{"region", "eu-west-1"}, {"endpoint", "http://localhost:9000"}}};
  ASSERT_OK(store().add_storage_location(bucket));
  ASSERT_OK(store().add_storage_location(lake));

  auto listed = store().storage_locations();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].prefix, "/data/lake");  // sorted by prefix
  EXPECT_FALSE((*listed)[0].read_add);
  EXPECT_TRUE((*listed)[0].options.empty());
  EXPECT_EQ((*listed)[1].prefix, "s3://bucket/prefix");
  EXPECT_TRUE((*listed)[1].read_add);
  EXPECT_EQ((*listed)[1].options, bucket.options);  // order kept

  ASSERT_OK(store().remove_storage_location("/data/lake"));
  listed = store().storage_locations();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().prefix, "s3://bucket/prefix");
}

TEST_P(StoreTest, StorageLocationDuplicateIsAlreadyExists) {
  ASSERT_OK(store().add_storage_location({"/data/lake", false, {}}));
  auto again = store().add_storage_location({"/data/lake", true, {}});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::already_exists);
  EXPECT_NE(again.error().message.find("/data/lake"), std::string::npos);
  EXPECT_NE(again.error().hint.find("ldb storage list"), std::string::npos);
  auto listed = store().storage_locations();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_FALSE(listed->front().read_add);  // the first registration is unchanged
}

TEST_P(StoreTest, RemoveUnknownStorageLocationIsNotFound) {
  ASSERT_OK(store().add_storage_location({"/data/lake", false, {}}));
  auto st = store().remove_storage_location("/data/lak");
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::not_found);
  EXPECT_NE(st.error().message.find("/data/lak"), std::string::npos);
  auto listed = store().storage_locations();
  ASSERT_OK(listed);
  EXPECT_EQ(listed->size(), 1u);
}

TEST_P(StoreTest, StorageOptionsWithEmptyValues) {
  StorageLocation location{"gs://b", false, {{"anon", ""}, {"", "x"}, {"profile", "dev team"}}};
  ASSERT_OK(store().add_storage_location(location));
  auto listed = store().storage_locations();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().options, location.options);
}

LDB_STORE_CONFORMANCE(DatasetTest);

}  // namespace
}  // namespace ldb::store
