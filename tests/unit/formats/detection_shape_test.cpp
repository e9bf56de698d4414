#include "formats/detection_shape.hpp"

#include <string>

#include "test_support.hpp"

namespace ldb::formats {
namespace {

// The parser outlives the Detection: its elements point into the parsed document.
class DetectionShapeTest : public ::testing::Test {
 protected:
  std::optional<Detection> parse(const std::string& json) {
    text_ = json;
    simdjson::dom::element root;
    EXPECT_EQ(parser_.parse(text_).get(root), simdjson::SUCCESS) << json;
    return parse_detection(root);
  }

 private:
  simdjson::dom::parser parser_;
  std::string text_;
};

TEST_F(DetectionShapeTest, FindsTheImageItsSizeAndTheSourceFormat) {
  auto d = parse(R"({"image":{"width":640,"height":480.5,"id":3},"objects":[],"source_format":"coco"})");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->has_image_object());
  EXPECT_TRUE(d->has_objects_array());
  ASSERT_TRUE(d->width && d->height);
  EXPECT_EQ(shape::integer(*d->width), 640);
  EXPECT_EQ(shape::number(*d->height), 480.5);
  EXPECT_EQ(shape::integer(*d->height), std::nullopt);
  EXPECT_EQ(d->source_format, "coco");
  EXPECT_TRUE(d->objects.empty());
}

TEST_F(DetectionShapeTest, ObjectsComeInOrderWithTheirIndexes) {
  auto d = parse(R"({"objects":[{"category":"dog","bbox":[1,2.5,3,4]},{"category_id":7,"bbox":[0,0,1,1],)"
                 R"("segmentation":[[1,2,3,4,5,6]]},{"category":"","category_id":2.0}]})");
  ASSERT_TRUE(d);
  ASSERT_EQ(d->objects.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(d->objects[i].index, i);
    EXPECT_TRUE(d->objects[i].is_object);
  }
  const auto& dog = d->objects[0];
  EXPECT_EQ(dog.category_name, "dog");
  EXPECT_FALSE(dog.category_id);
  ASSERT_TRUE(dog.box);
  EXPECT_EQ(dog.box->value, (std::array<double, 4>{1, 2.5, 3, 4}));
  EXPECT_EQ(shape::number(dog.box->json[1]), 2.5);
  EXPECT_FALSE(dog.segmentation);

  const auto& seven = d->objects[1];
  EXPECT_FALSE(seven.category);
  EXPECT_FALSE(seven.category_name);
  EXPECT_EQ(seven.category_number, 7);
  EXPECT_TRUE(seven.segmentation && seven.segmentation->is_array());

  // An empty name is still a string; a whole number written 2.0 is still a number
  // (YOLO and Label Studio want an integer literal: they test category_id->is_int64()).
  const auto& third = d->objects[2];
  EXPECT_EQ(third.category_name, "");
  EXPECT_EQ(third.category_number, 2);
  EXPECT_FALSE(third.category_id->is_int64());
  EXPECT_FALSE(third.bbox);
  EXPECT_FALSE(third.box);
}

TEST_F(DetectionShapeTest, OddFieldsAreKeptForTheWriterToJudge) {
  auto d = parse(R"({"image":[1],"objects":[5,{"category":3,"category_id":"x","bbox":[1,2,3]},)"
                 R"({"bbox":[1,2,3,4,5]},{"bbox":[1,"2",3,4]},{"bbox":"1,2,3,4"}]})");
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->image);
  EXPECT_FALSE(d->has_image_object());
  EXPECT_FALSE(d->width);
  EXPECT_FALSE(d->height);
  ASSERT_EQ(d->objects.size(), 5u);

  EXPECT_FALSE(d->objects[0].is_object);
  EXPECT_EQ(shape::integer(d->objects[0].json), 5);

  const auto& odd = d->objects[1];
  EXPECT_TRUE(odd.category);
  EXPECT_FALSE(odd.category_name);
  EXPECT_TRUE(odd.category_id);
  EXPECT_FALSE(odd.category_number);
  EXPECT_TRUE(odd.bbox && odd.bbox->is_array());
  EXPECT_FALSE(odd.box);  // three numbers

  EXPECT_FALSE(d->objects[2].box);  // five numbers
  EXPECT_FALSE(d->objects[3].box);  // a string among them
  EXPECT_TRUE(d->objects[4].bbox);
  EXPECT_FALSE(d->objects[4].box);  // not an array
}

TEST_F(DetectionShapeTest, MissingOrNonArrayObjectsLeaveNoObjects) {
  auto none = parse(R"({"image":{"width":3}})");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->objects_json);
  EXPECT_FALSE(none->has_objects_array());
  EXPECT_TRUE(none->width);
  EXPECT_FALSE(none->height);
  EXPECT_FALSE(none->source_format);

  auto odd = parse(R"({"objects":{"category":"dog"},"source_format":1})");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->objects_json);
  EXPECT_FALSE(odd->has_objects_array());
  EXPECT_TRUE(odd->objects.empty());
  EXPECT_FALSE(odd->image);
  EXPECT_FALSE(odd->source_format);  // not a string
}

TEST_F(DetectionShapeTest, AnAnnotationThatIsNotAnObjectIsNotTheShape) {
  EXPECT_FALSE(parse(R"([{"objects":[]}])"));
  EXPECT_FALSE(parse(R"("objects")"));
}

}  // namespace
}  // namespace ldb::formats
