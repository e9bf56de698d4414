// Indexed roots in the index layer: a run without -m over a remembered folder
// (or below it) reads it as it was indexed; -m/-p that differ win and are
// remembered; one run, one format. Runs against the in-memory FakeStore,
// which keeps roots by the store's rules (longest prefix; a root forgets the
// roots below it).

#include "index/roots.hpp"

#include <fmt/format.h>

#include "index_fixture.hpp"

namespace ldb::index {
namespace {

using ldb::testing::IndexFixture;

class RootsTest : public IndexFixture {
 protected:
  void write_class_folders() {
    m_dir.write("data/bag/1.png", "bag one");
    m_dir.write("data/bag/2.png", "bag two");
    m_dir.write("data/coat/1.png", "coat one");
  }

  IndexOptions with_format(Format format, std::vector<std::pair<std::string, std::string>> params = {}) {
    IndexOptions options;
    options.format = format;
    options.params = std::move(params);
    return options;
  }

  std::string label_of(std::string_view content) {
    auto it = m_store.objects.find(md5(content));
    if (it == m_store.objects.end() || it->second.versions.empty()) return "<none>";
    return it->second.versions.back();
  }

  std::optional<store::IndexedRoot> root_of(const std::string& p) {
    auto roots = m_store.indexed_roots().value();
    const auto* root = store::covering_root(roots, p);
    return root ? std::optional<store::IndexedRoot>(*root) : std::nullopt;
  }
};

TEST_F(RootsTest, SubFolderOfAnInferredRootKeepsItsLabels) {
  write_class_folders();
  ASSERT_OK(run_index(m_dir.path() / "data", with_format(Format::tensorflow_inferred)));
  EXPECT_EQ(root_of(path("data/bag")), (store::IndexedRoot{path("data"), "tensorflow-inferred", {}}));

  m_dir.write("data/bag/3.png", "bag three");
  auto report = run_index(m_dir.path() / "data" / "bag");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::tensorflow_inferred);
  EXPECT_EQ(report->data_objects_found, 3u);
  EXPECT_EQ(report->new_objects, 1u);
  EXPECT_EQ(report->new_annotations, 1u);  // only the new file: the others keep their one version
  EXPECT_EQ(label_of("bag three"), R"({"label":"bag"})");
  EXPECT_EQ(m_store.objects.at(md5("bag one")).versions.size(), 1u);

  // A single file below the root too.
  m_dir.write("data/coat/2.png", "coat two");
  ASSERT_OK(run_index(m_dir.path() / "data" / "coat" / "2.png"));
  EXPECT_EQ(label_of("coat two"), R"({"label":"coat"})");
  // Nothing new was remembered: the root above covers them.
  EXPECT_EQ(m_store.roots.size(), 1u);
}

TEST_F(RootsTest, ResolveOfASubFolderComparesLabelsFromTheRoot) {
  write_class_folders();
  ASSERT_OK(run_index(m_dir.path() / "data", with_format(Format::tensorflow_inferred, {{"label-key", "class"}})));
  auto resolved = run_resolve(m_dir.path() / "data" / "bag");
  ASSERT_OK(resolved);
  store::Collection expected{{md5("bag one"), 1}, {md5("bag two"), 1}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*resolved, expected);
  EXPECT_EQ(label_of("bag one"), R"({"class":"bag"})");
}

TEST_F(RootsTest, ParametersAreRememberedWithTheFormat) {
  write_class_folders();
  m_dir.write("data/loose.png", "loose");
  ASSERT_OK(run_index(m_dir.path() / "data",
                      with_format(Format::tensorflow_inferred, {{"label-key", "meta.kind"}, {"base-label", "other"}})));
  m_dir.write("data/bag/4.png", "bag four");
  ASSERT_OK(run_index(std::vector<std::string>{path("data/bag"), path("data/loose.png")}));
  EXPECT_EQ(label_of("bag four"), R"({"meta":{"kind":"bag"}})");
  EXPECT_EQ(label_of("loose"), R"({"meta":{"kind":"other"}})");
}

TEST_F(RootsTest, ExplicitFormatThatDiffersWinsAndIsRemembered) {
  write_class_folders();
  ASSERT_OK(run_index(m_dir.path() / "data", with_format(Format::tensorflow_inferred)));
  // The same format again (no -p) inherits the root: labels still from data/.
  m_dir.write("data/bag/5.png", "bag five");
  ASSERT_OK(run_index(m_dir.path() / "data" / "bag", with_format(Format::tensorflow_inferred)));
  EXPECT_EQ(label_of("bag five"), R"({"label":"bag"})");
  EXPECT_EQ(m_store.roots.size(), 1u);

  // Another format on the sub-folder: remembered there, and used without -m.
  ASSERT_OK(run_index(m_dir.path() / "data" / "coat", with_format(Format::bare_pairs)));
  EXPECT_EQ(root_of(path("data/coat/1.png")), (store::IndexedRoot{path("data/coat"), "bare-pairs", {}}));
  m_dir.write("data/coat/9.png", "coat nine");
  auto report = run_index(m_dir.path() / "data" / "coat");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::bare_pairs);
  EXPECT_EQ(label_of("coat nine"), "<none>");

