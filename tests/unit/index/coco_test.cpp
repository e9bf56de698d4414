#include "index/coco.hpp"

#include <algorithm>
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

Result<CocoFile> parse(std::string_view text, const FileExists& exists, const CocoImageFolders& folders = {}) {
  return parse_coco(text, k_json_path, folders, exists);
}

Error parse_error(std::string_view text, const FileExists& exists = files({"/d/coco/a.jpg"}),
                  const CocoImageFolders& folders = {}) {
  auto r = parse(text, exists, folders);
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
  auto coco = parse(text, files({"/d/coco/a.jpg", "/d/coco/images/sub/b.png", "/d/coco/images/c.jpg"}));
  ASSERT_OK(coco);
  EXPECT_TRUE(coco->missing.empty());
  const auto& images = coco->images;
  ASSERT_EQ(images.size(), 3u);
  EXPECT_EQ(images[0].id, 3);
  EXPECT_EQ(images[0].data_path, "/d/coco/a.jpg");
  EXPECT_EQ(images[0].canonical_json,
            R"({"image":{"file_name":"a.jpg","height":480,"id":3,"license":1,"width":640},"objects":[)"
            R"({"area":1200.5,"bbox":[1,2.5,30,40],"category":"bus","category_id":6,"id":1,"iscrowd":0,)"
            R"("segmentation":[[1,2,3,4,5,6]]},)"
            R"({"bbox":[5,5,1,1],"category":"person","category_id":1,"id":3}],"source_format":"coco"})");
  EXPECT_EQ(images[1].data_path, "/d/coco/images/sub/b.png");
  EXPECT_EQ(images[1].canonical_json, R"({"image":{"file_name":"sub/b.png","height":20,"id":8,"width":10},"objects":[)"
                                      R"({"bbox":[0,0,10,20],"category":"person","category_id":1,"id":2,"iscrowd":1,)"
                                      R"("segmentation":{"counts":"xyz","size":[20,10]}}],"source_format":"coco"})");
  // An image without annotations is kept with no objects (and no size).
  EXPECT_EQ(images[2].data_path, "/d/coco/images/c.jpg");
  EXPECT_EQ(images[2].canonical_json,
            R"({"image":{"file_name":"./c.jpg","id":9},"objects":[],"source_format":"coco"})");
}

// What a round trip needs: every key of the image entry, the annotation's id
// and other keys, the category's supercategory (the contract in coco.hpp).
TEST(CocoTest, KeepsEveryKeyOfImagesAnnotationsAndCategories) {
  std::string text = coco_text(
      R"([{"id":139,"file_name":"000000000139.jpg","width":640,"height":426,"license":2,
           "coco_url":"http://images.cocodataset.org/val2017/000000000139.jpg","date_captured":"2013-11-21 01:34:01",
           "flickr_url":"http://farm9.staticflickr.com/8035/8024364858_9c41dc1666_z.jpg","extra":{"b":[1,2],"a":null}}])",
      R"([{"id":1768,"image_id":139,"category_id":1,"bbox":[412.8,157.61,53.05,138.01],"area":2913.1104,
           "iscrowd":0,"segmentation":[[1,2,3,4,5,6]],"score":0.97,"attributes":{"occluded":false},
           "category":"ignored","supercategory":"ignored too","track_id":7},
          {"id":2,"image_id":139,"category_id":6,"bbox":[0,0,1,1]}])",
      R"([{"id":1,"name":"person","supercategory":"person"},{"id":6,"name":"bus"}])");
  auto coco = parse(text, files({"/d/coco/000000000139.jpg"}));
  ASSERT_OK(coco);
  ASSERT_EQ(coco->images.size(), 1u);
  EXPECT_EQ(coco->images[0].canonical_json,
            R"({"image":{"coco_url":"http://images.cocodataset.org/val2017/000000000139.jpg",)"
            R"("date_captured":"2013-11-21 01:34:01","extra":{"a":null,"b":[1,2]},"file_name":"000000000139.jpg",)"
            R"("flickr_url":"http://farm9.staticflickr.com/8035/8024364858_9c41dc1666_z.jpg","height":426,)"
            R"("id":139,"license":2,"width":640},"objects":[)"
            R"({"area":2913.1104,"attributes":{"occluded":false},"bbox":[412.8,157.61,53.05,138.01],)"
            R"("category":"person","category_id":1,"id":1768,"iscrowd":0,"score":0.97,)"
            R"("segmentation":[[1,2,3,4,5,6]],"supercategory":"person","track_id":7},)"
            R"({"bbox":[0,0,1,1],"category":"bus","category_id":6,"id":2}],"source_format":"coco"})");
  EXPECT_EQ(core::canonical_json(coco->images[0].canonical_json, "again").value(), coco->images[0].canonical_json);
}

