#include "formats/coco_writer.hpp"

#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
  return fmt::format(R"({{"source_format":"coco","image":{{"file_name":"x.jpg",{}}},"objects":[{}]}})", size,
                     objects);
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

TEST(CocoWriter, DisagreeingOrMissingIdsAreReassignedInNameOrder) {
  for (std::string_view second : {R"("category_id":7)", R"("category_id":1)", ""}) {
    std::string obj = fmt::format(R"({{"category":"car",{}"bbox":[0,0,1,1]}})",
                                  second.empty() ? std::string() : std::string(second) + ",");
    std::vector<Member> members{member("a", shape(R"({"category":"bus","category_id":1,"bbox":[0,0,1,1]},
                                                     {"category":"car","category_id":6,"bbox":[0,0,1,1]})")),
                                member("b", shape(obj))};
    auto out = write(members);
    ASSERT_OK(out);
    json doc = json::parse(out->json);
    expect_valid_coco(doc);
    EXPECT_EQ(doc["categories"], json::parse(R"([{"id":1,"name":"bus"},{"id":2,"name":"car"}])")) << second;
    EXPECT_EQ(doc["annotations"][2]["category_id"], 2);
  }
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
       {R"({"label":"cat"})", R"([1])", R"({"image":{"width":1,"height":1},"objects":{}})",
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