  // The parent without -m: the sub-folder keeps its own format (the longest
  // prefix wins), labels elsewhere still count from data/.
  m_dir.write("data/coat/10.png", "coat ten");
  m_dir.write("data/bag/10.png", "bag ten");
  report = run_index(m_dir.path() / "data");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::tensorflow_inferred);
  EXPECT_EQ(report->formats_used, (std::vector<Format>{Format::tensorflow_inferred, Format::bare_pairs}));
  EXPECT_EQ(label_of("coat ten"), "<none>");
  EXPECT_EQ(label_of("bag ten"), R"({"label":"bag"})");
  EXPECT_EQ(m_store.roots.size(), 2u);

  // The parent with -m again: applies to all of it, and forgets the sub-folder's format.
  ASSERT_OK(run_index(m_dir.path() / "data", with_format(Format::tensorflow_inferred)));
  EXPECT_EQ(m_store.roots.size(), 1u);
  EXPECT_EQ(label_of("coat nine"), R"({"label":"coat"})");
  EXPECT_EQ(label_of("coat ten"), R"({"label":"coat"})");
}

TEST_F(RootsTest, DetectedFormatIsRememberedButNotForAnEmptyFolder) {
  m_dir.write("empty/.keep", "");
  ASSERT_OK(run_index(m_dir.path() / "empty"));
  EXPECT_TRUE(m_store.roots.empty());
  write_class_folders();
  auto report = run_index(m_dir.path() / "data");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::tensorflow_inferred);
  EXPECT_EQ(root_of(path("data")), (store::IndexedRoot{path("data"), "tensorflow-inferred", {}}));
  // A file path is never remembered.
  m_dir.write("other/x.png", "x");
  ASSERT_OK(run_index(m_dir.path() / "other" / "x.png"));
  EXPECT_EQ(root_of(path("other/x.png")), std::nullopt);
}

TEST_F(RootsTest, UnchangedReindexOfARememberedRootWritesNothing) {
  write_class_folders();
  ASSERT_OK(run_index(m_dir.path() / "data", with_format(Format::tensorflow_inferred)));
  int calls = m_store.ingest_calls;
  ASSERT_OK(run_index(m_dir.path() / "data"));
  ASSERT_OK(run_index(m_dir.path() / "data" / "bag"));
  EXPECT_EQ(m_store.ingest_calls, calls);
}

TEST_F(RootsTest, PathsRememberedWithDifferentFormatsShareARun) {
  write_class_folders();
  m_dir.write("pairs/a.png", "a");
  m_dir.write("pairs/a.json", R"({"n":1})");
  m_dir.write("pairs/b.png", "b");  // strict-pairs: left out
  ASSERT_OK(run_index(m_dir.path() / "data", with_format(Format::tensorflow_inferred)));
  ASSERT_OK(run_index(m_dir.path() / "pairs"));
  EXPECT_EQ(root_of(path("pairs")), (store::IndexedRoot{path("pairs"), "strict-pairs", {}}));
  m_dir.write("pairs/c.png", "c");
  m_dir.write("pairs/c.json", R"({"n":3})");
  m_dir.write("data/bag/6.png", "bag six");
  int calls = m_store.ingest_calls;
  auto both = run_index(std::vector<std::string>{path("pairs"), path("data/bag")});
  ASSERT_OK(both);
  EXPECT_EQ(m_store.ingest_calls, calls + 1);  // one ingest for the whole run
  EXPECT_EQ(both->formats_used, (std::vector<Format>{Format::strict_pairs, Format::tensorflow_inferred}));
  EXPECT_EQ(both->data_objects_found, 5u);  // a, c and three bags
  EXPECT_EQ(label_of("c"), R"({"n":3})");
  EXPECT_EQ(label_of("bag six"), R"({"label":"bag"})");
  auto resolved = run_resolve(m_dir.path() / "pairs");
  ASSERT_OK(resolved);
  EXPECT_EQ(resolved->size(), 2u);
  // With -m the run chooses for all.
  ASSERT_OK(run_index(std::vector<std::string>{path("data/bag"), path("pairs")}, with_format(Format::bare_pairs)));
  EXPECT_EQ(label_of("b"), "<none>");
  EXPECT_EQ(root_of(path("pairs/b.png")), (store::IndexedRoot{path("pairs"), "bare-pairs", {}}));
}

