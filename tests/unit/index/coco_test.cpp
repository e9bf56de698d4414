#include "index/coco.hpp"

#include <set>

#include "core/json.hpp"
#include "index_fixture.hpp"
#include "test_support.hpp"

namespace ldb::index {
namespace {

// Files that "exist" for the resolver.
FileExists files(std::set<std::string> paths) {
  return [paths = std::move(paths)](std::string_view path) { return paths.contains(std::string(path)); };
}

constexpr std::string_view k_json_path = "/d/coco/instances.json";

std::string coco_text(std::string_view images, std::string_view annotations,
                      std::string_view categories = R"([{"id":1,"name":"person"},{"id":6,"name":"bus"}])") {
  return fmt::format(R"({{"images":{},"annotations":{},"categories":{}}})", images, annotations, categories);
}

Error parse_error(std::string_view text, const FileExists& exists = files({"/d/coco/a.jpg"})) {
  auto r = parse_coco(text, k_json_path, exists);
  EXPECT_FALSE(r) << "expected an error";
  if (r) return Error{};
  EXPECT_FALSE(r.error().hint.empty());
  EXPECT_NE(r.error().message.find(k_json_path), std::string::npos) << r.error().message;
  return r.error();
}

TEST(CocoTest, ImagesBecomeDetectionShape) {
  std::string text = coco_text(
      R"([{"id":3,"file_name":"a.jpg","width":640,"height":480,"license":1},
          {"id":8,"file_name":"sub/b.png","width":10,"height":20},
          {"id":9,"file_name":"./c.jpg"}])",
      R"([{"id":1,"image_id":3,"category_id":6,"bbox":[1,2.5,30,40],"area":1200.5,"iscrowd":0,
           "segmentation":[[1,2,3,4,5,6]]},
          {"id":2,"image_id":8,"category_id":1,"bbox":[0,0,10,20],"iscrowd":1,
           "segmentation":{"counts":"xyz","size":[20,10]}},
          {"id":3,"image_id":3,"category_id":1,"bbox":[5,5,1,1],"segmentation":[]}])");
  // a.jpg beside the JSON, sub/b.png and c.jpg under images/.
  auto images = parse_coco(text, k_json_path,
                           files({"/d/coco/a.jpg", "/d/coco/images/sub/b.png", "/d/coco/images/c.jpg"}));
  ASSERT_OK(images);
  ASSERT_EQ(images->size(), 3u);
  EXPECT_EQ((*images)[0].id, 3);
  EXPECT_EQ((*images)[0].data_path, "/d/coco/a.jpg");
  EXPECT_EQ((*images)[0].canonical_json,
            R"({"image":{"file_name":"a.jpg","height":480,"id":3,"width":640},"objects":[)"
            R"({"area":1200.5,"bbox":[1,2.5,30,40],"category":"bus","category_id":6,"iscrowd":0,)"
            R"("segmentation":[[1,2,3,4,5,6]]},)"
            R"({"bbox":[5,5,1,1],"category":"person","category_id":1}],"source_format":"coco"})");
  EXPECT_EQ((*images)[1].data_path, "/d/coco/images/sub/b.png");
  EXPECT_EQ((*images)[1].canonical_json,
            R"({"image":{"file_name":"sub/b.png","height":20,"id":8,"width":10},"objects":[)"
            R"({"bbox":[0,0,10,20],"category":"person","category_id":1,"iscrowd":1,)"
            R"("segmentation":{"counts":"xyz","size":[20,10]}}],"source_format":"coco"})");
  // An image without annotations is kept with no objects (and no size).
  EXPECT_EQ((*images)[2].data_path, "/d/coco/images/c.jpg");
  EXPECT_EQ((*images)[2].canonical_json,
            R"({"image":{"file_name":"./c.jpg","id":9},"objects":[],"source_format":"coco"})");
}

