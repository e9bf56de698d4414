#include "index/yolo.hpp"

#include <simdjson.h>

#include "index/yolo_names.hpp"
#include "index_fixture.hpp"

namespace ldb::index {
namespace {

using testing::IndexFixture;

std::string be32(unsigned v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// A PNG header (all the indexer reads) plus a tag making the content unique.
std::string png(unsigned width, unsigned height, std::string_view tag) {
  return std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" + be32(width) + be32(height) + std::string(tag);
}

std::vector<std::string> names(std::string_view yaml) {
  auto parsed = parse_data_yaml_names(yaml, "data.yaml");
  EXPECT_TRUE(parsed) << testing::describe(parsed);
  return parsed.value_or(std::vector<std::string>{});
}

TEST(YoloNamesTest, DataYamlForms) {
  std::vector<std::string> expected{"person", "bus stop", "it's"};
  EXPECT_EQ(names("path: .\nnames: [person, 'bus stop', \"it's\"]  # three\n"), expected);
  EXPECT_EQ(names("names:\n  - person\n  - bus stop   # comment\n  - 'it''s'\nnc: 3\n"), expected);
  EXPECT_EQ(names("names:\n- person\n- \"bus stop\"\n- it's\ntrain: images\n"), expected);
  EXPECT_EQ(names("names:\n  2: it's\n  0: person\n  1: bus stop\n"), expected);
  EXPECT_EQ(names("names: {0: person, 1: bus stop,\n  2: \"it\\u0027s\"}\n"), expected);
  EXPECT_EQ(names("# header\r\ntrain: a\r\nnames: [person, bus stop, it's]\r\n"), expected);
  EXPECT_TRUE(names("names: []\n").empty());
}

TEST(YoloNamesTest, DataYamlErrorsNameTheLine) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  for (const auto& c :
       {Case{"train: x\n", "no top-level 'names' key"},
        Case{"names:\n  0: a\n  2: c\n", "data.yaml:3: class index 1 has no name"},
        Case{"names:\n  - a\n  1: b\n", "data.yaml:3: names mixes"},
        Case{"names:\n  0: a\n  0: b\n", "data.yaml:3: class index 0 is named twice"},
        Case{"names: [a, b\n", "data.yaml:1: names: missing the closing ']'"},
        Case{"names: a\n", "names must be a list or a mapping"}, Case{"names: [a, [b]]\n", "unsupported YAML value"},
        Case{"nc: 3\nnames: [a, b]\n", "data.yaml:1: nc is 3 but names lists 2"},
        Case{"names:\n  x: a\n", "'x' is not a class index"}, Case{"names: ['a]\n", "unterminated quoted name"}}) {
    auto parsed = parse_data_yaml_names(c.yaml, "data.yaml");
    ASSERT_FALSE(parsed) << c.yaml;
    EXPECT_EQ(parsed.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(parsed.error().message.find(c.message), std::string::npos) << parsed.error().message;
    EXPECT_FALSE(parsed.error().hint.empty());
  }
}

TEST(YoloNamesTest, ClassesTxt) {
  auto parsed = parse_classes_txt("closed_door\r\nopened_door\r\n bus \n\n\n", "classes.txt");
  ASSERT_OK(parsed);
  EXPECT_EQ(*parsed, (std::vector<std::string>{"closed_door", "opened_door", "bus"}));
  auto gap = parse_classes_txt("a\n\nb\n", "classes.txt");
  ASSERT_FALSE(gap);
  EXPECT_NE(gap.error().message.find("classes.txt:2"), std::string::npos);
  EXPECT_FALSE(parse_classes_txt("\n\n", "classes.txt"));
}

TEST(YoloLabelsTest, PathsAndImages) {
  EXPECT_EQ(yolo_label_path_for("/d/images/train/a.b.jpg"), "/d/labels/train/a.b.txt");
  EXPECT_EQ(yolo_label_path_for("/images/x/images/a.png"), "/images/x/labels/a.txt");
  EXPECT_FALSE(yolo_label_path_for("/d/pictures/a.jpg"));
  EXPECT_TRUE(is_yolo_image("/a/B.JPG"));
  EXPECT_TRUE(is_yolo_image("x.webp"));
  EXPECT_FALSE(is_yolo_image("/a.jpg/readme"));
  EXPECT_FALSE(is_yolo_image("/a/b.txt"));
}

TEST(YoloLabelsTest, BoxesAndPolygonsInPixels) {
  std::vector<std::string> classes{"cat", "dog"};
  std::string label = "1 0.5 0.25 0.5 0.5\n\n0 0.1 0.2 0.3 0.2 0.2 0.4\n";
  auto json = yolo_annotation("train/a.jpg", 200, 100, &label, "a.txt", classes);
  ASSERT_OK(json);
  EXPECT_EQ(*json, R"({"image":{"file_name":"train/a.jpg","height":100,"width":200},"names":["cat","dog"],"objects":[)"
                   R"({"bbox":[50,0,100,50],"category":"dog","category_id":1},)"
                   R"({"bbox":[20,20,40,20],"category":"cat","category_id":0,"segmentation":[[20,20,60,20,40,40]]}],)"
                   R"("source_format":"yolo"})");
  auto none = yolo_annotation("b.png", 10, 10, nullptr, "b.txt", classes);
  ASSERT_OK(none);
  EXPECT_EQ(*none, R"({"image":{"file_name":"b.png","height":10,"width":10},"names":["cat","dog"],"objects":[],)"
                   R"("source_format":"yolo"})");
  std::string unnamed_label = "7 0.5 0.5 1 1\n";
  auto unnamed = yolo_annotation("c.png", 10, 10, &unnamed_label, "c.txt", {});
  ASSERT_OK(unnamed);
  EXPECT_NE(unnamed->find(R"("category":"7","category_id":7)"), std::string::npos);
  EXPECT_EQ(unnamed->find("names"), std::string::npos);  // no class table, no "names"
}

TEST(YoloLabelsTest, MalformedLinesNameFileAndLine) {
  std::vector<std::string> classes{"cat", "dog"};
  struct Case {
    const char* label;
    const char* message;
  };
  for (const auto& c :
       {Case{"0 0.5 0.5 0.5\n", "l.txt:1: 4 fields"},
        Case{"0 0.5 0.5 0.5 0.5\n0 0.1 0.1 0.2 0.2 0.3\n", "l.txt:2: 6 fields"},
        Case{"0 0.5 0.5 0.5 0.5 0.1 0.1 0.2\n", "8 fields"}, Case{"0 0.5 x 0.5 0.5\n", "'x' is not a number"},
        Case{"0 0.5 nan 0.5 0.5\n", "'nan' is not a number"},
        Case{"2 0.5 0.5 0.5 0.5\n", "class index 2 is out of range"},
        Case{"-1 0.5 0.5 0.5 0.5\n", "'-1' is not a class index"},
        Case{"1.5 0.5 0.5 0.5 0.5\n", "'1.5' is not a class index"},
        Case{"\n\n0 0.5 0.5 1.01 0.5\n", "l.txt:3: 1.01 is outside [0, 1]"},
        Case{"0 0.5 0.5 0.5 -0.1\n", "-0.1 is outside"}}) {
    std::string label = c.label;
    auto json = yolo_annotation("a.jpg", 10, 10, &label, "l.txt", classes);
    ASSERT_FALSE(json) << c.label;
    EXPECT_EQ(json.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(json.error().message.find(c.message), std::string::npos) << json.error().message;
    EXPECT_NE(json.error().hint.find("normalized"), std::string::npos);
  }
  std::string tolerated = "0 0.5 0.5 1.0005 0.5\n";
  EXPECT_TRUE(yolo_annotation("a.jpg", 10, 10, &tolerated, "l.txt", classes));
}

class YoloIndexTest : public IndexFixture {};

TEST_F(YoloIndexTest, AutoDetectsAndIndexesEveryImage) {
  m_dir.write("ds/data.yaml", "names:\n  0: cat\n  1: dog\n");
  m_dir.write("ds/images/train/a.png", png(200, 100, "a"));
  m_dir.write("ds/images/val/b.png", png(40, 40, "b"));
  m_dir.write("ds/images/train/notes.md", "not an image");
  m_dir.write("ds/labels/train/a.txt", "1 0.5 0.5 0.5 0.5\n");
  auto report = run_index(m_dir.path() / "ds");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::yolo);
  EXPECT_EQ(report->data_objects_found, 2u);
  EXPECT_EQ(report->annotations_found, 2u);
  ASSERT_EQ(report->refs.size(), 2u);
  for (const auto& ref : report->refs) {
    std::string json = annotation_of(ref);
    if (ref.hash == md5(png(200, 100, "a"))) {
      EXPECT_EQ(json,
                R"({"image":{"file_name":"train/a.png","height":100,"width":200},"names":["cat","dog"],)"
                R"("objects":[{"bbox":[50,25,100,50],"category":"dog","category_id":1}],"source_format":"yolo"})");
    } else {
      EXPECT_EQ(json, R"({"image":{"file_name":"val/b.png","height":40,"width":40},"names":["cat","dog"],)"
                      R"("objects":[],"source_format":"yolo"})");
    }
  }
  // Unchanged: nothing re-ingested.
  int calls = m_store.ingest_calls;
  auto again = run_index(m_dir.path() / "ds");
  ASSERT_OK(again);
  EXPECT_EQ(again->new_annotations, 0u);
  EXPECT_EQ(m_store.ingest_calls, calls);
  // A changed label file makes a new annotation version.
  m_dir.write("ds/labels/train/a.txt", "0 0.5 0.5 0.5 0.5\n");
  auto changed = run_index(m_dir.path() / "ds");
  ASSERT_OK(changed);
  EXPECT_EQ(changed->new_annotations, 1u);
}

TEST_F(YoloIndexTest, ExplicitFormatWithClassesTxtAndImagesFolderGivenDirectly) {
  m_dir.write("ds/classes.txt", "cat\n");
  m_dir.write("ds/images/a.png", png(10, 10, "a"));
  m_dir.write("ds/labels/a.txt", "0 0.5 0.5 1 1\n");
  IndexOptions options;
  options.format = Format::yolo;
  auto report = run_index(m_dir.path() / "ds/images", options);
  ASSERT_OK(report);
  ASSERT_EQ(report->refs.size(), 1u);
  EXPECT_NE(annotation_of(report->refs.front()).find(R"("category":"cat")"), std::string::npos);
}

TEST_F(YoloIndexTest, MalformedLabelFailsOrIsSkipped) {
  m_dir.write("ds/classes.txt", "cat\n");
  m_dir.write("ds/images/a.png", png(10, 10, "a"));
  m_dir.write("ds/images/b.png", png(10, 10, "b"));
  m_dir.write("ds/labels/a.txt", "0 0.5 0.5 1 1\n3 0.5 0.5 1 1\n");
  IndexOptions options;
  options.format = Format::yolo;
  auto failed = run_index(m_dir.path() / "ds", options);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("labels/a.txt:2: class index 3 is out of range"), std::string::npos);
  EXPECT_EQ(m_store.ingest_calls, 0);
  options.bad_annotation = BadAnnotation::skip;
  auto skipped = run_index(m_dir.path() / "ds", options);
  ASSERT_OK(skipped);
  EXPECT_EQ(skipped->data_objects_found, 1u);
  EXPECT_EQ(skipped->skipped.size(), 1u);
}

TEST_F(YoloIndexTest, BadImagesAndEmptyLayoutsAreErrors) {
  m_dir.write("ds/classes.txt", "cat\n");
  m_dir.write("ds/images/a.jpg", "not really a jpeg");
  IndexOptions options;
  options.format = Format::yolo;
  auto bad = run_index(m_dir.path() / "ds", options);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::unsupported);
  EXPECT_NE(bad.error().message.find("images/a.jpg"), std::string::npos);

