#include "formats/coco_writer.hpp"

#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/json.hpp"
#include "formats/layout.hpp"
#include "test_support.hpp"

namespace ldb::formats {
namespace {

using nlohmann::json;

Member member(std::string_view content, std::string annotation) {
  Member m;
  m.hash = core::md5_of(content);
  m.annotation_version = annotation.empty() ? 0 : 1;
  m.annotation_json = std::move(annotation);
  m.source_path = "/storage/" + std::string(content) + ".jpg";
  m.storage_relative = std::string(content) + ".jpg";
  m.size = content.size();
  return m;
}

std::string shape(std::string_view objects, std::string_view size = R"("width":100,"height":50)") {
  return fmt::format(R"({{"source_format":"coco","image":{{"file_name":"x.jpg",{}}},"objects":[{}]}})", size, objects);
}

// The COCO rules every output must follow: unique ids, references resolve,
// boxes inside their image, the required keys present.
void expect_valid_coco(const json& doc) {
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(doc["images"].is_array() && doc["annotations"].is_array() && doc["categories"].is_array());
  std::map<std::int64_t, json> images;
  for (const auto& image : doc["images"]) {
    EXPECT_TRUE(images.emplace(image["id"].get<std::int64_t>(), image).second) << "duplicate image id";
    EXPECT_TRUE(image["file_name"].is_string());
    EXPECT_GT(image["width"].get<double>(), 0);
    EXPECT_GT(image["height"].get<double>(), 0);
  }
  std::set<std::int64_t> categories;
  std::set<std::string> names;
  for (const auto& category : doc["categories"]) {
    EXPECT_TRUE(categories.insert(category["id"].get<std::int64_t>()).second) << "duplicate category id";
    EXPECT_TRUE(names.insert(category["name"].get<std::string>()).second) << "duplicate category name";
  }
  std::set<std::int64_t> ids;
  for (const auto& a : doc["annotations"]) {
    EXPECT_TRUE(ids.insert(a["id"].get<std::int64_t>()).second) << "duplicate annotation id";
    ASSERT_TRUE(images.contains(a["image_id"].get<std::int64_t>())) << a;
    EXPECT_TRUE(categories.contains(a["category_id"].get<std::int64_t>())) << a;
    const json& image = images[a["image_id"].get<std::int64_t>()];
    ASSERT_EQ(a["bbox"].size(), 4u);
    double x = a["bbox"][0], y = a["bbox"][1], w = a["bbox"][2], h = a["bbox"][3];
    EXPECT_TRUE(x >= 0 && y >= 0 && w >= 0 && h >= 0) << a;
    EXPECT_LE(x + w, image["width"].get<double>()) << a;
    EXPECT_LE(y + h, image["height"].get<double>()) << a;
    EXPECT_TRUE(a["area"].is_number());
    EXPECT_TRUE(a["iscrowd"] == 0 || a["iscrowd"] == 1);
    EXPECT_TRUE(a["segmentation"].is_array() || a["segmentation"].is_object());
  }
}

Result<CocoOutput> write(const std::vector<Member>& members) {
  std::vector<CocoImageEntry> entries;
  for (const auto& m : members) entries.push_back(CocoImageEntry{&m, "f-" + m.hash.hex() + ".jpg"});
  return coco_annotations(entries);
}

TEST(CocoWriter, KeepsAgreeingCategoryIdsAndEverything) {
  std::vector<Member> members{
      member("a", shape(R"({"category":"bus","category_id":6,"bbox":[1,2,3,4],"area":12.5,"iscrowd":0,
                           "segmentation":[[1,2,3,4,5,6]]},
                          {"category":"person","category_id":1,"bbox":[0,0,100,50],"iscrowd":1,
                           "segmentation":{"counts":"abc","size":[50,100]}})")),
      member("b", shape(R"({"category":"bus","category_id":6,"bbox":[10.5,0,5,5]})")),
      member("c", shape("")),
  };
  auto out = write(members);
  ASSERT_OK(out);
  EXPECT_TRUE(out->warnings.empty());
  EXPECT_TRUE(out->json.ends_with("}\n"));
  json doc = json::parse(out->json);
  expect_valid_coco(doc);
  EXPECT_EQ(doc["categories"], json::parse(R"([{"id":1,"name":"person"},{"id":6,"name":"bus"}])"));
  EXPECT_EQ(doc["images"], json::parse(fmt::format(
                               R"([{{"id":1,"file_name":"f-{}.jpg","width":100,"height":50}},
                                   {{"id":2,"file_name":"f-{}.jpg","width":100,"height":50}},
                                   {{"id":3,"file_name":"f-{}.jpg","width":100,"height":50}}])",
                               members[0].hash.hex(), members[1].hash.hex(), members[2].hash.hex())));
  ASSERT_EQ(doc["annotations"].size(), 3u);
  EXPECT_EQ(doc["annotations"][0], json::parse(R"({"id":1,"image_id":1,"category_id":6,"bbox":[1,2,3,4],
      "area":12.5,"iscrowd":0,"segmentation":[[1,2,3,4,5,6]]})"));
  EXPECT_EQ(doc["annotations"][1]["segmentation"], json::parse(R"({"counts":"abc","size":[50,100]})"));
  EXPECT_EQ(doc["annotations"][1]["area"], 5000);  // missing area: the box's
  EXPECT_EQ(doc["annotations"][2], json::parse(R"({"id":3,"image_id":2,"category_id":6,"bbox":[10.5,0,5,5],
      "area":25,"iscrowd":0,"segmentation":[]})"));
}