TEST(CocoTest, ByteOrderMarkIsSkipped) {
  std::string text = "\xEF\xBB\xBF" + coco_text(R"([{"id":1,"file_name":"a.jpg"}])", "[]");
  EXPECT_TRUE(is_coco_json(text));
  auto coco = parse(text, files({"/d/coco/a.jpg"}));
  ASSERT_OK(coco);
  ASSERT_EQ(coco->images.size(), 1u);
  EXPECT_EQ(coco->images[0].data_path, "/d/coco/a.jpg");
}

TEST(CocoTest, CategoryIdsWithGapsAreKept) {
  std::string text = coco_text(R"([{"id":1,"file_name":"a.jpg","width":5,"height":5}])",
                               R"([{"id":1,"image_id":1,"category_id":90,"bbox":[0,0,1,1]}])",
                               R"([{"id":2,"name":"x"},{"id":90,"name":"toothbrush"}])");
  auto coco = parse(text, files({"/d/coco/a.jpg"}));
  ASSERT_OK(coco);
  EXPECT_NE(coco->images[0].canonical_json.find(R"("category":"toothbrush","category_id":90)"), std::string::npos);
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

TEST(CocoTest, MissingImageIsLeftOutAndListed) {
  std::string text = coco_text(R"([{"id":4,"file_name":"zz.jpg"},{"id":5,"file_name":"a.jpg"}])",
                               R"([{"id":1,"image_id":4,"category_id":1,"bbox":[0,0,1,1]},
                                   {"id":2,"image_id":5,"category_id":6,"bbox":[0,0,2,2]}])");
  auto coco = parse(text, files({"/d/coco/a.jpg"}));
  ASSERT_OK(coco);
  ASSERT_EQ(coco->images.size(), 1u);
  EXPECT_EQ(coco->images[0].id, 5);
  EXPECT_EQ(coco->images[0].canonical_json,
            R"({"image":{"file_name":"a.jpg","id":5},"objects":[{"bbox":[0,0,2,2],"category":"bus","category_id":6,)"
            R"("id":2}],"source_format":"coco"})");
  ASSERT_EQ(coco->missing.size(), 1u);
  EXPECT_EQ(coco->missing[0].id, 4);
  EXPECT_EQ(coco->missing[0].file_name, "zz.jpg");
  EXPECT_EQ(coco->missing[0].looked_for, (std::vector<std::string>{"/d/coco/zz.jpg", "/d/coco/images/zz.jpg"}));
}

TEST(CocoTest, NoImageFoundIsNotFoundWithWhereItLooked) {
  CocoImageFolders siblings{"", {"/d/train2017/", "/d/val2017/"}};
  Error error = parse_error(coco_text(R"([{"id":4,"file_name":"zz.jpg"},{"id":5,"file_name":"y.jpg"}])", "[]"),
                            files({}), siblings);
  EXPECT_EQ(error.code, ErrorCode::not_found);
  EXPECT_EQ(error.message,
            "'/d/coco/instances.json': none of its 2 images was found (image id 4: 'zz.jpg' is not at "
            "'/d/coco/zz.jpg', '/d/coco/images/zz.jpg', '/d/train2017/zz.jpg', '/d/val2017/zz.jpg')");
  EXPECT_NE(error.hint.find("-p images=DIR"), std::string::npos) << error.hint;
  EXPECT_NE(error.hint.find("annotations/ + val2017/"), std::string::npos) << error.hint;

  Error named = parse_error(coco_text(R"([{"id":4,"file_name":"zz.jpg"}])", "[]"), files({"/d/coco/zz.jpg"}),
                            CocoImageFolders{"/d/pics/", {}});
  EXPECT_EQ(named.code, ErrorCode::not_found);
  EXPECT_NE(named.message.find("is not at '/d/pics/zz.jpg')"), std::string::npos) << named.message;
  EXPECT_NE(named.hint.find("-p images=DIR"), std::string::npos) << named.hint;
  // No image at all is no error.
  auto empty = parse(coco_text("[]", "[]"), files({}));
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->images.empty());
}

