#include "index/indexer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "index_fixture.hpp"

namespace ldb::index {
namespace {

using ldb::testing::IndexFixture;
using storage::Operation;

class IndexerTest : public IndexFixture {
 protected:
  void write_pairs() {
    m_dir.write("d/a.jpg", "A");
    m_dir.write("d/a.json", R"({"class": "i", "n": 1})");
    m_dir.write("d/sub/b.png", "B");
    m_dir.write("d/sub/b.json", R"({"class": "ii"})");
    m_dir.write("d/c.jpg", "C");            // no annotation
    m_dir.write("d/lonely.json", R"({})");  // no data file
  }
};

TEST_F(IndexerTest, StrictPairsIndexesOnlyCompletePairs) {
  write_pairs();
  IndexOptions options;
  options.format = Format::strict_pairs;
  auto report = run_index(m_dir.path() / "d", options);
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::strict_pairs);
  EXPECT_EQ(report->data_objects_found, 2u);
  EXPECT_EQ(report->annotations_found, 2u);
  EXPECT_EQ(report->new_objects, 2u);
  EXPECT_EQ(report->new_annotations, 2u);
  EXPECT_EQ(m_store.ingest_calls, 1);
  ASSERT_EQ(m_store.last_ingest.size(), 2u);
  const auto& a = m_store.last_ingest[0];
  EXPECT_EQ(a.path, path("d/a.jpg"));
  EXPECT_EQ(a.hash, md5("A"));
  EXPECT_EQ(a.size, 1u);
  ASSERT_TRUE(a.annotation);
  EXPECT_EQ(a.annotation->path, path("d/a.json"));
  EXPECT_EQ(a.annotation->canonical_json, R"({"class":"i","n":1})");
  EXPECT_EQ(m_store.last_ingest[1].path, path("d/sub/b.png"));
  store::Collection expected{{md5("A"), 1}, {md5("B"), 1}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(report->refs, expected);
}

TEST_F(IndexerTest, PairAnnotationWithAByteOrderMark) {
  m_dir.write("d/a.jpg", "A");
  m_dir.write("d/a.json", "\xEF\xBB\xBF{\"class\": \"caf\xC3\xA9\"}\r\n");
  auto report = run_index(m_dir.path() / "d");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::strict_pairs);
  ASSERT_EQ(m_store.last_ingest.size(), 1u);
  ASSERT_TRUE(m_store.last_ingest[0].annotation);
  EXPECT_EQ(m_store.last_ingest[0].annotation->canonical_json, "{\"class\":\"caf\xC3\xA9\"}");
}

TEST_F(IndexerTest, BarePairsAlsoIndexesDataWithoutAnnotation) {
  write_pairs();
  IndexOptions options;
  options.format = Format::bare_pairs;
  auto report = run_index(m_dir.path() / "d", options);
  ASSERT_OK(report);
  EXPECT_EQ(report->data_objects_found, 3u);
  EXPECT_EQ(report->annotations_found, 2u);
  ASSERT_EQ(m_store.last_ingest.size(), 3u);
  EXPECT_EQ(m_store.last_ingest[1].path, path("d/c.jpg"));
  EXPECT_FALSE(m_store.last_ingest[1].annotation);
  EXPECT_EQ(report->refs.size(), 3u);
}

TEST_F(IndexerTest, TensorflowInferredLabelsFromFolders) {
  m_dir.write("r/cat/1.png", "1");
  m_dir.write("r/dog/2.png", "2");
  m_dir.write("r/animal/cat/3.png", "3");
  m_dir.write("r/4.png", "4");  // in the root: skipped without base-label
  IndexOptions options;
  options.format = Format::tensorflow_inferred;
  auto report = run_index(m_dir.path() / "r", options);
  ASSERT_OK(report);
  EXPECT_EQ(report->data_objects_found, 3u);
  EXPECT_EQ(report->annotations_found, 3u);
  std::map<std::string, std::string> labels;
  for (const auto& f : m_store.last_ingest) {
    ASSERT_TRUE(f.annotation);
    EXPECT_EQ(f.annotation->path, "");
    labels[f.path] = f.annotation->canonical_json;
  }
  EXPECT_EQ(labels[path("r/cat/1.png")], R"({"label":"cat"})");
  EXPECT_EQ(labels[path("r/dog/2.png")], R"({"label":"dog"})");
  EXPECT_EQ(labels[path("r/animal/cat/3.png")], R"({"label":{"animal":"cat"}})");
  EXPECT_FALSE(labels.contains(path("r/4.png")));
}

TEST_F(IndexerTest, TensorflowInferredParams) {
  m_dir.write("r/cat/1.png", "1");
  m_dir.write("r/4.png", "4");
  IndexOptions options;
  options.format = Format::tensorflow_inferred;
  options.params = {{"label-key", "meta.class"}, {"base-label", "other"}};
  auto report = run_index(m_dir.path() / "r", options);
  ASSERT_OK(report);
  EXPECT_EQ(report->data_objects_found, 2u);
  ASSERT_EQ(m_store.last_ingest.size(), 2u);
  EXPECT_EQ(m_store.last_ingest[0].annotation->canonical_json, R"({"meta":{"class":"other"}})");
  EXPECT_EQ(m_store.last_ingest[1].annotation->canonical_json, R"({"meta":{"class":"cat"}})");
}

TEST_F(IndexerTest, TensorflowInferredRefusesJsonFiles) {
  m_dir.write("r/cat/1.png", "1");
  m_dir.write("r/cat/1.json", "{}");
  IndexOptions options;
  options.format = Format::tensorflow_inferred;
  auto report = run_index(m_dir.path() / "r", options);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(report.error().message.find(path("r/cat/1.json")), std::string::npos);
  EXPECT_EQ(m_store.ingest_calls, 0);
}

TEST_F(IndexerTest, ParametersMustFitTheFormat) {
  write_pairs();
  IndexOptions options;
  options.params = {{"label-key", "x"}};
  auto report = run_index(m_dir.path() / "d", options);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(report.error().message.find("label-key"), std::string::npos);
  EXPECT_NE(report.error().message.find("'strict-pairs' (auto-detected)"), std::string::npos);
  EXPECT_NE(report.error().hint.find("-m FORMAT"), std::string::npos);
}

TEST_F(IndexerTest, AutoDetectsStrictPairs) {
  write_pairs();
  auto report = run_index(m_dir.path() / "d");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::strict_pairs);
  EXPECT_EQ(report->data_objects_found, 2u);
}

