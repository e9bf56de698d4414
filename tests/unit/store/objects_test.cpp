// Conformance (every backend, store_test_support.hpp): ingest, objects, annotation versions
// and tags (SQLite: src/store/sqlite_objects.cpp, sqlite_ingest.cpp).

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "store_test_support.hpp"

namespace ldb::store {
namespace {

using testing::annotation_for;
using testing::file;
using testing::StoreTest;

std::string canonical(std::string_view json) {
  auto c = core::canonical_json(json, "test");
  EXPECT_TRUE(c.has_value());
  return c ? *c : std::string();
}

class IngestTest : public StoreTest {};

TEST_P(IngestTest, NewObjectsWithAndWithoutAnnotations) {
  auto result = ingest({file("/d/cat.jpg", "cat bytes", R"({"label":"cat"})"), file("/d/dog.jpg", "dog bytes")});
  EXPECT_EQ(result.new_objects, 2u);
  EXPECT_EQ(result.new_annotations, 1u);
  ASSERT_EQ(result.refs.size(), 2u);
  EXPECT_EQ(result.refs[0], (ObjectRef{core::md5_of("cat bytes"), 1}));
  EXPECT_EQ(result.refs[1], (ObjectRef{core::md5_of("dog bytes"), 0}));

  auto root = store().root_collection();
  ASSERT_OK(root);
  Collection expected{{core::md5_of("cat bytes"), 1}, {core::md5_of("dog bytes"), 0}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*root, expected);
  EXPECT_EQ(annotation(core::md5_of("cat bytes"), 1), R"({"label":"cat"})");

  auto cat = info(core::md5_of("cat bytes"));
  EXPECT_EQ(cat.size, 9u);
  EXPECT_EQ(cat.current_version, 1u);
  EXPECT_EQ(cat.paths, std::vector<std::string>{"/d/cat.jpg"});
  EXPECT_GT(cat.first_indexed, 0);
  EXPECT_GE(cat.last_indexed, cat.first_indexed);
}

TEST_P(IngestTest, EmptyBatchIsANoOp) {
  auto result = ingest({});
  EXPECT_EQ(result.new_objects, 0u);
  EXPECT_TRUE(result.refs.empty());
  auto root = store().root_collection();
  ASSERT_OK(root);
  EXPECT_TRUE(root->empty());
}

TEST_P(IngestTest, DuplicateObjectAtTwoPathsIsOneObject) {
  auto result = ingest({file("/d/b/copy.jpg", "same"), file("/d/a/orig.jpg", "same")});
  EXPECT_EQ(result.new_objects, 1u);
  ASSERT_EQ(result.refs.size(), 2u);
  EXPECT_EQ(result.refs[0].hash, result.refs[1].hash);
  // A third path in a later run adds a path, not an object.
  auto later = ingest({file("/e/third.jpg", "same")});
  EXPECT_EQ(later.new_objects, 0u);

  auto root = store().root_collection();
  ASSERT_OK(root);
  EXPECT_EQ(root->size(), 1u);
  auto same = info(core::md5_of("same"));
  EXPECT_EQ(same.paths, (std::vector<std::string>{"/d/a/orig.jpg", "/d/b/copy.jpg", "/e/third.jpg"}));
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM objects"), 1);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM paths"), 3);
}

