#include "index/voc.hpp"

#include <set>

#include "core/json.hpp"
#include "formats/voc_writer.hpp"
#include "index_fixture.hpp"
#include "test_support.hpp"

namespace ldb::index {
namespace {

FileExists files(std::set<std::string> paths) {
  return [paths = std::move(paths)](std::string_view path) { return paths.contains(std::string(path)); };
}

constexpr std::string_view k_xml_path = "/d/voc/Annotations/000001.xml";

std::string voc_text(std::string_view objects, std::string_view file_name = "000001.jpg",
                     std::string_view size = "<size><width>353</width><height>500</height><depth>3</depth></size>") {
  return fmt::format(
      "<?xml version=\"1.0\"?>\n<annotation>\n<folder>VOC2007</folder>\n<filename>{}</filename>\n{}\n{}\n"
      "</annotation>\n",
      file_name, size, objects);
}

constexpr std::string_view k_dog =
    "<object><name>dog</name><pose>Left</pose><truncated>1</truncated><difficult>0</difficult>"
    "<bndbox><xmin>48</xmin><ymin>240</ymin><xmax>195</xmax><ymax>371</ymax></bndbox></object>";

Error voc_error(std::string_view text, const FileExists& exists = files({"/d/voc/JPEGImages/000001.jpg"})) {
  auto r = parse_voc(text, k_xml_path, exists);
  EXPECT_FALSE(r) << "expected an error";
  if (r) return Error{};
  EXPECT_FALSE(r.error().hint.empty());
  EXPECT_NE(r.error().message.find(k_xml_path), std::string::npos) << r.error().message;
  return r.error();
}

TEST(VocTest, ObjectsBecomeDetectionShape) {
  std::string text = voc_text(std::string(k_dog) +
                              "\n<object><name> person &amp; co </name>"
                              "<bndbox><xmin>8.5</xmin><ymin>12</ymin><xmax>352</xmax><ymax>498</ymax></bndbox>"
                              "<part><name>head</name></part></object>");
  auto image = parse_voc(text, k_xml_path, files({"/d/voc/JPEGImages/000001.jpg"}));
  ASSERT_OK(image);
  EXPECT_EQ(image->data_path, "/d/voc/JPEGImages/000001.jpg");
  // 1-based inclusive corners -> [xmin - 1, ymin - 1, xmax - xmin + 1, ymax - ymin + 1].
  EXPECT_EQ(image->canonical_json, R"({"image":{"file_name":"000001.jpg","height":500,"width":353},"objects":[)"
                                   R"({"bbox":[47,239,148,132],"category":"dog","difficult":false,"truncated":true},)"
                                   R"({"bbox":[7.5,11,344.5,487],"category":"person & co"}],"source_format":"voc"})");
  EXPECT_EQ(core::canonical_json(image->canonical_json, "again").value(), image->canonical_json);
}

TEST(VocTest, ImageBesideTheXmlComesFirst) {
  auto image = parse_voc(voc_text("", "sub/a.png", ""), k_xml_path,
                         files({"/d/voc/Annotations/sub/a.png", "/d/voc/JPEGImages/sub/a.png"}));
  ASSERT_OK(image);
  EXPECT_EQ(image->data_path, "/d/voc/Annotations/sub/a.png");
  EXPECT_EQ(image->canonical_json, R"({"image":{"file_name":"sub/a.png"},"objects":[],"source_format":"voc"})");
  // Nested Annotations/ folders keep their sub-path under JPEGImages/.
  auto nested =
      parse_voc(voc_text("", "a.png", ""), "/d/voc/Annotations/train/a.xml", files({"/d/voc/JPEGImages/train/a.png"}));
  ASSERT_OK(nested);
  EXPECT_EQ(nested->data_path, "/d/voc/JPEGImages/train/a.png");
}

TEST(VocTest, MissingImageIsNotFound) {
  Error error = voc_error(voc_text(k_dog), files({}));
  EXPECT_EQ(error.code, ErrorCode::not_found);
  EXPECT_NE(error.message.find("/d/voc/Annotations/000001.jpg"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("/d/voc/JPEGImages/000001.jpg"), std::string::npos) << error.message;
}

TEST(VocTest, EscapingFileNamesAreRefused) {
  for (std::string_view name : {"../a.jpg", "/etc/passwd", "x/../../a.jpg", "", "..", "./"}) {
    Error error = voc_error(voc_text(k_dog, name), files({"/d/voc/a.jpg", "/etc/passwd", "/d/a.jpg"}));
    EXPECT_EQ(error.code, ErrorCode::invalid_argument) << name;
  }
  EXPECT_NE(voc_error(voc_text(k_dog, "../../x.jpg")).message.find(":4: <filename> '../../x.jpg' leaves the folder"),
            std::string::npos);
}

TEST(VocTest, MalformedEntriesNameFileLineAndObject) {
  auto message = [](std::string_view text) { return voc_error(text).message; };
  auto contains = [](const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; };
  EXPECT_TRUE(contains(message("<annotations/>"), "the root element is <annotations>"));
  EXPECT_TRUE(contains(message("<annotation><size/></annotation>"), "no <filename>"));
  EXPECT_TRUE(contains(message(voc_text("<object><bndbox/></object>")), ":6: object 1 has no <name>"));
  EXPECT_TRUE(contains(message(voc_text(std::string(k_dog) + "\n<object><name>cat</name></object>")),
                       ":7: object 2 ('cat') has no <bndbox>"));
  EXPECT_TRUE(contains(message(voc_text("<object><name>cat</name><bndbox><xmin>1</xmin><ymin>1</ymin>"
                                        "<xmax>x</xmax><ymax>2</ymax></bndbox></object>")),
                       "object 1 ('cat'): <xmax> 'x' is not a number"));
  EXPECT_TRUE(contains(message(voc_text("<object><name>cat</name><bndbox><xmin>1</xmin><ymin>1</ymin>"
                                        "<ymax>2</ymax></bndbox></object>")),
                       "<bndbox> has no <xmax>"));
  EXPECT_TRUE(contains(message(voc_text("<object><name>cat</name><bndbox><xmin>5</xmin><ymin>1</ymin>"
                                        "<xmax>3</xmax><ymax>2</ymax></bndbox></object>")),
                       "the box is inverted"));
  EXPECT_TRUE(contains(message(voc_text("<object><name>cat</name><difficult>yes</difficult><bndbox><xmin>1</xmin>"
                                        "<ymin>1</ymin><xmax>4</xmax><ymax>2</ymax></bndbox></object>")),
                       "<difficult> must be 0 or 1, not 'yes'"));
  EXPECT_TRUE(contains(message(voc_text("", "000001.jpg", "<size><width>-3</width><height>2</height></size>")),
                       "<width> '-3' is not a non-negative integer"));
  EXPECT_TRUE(contains(message(voc_text("", "000001.jpg", "<size><width>3</width></size>")), "<size> has no <height>"));
  EXPECT_TRUE(contains(message("<annotation>\n<filename>a.jpg</filename>\n<x>&nbsp;</x></annotation>"),
                       ":3: malformed XML: unknown entity"));
}

TEST(VocTest, WriteThenReadIsExact) {
  // Boxes with decimals, at the origin and of zero size come back as written.
  std::string annotation =
      R"({"image":{"file_name":"x.jpg","height":480,"width":640},"objects":[)"
      R"({"bbox":[0,0,640,480],"category":"bus","difficult":true,"truncated":false},)"
      R"({"bbox":[0.1,2.25,10.333333,0],"category":"a<b & \"c\"","difficult":false,"truncated":true},)"
      R"({"bbox":[100.5,200.75,3.125,4.5],"category":"x","difficult":false,"truncated":false}],)"
      R"("source_format":"voc"})";
  formats::Member member;
  member.hash = core::md5_of("x");
  member.annotation_json = annotation;
  std::vector<formats::VocImageEntry> entries{{&member, "x.jpg"}};
  auto written = formats::voc_annotations(entries);
  ASSERT_OK(written);
  ASSERT_EQ(written->xml.size(), 1u);
  EXPECT_TRUE(written->warnings.empty());
  auto read = parse_voc(written->xml[0], "/w/Annotations/x.xml", files({"/w/JPEGImages/x.jpg"}));
  ASSERT_OK(read);
  EXPECT_EQ(read->data_path, "/w/JPEGImages/x.jpg");
  EXPECT_EQ(read->canonical_json, core::canonical_json(annotation, "expected").value());
}

class VocIndexTest : public testing::IndexFixture {};

TEST_F(VocIndexTest, AutoDetectsAndReindexesCheaply) {
  m_dir.write("v/JPEGImages/000001.jpg", "A");
  m_dir.write("v/JPEGImages/000002.jpg", "B");
  m_dir.write("v/JPEGImages/unlisted.jpg", "U");
  m_dir.write("v/Annotations/000001.xml", voc_text(k_dog));
  m_dir.write("v/Annotations/000002.xml", voc_text("", "000002.jpg"));
  auto first = run_index(m_dir.path() / "v");
  ASSERT_OK(first);
  EXPECT_EQ(first->format_used, Format::voc);
  EXPECT_EQ(first->data_objects_found, 2u);  // unlisted.jpg has no XML; XML files are no data objects
  EXPECT_EQ(first->new_annotations, 2u);
  ASSERT_EQ(first->refs.size(), 2u);
  std::set<std::string> annotations{annotation_of(first->refs[0]), annotation_of(first->refs[1])};
  EXPECT_TRUE(annotations.contains(
      R"({"image":{"file_name":"000002.jpg","height":500,"width":353},"objects":[],"source_format":"voc"})"));

  auto again = run_index(m_dir.path() / "v", IndexOptions{.format = Format::voc});
  ASSERT_OK(again);
  EXPECT_EQ(again->skipped_unchanged, 2u);
  EXPECT_EQ(again->new_annotations, 0u);
  EXPECT_EQ(again->refs, first->refs);
  auto resolved = run_resolve(m_dir.path() / "v", IndexOptions{.format = Format::voc});
  ASSERT_OK(resolved);
  EXPECT_EQ(*resolved, first->refs);
}

TEST_F(VocIndexTest, OtherXmlIsNotDetectedAsVoc) {
  m_dir.write("v/a.jpg", "A");
  m_dir.write("v/a.xml", "<svg/>");
  auto r = run_index(m_dir.path() / "v");
  ASSERT_OK(r);
  EXPECT_NE(r->format_used, Format::voc);
}

TEST_F(VocIndexTest, ExplicitFormatNeedsXmlFiles) {
  m_dir.write("v/a.jpg", "A");
  auto r = run_index(m_dir.path() / "v", IndexOptions{.format = Format::voc});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_FALSE(r.error().hint.empty());
}

TEST_F(VocIndexTest, MalformedXmlFailsOrIsSkipped) {
  m_dir.write("v/JPEGImages/000001.jpg", "A");
  m_dir.write("v/JPEGImages/000002.jpg", "B");
  m_dir.write("v/Annotations/000001.xml", voc_text(k_dog));
  m_dir.write("v/Annotations/000002.xml", "<annotation><filename>000002.jpg</filename>");
  auto r = run_index(m_dir.path() / "v", IndexOptions{.format = Format::voc});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("000002.xml"), std::string::npos) << r.error().message;
  EXPECT_EQ(m_store.ingest_calls, 0);
  auto skipped =
      run_index(m_dir.path() / "v", IndexOptions{.format = Format::voc, .bad_annotation = BadAnnotation::skip});
  ASSERT_OK(skipped);
  EXPECT_EQ(skipped->data_objects_found, 1u);
  ASSERT_EQ(skipped->skipped.size(), 1u);
}

TEST_F(VocIndexTest, ImageOfTwoXmlFilesIsRefused) {
  m_dir.write("v/a.jpg", "A");
  m_dir.write("v/one.xml", voc_text("", "a.jpg"));
  m_dir.write("v/two.xml", voc_text("", "a.jpg"));
  auto r = run_index(m_dir.path() / "v");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("one.xml"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("two.xml"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace ldb::index
