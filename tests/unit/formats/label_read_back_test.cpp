#include "formats/label_read_back.hpp"

#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "index/label_studio.hpp"
#include "test_support.hpp"

namespace ldb::formats {
namespace {

using dataset::LabelSource;
using dataset::WrittenLabels;
using Indexes = std::vector<std::optional<std::size_t>>;

constexpr std::string_view k_dog =
    R"({"image":{"height":100,"id":7,"width":200},"objects":[)"
    R"({"area":5000.5,"bbox":[50.5,0.25,100.125,49],"category":"dog","category_id":1,"id":71,"iscrowd":0,)"
    R"("segmentation":[[50.5,0.25,150.625,0.25,150.625,49.25]]},)"
    R"({"bbox":[500,0,10,10],"category":"dog","category_id":1,"id":72},)"
    R"({"bbox":[1,2,3,4],"category":"cat","category_id":0,"id":73}],"source_format":"coco"})";

LabelSource source(std::string_view tag, std::string_view annotation, std::uint32_t width = 200,
                   std::uint32_t height = 100) {
  return LabelSource{core::md5_of(tag), annotation, store::ImageInfo{width, height, "jpeg"}};
}

Result<std::vector<WrittenLabels>> read_back(index::Format layout, const std::vector<LabelSource>& sources,
                                             std::vector<std::size_t> wanted) {
  return read_back_labels(layout, sources, wanted);
}

// The file as written, merged into the annotation it was written from, is that annotation.
void expect_round_trip(std::string_view annotation, const WrittenLabels& written) {
  std::string edited = "{\"objects\":[";
  for (std::size_t i = 0; i < written.objects.size(); ++i) edited += (i ? "," : "") + written.objects[i];
  edited += "]}";
  auto merged = dataset::merge_label_edit(annotation, written, edited, "the test object");
  ASSERT_OK(merged);
  EXPECT_EQ(*merged, annotation);
}

TEST(LabelReadBackTest, YoloLinesReadBackInPixelsAndDroppedBoxesAreAbsent) {
  std::vector<LabelSource> sources{source("a", k_dog)};
  auto read = read_back(index::Format::yolo, sources, {0});
  ASSERT_OK(read);
  ASSERT_EQ(read->size(), 1u);
  const WrittenLabels& labels = read->front();
  // Box mode (the second object has no polygon); the box outside the image is not written.
  EXPECT_EQ(labels.objects,
            (std::vector<std::string>{R"({"bbox":[50.5,0.25,100.125,49],"category":"dog","category_id":1})",
                                      R"({"bbox":[1,2,3,4],"category":"cat","category_id":0})"}));
  EXPECT_EQ(labels.written_for, (Indexes{0, 2}));
  EXPECT_FALSE(labels.kept_keys);
  expect_round_trip(k_dog, labels);
}

TEST(LabelReadBackTest, YoloClassTableSpansEveryMember) {
  // The class table comes from all members, so "bird" (id 5) keeps its index in a's file.
  constexpr std::string_view bird =
      R"({"image":{"height":100,"width":200},"objects":[{"bbox":[0,0,20,10],"category":"bird","category_id":5}]})";
  std::vector<LabelSource> sources{source("a", k_dog), source("b", bird)};
  auto read = read_back(index::Format::yolo, sources, {1});
  ASSERT_OK(read);
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ(read->front().objects,
            (std::vector<std::string>{R"({"bbox":[0,0,20,10],"category":"bird","category_id":5})"}));
}

TEST(LabelReadBackTest, VocReadsBackItsFlags) {
  constexpr std::string_view boxes =
      R"({"image":{"height":100,"width":200},"objects":[{"bbox":[10,20,30,40],"category":"dog"},)"
      R"({"bbox":[0,0,-1,5],"category":"cat"},{"bbox":[1,1,2,2],"category":"cat","difficult":true}]})";
  std::vector<LabelSource> sources{source("a", boxes)};
  auto read = read_back(index::Format::voc, sources, {0});
  ASSERT_OK(read);
  const WrittenLabels& labels = read->front();
  EXPECT_EQ(labels.objects,
            (std::vector<std::string>{R"({"bbox":[10,20,30,40],"category":"dog","difficult":false,"truncated":false})",
                                      R"({"bbox":[1,1,2,2],"category":"cat","difficult":true,"truncated":false})"}));
  EXPECT_EQ(labels.written_for, (Indexes{0, 2}));  // a negative width is not written
  expect_round_trip(boxes, labels);
}

TEST(LabelReadBackTest, CocoKeepsIdsAndTellsALabelsBoxFromObjects) {
  constexpr std::string_view label = R"({"class":"cat"})";
  std::vector<LabelSource> sources{source("a", k_dog), source("b", label, 64, 48)};
  auto read = read_back(index::Format::coco, sources, {0, 1});
  ASSERT_OK(read);
  ASSERT_EQ(read->size(), 2u);
  // COCO holds every key; the box outside the image is dropped.
  EXPECT_EQ((*read)[0].objects.size(), 2u);
  EXPECT_EQ((*read)[0].written_for, (Indexes{0, 2}));
  EXPECT_EQ((*read)[0].objects[0],
            R"({"area":5000.5,"bbox":[50.5,0.25,100.125,49],"category":"dog","category_id":1,"id":71,"iscrowd":0,)"
            R"("segmentation":[[50.5,0.25,150.625,0.25,150.625,49.25]]})");
  expect_round_trip(k_dog, (*read)[0]);
  // The whole-image box written for a label stands for no object of the annotation.
  EXPECT_EQ((*read)[1].objects.size(), 1u);
  EXPECT_EQ((*read)[1].written_for, (Indexes{std::nullopt}));
  expect_round_trip(label, (*read)[1]);
}

TEST(LabelReadBackTest, LabelStudioPercentagesGiveThePixelsBack) {
  constexpr std::string_view boxes =
      R"({"image":{"height":576,"width":768},"objects":[{"bbox":[128.5,40.25,100.125,80.75],"category":"dog",)"
      R"("id":1}],"source_format":"coco"})";
  std::vector<LabelSource> sources{source("a", boxes, 768, 576)};
  auto read = read_back(index::Format::label_studio, sources, {0});
  ASSERT_OK(read);
  const WrittenLabels& labels = read->front();
  EXPECT_EQ(labels.objects, (std::vector<std::string>{R"({"bbox":[128.5,40.25,100.125,80.75],"category":"dog"})"}));
  EXPECT_EQ(labels.written_for, (Indexes{0}));
  EXPECT_FALSE(labels.kept_keys);
  expect_round_trip(boxes, labels);
}

TEST(LabelReadBackTest, LabelStudioTaskIsWrittenBackWithItsKeys) {
  // A task as -m label-studio indexes it.
  std::string export_json =
      R"([{"id":12,"data":{"image":"a.jpg"},"annotations":[{"id":3,"result":[{"type":"rectanglelabels",)"
      R"("from_name":"label","to_name":"image","original_width":200,"original_height":100,)"
      R"("value":{"x":10,"y":20,"width":30,"height":40,"rotation":0,"rectanglelabels":["dog"]}}]}]}])";
  auto tasks = index::parse_label_studio(export_json, "/ls/export.json", "", [](std::string_view) { return true; });
  ASSERT_OK(tasks);
  auto indexed = index::label_studio_annotation(tasks->front(), core::md5_of("a"), std::nullopt, "/ls/export.json");
  ASSERT_OK(indexed);
  std::vector<LabelSource> sources{source("a", *indexed)};
  auto read = read_back(index::Format::label_studio, sources, {0});
  ASSERT_OK(read);
  const WrittenLabels& labels = read->front();
  EXPECT_EQ(labels.objects, (std::vector<std::string>{R"({"bbox":[20,20,60,40],"category":"dog"})"}));
  EXPECT_EQ(labels.written_for, (Indexes{0}));
  ASSERT_TRUE(labels.kept_keys);
  EXPECT_EQ(*labels.kept_keys, (std::vector<std::string>{"data", "image", "source_format"}));
  // The file as written reads as the indexed task: merged, it is the annotation.
  auto merged = dataset::merge_label_edit(*indexed, labels, *indexed, "the test object");
  ASSERT_OK(merged);
  EXPECT_EQ(*merged, *indexed);
}

TEST(LabelReadBackTest, OtherLayoutsAndUnwritableAnnotationsAreErrors) {
  std::vector<LabelSource> sources{source("a", k_dog)};
  auto pairs = read_back(index::Format::strict_pairs, sources, {0});
  ASSERT_FALSE(pairs.has_value());
  EXPECT_EQ(pairs.error().code, ErrorCode::invalid_argument);
  std::vector<LabelSource> shapeless{source("b", R"({"n":1})")};
  auto yolo = read_back(index::Format::yolo, shapeless, {0});
  ASSERT_FALSE(yolo.has_value());
  EXPECT_EQ(yolo.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(yolo.error().message.find(core::md5_of("b").hex()), std::string::npos) << yolo.error().message;
  auto nothing = read_back(index::Format::yolo, shapeless, {});
  ASSERT_OK(nothing);
  EXPECT_TRUE(nothing->empty());
}

}  // namespace
}  // namespace ldb::formats