TEST_P(IngestTest, AnnotationVersions) {
  const auto hash = core::md5_of("img");
  const auto a = R"({"label": "cat", "score": 1})";
  const auto a_reordered = R"({"score": 1, "label": "cat"})";
  const auto b = R"({"label": "dog"})";

  auto first = ingest({file("/d/img.jpg", "img", a)});
  EXPECT_EQ(first.refs[0], (ObjectRef{hash, 1}));
  EXPECT_EQ(first.new_annotations, 1u);

  // New content -> new version, which becomes current.
  auto second = ingest({file("/d/img.jpg", "img", b)});
  EXPECT_EQ(second.refs[0], (ObjectRef{hash, 2}));
  EXPECT_EQ(second.new_annotations, 1u);
  EXPECT_EQ(second.new_objects, 0u);
  EXPECT_EQ(info(hash).current_version, 2u);

  // The same content again -> no new version; the ref is the existing one.
  auto third = ingest({file("/d/img.jpg", "img", b)});
  EXPECT_EQ(third.refs[0], (ObjectRef{hash, 2}));
  EXPECT_EQ(third.new_annotations, 0u);

  // Going back to OLD content at the same path (spelled differently, same
  // canonical form): an undone edit. No new version; the ref points to
  // version 1, which is current again.
  auto fourth = ingest({file("/d/img.jpg", "img", a_reordered)});
  EXPECT_EQ(fourth.refs[0], (ObjectRef{hash, 1}));
  EXPECT_EQ(fourth.new_annotations, 0u);
  auto object = info(hash);
  EXPECT_EQ(object.current_version, 1u);
  ASSERT_EQ(object.versions.size(), 2u);
  EXPECT_EQ(object.versions[0].version, 1u);
  EXPECT_EQ(object.versions[1].version, 2u);
  EXPECT_EQ(object.versions[0].content_hash, core::md5_of(canonical(a)));
  EXPECT_EQ(object.versions[1].content_hash, core::md5_of(canonical(b)));

  EXPECT_EQ(annotation(hash, 1), canonical(a));
  EXPECT_EQ(annotation(hash, 2), canonical(b));
  auto root = store().root_collection();
  ASSERT_OK(root);
  EXPECT_EQ(*root, (Collection{{hash, 1}}));

  // The path remembers which version was found at it last.
  auto known = store().known_paths_under("/d/img.jpg");
  ASSERT_OK(known);
  ASSERT_EQ(known->size(), 1u);
  EXPECT_EQ(known->front().annotation_version, 1u);

  // New content after the undo is version 3, not a second version 2.
  const std::string c = R"({"label":"horse"})";
  auto fifth = ingest({file("/d/img.jpg", "img", c)});
  EXPECT_EQ(fifth.refs[0], (ObjectRef{hash, 3}));
  EXPECT_EQ(info(hash).current_version, 3u);
}

TEST_P(IngestTest, OldContentAtAnotherPathDoesNotChangeCurrent) {
  // The seed's input/output layout: the same image under input/ with {class}
  // and under output/ with {class, inference}. Re-reading input/ must not
  // make its older annotation current again.
  const auto hash = core::md5_of("img");
  ingest({file("/s/input/1.jpg", "img", R"({"class":"i"})")});
  ingest({file("/s/output/1.jpg", "img", R"({"class":"i","inference":{"class":"ii"}})")});
  EXPECT_EQ(info(hash).current_version, 2u);
  auto again = ingest({file("/s/input/1.jpg", "img", R"({"class":"i"})")});
  EXPECT_EQ(again.refs[0], (ObjectRef{hash, 1}));
  EXPECT_EQ(info(hash).current_version, 2u);
}

