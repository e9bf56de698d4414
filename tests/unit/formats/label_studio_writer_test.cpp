#include "formats/label_studio_writer.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "formats/layout.hpp"
#include "index/label_studio.hpp"
#include "test_support.hpp"

namespace ldb::formats {
namespace {

using nlohmann::json;

Member member(std::string_view content, std::string annotation) {
  Member m;
  m.hash = core::md5_of(content);
  m.annotation_version = annotation.empty() ? 0 : 1;
  m.annotation_json = std::move(annotation);
  m.source_path = "/storage/" + std::string(content) + ".png";
  m.storage_relative = std::string(content) + ".png";
  m.size = content.size();
  return m;
}

json write(std::span<const LabelStudioEntry> entries, std::vector<std::string>* warnings = nullptr) {
  auto out = label_studio_tasks(entries);
  EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().message);
  if (!out) return json();
  EXPECT_TRUE(out->json.ends_with("\n"));
  if (warnings) *warnings = out->warnings;
  return json::parse(out->json);
}

TEST(LabelStudioWriterTest, OriginalTaskComesBackWithNewUri) {
  Member m = member("a", R"({"annotations":[{"id":3,"result":[{"type":"choices","value":{"choices":["x"]}}]}],)"
                         R"("data":{"data-object-info":{"md5":"old","path_key":"img"},"img":"/data/upload/1/a.png",)"
                         R"("text":"keep"},"id":12,"image":{"file_name":"a.png"},"objects":[],)"
                         R"("source_format":"label-studio"})");
  LabelStudioEntry entries[] = {{&m, "images/a-x.png"}};
  json doc = write(entries);
  ASSERT_EQ(doc.size(), 1u);
  json expected = json::parse(fmt::format(
      R"({{"annotations":[{{"id":3,"result":[{{"type":"choices","value":{{"choices":["x"]}}}}]}}],)"
      R"("data":{{"data-object-info":{{"md5":"{}","path_key":"img"}},"img":"images/a-x.png","text":"keep"}},"id":12}})",
      m.hash.hex()));
  EXPECT_EQ(doc[0], expected);
}

TEST(LabelStudioWriterTest, DetectionShapeBecomesRectanglesInPercent) {
  Member boxes = member("b", R"({"image":{"file_name":"b.jpg","height":50,"width":200},"objects":[)"
                             R"({"bbox":[20,5,100,25],"category":"bus","category_id":6},)"
                             R"({"bbox":[0,0,1,1],"category_id":2,"segmentation":[[0,0,1,0,1,1]]}],)"
                             R"("source_format":"coco"})");
  Member empty = member("c", "");
  LabelStudioEntry entries[] = {{&boxes, "images/b.jpg"}, {&empty, "images/c.png"}};
  std::vector<std::string> warnings;
  json doc = write(entries, &warnings);
  ASSERT_EQ(doc.size(), 2u);
  const json& task = doc[0];
  EXPECT_FALSE(task.contains("id"));
  EXPECT_EQ(task["data"], json::parse(fmt::format(R"({{"image":"images/b.jpg","data-object-info":{{"md5":"{}",)"
                                                  R"("path_key":"image"}}}})",
                                                  boxes.hash.hex())));
  const json& results = task["annotations"][0]["result"];
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["type"], "rectanglelabels");
  EXPECT_EQ(results[0]["from_name"], "label");
  EXPECT_EQ(results[0]["to_name"], "image");
  EXPECT_EQ(results[0]["original_width"], 200);
  EXPECT_EQ(results[0]["original_height"], 50);
  EXPECT_EQ(results[0]["value"], json::parse(R"({"x":10,"y":10,"width":50,"height":50,"rotation":0,)"
                                             R"("rectanglelabels":["bus"]})"));
  EXPECT_EQ(results[1]["value"]["rectanglelabels"], json::parse(R"(["2"])"));
  EXPECT_NE(results[0]["id"], results[1]["id"]);
  // A member without an annotation is a task to label.
  EXPECT_EQ(doc[1], json::parse(fmt::format(R"({{"data":{{"image":"images/c.png","data-object-info":)"
                                            R"({{"md5":"{}","path_key":"image"}}}}}})",
                                            empty.hash.hex())));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("1 object(s) with a segmentation"), std::string::npos);
}