TEST(CocoTest, CategoryIdsWithGapsAreKept) {
  std::string text = coco_text(R"([{"id":1,"file_name":"a.jpg","width":5,"height":5}])",
                               R"([{"id":1,"image_id":1,"category_id":90,"bbox":[0,0,1,1]}])",
                               R"([{"id":2,"name":"x"},{"id":90,"name":"toothbrush"}])");
  auto images = parse_coco(text, k_json_path, files({"/d/coco/a.jpg"}));
  ASSERT_OK(images);
  EXPECT_NE((*images)[0].canonical_json.find(R"("category":"toothbrush","category_id":90)"), std::string::npos);
}

TEST(CocoTest, EscapingFileNamesAreRefused) {
  for (std::string_view name : {"../a.jpg", "/etc/passwd", "images/../../a.jpg", "", "..", "./"}) {
    std::string text = coco_text(fmt::format(R"([{{"id":4,"file_name":"{}"}}])", name), "[]");
    // Even when the escaped file would exist.
    Error error = parse_error(text, files({"/d/a.jpg", "/etc/passwd", "/d/coco/a.jpg"}));
    EXPECT_EQ(error.code, ErrorCode::invalid_argument) << name;
    EXPECT_NE(error.message.find("image id 4"), std::string::npos) << error.message;
  }
}

TEST(CocoTest, MissingImageFileIsNotFound) {
  Error error = parse_error(coco_text(R"([{"id":4,"file_name":"zz.jpg"}])", "[]"));
  EXPECT_EQ(error.code, ErrorCode::not_found);
  EXPECT_NE(error.message.find("image id 4"), std::string::npos);
  EXPECT_NE(error.message.find("/d/coco/images/zz.jpg"), std::string::npos);
}

TEST(CocoTest, MalformedEntriesAreNamed) {
  std::string one_image = R"([{"id":1,"file_name":"a.jpg"}])";
  struct Case {
    std::string text;
    std::string_view expected;
  };
  std::vector<Case> cases{
      {R"({"images":[],"annotations":[]})", "no \"categories\""},
      {R"({"images":{},"annotations":[],"categories":[]})", "\"images\""},
      {R"([1,2])", "not a JSON object"},
      {R"({"images":[)", "instances.json"},
      {coco_text(one_image, R"([{"id":17,"image_id":2,"category_id":1,"bbox":[0,0,1,1]}])"), "annotation id 17: image_id 2"},
      {coco_text(one_image, R"([{"id":17,"image_id":1,"category_id":3,"bbox":[0,0,1,1]}])"), "annotation id 17: category_id 3"},
      {coco_text(one_image, R"([{"id":17,"image_id":1,"category_id":1,"bbox":[0,0,1]}])"), "annotation id 17: \"bbox\" has 3"},
      {coco_text(one_image, R"([{"id":17,"image_id":1,"category_id":1,"bbox":[0,0,1,"2"]}])"), "annotation id 17: \"bbox\" must hold"},
      {coco_text(one_image, R"([{"id":17,"image_id":1,"category_id":1}])"), "annotation id 17: missing \"bbox\""},
      {coco_text(one_image, R"([{"image_id":1,"category_id":1,"bbox":{}}])"), "annotations[0]"},
      {coco_text(one_image, R"([{"id":5,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"iscrowd":2}])"), "annotation id 5: \"iscrowd\""},
      {coco_text(one_image, R"([{"id":5,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"segmentation":{"counts":"x"}}])"), "annotation id 5: RLE"},
      {coco_text(one_image, R"([{"id":5,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"segmentation":[["a"]]}])"), "annotation id 5: \"segmentation\""},
      {coco_text(R"([{"id":1,"file_name":"a.jpg"},{"id":1,"file_name":"a.jpg"}])", "[]"), "image id 1: the id appears twice"},
      {coco_text(R"([{"id":1,"file_name":"a.jpg"},{"id":2,"file_name":"./a.jpg"}])", "[]"), "image id 2: its file"},
      {coco_text(R"([{"id":"1","file_name":"a.jpg"}])", "[]"), "images[0]: \"id\" must be an integer"},
      {coco_text(R"([{"id":1,"file_name":"a.jpg","width":-3}])", "[]"), "image id 1: \"width\""},
      {coco_text(one_image, "[]", R"([{"id":1,"name":"a"},{"id":1,"name":"b"}])"), "category id 1: the id appears twice"},
      {coco_text(one_image, "[]", R"([{"id":1}])"), "category id 1: \"name\""},
  };
  for (const auto& c : cases) {
    Error error = parse_error(c.text);
    EXPECT_EQ(error.code, ErrorCode::invalid_argument) << c.text;
    EXPECT_NE(error.message.find(c.expected), std::string::npos) << error.message << "\nexpected: " << c.expected;
  }
}

