#include "formats/voc_writer.hpp"

#include "test_support.hpp"

namespace ldb::formats {
namespace {

Member member_with(std::string annotation, std::string_view tag = "a") {
  Member member;
  member.hash = core::md5_of(tag);
  member.annotation_json = std::move(annotation);
  member.source_path = "/src/a.jpg";
  return member;
}

Error writer_error(const Member& member) {
  std::vector<VocImageEntry> entries{{&member, "a.jpg"}};
  auto r = voc_annotations(entries);
  EXPECT_FALSE(r) << "expected an error";
  if (r) return Error{};
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(r.error().hint.empty());
  EXPECT_NE(r.error().message.find(member.hash.hex()), std::string::npos) << r.error().message;
  return r.error();
}

TEST(VocWriterTest, WritesOneXmlPerImage) {
  Member a = member_with(R"({"image":{"file_name":"orig.jpg","height":480,"width":640},"objects":[)"
                         R"({"bbox":[47,239,148,132],"category":"dog","difficult":false,"truncated":true},)"
                         R"({"bbox":[0.5,1,2,3],"category_id":7}],"source_format":"coco"})");
  Member b = member_with(R"({"image":{"height":2,"width":3},"objects":[]})", "b");
  std::vector<VocImageEntry> entries{{&a, "a & b.jpg"}, {&b, "b.jpg"}};
  auto out = voc_annotations(entries);
  ASSERT_OK(out);
  ASSERT_EQ(out->xml.size(), 2u);
  EXPECT_TRUE(out->warnings.empty());
  EXPECT_EQ(out->xml[0],
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotation>\n  <folder>JPEGImages</folder>\n"
            "  <filename>a &amp; b.jpg</filename>\n  <size>\n    <width>640</width>\n    <height>480</height>\n"
            "  </size>\n  <segmented>0</segmented>\n"
            "  <object>\n    <name>dog</name>\n    <pose>Unspecified</pose>\n    <truncated>1</truncated>\n"
            "    <difficult>0</difficult>\n    <bndbox>\n      <xmin>48</xmin>\n      <ymin>240</ymin>\n"
            "      <xmax>195</xmax>\n      <ymax>371</ymax>\n    </bndbox>\n  </object>\n"
            "  <object>\n    <name>7</name>\n    <pose>Unspecified</pose>\n    <truncated>0</truncated>\n"
            "    <difficult>0</difficult>\n    <bndbox>\n      <xmin>1.5</xmin>\n      <ymin>2</ymin>\n"
            "      <xmax>2.5</xmax>\n      <ymax>4</ymax>\n    </bndbox>\n  </object>\n"
            "</annotation>\n");
  EXPECT_NE(out->xml[1].find("<filename>b.jpg</filename>"), std::string::npos);
  EXPECT_EQ(out->xml[1].find("<object>"), std::string::npos);
}

TEST(VocWriterTest, SegmentationsAndNegativeBoxesAreDroppedWithCounts) {
  Member a =
      member_with(R"({"image":{"height":48,"width":64},"objects":[)"
                  R"({"bbox":[1,2,30,20],"category":"bus","segmentation":[[1,2,31,2,31,22]]},)"
                  R"({"bbox":[0,0,64,48],"category":"car","iscrowd":1,"segmentation":{"counts":"a1","size":[48,64]}},)"
                  R"({"bbox":[5,5,-1,2],"category":"bad"}]})");
  std::vector<VocImageEntry> entries{{&a, "a.jpg"}};
  auto out = voc_annotations(entries);
  ASSERT_OK(out);
  ASSERT_EQ(out->warnings.size(), 2u);
  EXPECT_EQ(out->warnings[0], "voc: 2 segmentation(s) (polygons or RLE) were dropped: Pascal VOC holds boxes only");
  EXPECT_EQ(out->warnings[1], "voc: 1 object(s) were dropped: their box has a negative width or height");
  EXPECT_NE(out->xml[0].find("<name>bus</name>"), std::string::npos);
  EXPECT_NE(out->xml[0].find("<name>car</name>"), std::string::npos);
  EXPECT_EQ(out->xml[0].find("<name>bad</name>"), std::string::npos);
}

TEST(VocWriterTest, BadAnnotationsNameTheObject) {
  auto message = [](std::string annotation) { return writer_error(member_with(std::move(annotation))).message; };
  auto contains = [](const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; };
  EXPECT_TRUE(contains(message(R"({"image":{"height":2,"width":3},"objects":[{"category":"cat"}]})"),
                       "objects[0] ('cat') has no \"bbox\""));
  EXPECT_TRUE(contains(message(R"({"image":{"height":2,"width":3},"objects":[{"bbox":[0,0,1,1]}]})"),
                       "objects[0] has no \"category\""));
  EXPECT_TRUE(contains(message(R"({"image":{"height":2,"width":3},"objects":[{"bbox":[0,0,1],"category":"c"}]})"),
                       "4 numbers"));
  EXPECT_TRUE(contains(message(R"({"image":{"width":3},"objects":[]})"), "no positive image.height"));
  EXPECT_TRUE(contains(message(R"({"label":"cat"})"), "no \"image\" object"));
  EXPECT_TRUE(contains(
      message(R"({"image":{"height":2,"width":3},"objects":[{"bbox":[0,0,1,1],"category":"c","difficult":2}]})"),
      "\"difficult\" must be true or false"));
  EXPECT_TRUE(
      contains(message(R"({"image":{"height":2,"width":3},"objects":[{"bbox":[0,0,1,1],"category":"\u0001"}]})"),
               "control character"));
}

}  // namespace
}  // namespace ldb::formats