TEST_F(IndexerTest, AutoDetectsClassFolders) {
  m_dir.write("r/cat/1.png", "1");
  m_dir.write("r/dog/2.png", "2");
  auto report = run_index(m_dir.path() / "r");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::tensorflow_inferred);
  EXPECT_EQ(report->annotations_found, 2u);
}

TEST_F(IndexerTest, AutoFallsBackToBarePairs) {
  m_dir.write("r/cat/1.png", "1");
  m_dir.write("r/2.png", "2");
  auto report = run_index(m_dir.path() / "r");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::bare_pairs);
  EXPECT_EQ(report->data_objects_found, 2u);
  EXPECT_EQ(report->annotations_found, 0u);
  // A single file root is in "the root", so also bare.
  auto single = run_index(m_dir.path() / "r" / "cat" / "1.png");
  ASSERT_OK(single);
  EXPECT_EQ(single->format_used, Format::bare_pairs);
  EXPECT_EQ(single->refs, (store::Collection{{md5("1"), 0}}));
}

TEST_F(IndexerTest, AutoWithUnpairedOrdinaryJsonIsBarePairs) {
  m_dir.write("r/1.png", "1");
  m_dir.write("r/meta.json", R"({"about": "this folder"})");
  auto report = run_index(m_dir.path() / "r");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::bare_pairs);
  EXPECT_EQ(report->data_objects_found, 1u);
}