TEST(CocoWriter, DisagreeingIdsAreReassignedInNameOrder) {
  for (std::string_view second : {R"("category_id":7)", R"("category_id":1)"}) {
    std::string obj = fmt::format(R"({{"category":"car",{},"bbox":[0,0,1,1]}})", second);
    std::vector<Member> members{member("a", shape(R"({"category":"bus","category_id":1,"bbox":[0,0,1,1]},
                                                     {"category":"car","category_id":6,"bbox":[0,0,1,1]})")),
                                member("b", shape(obj))};
    auto out = write(members);
    ASSERT_OK(out);
    json doc = json::parse(out->json);
    expect_valid_coco(doc);
    EXPECT_EQ(doc["categories"], json::parse(R"([{"id":1,"name":"bus"},{"id":2,"name":"car"}])")) << second;
    EXPECT_EQ(doc["annotations"][2]["category_id"], 2);
    ASSERT_EQ(out->warnings.size(), 1u) << second;
    EXPECT_NE(out->warnings[0].find("category ids disagree"), std::string::npos) << out->warnings[0];
    EXPECT_NE(out->warnings[0].find(second == R"("category_id":7)" ? "'car' has ids 6 and 7" : "'car' has ids 1 and 6"),
              std::string::npos)
        << out->warnings[0];
  }
}

TEST(CocoWriter, NamesWithoutIdGetTheNextFreeIds) {
  std::vector<Member> members{member("a", shape(R"({"category":"bus","category_id":4,"bbox":[0,0,1,1]},
                                                   {"category":"car","category_id":6,"bbox":[0,0,1,1]})")),
                              member("b", shape(R"({"category":"car","bbox":[0,0,1,1]},
                                                   {"category":"ant","bbox":[0,0,1,1]},
                                                   {"category":"zebra","bbox":[0,0,1,1]})"))};
  auto out = write(members);
  ASSERT_OK(out);
  EXPECT_TRUE(out->warnings.empty());
  json doc = json::parse(out->json);
  expect_valid_coco(doc);
  EXPECT_EQ(doc["categories"], json::parse(R"([{"id":4,"name":"bus"},{"id":6,"name":"car"},{"id":7,"name":"ant"},
                                               {"id":8,"name":"zebra"}])"));
  EXPECT_EQ(doc["annotations"][2]["category_id"], 6);
}

TEST(CocoWriter, SourceIdsSupercategoriesAndOtherKeysAreKept) {
  std::vector<Member> members{
      member("a", R"({"source_format":"coco","image":{"file_name":"x.jpg","id":10,"width":100,"height":50,
                      "license":3,"coco_url":"http://x/1.jpg"},
                      "objects":[{"category":"bus","category_id":6,"supercategory":"vehicle","id":91,
                                  "bbox":[1,2,3,4],"attributes":{"occluded":true},"image_id":10}]})"),
      member("b", R"({"source_format":"coco","image":{"file_name":"y.jpg","id":4,"width":100,"height":50},
                      "objects":[{"category":"bus","category_id":6,"supercategory":"vehicle","id":7,"bbox":[0,0,1,1]},
                                 {"category":"person","category_id":1,"bbox":[0,0,1,1]}]})"),
      member("c", shape(R"({"category":"person","category_id":1,"bbox":[0,0,1,1]})"))};
  auto out = write(members);
  ASSERT_OK(out);
  EXPECT_TRUE(out->warnings.empty());
  json doc = json::parse(out->json);
  expect_valid_coco(doc);
  EXPECT_EQ(doc["categories"],
            json::parse(R"([{"id":1,"name":"person"},{"id":6,"name":"bus","supercategory":"vehicle"}])"));
  EXPECT_EQ(doc["images"][0], json::parse(fmt::format(R"({{"id":10,"file_name":"f-{}.jpg","width":100,"height":50,
                                                          "license":3,"coco_url":"http://x/1.jpg"}})",
                                                      members[0].hash.hex())));
  EXPECT_EQ(doc["images"][1]["id"], 4);
  EXPECT_EQ(doc["images"][2]["id"], 11);  // none in the source: the next after the largest
  EXPECT_EQ(doc["annotations"][0], json::parse(R"({"id":91,"image_id":10,"category_id":6,"bbox":[1,2,3,4],"area":12,
                                                   "iscrowd":0,"segmentation":[],"attributes":{"occluded":true}})"));
  EXPECT_EQ(doc["annotations"][1]["id"], 7);
  EXPECT_EQ(doc["annotations"][2]["id"], 92);
  EXPECT_EQ(doc["annotations"][3]["id"], 93);
  EXPECT_EQ(doc["annotations"][3]["image_id"], 11);
  // The output is canonical JSON: keys sorted at every level.
  auto canonical = core::canonical_json(out->json, "out");
  ASSERT_OK(canonical);
  EXPECT_EQ(*canonical + "\n", out->json);
}