TEST_P(IngestTest, NewCurrentAnnotationFromAnotherPathIsReported) {
  const auto hash = core::md5_of("img");
  auto first = ingest({file("/s/a/1.jpg", "img", R"({"class":"cat"})")});
  EXPECT_TRUE(first.current_from_another_path.empty());  // a new object relabels nobody
  // The same bytes elsewhere with another annotation: current for everyone now.
  auto other = ingest({file("/s/b/copy.jpg", "img", R"({"class":"dog"})"), file("/s/b/new.jpg", "new", "{}")});
  ASSERT_EQ(other.current_from_another_path.size(), 1u);
  const auto& change = other.current_from_another_path[0];
  EXPECT_EQ(change.hash, hash);
  EXPECT_EQ(change.previous_version, 1u);
  EXPECT_EQ(change.version, 2u);
  EXPECT_EQ(change.path, "/s/b/copy.jpg");
  EXPECT_EQ(change.previous_path, "/s/a/1.jpg");
  // An edit where the current annotation was found is an ordinary update.
  auto edit = ingest({file("/s/b/copy.jpg", "img", R"({"class":"wolf"})")});
  EXPECT_TRUE(edit.current_from_another_path.empty());
  // Back at the first path: its old content was found there, so nothing changes
  // (OldContentAtAnotherPathDoesNotChangeCurrent) and nothing is reported.
  auto again = ingest({file("/s/a/1.jpg", "img", R"({"class":"cat"})")});
  EXPECT_TRUE(again.current_from_another_path.empty());
  EXPECT_EQ(info(hash).current_version, 3u);
  // An edit at the first path replaces the annotation found at the other one.
  auto overridden = ingest({file("/s/a/1.jpg", "img", R"({"class":"lynx"})")});
  ASSERT_EQ(overridden.current_from_another_path.size(), 1u);
  EXPECT_EQ(overridden.current_from_another_path[0].previous_path, "/s/b/copy.jpg");
  EXPECT_EQ(overridden.current_from_another_path[0].version, 4u);
  // An annotation-only file names its object: not reported.
  auto named = ingest({annotation_for(hash, R"({"class":"fox"})")});
  EXPECT_TRUE(named.current_from_another_path.empty());
}

TEST_P(IngestTest, VersionsWithinOneBatch) {
  const auto hash = core::md5_of("img");
  auto result = ingest({file("/d/1.jpg", "img", R"({"v":1})"), file("/d/2.jpg", "img", R"({"v":2})"),
                        file("/d/3.jpg", "img", R"({"v":1})")});
  EXPECT_EQ(result.new_objects, 1u);
  EXPECT_EQ(result.new_annotations, 2u);
  EXPECT_EQ(result.refs, (std::vector<ObjectRef>{{hash, 1}, {hash, 2}, {hash, 1}}));
  EXPECT_EQ(info(hash).current_version, 2u);
}

TEST_P(IngestTest, SameContentOnTwoObjectsIsStoredOnce) {
  auto result = ingest({file("/d/x.jpg", "x", R"({"label":"cat"})"), file("/d/y.jpg", "y", R"({"label":"cat"})")});
  EXPECT_EQ(result.new_annotations, 2u);  // a version for each object
  EXPECT_EQ(result.refs[0].annotation_version, 1u);
  EXPECT_EQ(result.refs[1].annotation_version, 1u);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM annotation_contents"), 1);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM annotation_versions"), 2);
}

TEST_P(IngestTest, AnnotationOnlyForKnownObject) {
  const auto hash = core::md5_of("img");
  ingest({file("/d/img.jpg", "img", R"({"label":"cat"})")});
  auto result = ingest({annotation_for(hash, R"({"label":"tiger"})")});
  EXPECT_EQ(result.new_objects, 0u);
  EXPECT_EQ(result.new_annotations, 1u);
  EXPECT_EQ(result.refs[0], (ObjectRef{hash, 2}));
  auto object = info(hash);
  EXPECT_EQ(object.current_version, 2u);
  EXPECT_EQ(object.paths, std::vector<std::string>{"/d/img.jpg"});  // no path recorded for ""
  EXPECT_EQ(annotation(hash, 2), R"({"label":"tiger"})");
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM paths WHERE path = ''"), 0);
}