// The COCO downloads: annotations/instances_val2017.json beside val2017/.
TEST(CocoTest, ImagesInASiblingFolderOfTheJsonFolder) {
  std::string text = coco_text(R"([{"id":1,"file_name":"a.jpg"},{"id":2,"file_name":"b.jpg"}])", "[]");
  CocoImageFolders folders{"", {"/d/train2017/", "/d/val2017/"}};
  auto coco = parse_coco(text, "/d/annotations/instances_val2017.json", folders,
                         files({"/d/val2017/a.jpg", "/d/train2017/b.jpg", "/d/annotations/images/b.jpg"}));
  ASSERT_OK(coco);
  ASSERT_EQ(coco->images.size(), 2u);
  EXPECT_EQ(coco->images[0].data_path, "/d/val2017/a.jpg");
  // The JSON's own images/ folder comes before the siblings.
  EXPECT_EQ(coco->images[1].data_path, "/d/annotations/images/b.jpg");
}

TEST(CocoTest, FileNameInTwoSiblingFoldersIsAmbiguous) {
  std::string text = coco_text(R"([{"id":1,"file_name":"a.jpg"},{"id":7,"file_name":"b.jpg"}])", "[]");
  CocoImageFolders folders{"", {"/d/train2017/", "/d/val2017/"}};
  auto coco = parse_coco(text, "/d/annotations/instances_val2017.json", folders,
                         files({"/d/val2017/a.jpg", "/d/train2017/b.jpg", "/d/val2017/b.jpg"}));
  ASSERT_FALSE(coco);
  EXPECT_EQ(coco.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(coco.error().message,
            "'/d/annotations/instances_val2017.json': image id 7: file_name 'b.jpg' is in 2 folders beside the COCO "
            "file's: '/d/train2017/b.jpg', '/d/val2017/b.jpg'");
  EXPECT_EQ(coco.error().hint, "name the folder of this file's images, e.g. -p images=../train2017");
}

TEST(CocoTest, ImagesFolderIsTheOnlyPlaceLookedIn) {
  std::string text = coco_text(R"([{"id":1,"file_name":"a.jpg"},{"id":2,"file_name":"b.jpg"}])", "[]");
  auto coco = parse(text, files({"/d/coco/a.jpg", "/d/pics/a.jpg", "/d/coco/b.jpg"}),
                    CocoImageFolders{"/d/pics/", {"/d/pics/"}});
  ASSERT_OK(coco);
  ASSERT_EQ(coco->images.size(), 1u);
  EXPECT_EQ(coco->images[0].data_path, "/d/pics/a.jpg");
  ASSERT_EQ(coco->missing.size(), 1u);
  EXPECT_EQ(coco->missing[0].looked_for, std::vector<std::string>{"/d/pics/b.jpg"});
}

std::vector<ScannedFile> scanned(std::vector<std::string> paths) {
  std::sort(paths.begin(), paths.end());
  std::vector<ScannedFile> out;
  for (auto& path : paths) out.push_back(ScannedFile{storage::FileInfo{std::move(path), 1, 1, std::nullopt}, 0});
  return out;
}

TEST(CocoTest, SiblingFoldersComeFromTheScannedFiles) {
  auto data = scanned({"/d/a.jpg", "/d/annotations/images/b.jpg", "/d/train2017/c.jpg", "/d/val2017/sub/d.jpg",
                       "/d/val2017/e.jpg", "/d/val2017.old/f.jpg", "/d/val2017x/g.jpg", "/e/x/h.jpg", "/dd/x/i.jpg"});
  EXPECT_EQ(coco_sibling_folders("/d/annotations/instances.json", data),
            (std::vector<std::string>{"/d/train2017/", "/d/val2017.old/", "/d/val2017/", "/d/val2017x/"}));
  EXPECT_EQ(coco_sibling_folders("/d/val2017/instances.json", data),
            (std::vector<std::string>{"/d/annotations/", "/d/train2017/", "/d/val2017.old/", "/d/val2017x/"}));
  EXPECT_EQ(coco_sibling_folders("/d/instances.json", data), (std::vector<std::string>{"/dd/", "/e/"}));
  EXPECT_TRUE(coco_sibling_folders("/instances.json", data).empty());
  auto bucket = scanned({"s3://b/ann/x.json", "s3://b/val/a.jpg", "s3://b/top.jpg"});
  EXPECT_EQ(coco_sibling_folders("s3://b/ann/x.json", bucket), std::vector<std::string>{"s3://b/val/"});
  EXPECT_TRUE(coco_sibling_folders("s3://b/x.json", bucket).empty());
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
      {coco_text(one_image, R"([{"id":17,"image_id":2,"category_id":1,"bbox":[0,0,1,1]}])"),
       "annotation id 17: image_id 2"},
      {coco_text(one_image, R"([{"id":17,"image_id":1,"category_id":3,"bbox":[0,0,1,1]}])"),
       "annotation id 17: category_id 3"},
      {coco_text(one_image, R"([{"id":17,"image_id":1,"category_id":1,"bbox":[0,0,1]}])"),
       "annotation id 17: \"bbox\" has 3"},
      {coco_text(one_image, R"([{"id":17,"image_id":1,"category_id":1,"bbox":[0,0,1,"2"]}])"),
       "annotation id 17: \"bbox\" must hold"},
      {coco_text(one_image, R"([{"id":17,"image_id":1,"category_id":1}])"), "annotation id 17: missing \"bbox\""},
      {coco_text(one_image, R"([{"image_id":1,"category_id":1,"bbox":{}}])"), "annotations[0]"},
      {coco_text(one_image, R"([{"id":5,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"iscrowd":2}])"),
       "annotation id 5: \"iscrowd\""},
      {coco_text(one_image,
                 R"([{"id":5,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"segmentation":{"counts":"x"}}])"),
       "annotation id 5: RLE"},
      {coco_text(one_image, R"([{"id":5,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"segmentation":[["a"]]}])"),
       "annotation id 5: \"segmentation\""},
      {coco_text(R"([{"id":1,"file_name":"a.jpg"},{"id":1,"file_name":"a.jpg"}])", "[]"),
       "image id 1: the id appears twice"},
      {coco_text(R"([{"id":1,"file_name":"a.jpg"},{"id":2,"file_name":"./a.jpg"}])", "[]"), "image id 2: its file"},
      {coco_text(R"([{"id":"1","file_name":"a.jpg"}])", "[]"), "images[0]: \"id\" must be an integer"},
      {coco_text(R"([{"id":1,"file_name":"a.jpg","width":-3}])", "[]"), "image id 1: \"width\""},
      {coco_text(one_image, "[]", R"([{"id":1,"name":"a"},{"id":1,"name":"b"}])"),
       "category id 1: the id appears twice"},
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

TEST(CocoTest, ImagesOfTwoFilesMergeByAnnotationId) {
  const CocoMergeNames names{"/d/val/1.jpg", "/d/ann/instances.json", "/d/ann/person_keypoints.json"};
  auto merged = merge_coco_images(
      R"({"image":{"file_name":"1.jpg","id":1,"license":3},"objects":[)"
      R"({"bbox":[1,2,3,4],"category":"person","category_id":1,"id":7},)"
      R"({"bbox":[5,5,1,1],"category":"dog","category_id":18,"id":8}],"source_format":"coco"})",
      R"({"image":{"coco_url":"u","file_name":"1.jpg","id":1},"objects":[)"
      R"({"bbox":[1,2,3,4],"category":"person","category_id":1,"id":7,"keypoints":[0,0,0],"num_keypoints":0},)"
      R"({"bbox":[9,9,1,1],"category":"person","category_id":1,"id":9}],"source_format":"coco"})",
      names);
  ASSERT_OK(merged);
  EXPECT_EQ(*merged,
            R"({"image":{"coco_url":"u","file_name":"1.jpg","id":1,"license":3},"objects":[)"
            R"({"bbox":[1,2,3,4],"category":"person","category_id":1,"id":7,"keypoints":[0,0,0],"num_keypoints":0},)"
            R"({"bbox":[5,5,1,1],"category":"dog","category_id":18,"id":8},)"
            R"({"bbox":[9,9,1,1],"category":"person","category_id":1,"id":9}],"source_format":"coco"})");

  // The same annotation id with another box: an error naming all three.
  auto conflict =
      merge_coco_images(R"({"image":{"id":1},"objects":[{"bbox":[1,2,3,4],"id":7}],"source_format":"coco"})",
                        R"({"image":{"id":1},"objects":[{"bbox":[1,2,3,5],"id":7}],"source_format":"coco"})", names);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().message,
            "'/d/val/1.jpg' is an image of both '/d/ann/instances.json' and '/d/ann/person_keypoints.json', which "
            "disagree on annotation id 7's \"bbox\"");
  EXPECT_FALSE(conflict.error().hint.empty());
  auto image_conflict = merge_coco_images(R"({"image":{"id":1,"width":4},"objects":[]})",
                                          R"({"image":{"id":1,"width":5},"objects":[]})", names);
  ASSERT_FALSE(image_conflict);
  EXPECT_NE(image_conflict.error().message.find("the image's \"width\""), std::string::npos);
}

TEST(CocoTest, CaptionsFilesAreCocoWithoutCategories) {
  EXPECT_TRUE(is_coco_without_categories(R"({"images":[],"annotations":[{"image_id":1,"caption":"a dog"}]})"));
  EXPECT_FALSE(is_coco_without_categories(R"({"images":[],"annotations":[],"categories":[]})"));
  EXPECT_FALSE(is_coco_without_categories(R"({"images":[]})"));
  EXPECT_FALSE(is_coco_without_categories(R"([{"images":[],"annotations":[]}])"));
  EXPECT_FALSE(is_coco_without_categories("not json"));
}

// Found by fuzz_coco: -0.0 printed as "-0", which re-reads as the integer 0,
// so an annotation was not canonical any more after one round trip.
TEST(CocoTest, RegressionNegativeZeroStaysCanonical) {
  std::string text = coco_text(R"([{"id":1,"file_name":"a.jpg"}])",
                               R"([{"id":1,"image_id":1,"category_id":1,"bbox":[0,-0.0,-0e3,180],"area":-0.0}])");
  auto coco = parse(text, files({"/d/coco/a.jpg"}));
  ASSERT_OK(coco);
  const std::string& json = coco->images[0].canonical_json;
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

// An image two COCO files name (instances_ and person_keypoints_ in the
// downloads) is indexed once, with what both say; files that disagree on a
// value are refused, naming both.
TEST_F(CocoIndexTest, ImageOfTwoCocoFilesIsMergedOrRefused) {
  m_dir.write("c/a.jpg", "A");
  m_dir.write("c/one.json", coco_text(R"([{"id":1,"file_name":"a.jpg"}])",
                                      R"([{"id":7,"image_id":1,"category_id":1,"bbox":[1,2,3,4]}])"));
  m_dir.write("c/two.json", coco_text(R"([{"id":1,"file_name":"a.jpg"}])",
                                      R"([{"id":7,"image_id":1,"category_id":1,"bbox":[1,2,3,4],"num_keypoints":0}])"));
  auto merged = run_index(m_dir.path() / "c");
  ASSERT_OK(merged);
  EXPECT_EQ(merged->data_objects_found, 1u);
  ASSERT_EQ(m_store.last_ingest.size(), 1u);
  ASSERT_TRUE(m_store.last_ingest[0].annotation);
  EXPECT_NE(m_store.last_ingest[0].annotation->canonical_json.find(R"("id":7,"num_keypoints":0})"), std::string::npos)
      << m_store.last_ingest[0].annotation->canonical_json;

  m_dir.write("c/two.json", coco_text(R"([{"id":1,"file_name":"a.jpg"}])",
                                      R"([{"id":7,"image_id":1,"category_id":1,"bbox":[1,2,3,5]}])"));
  auto r = run_index(m_dir.path() / "c");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("one.json"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("two.json"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(R"(annotation id 7's "bbox")"), std::string::npos) << r.error().message;
}

// The layout of the COCO downloads, auto-detected from the folder holding both.
TEST_F(CocoIndexTest, ValLayoutWithAMissingImage) {
  m_dir.write("coco/val2017/a.jpg", "A");
  m_dir.write("coco/val2017/b.jpg", "B");
  m_dir.write("coco/train2017/t.jpg", "T");
  m_dir.write("coco/annotations/instances_val2017.json",
              "\xEF\xBB\xBF" + coco_text(R"([{"id":1,"file_name":"a.jpg"},{"id":2,"file_name":"b.jpg"},
                                              {"id":3,"file_name":"gone.jpg"}])",
                                         R"([{"id":1,"image_id":3,"category_id":6,"bbox":[0,0,1,1]}])"));
  auto report = run_index(m_dir.path() / "coco");
  ASSERT_OK(report);
  EXPECT_EQ(report->format_used, Format::coco);
  EXPECT_EQ(report->data_objects_found, 2u);
  ASSERT_EQ(m_store.last_ingest.size(), 2u);
  EXPECT_EQ(m_store.last_ingest[0].path, path("coco/val2017/a.jpg"));
  EXPECT_EQ(m_store.last_ingest[1].path, path("coco/val2017/b.jpg"));
  ASSERT_EQ(report->missing_images.size(), 1u);
  const auto& missing = report->missing_images[0];
  EXPECT_EQ(missing.annotation_file, path("coco/annotations/instances_val2017.json"));
  ASSERT_EQ(missing.images.size(), 1u);
  EXPECT_EQ(missing.images[0].id, 3);
  EXPECT_EQ(describe_missing(missing),
            fmt::format("1 image of '{}' skipped: file not found: 'gone.jpg'", missing.annotation_file));
  EXPECT_EQ(describe_missing_image(missing.annotation_file, missing.images[0]),
            fmt::format("'{}': image id 3: 'gone.jpg' is not at '{}', '{}', '{}', '{}'", missing.annotation_file,
                        path("coco/annotations/gone.jpg"), path("coco/annotations/images/gone.jpg"),
                        path("coco/train2017/gone.jpg"), path("coco/val2017/gone.jpg")));
  auto resolved = run_resolve(m_dir.path() / "coco");
  ASSERT_OK(resolved);
  EXPECT_EQ(*resolved, report->refs);
}

TEST(CocoDescribeTest, ManyMissingImagesAreCounted) {
  MissingImages missing{"/d/x.json", {}};
  for (int i = 0; i < 5; ++i) missing.images.push_back(MissingImage{i, fmt::format("{}.jpg", i), {}});
  EXPECT_EQ(describe_missing(missing),
            "5 images of '/d/x.json' skipped: files not found: '0.jpg', '1.jpg', '2.jpg' and 2 more");
}

// -p images=DIR outside the indexed paths: a file the location rule decides on.
TEST_F(CocoIndexTest, ImagesFolderOutsideTheIndexedPaths) {
  m_dir.write("coco/val2017/a.jpg", "A");
  m_dir.write(
      "coco/annotations/instances_val2017.json",
      coco_text(R"([{"id":1,"file_name":"a.jpg"}])", R"([{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,1,1]}])"));
  IndexOptions options{.format = Format::coco, .params = {{"images", "../val2017"}}};
  auto annotations = m_dir.path() / "coco" / "annotations";

  auto refused = run_index(annotations, options);  // no location rule: refused
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            fmt::format("-p images=../val2017: '{}' lies outside the paths being indexed", path("coco/val2017")));

  std::vector<std::string> checked;
  options.location_check = [&](std::string_view p) -> Status {
    checked.emplace_back(p);
    if (p.find("forbidden") != std::string_view::npos) {
      return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not inside a registered storage location", p),
                  "register it");
    }
    return {};
  };
  auto first = run_index(annotations, options);
  ASSERT_OK(first);
  EXPECT_EQ(first->data_objects_found, 1u);
  EXPECT_EQ(m_store.last_ingest.at(0).path, path("coco/val2017/a.jpg"));
  EXPECT_EQ(checked, (std::vector<std::string>{path("coco/val2017"), path("coco/val2017/a.jpg")}));
  // Known like any other path: not hashed again, and resolvable.
  auto again = run_index(annotations, options);
  ASSERT_OK(again);
  EXPECT_EQ(again->skipped_unchanged, 1u);
  EXPECT_EQ(again->new_annotations, 0u);
  auto resolved = run_resolve(annotations, options);
  ASSERT_OK(resolved);
  EXPECT_EQ(*resolved, first->refs);

  options.params = {{"images", path("forbidden")}};
  auto outside = run_index(annotations, options);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().message,
            fmt::format("-p images={0}: '{0}' is not inside a registered storage location", path("forbidden")));
  options.params = {{"images", "../../../../../../../../../../../../../../../.."}};
  auto climbing = run_index(annotations, options);
  ASSERT_FALSE(climbing);
  EXPECT_NE(climbing.error().message.find("climbs above the root"), std::string::npos) << climbing.error().message;
}

TEST_F(CocoIndexTest, ImagesParamNeedsCoco) {
  m_dir.write("d/a.jpg", "A");
  m_dir.write("d/a.json", "{}");
  auto r = run_index(m_dir.path() / "d", IndexOptions{.params = {{"images", "x"}}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("parameter 'images' does not apply to format 'strict-pairs'"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace ldb::index