TEST_F(IndexerTest, AnnotationOnlyAnnotatesIndexedObjects) {
  m_dir.write("data/x.jpg", "X");
  m_dir.write("data/y.jpg", "Y");
  ASSERT_OK(run_index(m_dir.path() / "data"));
  m_dir.write("ann/x.json",
              fmt::format(R"({{"annotation": {{"c": 1}}, "ldb_meta": {{"data_object_id": "{}"}}}})", md5("X").hex()));
  m_dir.write("ann/dataset.json",
              fmt::format(R"([{{"annotation": "y", "ldb_meta": {{"data_object_id": "{}"}}}}])", md5("Y").hex()));
  auto report = run_index(m_dir.path() / "ann");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::annotation_only);
  EXPECT_EQ(report->data_objects_found, 0u);
  EXPECT_EQ(report->annotations_found, 2u);
  EXPECT_EQ(report->new_annotations, 2u);
  EXPECT_EQ(report->new_objects, 0u);
  EXPECT_EQ(m_store.ingest_calls, 2);
  for (const auto& f : m_store.last_ingest) {
    EXPECT_EQ(f.path, "");
    EXPECT_EQ(f.size, 0u);
    ASSERT_TRUE(f.annotation);
  }
  store::Collection expected{{md5("X"), 1}, {md5("Y"), 1}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(report->refs, expected);
  EXPECT_EQ(annotation_of({md5("X"), 1}), R"({"c":1})");
}

TEST_F(IndexerTest, AnnotationOnlyUnknownObjectNamesFileAndId) {
  std::string id = md5("never indexed").hex();
  m_dir.write("ann/z.json", fmt::format(R"({{"annotation": 1, "ldb_meta": {{"data_object_id": "{}"}}}})", id));
  auto report = run_index(m_dir.path() / "ann");
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::not_found);
  EXPECT_NE(report.error().message.find(path("ann/z.json")), std::string::npos);
  EXPECT_NE(report.error().message.find(id), std::string::npos);
  EXPECT_NE(report.error().hint.find("index the data"), std::string::npos);
  EXPECT_EQ(m_store.ingest_calls, 0);
}

TEST_F(IndexerTest, AnnotationOnlyExplicitFormatRejectsOtherJson) {
  m_dir.write("ann/z.json", R"({"label": 1})");
  IndexOptions options;
  options.format = Format::annotation_only;
  auto report = run_index(m_dir.path() / "ann", options);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(report.error().message.find(path("ann/z.json")), std::string::npos);
  // Auto-detection over JSON alone says the same, and mentions -m.
  auto detected = run_index(m_dir.path() / "ann");
  ASSERT_FALSE(detected);
  EXPECT_NE(detected.error().hint.find("-m FORMAT"), std::string::npos);
}