TEST_P(IngestTest, AnnotationOnlyForUnknownObjectFailsWithoutPartialState) {
  ingest({file("/d/known.jpg", "known", R"({"v":1})")});
  const auto unknown = core::md5_of("never indexed");
  std::vector<IndexedFile> batch{file("/d/new.jpg", "new bytes", R"({"v":1})"),
                                 annotation_for(core::md5_of("known"), R"({"v":2})"),
                                 annotation_for(unknown, R"({"v":3})")};
  auto result = store().ingest(batch, IngestOptions{});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::not_found);
  EXPECT_NE(result.error().message.find(unknown.hex()), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().hint.find("ldb index"), std::string::npos) << result.error().hint;

  // Nothing from the failed batch landed: no new object, path or version.
  auto root = store().root_collection();
  ASSERT_OK(root);
  EXPECT_EQ(*root, (Collection{{core::md5_of("known"), 1}}));
  auto paths = store().known_paths_under("/d");
  ASSERT_OK(paths);
  ASSERT_EQ(paths->size(), 1u);
  EXPECT_EQ(paths->front().path, "/d/known.jpg");
  EXPECT_EQ(info(core::md5_of("known")).versions.size(), 1u);
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM annotation_contents"), 1);
  // And the store still works.
  ingest({file("/d/new.jpg", "new bytes")});
}

TEST_P(IngestTest, MergeUpdatesTopLevelKeys) {
  const auto hash = core::md5_of("img");
  ingest({file("/d/img.jpg", "img", R"({"a":1,"b":{"x":1},"keep":true})")});
  IngestOptions merge{AnnotationUpdate::merge, {}};
  auto result = ingest({file("/d/img.jpg", "img", R"({"b":{"y":2},"c":3})")}, merge);
  EXPECT_EQ(result.refs[0], (ObjectRef{hash, 2}));
  // Shallow merge: "b" is replaced whole, "a" and "keep" are kept, "c" added.
  EXPECT_EQ(annotation(hash, 2), R"({"a":1,"b":{"y":2},"c":3,"keep":true})");

  // Merging in what is already there creates no version.
  auto again = ingest({file("/d/img.jpg", "img", R"({"c":3})")}, merge);
  EXPECT_EQ(again.new_annotations, 0u);
  EXPECT_EQ(again.refs[0], (ObjectRef{hash, 2}));
}

TEST_P(IngestTest, MergeWithNonObjectReplaces) {
  const auto hash = core::md5_of("img");
  ingest({file("/d/img.jpg", "img", R"({"a":1})")});
  IngestOptions merge{AnnotationUpdate::merge, {}};
  auto result = ingest({file("/d/img.jpg", "img", R"([1,2])")}, merge);
  EXPECT_EQ(annotation(hash, result.refs[0].annotation_version), "[1,2]");
}

TEST_P(IngestTest, MergeWithoutCurrentAnnotationStoresTheUpdate) {
  const auto hash = core::md5_of("img");
  ingest({file("/d/img.jpg", "img")});
  IngestOptions merge{AnnotationUpdate::merge, {}};
  auto result = ingest({file("/d/img.jpg", "img", R"({"b":2})")}, merge);
  EXPECT_EQ(result.refs[0], (ObjectRef{hash, 1}));
  EXPECT_EQ(annotation(hash, 1), R"({"b":2})");
}

TEST_P(IngestTest, ReplaceIsTheDefault) {
  const auto hash = core::md5_of("img");
  ingest({file("/d/img.jpg", "img", R"({"a":1})")});
  ingest({file("/d/img.jpg", "img", R"({"b":2})")});
  EXPECT_EQ(annotation(hash, 2), R"({"b":2})");
}

TEST_P(IngestTest, AddTags) {
  IngestOptions options{AnnotationUpdate::replace, {"train", "batch-1"}};
  ingest({file("/d/1.jpg", "one"), file("/d/2.jpg", "two")}, options);
  ingest({file("/d/1.jpg", "one")}, options);  // tagging twice is harmless
  EXPECT_EQ(info(core::md5_of("one")).tags, (std::vector<std::string>{"batch-1", "train"}));
  EXPECT_EQ(info(core::md5_of("two")).tags, (std::vector<std::string>{"batch-1", "train"}));
  EXPECT_EQ(raw_int("SELECT COUNT(*) FROM tags"), 4);
}