  m_dir.write("flat/a.png", png(10, 10, "f"));
  auto empty = run_index(m_dir.path() / "flat", options);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("no images under an images/ folder"), std::string::npos);

  m_dir.write("badnames/data.yaml", "names: oops\n");
  m_dir.write("badnames/images/a.png", png(10, 10, "n"));
  auto names_error = run_index(m_dir.path() / "badnames", options);
  ASSERT_FALSE(names_error);
  EXPECT_NE(names_error.error().message.find("data.yaml:1"), std::string::npos);
}

TEST_F(YoloIndexTest, NotDetectedWithoutNamesFile) {
  m_dir.write("ds/images/a.png", png(10, 10, "a"));
  m_dir.write("ds/labels/a.txt", "0 0.5 0.5 1 1\n");
  auto report = run_index(m_dir.path() / "ds");
  ASSERT_OK(report);
  EXPECT_NE(report->format_used, Format::yolo);
  EXPECT_EQ(parse_format("yolo").value(), Format::yolo);
  EXPECT_EQ(format_name(Format::yolo), "yolo");
}

TEST_F(YoloIndexTest, RealDataset) {
  IndexOptions options;
  auto report = run_index(std::filesystem::path(LDB_TESTDATA_DIR) / "yolo-real", options);
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::yolo);
  EXPECT_EQ(report->data_objects_found, 7u);
  simdjson::dom::parser parser;
  std::size_t objects = 0;
  for (const auto& ref : report->refs) {
    std::string json = annotation_of(ref);
    simdjson::dom::element doc = parser.parse(json);
    for (auto object : doc["objects"].get_array()) {
      ++objects;
      std::string_view category = object["category"].get_string();
      EXPECT_TRUE(category == "closed_door" || category == "opened_door" || category == "bus" || category == "number");
      double right = double(object["bbox"].at(0)) + double(object["bbox"].at(2));
      EXPECT_LE(right, double(doc["image"]["width"]) + 1e-3);
    }
  }
  EXPECT_EQ(objects, 25u);
}

}  // namespace
}  // namespace ldb::index
