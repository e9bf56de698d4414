#include "dataset/label_edits.hpp"

#include <string>

#include "core/json.hpp"
#include "test_support.hpp"

namespace ldb::dataset {
namespace {

// A COCO-sourced annotation: two boxes with what no derived format holds.
constexpr std::string_view k_original =
    R"({"image":{"coco_url":"http://x/1.jpg","height":576,"id":139,"width":768},)"
    R"("objects":[{"area":5000.5,"bbox":[128.5,40.25,100.125,80.75],"category":"dog","category_id":18,"id":1391,)"
    R"("iscrowd":0,"segmentation":[[128.5,40.25,228.625,40.25,228.625,121]],"supercategory":"animal"},)"
    R"({"area":2000,"bbox":[10.5,200.5,50,60.25],"category":"person","category_id":1,"id":1392,"iscrowd":0,)"
    R"("supercategory":"person"}],"source_format":"coco"})";

// What a YOLO file gives back for each of them (pixels rounded to 1e-4).
const std::string k_dog_read = R"({"bbox":[128.5,40.25,100.125,80.75],"category":"dog","category_id":18})";
const std::string k_person_read = R"({"bbox":[10.5,200.5,50,60.25],"category":"person","category_id":1})";
const std::string k_new_read = R"({"bbox":[288,216,192,144],"category":"dog","category_id":2})";

WrittenLabels yolo_written() { return WrittenLabels{{k_dog_read, k_person_read}, {0, 1}, std::nullopt}; }

std::string edited(const std::string& objects) {
  return R"({"image":{"file_name":"a.jpg","height":576,"width":768},"names":["person","x","dog"],"objects":[)" +
         objects + R"(],"source_format":"yolo"})";
}

std::string canonical(std::string_view text) { return core::canonical_json(text, "test").value(); }

TEST(LabelEditsTest, FileAsWrittenGivesTheOriginalBack) {
  auto merged = merge_label_edit(k_original, yolo_written(), edited(k_dog_read + "," + k_person_read), "id:1");
  ASSERT_OK(merged);
  EXPECT_EQ(*merged, k_original);
}

TEST(LabelEditsTest, AddedObjectIsAppendedWithItsCategorysIds) {
  auto merged =
      merge_label_edit(k_original, yolo_written(), edited(k_dog_read + "," + k_person_read + "," + k_new_read), "id:1");
  ASSERT_OK(merged);
  // The YOLO class index 2 is not the annotation's id for "dog": the original's 18 and supercategory win.
  std::string expected(k_original);
  expected.replace(expected.find(R"(],"source_format")"), 2,
                   R"(,{"bbox":[288,216,192,144],"category":"dog","category_id":18,"supercategory":"animal"}],)");
  EXPECT_EQ(*merged, canonical(expected));
}

TEST(LabelEditsTest, MissingObjectIsDeletedAndEditedOneIsNew) {
  const std::string moved = R"({"bbox":[11.5,200.5,50,60.25],"category":"person","category_id":1})";
  auto merged = merge_label_edit(k_original, yolo_written(), edited(moved), "id:1");
  ASSERT_OK(merged);
  EXPECT_EQ(*merged, canonical(R"({"image":{"coco_url":"http://x/1.jpg","height":576,"id":139,"width":768},)"
                               R"("objects":[{"bbox":[11.5,200.5,50,60.25],"category":"person","category_id":1,)"
                               R"("supercategory":"person"}],"source_format":"coco"})"));
}

TEST(LabelEditsTest, FileOrderIsKeptAndEqualObjectsPairInOrder) {
  constexpr std::string_view twins =
      R"({"objects":[{"bbox":[1,1,2,2],"category":"a","id":1},{"bbox":[1,1,2,2],"category":"a","id":2},)"
      R"({"bbox":[5,5,1,1],"category":"b","id":3}]})";
  const std::string a = R"({"bbox":[1,1,2,2],"category":"a"})", b = R"({"bbox":[5,5,1,1],"category":"b"})";
  WrittenLabels written{{a, a, b}, {0, 1, 2}, std::nullopt};
  // b moved first, one twin deleted: the remaining twin is the first one.
  auto merged = merge_label_edit(twins, written, R"({"objects":[)" + b + "," + a + "]}", "id:1");
  ASSERT_OK(merged);
  EXPECT_EQ(*merged,
            R"({"objects":[{"bbox":[5,5,1,1],"category":"b","id":3},{"bbox":[1,1,2,2],"category":"a","id":1}]})");
}

TEST(LabelEditsTest, ObjectsTheFileCannotHoldAreKeptInPlace) {
  constexpr std::string_view three =
      R"({"objects":[{"bbox":[1,1,2,2],"category":"a"},{"bbox":[5000,1,2,2],"category":"a"},{"bbox":[3,3,1,1],"category":"b"}]})";
  const std::string a = R"({"bbox":[1,1,2,2],"category":"a"})", b = R"({"bbox":[3,3,1,1],"category":"b"})";
  WrittenLabels written{{a, b}, {0, 2}, std::nullopt};  // the box outside the image was not written
  const std::string added = R"({"bbox":[7,7,1,1],"category":"c"})";
  auto merged = merge_label_edit(three, written, R"({"objects":[)" + a + "," + added + "]}", "id:1");
  ASSERT_OK(merged);
  EXPECT_EQ(*merged, R"({"objects":[{"bbox":[1,1,2,2],"category":"a"},{"bbox":[5000,1,2,2],"category":"a"},)"
                     R"({"bbox":[7,7,1,1],"category":"c"}]})");
  // First in the annotation: first in the result, even when the file lost every box.
  WrittenLabels later{{b}, {1}, std::nullopt};
  constexpr std::string_view leading =
      R"({"objects":[{"bbox":[5000,1,2,2],"category":"a"},{"bbox":[3,3,1,1],"category":"b"}]})";
  merged = merge_label_edit(leading, later, R"({"objects":[)" + added + "]}", "id:1");
  ASSERT_OK(merged);
  EXPECT_EQ(*merged, R"({"objects":[{"bbox":[5000,1,2,2],"category":"a"},{"bbox":[7,7,1,1],"category":"c"}]})");
}

TEST(LabelEditsTest, MadeUpObjectsStandForTheLabel) {
  // COCO writes a whole-image box for {"class": "cat"}: reading it back is no object of the annotation.
  const std::string box = R"({"area":12,"bbox":[0,0,4,3],"category":"cat","category_id":1,"id":1,"iscrowd":0})";
  WrittenLabels written{{box}, {std::nullopt}, std::nullopt};
  auto merged = merge_label_edit(R"({"class":"cat"})", written, R"({"objects":[)" + box + "]}", "id:1");
  ASSERT_OK(merged);
  EXPECT_EQ(*merged, R"({"class":"cat"})");
  const std::string added = R"({"bbox":[1,1,1,1],"category":"dog"})";
  merged = merge_label_edit(R"({"class":"cat"})", written, R"({"objects":[)" + box + "," + added + "]}", "id:1");
  ASSERT_OK(merged);
  EXPECT_EQ(*merged, R"({"class":"cat","objects":[{"bbox":[1,1,1,1],"category":"dog"}]})");
}

TEST(LabelEditsTest, KeptKeysLetTheFileChangeTheOthers) {
  constexpr std::string_view task =
      R"({"annotations":[{"result":[1]}],"data":{"image":"/x/a.jpg"},"id":7,"image":{"width":4},"objects":[],)"
      R"("source_format":"label-studio"})";
  WrittenLabels written{{}, {}, std::vector<std::string>{"data", "image", "source_format"}};
  auto merged = merge_label_edit(
      task, written,
      R"({"annotations":[{"result":[1,2]}],"data":{"image":"images/a.jpg"},"image":{"width":9},"objects":[],"source_format":"label-studio"})",
      "id:1");
  ASSERT_OK(merged);
  // The task's annotations are the file's and its dropped "id" is gone; data and image stay.
  EXPECT_EQ(*merged, R"({"annotations":[{"result":[1,2]}],"data":{"image":"/x/a.jpg"},"image":{"width":4},)"
                     R"("objects":[],"source_format":"label-studio"})");
}

TEST(LabelEditsTest, WrittenAsIsIsEachObjectItself) {
  auto written = written_as_is(k_original);
  ASSERT_EQ(written.objects.size(), 2u);
  EXPECT_EQ(written.written_for, (std::vector<std::optional<std::size_t>>{0, 1}));
  EXPECT_FALSE(written.kept_keys);
  auto merged = merge_label_edit(k_original, written, k_original, "id:1");
  ASSERT_OK(merged);
  EXPECT_EQ(*merged, k_original);
  EXPECT_TRUE(written_as_is(R"({"class":"cat"})").objects.empty());
}

TEST(LabelEditsTest, NonObjectAnnotationTakesTheFilesAndBadJsonIsNamed) {
  auto merged = merge_label_edit(R"("a string")", yolo_written(), edited(k_dog_read), "id:1");
  ASSERT_OK(merged);
  EXPECT_EQ(*merged, canonical(edited(k_dog_read)));
  auto bad = merge_label_edit(k_original, yolo_written(), "{not json", "object id:abc");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(bad.error().message.find("the edited annotation of object id:abc"), std::string::npos)
      << bad.error().message;
}

TEST(LabelEditsTest, EditBoxesSetsAClassWithItsIdsAndKeepsTheRestVerbatim) {
  // Box 1 (person) becomes a dog: it takes the dog box's category_id and
  // supercategory; its own area, id and box stay; box 0 is untouched.
  const BoxEdit edits[] = {{1, BoxAction::set_category, "dog"}};
  auto out = edit_boxes(k_original, edits, "id:1");
  ASSERT_OK(out);
  EXPECT_EQ(
      *out,
      canonical(R"({"image":{"coco_url":"http://x/1.jpg","height":576,"id":139,"width":768},)"
                R"("objects":[{"area":5000.5,"bbox":[128.5,40.25,100.125,80.75],"category":"dog","category_id":18,)"
                R"("id":1391,"iscrowd":0,"segmentation":[[128.5,40.25,228.625,40.25,228.625,121]],)"
                R"("supercategory":"animal"},)"
                R"({"area":2000,"bbox":[10.5,200.5,50,60.25],"category":"dog","category_id":18,"id":1392,)"
                R"("iscrowd":0,"supercategory":"animal"}],"source_format":"coco"})"));
}

TEST(LabelEditsTest, EditBoxesToANewClassDropsTheOldIds) {
  const BoxEdit edits[] = {{0, BoxAction::set_category, "wolf"}};
  auto out = edit_boxes(k_original, edits, "id:1");
  ASSERT_OK(out);
  EXPECT_NE(out->find(R"("bbox":[128.5,40.25,100.125,80.75],"category":"wolf","id":1391)"), std::string::npos) << *out;
  EXPECT_EQ(out->find("\"category_id\":18"), std::string::npos) << *out;
  EXPECT_EQ(out->find("animal"), std::string::npos) << *out;
}

TEST(LabelEditsTest, EditBoxesRemovesABox) {
  const BoxEdit edits[] = {{0, BoxAction::remove, ""}};
  auto out = edit_boxes(k_original, edits, "id:1");
  ASSERT_OK(out);
  EXPECT_EQ(out->find("\"dog\""), std::string::npos) << *out;
  EXPECT_NE(out->find(R"("category":"person","category_id":1,"id":1392)"), std::string::npos) << *out;
  EXPECT_NE(out->find("coco_url"), std::string::npos);
  const BoxEdit both[] = {{0, BoxAction::remove, ""}, {1, BoxAction::remove, ""}};
  auto empty = edit_boxes(k_original, both, "id:1");
  ASSERT_OK(empty);
  EXPECT_NE(empty->find(R"("objects":[])"), std::string::npos) << *empty;
}

TEST(LabelEditsTest, EditBoxesRefusesWhatItCannotDo) {
  const BoxEdit out_of_range[] = {{2, BoxAction::remove, ""}};
  auto error = edit_boxes(k_original, out_of_range, "id:1");
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(error.error().message, "the annotation of id:1 has no box 2 (it has 2, numbered from 0)");
  const BoxEdit twice[] = {{0, BoxAction::remove, ""}, {0, BoxAction::set_category, "cat"}};
  EXPECT_FALSE(edit_boxes(k_original, twice, "id:1"));
  const BoxEdit empty_class[] = {{0, BoxAction::set_category, ""}};
  EXPECT_FALSE(edit_boxes(k_original, empty_class, "id:1"));
  EXPECT_FALSE(edit_boxes(k_original, {}, "id:1"));
  const BoxEdit first[] = {{0, BoxAction::set_category, "cat"}};
  auto not_detection = edit_boxes(R"({"class":"cat"})", first, "id:1");
  ASSERT_FALSE(not_detection);
  EXPECT_NE(not_detection.error().message.find("not in the detection shape"), std::string::npos);
  EXPECT_FALSE(edit_boxes(R"({"objects":[5]})", first, "id:1"));
  EXPECT_FALSE(edit_boxes(R"(["a"])", first, "id:1"));
}

}  // namespace
}  // namespace ldb::dataset