TEST_P(IngestTest, PathNowHoldingOtherContentMovesToTheNewObject) {
  ingest({file("/d/img.jpg", "old content")});
  ingest({file("/d/img.jpg", "new content")});
  auto known = store().known_paths_under("/d/img.jpg");
  ASSERT_OK(known);
  ASSERT_EQ(known->size(), 1u);
  EXPECT_EQ(known->front().hash, core::md5_of("new content"));
  // The old object stays indexed, without paths.
  EXPECT_TRUE(info(core::md5_of("old content")).paths.empty());
  EXPECT_EQ(info(core::md5_of("new content")).paths, std::vector<std::string>{"/d/img.jpg"});
}

class KnownPathsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ingest({file("/a/b", "file named b"), file("/a/b/x.jpg", "x", R"({"k":1})", "/a/b/x.json"),
            file("/a/b/y/z.jpg", "z"), file("/a/bc/x.jpg", "bc"), file("/a/b.jpg", "b dot"), file("/a/b0.jpg", "b0"),
            file("/c/d.jpg", "d")});
  }
  std::vector<std::string> paths_under(std::string_view prefix) {
    auto known = store().known_paths_under(prefix);
    EXPECT_TRUE(known.has_value()) << ldb::testing::describe(known);
    std::vector<std::string> out;
    if (known) {
      for (const auto& k : *known) out.push_back(k.path);
    }
    return out;
  }
};

TEST_P(KnownPathsTest, FolderPrefixIsComponentWise) {
  const std::vector<std::string> expected{"/a/b", "/a/b/x.jpg", "/a/b/y/z.jpg"};
  EXPECT_EQ(paths_under("/a/b"), expected);
  EXPECT_EQ(paths_under("/a/b/"), expected);
  EXPECT_EQ(paths_under("/a/b/y"), std::vector<std::string>{"/a/b/y/z.jpg"});
  EXPECT_EQ(paths_under("/a/bc"), std::vector<std::string>{"/a/bc/x.jpg"});
}

TEST_P(KnownPathsTest, SingleFileAndRootAndNothing) {
  EXPECT_EQ(paths_under("/a/b/x.jpg"), std::vector<std::string>{"/a/b/x.jpg"});
  EXPECT_EQ(paths_under("/").size(), 7u);
  EXPECT_TRUE(paths_under("/nothing/here").empty());
  EXPECT_TRUE(paths_under("/a/b/x").empty());  // "/a/b/x.jpg" is not below "/a/b/x"
}

TEST_P(KnownPathsTest, SortedWithAllFields) {
  auto all = paths_under("/");
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  auto known = store().known_paths_under("/a/b/x.jpg");
  ASSERT_OK(known);
  ASSERT_EQ(known->size(), 1u);
  const auto& k = known->front();
  EXPECT_EQ(k.size, 1u);
  EXPECT_EQ(k.mtime_ns, 1'000'000'000);
  EXPECT_EQ(k.hash, core::md5_of("x"));
  EXPECT_EQ(k.annotation_path, "/a/b/x.json");
  EXPECT_EQ(k.annotation_size, std::string_view(R"({"k":1})").size());
  EXPECT_EQ(k.annotation_mtime_ns, 2'000'000'000);
  EXPECT_EQ(k.annotation_version, 1u);
  auto plain = store().known_paths_under("/a/b/y/z.jpg");
  ASSERT_OK(plain);
  ASSERT_EQ(plain->size(), 1u);
  EXPECT_EQ(plain->front().annotation_path, "");
  EXPECT_EQ(plain->front().annotation_version, 0u);
}

TEST_P(StoreTest, KnownPathsUnderUrlPrefix) {
  ingest({file("s3://bucket/a/1.jpg", "1"), file("s3://bucket/ab/2.jpg", "2"), file("s3://other/3.jpg", "3")});
  auto known = store().known_paths_under("s3://bucket/a");
  ASSERT_OK(known);
  ASSERT_EQ(known->size(), 1u);
  EXPECT_EQ(known->front().path, "s3://bucket/a/1.jpg");
  auto bucket = store().known_paths_under("s3://bucket");
  ASSERT_OK(bucket);
  EXPECT_EQ(bucket->size(), 2u);
}

class ObjectQueryTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    std::vector<IndexedFile> files;
    for (int i = 0; i < 40; ++i)
      files.push_back(file("/d/" + std::to_string(i) + ".jpg", "object " + std::to_string(i)));
    ingest(files);
    for (int i = 0; i < 40; ++i) m_hashes.push_back(core::md5_of("object " + std::to_string(i)));
    std::sort(m_hashes.begin(), m_hashes.end());
  }
  std::vector<Md5> m_hashes;
};