TEST(LabelStudioWriterTest, PercentagesGiveThePixelsBackWithoutNoise) {
  // 92 px of 1280 is 7.1875% (92 / 1280 * 100 was 7.187499999999999); 467 px of
  // 1000 is 46.7%, which the reader turns back into 467, not 466.99999999999994.
  Member boxes = member("b", R"({"image":{"height":872,"width":1280},"objects":[)"
                             R"({"bbox":[92,0.1,467,871.9],"category":"a"}]})");
  Member wide = member("w", R"({"image":{"height":329,"width":1000},"objects":[)"
                            R"({"bbox":[467,9,533,286],"category":"a"}]})");
  LabelStudioEntry entries[] = {{&boxes, "images/b.jpg"}, {&wide, "images/w.jpg"}};
  json doc = write(entries);
  const json& first = doc[0]["annotations"][0]["result"][0]["value"];
  EXPECT_EQ(first["x"].dump(), "7.1875");
  EXPECT_EQ(first["width"].dump(), "36.484375");
  const json& second = doc[1]["annotations"][0]["result"][0]["value"];
  EXPECT_EQ(second["x"].dump(), "46.7");
  EXPECT_EQ(second["width"].dump(), "53.3");
  // Every coordinate comes back exactly through the reader's conversion.
  const std::pair<const json*, std::array<double, 6>> checks[] = {{&first, {92, 0.1, 467, 871.9, 1280, 872}},
                                                                  {&second, {467, 9, 533, 286, 1000, 329}}};
  for (const auto& [value, want] : checks) {
    EXPECT_EQ(index::label_studio_pixels((*value)["x"].get<double>(), want[4]), want[0]);
    EXPECT_EQ(index::label_studio_pixels((*value)["y"].get<double>(), want[5]), want[1]);
    EXPECT_EQ(index::label_studio_pixels((*value)["width"].get<double>(), want[4]), want[2]);
    EXPECT_EQ(index::label_studio_pixels((*value)["height"].get<double>(), want[5]), want[3]);
  }
}

TEST(LabelStudioWriterTest, RefusesWhatItCannotWrite) {
  for (std::string annotation :
       {std::string(R"({"label":"cat"})"), std::string("[1]"),
        std::string(R"({"image":{"file_name":"x"},"objects":[{"bbox":[0,0,1,1],"category":"a"}]})"),
        std::string(R"({"image":{"width":5,"height":5},"objects":[{"bbox":[0,0,1],"category":"a"}]})"),
        std::string(R"({"image":{"width":5,"height":5},"objects":[{"bbox":[0,0,1,1]}]})")}) {
    Member m = member("d", annotation);
    LabelStudioEntry entries[] = {{&m, "images/d.png"}};
    auto out = label_studio_tasks(entries);
    ASSERT_FALSE(out) << annotation;
    EXPECT_EQ(out.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(out.error().message.find("id:" + m.hash.hex()), std::string::npos) << out.error().message;
    EXPECT_FALSE(out.error().hint.empty());
  }
}

TEST(LabelStudioWriterTest, LayoutWritesImagesAndOneAnnotationsFile) {
  EXPECT_EQ(parse_format("label-studio").value(), Format::label_studio);
  EXPECT_EQ(format_name(Format::label_studio), "label-studio");
  std::vector<Member> members{member("e", R"({"image":{"width":4,"height":4},"objects":[]})"), member("f", "")};
  Options options;
  options.format = Format::label_studio;
  auto plan = build_plan(members, options);
  ASSERT_OK(plan);
  ASSERT_EQ(plan->files.size(), 3u);
  EXPECT_EQ(plan->files[0].path, "annotations.json");
  EXPECT_EQ(plan->files[1].path, fmt::format("images/e-{}.png", members[0].hash.hex()));
  EXPECT_EQ(plan->data_files, 2u);
  EXPECT_EQ(plan->annotation_files, 1u);
  EXPECT_NE(plan->files[0].content.find(plan->files[1].path), std::string::npos);

  options.preserve_paths = true;
  EXPECT_FALSE(build_plan(members, options));
  options.preserve_paths = false;
  options.params = {{"x", "y"}};
  EXPECT_FALSE(build_plan(members, options));
}

}  // namespace
}  // namespace ldb::formats
