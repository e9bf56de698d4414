#include <fmt/format.h>

#include "index/indexer.hpp"
#include "index/scan.hpp"
#include "test_support.hpp"

namespace ldb::index {
namespace {

TEST(FormatTest, NamesAndAliases) {
  EXPECT_EQ(parse_format("auto").value(), Format::auto_detect);
  EXPECT_EQ(parse_format("auto-detect").value(), Format::auto_detect);
  EXPECT_EQ(parse_format("strict-pairs").value(), Format::strict_pairs);
  EXPECT_EQ(parse_format("strict").value(), Format::strict_pairs);
  EXPECT_EQ(parse_format("bare-pairs").value(), Format::bare_pairs);
  EXPECT_EQ(parse_format("bare").value(), Format::bare_pairs);
  EXPECT_EQ(parse_format("tensorflow-inferred").value(), Format::tensorflow_inferred);
  EXPECT_EQ(parse_format("infer").value(), Format::tensorflow_inferred);
  EXPECT_EQ(parse_format("annotation-only").value(), Format::annotation_only);
  EXPECT_EQ(parse_format("annot").value(), Format::annotation_only);
  EXPECT_EQ(parse_format("coco").value(), Format::coco);
  for (auto f : {Format::auto_detect, Format::strict_pairs, Format::bare_pairs, Format::tensorflow_inferred,
                 Format::annotation_only}) {
    EXPECT_EQ(parse_format(format_name(f)).value(), f);
  }
}

TEST(FormatTest, UnknownFormatListsValidNames) {
  auto r = parse_format("strikt");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(r.error().message.find("strikt"), std::string::npos);
  EXPECT_NE(r.error().hint.find("strict-pairs"), std::string::npos);
  EXPECT_NE(r.error().hint.find("annotation-only"), std::string::npos);
}

TEST(FormatTest, DetectionFormatsParseAndKeepTheirNames) {
  for (std::string_view name : {"coco", "yolo", "voc", "label-studio"}) {
    auto r = parse_format(name);
    ASSERT_OK(r);
    EXPECT_EQ(format_name(*r), name);
  }
}

TEST(ScanHelpersTest, AnnotationPathReplacesTheLastExtension) {
  EXPECT_EQ(annotation_path_for("/d/x.jpg"), "/d/x.json");
  EXPECT_EQ(annotation_path_for("/d/x"), "/d/x.json");
  EXPECT_EQ(annotation_path_for("/d/x.tar.gz"), "/d/x.tar.json");
  EXPECT_EQ(annotation_path_for("/d.v2/x"), "/d.v2/x.json");
  EXPECT_TRUE(is_json_path("/a/b.json"));
  EXPECT_FALSE(is_json_path("/a/b.jsonl"));
}

TEST(ScanHelpersTest, RelativeFolder) {
  EXPECT_EQ(relative_folder("/r/cat/1.png", "/r"), "cat");
  EXPECT_EQ(relative_folder("/r/a/b/1.png", "/r"), "a/b");
  EXPECT_EQ(relative_folder("/r/1.png", "/r"), "");
  EXPECT_EQ(relative_folder("/r/1.png", "/r/1.png"), "");
}

}  // namespace
}  // namespace ldb::index