TEST_P(ObjectQueryTest, ObjectsWithPrefix) {
  const auto target = m_hashes[17].hex();
  for (std::size_t length : {1u, 4u, 8u, 31u, 32u}) {
    auto prefix = target.substr(0, length);
    auto found = store().objects_with_prefix(prefix, 100);
    ASSERT_OK(found);
    std::vector<Md5> expected;
    for (const auto& h : m_hashes) {
      if (h.hex().starts_with(prefix)) expected.push_back(h);
    }
    EXPECT_EQ(*found, expected) << prefix;
    EXPECT_NE(std::find(found->begin(), found->end(), m_hashes[17]), found->end());
  }
  std::string upper = target.substr(0, 8);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  auto found_upper = store().objects_with_prefix(upper, 100);
  ASSERT_OK(found_upper);
  EXPECT_NE(std::find(found_upper->begin(), found_upper->end(), m_hashes[17]), found_upper->end());
}

TEST_P(ObjectQueryTest, ObjectsWithPrefixLimitAndEmptyPrefix) {
  auto all = store().objects_with_prefix("", 1000);
  ASSERT_OK(all);
  EXPECT_EQ(*all, m_hashes);
  auto two = store().objects_with_prefix("", 2);
  ASSERT_OK(two);
  EXPECT_EQ(*two, (std::vector<Md5>{m_hashes[0], m_hashes[1]}));
  // A prefix no object has.
  std::string absent = "0000000";
  while (std::any_of(m_hashes.begin(), m_hashes.end(), [&](const Md5& h) { return h.hex().starts_with(absent); })) {
    absent.back() = static_cast<char>(absent.back() + 1);
  }
  auto none = store().objects_with_prefix(absent, 10);
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(ObjectQueryTest, ObjectsWithNonHexPrefixIsInvalid) {
  auto bad = store().objects_with_prefix("xyz", 10);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
}

TEST_P(ObjectQueryTest, RootCollectionIsSortedByHash) {
  auto root = store().root_collection();
  ASSERT_OK(root);
  ASSERT_EQ(root->size(), m_hashes.size());
  for (std::size_t i = 0; i < m_hashes.size(); ++i) {
    EXPECT_EQ((*root)[i].hash, m_hashes[i]);
    EXPECT_EQ((*root)[i].annotation_version, 0u);
  }
}

TEST_P(StoreTest, CurrentVersions) {
  ingest({file("/d/a.jpg", "a", R"({"v":1})"), file("/d/b.jpg", "b")});
  ingest({file("/d/a.jpg", "a", R"({"v":2})")});
  std::vector<Md5> hashes{core::md5_of("b"), core::md5_of("a")};
  auto current = store().current_versions(hashes);
  ASSERT_OK(current);
  EXPECT_EQ(*current, (Collection{{core::md5_of("b"), 0}, {core::md5_of("a"), 2}}));
  hashes.push_back(core::md5_of("unknown"));
  auto missing = store().current_versions(hashes);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_NE(missing.error().message.find(core::md5_of("unknown").hex()), std::string::npos);
}

TEST_P(StoreTest, AnnotationsAndHashes) {
  const auto a = core::md5_of("a");
  const auto b = core::md5_of("b");
  ingest({file("/d/a.jpg", "a", R"({"z":1,"y":2})"), file("/d/b.jpg", "b")});
  ingest({file("/d/a.jpg", "a", R"("second")")});
  std::vector<ObjectRef> refs{{a, 2}, {b, 0}, {a, 1}, {a, 99}, {core::md5_of("unknown"), 1}};
  auto texts = store().annotations(refs);
  ASSERT_OK(texts);
  EXPECT_EQ(*texts, (std::vector<std::string>{R"("second")", "", R"({"y":2,"z":1})", "", ""}));
  auto hashes = store().annotation_hashes(refs);
  ASSERT_OK(hashes);
  ASSERT_EQ(hashes->size(), refs.size());
  EXPECT_EQ((*hashes)[0], core::md5_of(R"("second")"));
  EXPECT_EQ((*hashes)[1], Md5{});
  EXPECT_EQ((*hashes)[2], core::md5_of(R"({"y":2,"z":1})"));
  EXPECT_EQ((*hashes)[3], Md5{});
  EXPECT_EQ((*hashes)[4], Md5{});
}

TEST_P(StoreTest, ObjectsInfo) {
  IngestOptions tagged{AnnotationUpdate::replace, {"t2", "t1"}};
  ingest({file("/d/z.jpg", "same", R"({"v":1})"), file("/d/a.jpg", "same", R"({"v":2})"), file("/d/o.jpg", "other")},
         tagged);
  std::vector<Md5> hashes{core::md5_of("other"), core::md5_of("same")};
  auto infos = store().objects_info(hashes);
  ASSERT_OK(infos);
  ASSERT_EQ(infos->size(), 2u);
  const auto& other = (*infos)[0];
  const auto& same = (*infos)[1];
  EXPECT_EQ(other.hash, core::md5_of("other"));
  EXPECT_EQ(other.size, 5u);
  EXPECT_EQ(other.current_version, 0u);
  EXPECT_TRUE(other.versions.empty());
  EXPECT_EQ(other.tags, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(same.hash, core::md5_of("same"));
  EXPECT_EQ(same.paths, (std::vector<std::string>{"/d/a.jpg", "/d/z.jpg"}));
  EXPECT_EQ(same.mtime_ns, 1'000'000'000);
  EXPECT_EQ(same.current_version, 2u);
  ASSERT_EQ(same.versions.size(), 2u);
  EXPECT_EQ(same.versions[0].version, 1u);
  EXPECT_EQ(same.versions[0].content_hash, core::md5_of(R"({"v":1})"));
  EXPECT_EQ(same.versions[1].content_hash, core::md5_of(R"({"v":2})"));
  EXPECT_GT(same.versions[1].indexed_at, 0);
}

TEST_P(StoreTest, ObjectInfoUnknownIsNotFound) {
  ingest({file("/d/a.jpg", "a")});
  const auto unknown = core::md5_of("unknown");
  auto missing = store().object_info(unknown);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_NE(missing.error().message.find("id:" + unknown.hex()), std::string::npos) << missing.error().message;
  EXPECT_NE(missing.error().hint.find("ldb index"), std::string::npos);
  std::vector<Md5> hashes{core::md5_of("a"), unknown};
  EXPECT_FALSE(store().objects_info(hashes).has_value());
}

TEST_P(StoreTest, UpdateTags) {
  ingest({file("/d/a.jpg", "a"), file("/d/b.jpg", "b")});
  const auto a = core::md5_of("a");
  const auto b = core::md5_of("b");
  std::vector<Md5> both{a, b};
  std::vector<std::string> add{"x", "y"};
  std::vector<std::string> none;
  auto changed = store().update_tags(both, add, none);
  ASSERT_OK(changed);
  EXPECT_EQ(*changed, 2u);
  // Adding what is there changes nothing.
  changed = store().update_tags(both, add, none);
  ASSERT_OK(changed);
  EXPECT_EQ(*changed, 0u);
  // Remove from one; removing an absent tag is not a change.
  std::vector<Md5> only_a{a};
  std::vector<std::string> remove{"x", "never"};
  changed = store().update_tags(only_a, none, remove);
  ASSERT_OK(changed);
  EXPECT_EQ(*changed, 1u);
  EXPECT_EQ(info(a).tags, std::vector<std::string>{"y"});
  EXPECT_EQ(info(b).tags, (std::vector<std::string>{"x", "y"}));
}

TEST_P(StoreTest, UpdateTagsUnknownObjectChangesNothing) {
  ingest({file("/d/a.jpg", "a")});
  std::vector<Md5> hashes{core::md5_of("a"), core::md5_of("unknown")};
  std::vector<std::string> add{"x"};
  auto changed = store().update_tags(hashes, add, {});
  ASSERT_FALSE(changed.has_value());
  EXPECT_EQ(changed.error().code, ErrorCode::not_found);
  EXPECT_TRUE(info(core::md5_of("a")).tags.empty());  // rolled back
}

TEST_P(StoreTest, ObjectFilesBySmallSelection) {
  ingest({file("/d/b/copy.jpg", "same"), file("/d/a/orig.jpg", "same"), file("/d/other.jpg", "other bytes")});
  std::vector<Md5> hashes{core::md5_of("other bytes"), core::md5_of("same"), core::md5_of("other bytes")};
  auto files = store().object_files(hashes);
  ASSERT_OK(files);
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].size, 11u);
  EXPECT_EQ((*files)[0].paths, std::vector<std::string>{"/d/other.jpg"});
  EXPECT_EQ((*files)[1].size, 4u);
  EXPECT_EQ((*files)[1].paths, (std::vector<std::string>{"/d/a/orig.jpg", "/d/b/copy.jpg"}));
  EXPECT_EQ((*files)[2].paths, (*files)[0].paths);
  hashes.push_back(core::md5_of("unknown"));
  auto unknown = store().object_files(hashes);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

TEST_P(StoreTest, ObjectFilesByLargeSelection) {
  // Past 20000 hashes SQLite scans every path instead of looking each up.
  constexpr std::size_t k_objects = 20100;
  std::vector<IndexedFile> files;
  std::vector<Md5> hashes;
  for (std::size_t i = 0; i < k_objects; ++i) {
    std::string content = "object " + std::to_string(i);
    files.push_back(file("/d/" + std::to_string(i) + ".jpg", content));
    if (i % 7 == 0) files.push_back(file("/c/" + std::to_string(i) + ".jpg", content));
    hashes.push_back(core::md5_of(content));
  }
  ingest(files);
  std::reverse(hashes.begin(), hashes.end());  // positions are the caller's order
  hashes.push_back(hashes.front());            // and a hash given twice
  auto got = store().object_files(hashes);
  ASSERT_OK(got);
  ASSERT_EQ(got->size(), k_objects + 1);
  for (std::size_t position = 0; position < k_objects; ++position) {
    std::size_t i = k_objects - 1 - position;
    const auto& f = (*got)[position];
    EXPECT_EQ(f.size, ("object " + std::to_string(i)).size()) << i;
    std::vector<std::string> expected{"/d/" + std::to_string(i) + ".jpg"};
    if (i % 7 == 0) expected.insert(expected.begin(), "/c/" + std::to_string(i) + ".jpg");
    ASSERT_EQ(f.paths, expected) << i;
  }
  EXPECT_EQ(got->back().paths, got->front().paths);
  hashes.push_back(core::md5_of("unknown"));
  auto unknown = store().object_files(hashes);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

LDB_STORE_CONFORMANCE(IngestTest);
LDB_STORE_CONFORMANCE(KnownPathsTest);
LDB_STORE_CONFORMANCE(ObjectQueryTest);

}  // namespace
}  // namespace ldb::store