TEST_F(IndexerTest, ReindexSkipsUnchangedFiles) {
  write_pairs();
  ASSERT_OK(run_index(m_dir.path() / "d"));
  EXPECT_EQ(m_fs.calls(Operation::hash).size(), 2u);
  m_fs.clear_calls();

  auto again = run_index(m_dir.path() / "d");
  ASSERT_OK(again);
  EXPECT_TRUE(m_fs.calls(Operation::hash).empty());
  EXPECT_TRUE(m_fs.calls(Operation::read).empty());
  EXPECT_EQ(again->skipped_unchanged, 2u);
  EXPECT_EQ(again->data_objects_found, 2u);
  EXPECT_EQ(again->new_objects, 0u);
  EXPECT_EQ(m_store.ingest_calls, 1);  // nothing to write
  store::Collection expected{{md5("A"), 1}, {md5("B"), 1}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(again->refs, expected);

  // A changed annotation is re-read (the data is not re-hashed) and makes a new version.
  m_dir.write("d/a.json", R"({"class": "v", "n": 1})");
  bump_mtime("d/a.json");
  m_fs.clear_calls();
  auto changed = run_index(m_dir.path() / "d");
  ASSERT_OK(changed);
  EXPECT_TRUE(m_fs.calls(Operation::hash).empty());
  EXPECT_EQ(m_fs.calls(Operation::read), (std::vector<std::string>{path("d/a.json")}));
  EXPECT_EQ(changed->new_annotations, 1u);
  EXPECT_EQ(m_store.last_ingest.size(), 1u);
  EXPECT_NE(std::find(changed->refs.begin(), changed->refs.end(), store::ObjectRef{md5("A"), 2}), changed->refs.end());

  // Changed data is hashed again.
  m_dir.write("d/sub/b.png", "BB");
  m_fs.clear_calls();
  auto data_changed = run_index(m_dir.path() / "d");
  ASSERT_OK(data_changed);
  EXPECT_EQ(m_fs.calls(Operation::hash), (std::vector<std::string>{path("d/sub/b.png")}));
  EXPECT_EQ(data_changed->new_objects, 1u);
}

TEST_F(IndexerTest, ReindexWithTagsStillSkipsHashing) {
  write_pairs();
  ASSERT_OK(run_index(m_dir.path() / "d"));
  m_fs.clear_calls();
  IndexOptions options;
  options.ingest.add_tags = {"reviewed"};
  auto tagged = run_index(m_dir.path() / "d", options);
  ASSERT_OK(tagged);
  EXPECT_TRUE(m_fs.calls(Operation::hash).empty());
  EXPECT_EQ(m_store.last_ingest.size(), 2u);
  EXPECT_EQ(m_store.last_options.add_tags, std::vector<std::string>{"reviewed"});
  EXPECT_EQ(m_store.objects[md5("A")].tags, std::vector<std::string>{"reviewed"});
  EXPECT_EQ(tagged->new_annotations, 0u);
}

TEST_F(IndexerTest, ReindexInferredComparesDerivedLabels) {
  m_dir.write("r/cat/1.png", "1");
  ASSERT_OK(run_index(m_dir.path() / "r"));
  auto again = run_index(m_dir.path() / "r");
  ASSERT_OK(again);
  EXPECT_EQ(m_store.ingest_calls, 1);
  EXPECT_EQ(again->refs, (store::Collection{{md5("1"), 1}}));
  IndexOptions options;
  options.params = {{"label-key", "kind"}};
  auto relabeled = run_index(m_dir.path() / "r", options);
  ASSERT_OK(relabeled);
  EXPECT_EQ(m_store.ingest_calls, 2);
  EXPECT_EQ(relabeled->refs, (store::Collection{{md5("1"), 2}}));
  EXPECT_EQ(relabeled->skipped_unchanged, 1u);
}

TEST_F(IndexerTest, MalformedJsonFailsTheWholeIndex) {
  write_pairs();
  m_dir.write("d/sub/b.json", R"({"class": )");
  auto report = run_index(m_dir.path() / "d");
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(report.error().message.find(path("d/sub/b.json")), std::string::npos);
  EXPECT_NE(report.error().hint.find("fix or remove"), std::string::npos);
  EXPECT_EQ(m_store.ingest_calls, 0);
}

TEST_F(IndexerTest, MalformedJsonCanBeSkippedAndReported) {
  write_pairs();
  m_dir.write("d/sub/b.json", R"({"class": )");
  IndexOptions options;
  options.bad_annotation = BadAnnotation::skip;
  auto report = run_index(m_dir.path() / "d", options);
  ASSERT_OK(report);
  EXPECT_EQ(report->data_objects_found, 1u);
  ASSERT_EQ(report->skipped.size(), 1u);
  EXPECT_NE(report->skipped[0].message.find(path("d/sub/b.json")), std::string::npos);
  ASSERT_EQ(m_store.last_ingest.size(), 1u);
  EXPECT_EQ(m_store.last_ingest[0].path, path("d/a.jpg"));
}

TEST_F(IndexerTest, VanishedFileFailsWithoutWriting) {
  write_pairs();
  m_fs.add_fault({Operation::hash, "b.png", storage::vanished_error(path("d/sub/b.png"))});
  auto report = run_index(m_dir.path() / "d");
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::not_found);
  EXPECT_NE(report.error().message.find(path("d/sub/b.png")), std::string::npos);
  EXPECT_EQ(m_store.ingest_calls, 0);
}

