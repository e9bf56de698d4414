#include "formats/yolo_writer.hpp"

#include <fmt/format.h>

#include "formats/layout.hpp"
#include "test_support.hpp"

namespace ldb::formats {
namespace {

Member member(std::string tag, std::string annotation) {
  Member m;
  m.hash = core::md5_of(tag);
  m.annotation_json = std::move(annotation);
  m.source_path = "/data/images/" + tag + ".jpg";
  m.size = 1;
  return m;
}

std::string image(int width, int height, std::string objects) {
  return fmt::format(
      R"({{"image":{{"file_name":"x.jpg","height":{},"width":{}}},"objects":[{}],"source_format":"coco"}})", height,
      width, objects);
}

Result<YoloOutput> run(const std::vector<Member>& members) {
  std::vector<YoloImageEntry> entries;
  for (const auto& m : members) entries.push_back({&m});
  return yolo_labels(entries);
}

bool has_warning(const YoloOutput& out, std::string_view text) {
  for (const auto& w : out.warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(YoloWriterTest, BoxesNormalizedWithCategoryIds) {
  std::vector<Member> members{
      member("a", image(200, 100, R"({"bbox":[50,0,100,50],"category":"dog","category_id":1})")),
      member("b", image(10, 10,
                        R"({"bbox":[0,0,10,10],"category":"cat","category_id":0},)"
                        R"({"bbox":[2,2,2,2],"category":"dog","category_id":1})")),
      member("c", image(10, 10, ""))};
  auto out = run(members);
  ASSERT_OK(out);
  ASSERT_EQ(out->labels.size(), 3u);
  EXPECT_EQ(out->labels[0], "1 0.5 0.25 0.5 0.5\n");
  EXPECT_EQ(out->labels[1], "0 0.5 0.5 1 1\n1 0.3 0.3 0.2 0.2\n");
  EXPECT_EQ(out->labels[2], "");
  EXPECT_EQ(out->names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(out->data_yaml,
            "# YOLO dataset written by ldb instantiate\npath: .\ntrain: images\nval: images\nnc: 2\nnames:\n"
            "  0: \"cat\"\n  1: \"dog\"\n");
  EXPECT_TRUE(out->warnings.empty());
}

TEST(YoloWriterTest, GapsInIdsAreNamedByNumber) {
  std::vector<Member> members{member("a", image(10, 10, R"({"bbox":[0,0,5,5],"category":"bus","category_id":2})"))};
  auto out = run(members);
  ASSERT_OK(out);
  EXPECT_EQ(out->names, (std::vector<std::string>{"0", "1", "bus"}));
  EXPECT_EQ(out->labels[0], "2 0.25 0.25 0.5 0.5\n");
  EXPECT_TRUE(has_warning(*out, "2 class index(es) between 0 and 2"));
}

std::string with_names(std::string annotation, std::string_view names) {
  annotation.insert(annotation.size() - 1, fmt::format(R"(,"names":{})", names));
  return annotation;
}

TEST(YoloWriterTest, TheSourceClassTableNamesUnusedClasses) {
  std::string_view table = R"(["closed_door","opened_door","bus","number"])";
  std::vector<Member> members{
      member("a", with_names(image(10, 10, R"({"bbox":[0,0,5,5],"category":"bus","category_id":2})"), table)),
      member("b", with_names(image(10, 10, ""), table)),
      // No table of its own, but its objects agree with it.
      member("c", image(10, 10, R"({"bbox":[0,0,5,5],"category":"closed_door","category_id":0})"))};
  auto out = run(members);
  ASSERT_OK(out);
  EXPECT_EQ(out->names, (std::vector<std::string>{"closed_door", "opened_door", "bus", "number"}));
  EXPECT_TRUE(out->data_yaml.ends_with(
      "nc: 4\nnames:\n  0: \"closed_door\"\n  1: \"opened_door\"\n  2: \"bus\"\n  3: \"number\"\n"));
  EXPECT_EQ(out->labels[0], "2 0.25 0.25 0.5 0.5\n");
  EXPECT_TRUE(out->warnings.empty());

  // Two different tables, or an object the table does not name: the table is not used.
  for (const auto& other : {with_names(image(10, 10, ""), R"(["bus"])"),
                            image(10, 10, R"({"bbox":[0,0,5,5],"category":"car","category_id":1})"),
                            image(10, 10, R"({"bbox":[0,0,5,5],"category":"bus","category_id":1})")}) {
    std::vector<Member> mixed{members[0], member("d", other)};
    auto fallback = run(mixed);
    ASSERT_OK(fallback);
    EXPECT_NE(fallback->names.size(), 4u) << other;
  }
}

TEST(YoloWriterTest, DecimalsFollowTheImageSize) {
  EXPECT_EQ(yolo_decimals(10), 6);
  EXPECT_EQ(yolo_decimals(40), 6);
  EXPECT_EQ(yolo_decimals(41), 7);
  EXPECT_EQ(yolo_decimals(640), 8);
  EXPECT_EQ(yolo_decimals(1280), 8);
  EXPECT_EQ(yolo_decimals(4000), 8);
  EXPECT_EQ(yolo_decimals(4001), 9);
  // A 1280 px side gets 8 decimals (here exact, 0.10078125), a 30 px side 6 (1/3 is 0.333333).
  std::vector<Member> members{
      member("a", image(1280, 30, R"({"bbox":[128.5,10,1,10],"category":"a","category_id":0})"))};
  auto out = run(members);
  ASSERT_OK(out);
  EXPECT_EQ(out->labels[0], "0 0.10078125 0.5 0.00078125 0.333333\n");
}

TEST(YoloWriterTest, InconsistentIdsFallBackToNameOrder) {
  std::vector<Member> members{member("a", image(10, 10, R"({"bbox":[0,0,5,5],"category":"zebra","category_id":1})")),
                              member("b", image(10, 10, R"({"bbox":[0,0,5,5],"category":"ant","category_id":1})"))};
  auto out = run(members);
  ASSERT_OK(out);
  EXPECT_EQ(out->names, (std::vector<std::string>{"ant", "zebra"}));
  EXPECT_EQ(out->labels[0].substr(0, 2), "1 ");
  EXPECT_EQ(out->labels[1].substr(0, 2), "0 ");
  EXPECT_TRUE(has_warning(*out, "numbered 0..1 in name order"));
}

TEST(YoloWriterTest, PolygonsWhenEveryObjectHasOne) {
  std::vector<Member> members{member("a", image(100, 50,
                                                R"({"bbox":[0,0,50,50],"category":"a","category_id":0,)"
                                                R"("segmentation":[[0,0,10,0,10,10],[0,0,50,0,50,50,0,50]]})"))};
  auto out = run(members);
  ASSERT_OK(out);
  EXPECT_EQ(out->labels[0], "0 0 0 0.5 0 0.5 1 0 1\n");
  EXPECT_TRUE(has_warning(*out, "1 object(s) have several polygons"));
}

TEST(YoloWriterTest, MixedPolygonsRleAndClippingAreReported) {
  std::vector<Member> members{
      member("a", image(10, 10,
                        R"({"bbox":[0,0,5,5],"category":"a","segmentation":[[0,0,5,0,5,5]]},)"
                        R"({"bbox":[-2,0,4,4],"category":"a","segmentation":{"counts":"abc","size":[10,10]}},)"
                        R"({"bbox":[20,20,4,4],"category":"a"})"))};
  auto out = run(members);
  ASSERT_OK(out);
  EXPECT_EQ(out->labels[0], "0 0.25 0.25 0.5 0.5\n0 0.1 0.2 0.2 0.4\n");
  EXPECT_TRUE(has_warning(*out, "1 polygon segmentation(s) were written as boxes"));
  EXPECT_TRUE(has_warning(*out, "1 RLE segmentation mask(s) were dropped"));
  EXPECT_TRUE(has_warning(*out, "1 box(es) were clipped"));
  EXPECT_TRUE(has_warning(*out, "1 box(es) lying outside"));
}

TEST(YoloWriterTest, AnnotationsOutsideTheShapeAreErrors) {
  struct Case {
    std::string annotation;
    const char* message;
  };
  for (const auto& c : {Case{R"({"label":"cat"})", "no \"objects\" array"},
                        Case{R"({"objects":[{"bbox":[0,0,1,1],"category":"a"}]})", "no positive image.width"},
                        Case{image(10, 10, R"({"bbox":[0,0,1,1]})"), "neither category nor category_id"},
                        Case{image(10, 10, R"({"category":"a"})"), "no bbox and no polygon"},
                        Case{image(10, 10, R"({"category":"a","bbox":[0,0,1]})"), "bbox is not [x, y, w, h]"},
                        Case{image(10, 10, R"(3)"), "objects[0] is not an object"}}) {
    std::vector<Member> members{member("a", c.annotation)};
    auto out = run(members);
    ASSERT_FALSE(out) << c.annotation;
    EXPECT_EQ(out.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(out.error().message.find(c.message), std::string::npos) << out.error().message;
    EXPECT_NE(out.error().message.find("object id:"), std::string::npos);
    EXPECT_FALSE(out.error().hint.empty());
  }
  // Without objects, the image size is not needed.
  std::vector<Member> empty{member("e", R"({"objects":[]})")};
  EXPECT_TRUE(run(empty));
}

TEST(YoloWriterTest, LayoutPairsImagesAndLabels) {
  std::vector<Member> members{member("a", image(10, 10, R"({"bbox":[0,0,5,5],"category":"a","category_id":0})")),
                              member("b", "")};
  Options options;
  options.format = Format::yolo;
  auto plan = build_plan(members, options);
  ASSERT_OK(plan);
  std::string stem = "a-" + core::md5_of("a").hex();
  ASSERT_EQ(plan->files.size(), 3u);
  EXPECT_EQ(plan->files[0].path, "data.yaml");
  EXPECT_EQ(plan->files[1].path, "images/" + stem + ".jpg");
  EXPECT_EQ(plan->files[2].path, "labels/" + stem + ".txt");
  EXPECT_EQ(plan->skipped, 1u);
  EXPECT_EQ(plan->data_files, 1u);
  EXPECT_EQ(parse_format("yolo").value(), Format::yolo);

  options.params = {{"x", "y"}};
  EXPECT_FALSE(build_plan(members, options));
  options.params.clear();
  options.preserve_paths = true;
  EXPECT_FALSE(build_plan(members, options));
}

}  // namespace
}  // namespace ldb::formats