TEST(CocoTest, Detection) {
  EXPECT_TRUE(is_coco_json(R"({"images":[],"annotations":[],"categories":[],"info":{}})"));
  EXPECT_FALSE(is_coco_json(R"({"images":[],"annotations":[]})"));
  EXPECT_FALSE(is_coco_json(R"([{"images":[],"annotations":[],"categories":[]}])"));
  EXPECT_FALSE(is_coco_json("not json"));
}

// Found by fuzz_coco: -0.0 printed as "-0", which re-reads as the integer 0,
// so an annotation was not canonical any more after one round trip.
TEST(CocoTest, RegressionNegativeZeroStaysCanonical) {
  std::string text = coco_text(R"([{"id":1,"file_name":"a.jpg"}])",
                               R"([{"id":1,"image_id":1,"category_id":1,"bbox":[0,-0.0,-0e3,180],"area":-0.0}])");
  auto images = parse_coco(text, k_json_path, files({"/d/coco/a.jpg"}));
  ASSERT_OK(images);
  const std::string& json = (*images)[0].canonical_json;
  EXPECT_NE(json.find(R"("area":0,"bbox":[0,0,0,180])"), std::string::npos) << json;
  EXPECT_EQ(core::canonical_json(json, "again").value(), json);
}

class CocoIndexTest : public testing::IndexFixture {};

TEST_F(CocoIndexTest, AutoDetectsAndReindexesCheaply) {
  m_dir.write("c/images/a.jpg", "A");
  m_dir.write("c/images/b.jpg", "B");
  m_dir.write("c/unlisted.jpg", "U");
  m_dir.write("c/ann.json", coco_text(R"([{"id":1,"file_name":"a.jpg"},{"id":2,"file_name":"b.jpg"}])",
                                      R"([{"id":1,"image_id":2,"category_id":6,"bbox":[0,0,1,1]}])"));
  auto first = run_index(m_dir.path() / "c");
  ASSERT_OK(first);
  EXPECT_EQ(first->format_used, Format::coco);
  EXPECT_EQ(first->data_objects_found, 2u);  // unlisted.jpg is no COCO image
  EXPECT_EQ(first->new_annotations, 2u);
  ASSERT_EQ(first->refs.size(), 2u);
  EXPECT_NE(annotation_of(first->refs[0]).find("\"objects\":"), std::string::npos);

  auto again = run_index(m_dir.path() / "c", IndexOptions{.format = Format::coco});
  ASSERT_OK(again);
  EXPECT_EQ(again->skipped_unchanged, 2u);
  EXPECT_EQ(again->new_annotations, 0u);
  EXPECT_EQ(again->refs, first->refs);
  auto resolved = run_resolve(m_dir.path() / "c", IndexOptions{.format = Format::coco});
  ASSERT_OK(resolved);
  EXPECT_EQ(*resolved, first->refs);
}

TEST_F(CocoIndexTest, ExplicitFormatNeedsACocoFile) {
  m_dir.write("c/a.jpg", "A");
  auto r = run_index(m_dir.path() / "c", IndexOptions{.format = Format::coco});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_FALSE(r.error().hint.empty());
}

TEST_F(CocoIndexTest, ImageOfTwoCocoFilesIsRefused) {
  m_dir.write("c/a.jpg", "A");
  std::string text = coco_text(R"([{"id":1,"file_name":"a.jpg"}])", "[]");
  m_dir.write("c/one.json", text);
  m_dir.write("c/two.json", text);
  auto r = run_index(m_dir.path() / "c");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("one.json"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("two.json"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace ldb::index