TEST_F(IndexerTest, MissingPathIsNotFound) {
  auto report = run_index(m_dir.path() / "nope");
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::not_found);
  EXPECT_NE(report.error().message.find(path("nope")), std::string::npos);
}

TEST_F(IndexerTest, DuplicateObjectAtTwoPathsNewestAnnotationWins) {
  m_dir.write("d/one/x.jpg", "same bytes");
  m_dir.write("d/one/x.json", R"({"v": 1})");
  m_dir.write("d/two/y.jpg", "same bytes");
  m_dir.write("d/two/y.json", R"({"v": 2})");
  auto report = run_index(m_dir.path() / "d");
  ASSERT_OK(report);
  EXPECT_EQ(report->data_objects_found, 2u);
  EXPECT_EQ(report->new_objects, 1u);
  EXPECT_EQ(report->new_annotations, 2u);
  EXPECT_EQ(report->refs, (store::Collection{{md5("same bytes"), 2}}));
  EXPECT_EQ(m_store.objects[md5("same bytes")].paths.size(), 2u);
  // Re-indexing only the first folder reports the version found there.
  auto first = run_index(m_dir.path() / "d" / "one");
  ASSERT_OK(first);
  EXPECT_EQ(first->refs, (store::Collection{{md5("same bytes"), 1}}));
}

TEST_F(IndexerTest, HiddenFilesAreSkipped) {
  m_dir.write("d/a.jpg", "A");
  m_dir.write("d/a.json", "{}");
  m_dir.write("d/.b.jpg", "B");
  m_dir.write("d/.b.json", "{}");
  m_dir.write("d/.cache/c.jpg", "C");
  m_dir.write("d/.cache/c.json", "{}");
  auto report = run_index(m_dir.path() / "d");
  ASSERT_OK(report);
  EXPECT_EQ(report->data_objects_found, 1u);
  EXPECT_EQ(report->refs, (store::Collection{{md5("A"), 1}}));
}

TEST_F(IndexerTest, SeveralPathsAndOverlapsCountEachFileOnce) {
  write_pairs();
  auto report = run_index(std::vector<std::string>{path("d"), path("d/sub"), path("d/a.jpg")});
  ASSERT_OK(report);
  EXPECT_EQ(report->data_objects_found, 2u);
  EXPECT_EQ(m_store.last_ingest.size(), 2u);
}

TEST_F(IndexerTest, ManyFilesInParallelAreDeterministic) {
  for (int i = 0; i < 300; ++i) {
    m_dir.write(fmt::format("d/{:03}.bin", i), fmt::format("content {}", i));
    m_dir.write(fmt::format("d/{:03}.json", i), fmt::format(R"({{"i": {}}})", i));
  }
  auto report = run_index(m_dir.path() / "d");
  ASSERT_OK(report);
  ASSERT_EQ(m_store.last_ingest.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    const auto& f = m_store.last_ingest[i];
    EXPECT_EQ(f.path, path(fmt::format("d/{:03}.bin", i)));
    EXPECT_EQ(f.hash, md5(fmt::format("content {}", i)));
    EXPECT_EQ(f.annotation->canonical_json, fmt::format(R"({{"i":{}}})", i));
  }
  EXPECT_EQ(report->refs.size(), 300u);
  EXPECT_TRUE(std::is_sorted(report->refs.begin(), report->refs.end()));
}

TEST_F(IndexerTest, EmptyFolderIndexesNothing) {
  std::filesystem::create_directories(m_dir.path() / "empty");
  auto report = run_index(m_dir.path() / "empty");
  ASSERT_OK(report);
  EXPECT_EQ(report->data_objects_found, 0u);
  EXPECT_EQ(m_store.ingest_calls, 0);
}

}  // namespace
}  // namespace ldb::index