TEST(CocoWriter, RepeatedSourceIdsAreRenumberedOnce) {
  std::string image_10 = R"({"image":{"id":10,"width":100,"height":50},"objects":[)";
  std::vector<Member> members{
      member("a", image_10 + R"({"category":"x","id":5,"bbox":[0,0,1,1]},{"category":"x","id":5,"bbox":[0,0,1,1]}]})"),
      member("b", image_10 + R"({"category":"x","id":6,"bbox":[0,0,1,1]}]})")};
  auto out = write(members);
  ASSERT_OK(out);
  json doc = json::parse(out->json);
  expect_valid_coco(doc);
  EXPECT_EQ(doc["images"][0]["id"], 1);
  EXPECT_EQ(doc["images"][1]["id"], 2);
  EXPECT_EQ(doc["annotations"][2], json::parse(R"({"id":3,"image_id":2,"category_id":1,"bbox":[0,0,1,1],"area":1,
                                                   "iscrowd":0,"segmentation":[]})"));
  ASSERT_EQ(out->warnings.size(), 2u);
  EXPECT_EQ(out->warnings[0],
            "coco: the sources' image ids are not unique (id 10 occurs twice); the images are "
            "numbered 1..2");
  EXPECT_EQ(out->warnings[1],
            "coco: the sources' annotation ids are not unique (id 5 occurs twice); the annotations "
            "are numbered 1..3");
}