TEST_F(RootsTest, AnnotationOnlyFilesDoNotShareARunWithDataFiles) {
  write_class_folders();
  ASSERT_OK(run_index(m_dir.path() / "data"));
  m_dir.write("notes/a.json",
              fmt::format(R"({{"annotation":{{"x":1}},"ldb_meta":{{"data_object_id":"{}"}}}})", md5("bag one").hex()));
  ASSERT_OK(run_index(m_dir.path() / "notes"));
  EXPECT_EQ(root_of(path("notes")), (store::IndexedRoot{path("notes"), "annotation-only", {}}));
  auto mixed = run_index(std::vector<std::string>{path("notes"), path("data")});
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(mixed.error().message, fmt::format("'{}' holds annotation-only files, read in the same run as the data "
                                               "files of '{}'",
                                               path("notes"), path("data")));
  EXPECT_EQ(mixed.error().hint, "index the annotation-only files in a run of their own");
}

TEST_F(RootsTest, PathBelowACocoRootIsReadThroughItsFile) {
  m_dir.write("set/images/a.jpg", "image a");
  m_dir.write("set/images/b.jpg", "image b");
  m_dir.write("set/extra/c.jpg", "image c");
  m_dir.write("set/instances.json",
              R"({"images":[{"id":1,"file_name":"images/a.jpg"},{"id":2,"file_name":"images/b.jpg"},
                            {"id":3,"file_name":"extra/c.jpg"}],
                  "annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[1,2,3,4]}],
                  "categories":[{"id":1,"name":"bus"}]})");
  auto first = run_index(m_dir.path() / "set");
  ASSERT_OK(first);
  EXPECT_EQ(first->format_used, Format::coco);
  m_dir.write("set/images/d.jpg", "image d");  // not in the COCO file: not indexed
  auto settings = resolve_run(m_store, std::vector<std::string>{path("set/images")}, IndexOptions{});
  ASSERT_OK(settings);
  EXPECT_EQ(settings->scan_paths, std::vector<std::string>{path("set")});
  EXPECT_EQ(settings->keep_under, std::vector<std::string>{path("set/images")});
  EXPECT_TRUE(settings->remember.empty());
  EXPECT_EQ(settings->readings, (std::vector<Reading>{Reading{Format::coco, {}}}));

  auto resolved = run_resolve(m_dir.path() / "set" / "images");
  ASSERT_OK(resolved);
  ASSERT_EQ(resolved->size(), 2u);  // a and b, not c (outside) nor d (unlisted)
  auto report = run_index(m_dir.path() / "set" / "images");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::coco);
  EXPECT_EQ(report->data_objects_found, 2u);
  EXPECT_NE(label_of("image a").find(R"("category":"bus")"), std::string::npos);

  // The COCO file given by name is read as given, with the root's format.
  settings = resolve_run(m_store, std::vector<std::string>{path("set/instances.json")}, IndexOptions{});
  ASSERT_OK(settings);
  EXPECT_EQ(settings->scan_paths, std::vector<std::string>{path("set/instances.json")});
  EXPECT_TRUE(settings->keep_under.empty());
  EXPECT_EQ(settings->readings, (std::vector<Reading>{Reading{Format::coco, {}}}));
  // (Indexing it reads images outside the path, which needs registered
  // storage: cli_label_studio's absolute-path export covers that.)
}

TEST_F(RootsTest, UnknownRememberedFormatIsCorruption) {
  m_store.roots[path("data")] = store::IndexedRoot{path("data"), "hologram", {}};
  auto settings = resolve_run(m_store, std::vector<std::string>{path("data/x")}, IndexOptions{});
  ASSERT_FALSE(settings);
  EXPECT_EQ(settings.error().code, ErrorCode::corruption);
  EXPECT_NE(settings.error().message.find("hologram"), std::string::npos);
  EXPECT_NE(settings.error().hint.find("ldb index -m FORMAT"), std::string::npos);
}

}  // namespace
}  // namespace ldb::index