TEST(CocoWriter, DisagreeingSupercategoriesAreLeftOut) {
  std::vector<Member> members{member("a", shape(R"({"category":"bus","supercategory":"vehicle","bbox":[0,0,1,1]},
                                                   {"category":"bus","supercategory":"road","bbox":[0,0,1,1]},
                                                   {"category":"car","supercategory":"vehicle","bbox":[0,0,1,1]},
                                                   {"category":"car","bbox":[0,0,1,1]})"))};
  auto out = write(members);
  ASSERT_OK(out);
  json doc = json::parse(out->json);
  EXPECT_EQ(doc["categories"],
            json::parse(R"([{"id":1,"name":"bus"},{"id":2,"name":"car","supercategory":"vehicle"}])"));
  ASSERT_EQ(out->warnings.size(), 1u);
  EXPECT_NE(out->warnings[0].find("1 category(ies) have several supercategories"), std::string::npos);
}

TEST(CocoWriter, ImageLabelsBecomeWholeImageBoxes) {
  std::vector<Member> members{
      member("a", R"({"class":"cat"})"),
      member("b", R"({"label":{"animal":"dog"}})"),  // as -m tensorflow-inferred indexes animal/dog/b.jpg
      member("c", R"({"category":3,"image":{"width":10,"height":20}})"),
      member("d", shape(R"({"category":"cat","category_id":17,"bbox":[1,1,2,2]})")),
      member("e", R"({"class":"cat","label":"ignored"})"),
      member("f", R"({"caption":"no label here"})"),
      member("g", R"({"class":null})")};
  for (auto& m : members) m.image = ImageSize{64, 48};
  auto out = write(members);
  ASSERT_OK(out);
  json doc = json::parse(out->json);
  expect_valid_coco(doc);
  EXPECT_EQ(doc["images"].size(), 7u);  // every image, with or without annotations
  EXPECT_EQ(doc["categories"], json::parse(R"([{"id":17,"name":"cat"},{"id":18,"name":"3"},
                                               {"id":19,"name":"animal/dog","supercategory":"animal"}])"));
  EXPECT_EQ(doc["annotations"][0], json::parse(R"({"id":1,"image_id":1,"category_id":17,"bbox":[0,0,64,48],
                                                   "area":3072,"iscrowd":0,"segmentation":[]})"));
  EXPECT_EQ(doc["annotations"][1]["category_id"], 19);
  EXPECT_EQ(doc["annotations"][2]["bbox"], json::parse("[0,0,10,20]"));  // the annotation's size first
  EXPECT_EQ(doc["annotations"][2]["area"], 200);
  EXPECT_EQ(doc["annotations"][3]["bbox"], json::parse("[1,1,2,2]"));
  EXPECT_EQ(doc["annotations"][4]["category_id"], 17);
  EXPECT_EQ(doc["annotations"].size(), 5u);
  ASSERT_EQ(out->warnings.size(), 1u);
  EXPECT_EQ(out->warnings[0],
            "coco: 2 image(s) have neither detection objects nor a label (\"class\", \"label\" or "
            "\"category\"): they are listed without annotations");
}

TEST(CocoWriter, ImageWithoutAKnownSizeIsAnError) {
  std::vector<Member> members{member("a", R"({"class":"cat"})")};
  auto out = write(members);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(out.error().message.find("id:" + members[0].hash.hex()), std::string::npos) << out.error().message;
  EXPECT_NE(out.error().message.find("width and height"), std::string::npos) << out.error().message;
  EXPECT_NE(out.error().hint.find("ldb del id:" + members[0].hash.hex()), std::string::npos) << out.error().hint;
  members[0].image = ImageSize{5, 6};
  ASSERT_OK(write(members));
}

TEST(CocoWriter, BoxesAreClippedOrDroppedWithWarnings) {
  std::vector<Member> members{member("a", shape(R"({"category":"x","category_id":1,"bbox":[-5,10,20,60]},
                                                   {"category":"x","category_id":1,"bbox":[90.5,0,20,10]},
                                                   {"category":"x","category_id":1,"bbox":[200,0,5,5]},
                                                   {"category":"x","category_id":1,"bbox":[0,0,-1,5]},
                                                   {"category":"x","category_id":1,"bbox":[0,0,100,50]})"))};
  auto out = write(members);
  ASSERT_OK(out);
  json doc = json::parse(out->json);
  expect_valid_coco(doc);
  ASSERT_EQ(doc["annotations"].size(), 3u);
  EXPECT_EQ(doc["annotations"][0]["bbox"], json::parse("[0,10,15,40]"));
  EXPECT_EQ(doc["annotations"][1]["bbox"], json::parse("[90.5,0,9.5,10]"));
  EXPECT_EQ(doc["annotations"][2]["bbox"], json::parse("[0,0,100,50]"));
  EXPECT_EQ(doc["annotations"][2]["id"], 3);
  ASSERT_EQ(out->warnings.size(), 2u);
  EXPECT_NE(out->warnings[0].find("2 box(es) were clipped"), std::string::npos) << out->warnings[0];
  EXPECT_NE(out->warnings[1].find("2 object(s) were dropped"), std::string::npos) << out->warnings[1];
}

TEST(CocoWriter, BoxesInsideOrTouchingAnEdgeAreNotClipped) {
  // x + w computed in doubles: 0.1 + 0.2 is 0.30000000000000004 and
  // (x + w) - x is not w; 128.5 + 1151.5 is exactly the width; 30.00000000000001
  // + 70 is one ulp past 100, float noise that is fixed without a warning.
  std::vector<Member> members{member("a", shape(R"({"category":"x","bbox":[0.1,0.1,0.2,0.2]},
                                                   {"category":"x","bbox":[100.7,2.5,20.1,47.5]},
                                                   {"category":"x","bbox":[30.00000000000001,0,70,50]})",
                                                R"("width":1280,"height":50)")),
                              member("b", shape(R"({"category":"x","bbox":[128.5,0.25,1151.5,49.75]},
                                                   {"category":"x","bbox":[30.00000000000001,0,70,50]})",
                                                R"("width":1280,"height":50)")),
                              member("c", shape(R"({"category":"x","bbox":[30.00000000000001,0,70,50]})"))};
  auto out = write(members);
  ASSERT_OK(out);
  EXPECT_TRUE(out->warnings.empty()) << out->warnings.front();
  json doc = json::parse(out->json);
  expect_valid_coco(doc);
  EXPECT_EQ(doc["annotations"][0]["bbox"], json::parse("[0.1,0.1,0.2,0.2]"));
  EXPECT_EQ(doc["annotations"][1]["bbox"], json::parse("[100.7,2.5,20.1,47.5]"));
  EXPECT_EQ(doc["annotations"][3]["bbox"], json::parse("[128.5,0.25,1151.5,49.75]"));
  EXPECT_NE(out->json.find("[30.00000000000001,0,69.99999999999999,50]"), std::string::npos) << out->json;
}

TEST(CocoWriter, MissingImageSizeIsAnError) {
  for (std::string_view size : {R"("width":100)", R"("width":0,"height":5)", R"("width":"1","height":5)"}) {
    std::vector<Member> members{member("a", shape("", size))};
    auto out = write(members);
    ASSERT_FALSE(out) << size;
    EXPECT_EQ(out.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(out.error().message.find("id:" + members[0].hash.hex()), std::string::npos) << out.error().message;
    EXPECT_NE(out.error().hint.find("width"), std::string::npos);
  }
}

TEST(CocoWriter, OtherShapesAreRefusedNamingTheObject) {
  for (std::string_view annotation :
       {R"([1])", R"({"image":"a.jpg","objects":[]})", R"({"image":{"width":1,"height":1},"objects":{}})",
        R"({"image":{"width":1,"height":1},"objects":[{"bbox":[0,0,1,1]}]})",
        R"({"image":{"width":1,"height":1},"objects":[{"category":"a","bbox":[0,0,1]}]})",
        R"({"image":{"width":1,"height":1},"objects":[{"category":"a","bbox":[0,0,1,1,1]}]})",
        R"({"image":{"width":1,"height":1},"objects":[{"category":"a","category_id":"1","bbox":[0,0,1,1]}]})",
        R"({"image":{"width":1,"height":1},"objects":[{"category":"a","bbox":[0,0,1,1],"segmentation":"x"}]})"}) {
    std::vector<Member> members{member("a", std::string(annotation))};
    auto out = write(members);
    ASSERT_FALSE(out) << annotation;
    EXPECT_EQ(out.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(out.error().message.find("id:" + members[0].hash.hex()), std::string::npos) << out.error().message;
    EXPECT_NE(out.error().hint.find("detection shape"), std::string::npos) << annotation;
  }
}

TEST(CocoLayout, ImagesFolderAndOneAnnotationsFile) {
  std::vector<Member> members{member("a", shape(R"({"category":"x","bbox":[0,0,1,1]})")), member("b", "")};
  Options options;
  options.format = Format::coco;
  auto plan = build_plan(members, options);
  ASSERT_OK(plan);
  ASSERT_EQ(plan->files.size(), 2u);
  EXPECT_EQ(plan->files[0].path, "annotations.json");
  EXPECT_EQ(plan->files[0].kind, PlannedFile::Kind::annotation);
  EXPECT_EQ(plan->files[1].path, "images/a-" + members[0].hash.hex() + ".jpg");
  EXPECT_EQ(plan->files[1].kind, PlannedFile::Kind::data);
  EXPECT_EQ(plan->data_files, 1u);
  EXPECT_EQ(plan->annotation_files, 1u);
  EXPECT_EQ(plan->skipped, 1u);
  ASSERT_EQ(plan->warnings.size(), 1u);
  json doc = json::parse(plan->files[0].content);
  expect_valid_coco(doc);
  EXPECT_EQ(doc["images"][0]["file_name"], "a-" + members[0].hash.hex() + ".jpg");

  options.annotations_only = true;
  auto only = build_plan(members, options);
  ASSERT_OK(only);
  ASSERT_EQ(only->files.size(), 1u);
  EXPECT_EQ(only->files[0].path, "annotations.json");

  std::vector<Member> none;
  auto empty = build_plan(none, Options{.format = Format::coco});
  ASSERT_OK(empty);
  ASSERT_EQ(empty->files.size(), 1u);
  EXPECT_EQ(empty->files[0].content, "{\"annotations\":[],\"categories\":[],\"images\":[]}\n");
}

TEST(CocoLayout, RefusesParamsAndPreservePaths) {
  std::vector<Member> members{member("a", shape(""))};
  Options options;
  options.format = Format::coco;
  options.params = {{"single-file", "true"}};
  auto with_param = build_plan(members, options);
  ASSERT_FALSE(with_param);
  EXPECT_NE(with_param.error().message.find("single-file"), std::string::npos);
  options.params.clear();
  options.preserve_paths = true;
  auto preserved = build_plan(members, options);
  ASSERT_FALSE(preserved);
  EXPECT_NE(preserved.error().message.find("--preserve-paths"), std::string::npos);
}

}  // namespace
}  // namespace ldb::formats
