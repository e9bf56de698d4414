#include "index/label_studio.hpp"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/json.hpp"
#include "index_fixture.hpp"
#include "test_support.hpp"

namespace ldb::index {
namespace {

FileExists files(std::set<std::string> paths) {
  return [paths = std::move(paths)](std::string_view path) { return paths.contains(std::string(path)); };
}

constexpr std::string_view k_json_path = "/d/ls/export.json";

core::Md5 md5_of_text(std::string_view text) { return core::md5_of(text); }

Error parse_error(std::string_view text, const FileExists& exists = files({"/d/ls/a.png"}),
                  std::string_view data_key = "") {
  auto r = parse_label_studio(text, k_json_path, data_key, exists);
  EXPECT_FALSE(r) << "expected an error";
  if (r) return Error{};
  EXPECT_FALSE(r.error().hint.empty());
  EXPECT_NE(r.error().message.find(k_json_path), std::string::npos) << r.error().message;
  return r.error();
}

std::string read_testdata(std::string_view name) {
  std::ifstream in(fmt::format("{}/label-studio/{}", LDB_TESTDATA_DIR, name));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(LabelStudioTest, DetectsExports) {
  EXPECT_TRUE(is_label_studio_json(R"([{"data":{"image":"a.png"}}])"));
  EXPECT_TRUE(is_label_studio_json(read_testdata("yolo-data_obb.json")));
  EXPECT_FALSE(is_label_studio_json("[]"));
  EXPECT_FALSE(is_label_studio_json(R"([{"data":"a.png"}])"));
  EXPECT_FALSE(is_label_studio_json(R"([{"annotation":{},"ldb_meta":{"data_object_id":"x"}}])"));
  EXPECT_FALSE(is_label_studio_json(R"({"images":[],"annotations":[],"categories":[]})"));
  EXPECT_FALSE(is_label_studio_json("[{"));
}

TEST(LabelStudioTest, ResolvesEveryKindOfLocalUri) {
  std::string text = R"([
    {"id":1,"data":{"image":"a.png"}},
    {"id":2,"data":{"image":"/data/local-files/?d=sub/b%20c.png"}},
    {"id":3,"data":{"image":"file:///d/ls/sub/d.png"}},
    {"id":4,"data":{"image":"/data/upload/7/e.png"}},
    {"id":5,"data":{"image":"/f.png"}},
    {"id":"x","data":{"text":"not a file","image":"/d/ls/g.png"}}])";
  auto tasks = parse_label_studio(
      text, k_json_path, "",
      files({"/d/ls/a.png", "/d/ls/sub/b c.png", "/d/ls/sub/d.png", "/d/ls/e.png", "/d/ls/f.png", "/d/ls/g.png"}));
  ASSERT_OK(tasks);
  std::vector<std::string> paths;
  for (const auto& task : *tasks) paths.push_back(task.data_path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/d/ls/a.png", "/d/ls/sub/b c.png", "/d/ls/sub/d.png", "/d/ls/e.png",
                                             "/d/ls/f.png", "/d/ls/g.png"}));
  EXPECT_EQ((*tasks)[0].name, "task id 1");
  EXPECT_EQ((*tasks)[5].name, "task id 'x'");
  EXPECT_EQ((*tasks)[5].path_key, "image");  // "text" does not resolve to a file
  EXPECT_FALSE((*tasks)[0].has_original_size);
}

TEST(LabelStudioTest, EscapingUrisAreRefused) {
  for (std::string_view uri : {"../a.png", "sub/../../a.png", "/data/local-files/?d=..%2Fx", "file://../a.png", ""}) {
    std::string text = fmt::format(R"([{{"id":9,"data":{{"image":"{}"}}}}])", uri);
    Error error = parse_error(text, files({"/d/a.png", "/etc/passwd", "/d/x", "/d/ls/a.png"}), "image");
    EXPECT_EQ(error.code, ErrorCode::invalid_argument) << uri;
    EXPECT_NE(error.message.find("task id 9"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("leaves the folder"), std::string::npos) << error.message;
  }
}

// An absolute path names that file wherever it is (DataFiles and the
// location rule decide whether it may be indexed); a bare one that does not
// exist is a path on the Label Studio server, looked up in the export's folder.
TEST(LabelStudioTest, AbsolutePathsNameThemselves) {
  std::string text = R"([
    {"id":1,"data":{"image":"/data/photos/dog.jpg"}},
    {"id":2,"data":{"image":"file:///data/photos/sub/../cat.jpg"}},
    {"id":3,"data":{"image":"/../../etc/passwd"}},
    {"id":4,"data":{"image":"/data/upload/7/e.png"}},
    {"id":5,"data":{"image":"/data/local-files/?d=/data/photos/dog2.jpg"}}])";
  auto tasks = parse_label_studio(text, k_json_path, "image",
                                  files({"/data/photos/dog.jpg", "/data/photos/cat.jpg", "/etc/passwd",
                                         "/data/upload/7/e.png", "/d/ls/e.png", "/d/ls/data/photos/dog2.jpg"}));
  ASSERT_OK(tasks);
  std::vector<std::string> paths;
  for (const auto& task : *tasks) paths.push_back(task.data_path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/data/photos/dog.jpg", "/data/photos/cat.jpg", "/etc/passwd",
                                             "/data/upload/7/e.png", "/d/ls/data/photos/dog2.jpg"}));

  Error file_uri = parse_error(R"([{"id":2,"data":{"image":"file:///data/photos/none.jpg"}}])",
                               files({"/d/ls/none.jpg", "/d/ls/data/photos/none.jpg"}));
  EXPECT_EQ(file_uri.code, ErrorCode::not_found);
  EXPECT_NE(file_uri.message.find("file not found (looked for '/data/photos/none.jpg')"), std::string::npos)
      << file_uri.message;
  Error bare = parse_error(R"([{"id":3,"data":{"image":"/data/upload/1/none.jpg"}}])", files({}));
  EXPECT_EQ(bare.code, ErrorCode::not_found);
  EXPECT_NE(bare.message.find("file not found (looked for '/data/upload/1/none.jpg', "
                              "'/d/ls/data/upload/1/none.jpg' and '/d/ls/none.jpg')"),
            std::string::npos)
      << bare.message;
}

// Found by fuzz_label_studio: "file:///d/ls/b./../" normalises to the
// export's folder itself, which was taken for a data file.
TEST(LabelStudioTest, RegressionFileUriNamingTheFolderItself) {
  for (std::string_view uri : {"file:///d/ls/b./../", "/d/ls/", "file:///d/ls/.", "/d/ls/sub/.."}) {
    std::string text = fmt::format(R"([{{"id":1,"data":{{"image":"{}"}}}}])", uri);
    Error error = parse_error(
        text, [](std::string_view) { return true; }, "image");
    EXPECT_EQ(error.code, ErrorCode::invalid_argument) << uri;
    EXPECT_NE(error.message.find("task id 1"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("names a folder"), std::string::npos) << error.message;
  }
}

TEST(LabelStudioTest, ByteOrderMarkIsSkipped) {
  std::string text =
      "\xEF\xBB\xBF"
      R"([{"id":1,"data":{"image":"a.png"}}])";
  EXPECT_TRUE(is_label_studio_json(text));
  auto tasks = parse_label_studio(text, k_json_path, "", files({"/d/ls/a.png"}));
  ASSERT_OK(tasks);
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0].data_path, "/d/ls/a.png");
}

TEST(LabelStudioTest, UrlsAndMissingFilesAreNamedByTask) {
  Error url = parse_error(R"([{"id":4,"data":{"image":"https://host/a.png"}}])");
  EXPECT_EQ(url.code, ErrorCode::unsupported);
  EXPECT_NE(url.message.find("task id 4"), std::string::npos);
  EXPECT_NE(url.message.find("URL"), std::string::npos);
  Error missing = parse_error(R"([{"id":5,"data":{"image":"b.png"}}])");
  EXPECT_EQ(missing.code, ErrorCode::not_found);
  EXPECT_NE(missing.message.find("task id 5"), std::string::npos);
  Error key = parse_error(R"([{"id":6,"data":{"image":"a.png"}}])", files({"/d/ls/a.png"}), "img");
  EXPECT_NE(key.message.find("data.img must be a string"), std::string::npos);
}

TEST(LabelStudioTest, MalformedTasksAreNamed) {
  EXPECT_NE(parse_error("{}").message.find("not a JSON array"), std::string::npos);
  EXPECT_NE(parse_error("[3]").message.find("tasks[0]"), std::string::npos);
  EXPECT_NE(parse_error(R"([{"id":2,"data":[]}])").message.find("task id 2"), std::string::npos);
  EXPECT_NE(parse_error(R"([{"id":2,"data":{"image":"a.png"},"objects":[]}])").message.find("\"objects\""),
            std::string::npos);
  Error twice = parse_error(R"([{"id":1,"data":{"image":"a.png"}},{"id":2,"data":{"image":"./a.png"}}])");
  EXPECT_NE(twice.message.find("also the file of task id 1"), std::string::npos) << twice.message;
}

LabelStudioTask one_task(std::string_view text) {
  auto tasks = parse_label_studio(text, k_json_path, "", files({"/d/ls/a.png"}));
  EXPECT_TRUE(tasks.has_value() && tasks->size() == 1);
  return tasks ? (*tasks)[0] : LabelStudioTask{};
}

TEST(LabelStudioTest, PixelsFromPercentHaveNoFloatNoise) {
  EXPECT_EQ(label_studio_pixels(46.7, 1000), 467);  // 46.7 * 1000 / 100 is 466.99999999999994
  EXPECT_EQ(label_studio_pixels(7.1875, 1280), 92);
  EXPECT_EQ(label_studio_pixels(0, 640), 0);
  EXPECT_EQ(label_studio_pixels(37.15846994535519, 2800), 1040.43715846995);  // 15 significant digits
  // Every quarter pixel of common sides comes back from its percentage.
  for (double side : {300.0, 451.0, 640.0, 1000.0, 1280.0, 1352.0, 2800.0}) {
    for (double quarter = 0; quarter <= 4 * side; ++quarter) {
      double pixels = quarter / 4;
      ASSERT_EQ(label_studio_pixels(pixels * 100 / side, side), pixels) << pixels << " of " << side;
    }
  }
}

TEST(LabelStudioTest, AnnotationKeepsTheTaskAndAddsObjects) {
  LabelStudioTask task = one_task(R"([{"id":1,"data":{"image":"a.png","data-object-info":{"md5":"old"}},
    "annotations":[
      {"was_cancelled":true,"result":[{"type":"rectanglelabels","original_width":200,"original_height":100,
        "value":{"x":0,"y":0,"width":10,"height":10,"rectanglelabels":["skipped"]}}]},
      {"result":[
        {"type":"rectanglelabels","original_width":200,"original_height":100,
         "value":{"x":10,"y":20,"width":50,"height":25,"rotation":0,"rectanglelabels":["cat","pet"]}},
        {"type":"choices","value":{"choices":["indoor"]}},
        {"type":"polygonlabels","original_width":200,"original_height":100,
         "value":{"points":[[0,0],[50,0],[50,100]],"polygonlabels":["dog"]}}]}]}])");
  EXPECT_TRUE(task.has_original_size);
  core::Md5 md5 = md5_of_text("a");
  auto annotation = label_studio_annotation(task, md5, std::nullopt, k_json_path);
  ASSERT_OK(annotation);
  EXPECT_EQ(*annotation, core::canonical_json(*annotation, "x").value());
  EXPECT_NE(annotation->find(fmt::format(
                R"("data":{{"data-object-info":{{"md5":"{}","path_key":"image"}},"image":"a.png"}})", md5.hex())),
            std::string::npos)
      << *annotation;
  EXPECT_NE(annotation->find(R"("image":{"file_name":"a.png","height":100,"width":200})"), std::string::npos);
  EXPECT_NE(annotation->find(R"("objects":[{"bbox":[20,20,100,25],"category":"cat"},)"
                             R"({"bbox":[20,20,100,25],"category":"pet"},)"
                             R"({"bbox":[0,0,100,100],"category":"dog","segmentation":[[0,0,100,0,100,100]]}])"),
            std::string::npos)
      << *annotation;
  EXPECT_NE(annotation->find(R"("source_format":"label-studio")"), std::string::npos);
  EXPECT_NE(annotation->find(R"("was_cancelled":true)"), std::string::npos);  // the task is kept whole
}

TEST(LabelStudioTest, RotatedRectangleGetsCorners) {
  LabelStudioTask task = one_task(R"([{"id":1,"data":{"image":"a.png"},"annotations":[{"result":[
        {"type":"rectanglelabels","original_width":100,"original_height":100,
         "value":{"x":10,"y":10,"width":20,"height":10,"rotation":90,"rectanglelabels":["r"]}}]}]}])");
  auto annotation = label_studio_annotation(task, md5_of_text("a"), std::nullopt, k_json_path);
  ASSERT_OK(annotation);
  simdjson::dom::parser parser;
  auto root = core::parse_json(parser, *annotation, "x");
  ASSERT_OK(root);
  simdjson::dom::element object = (*root)["objects"].at(0);
  std::vector<double> bbox, corners;
  for (auto n : object["bbox"].get_array()) bbox.push_back(n.get_double().value_unsafe());
  for (auto n : object["segmentation"].at(0).get_array()) {
    corners.push_back(n.is_int64() ? double(n.get_int64().value_unsafe()) : n.get_double().value_unsafe());
  }
  // Clockwise about (10, 10): width runs down, height runs left.
  std::vector<double> expected_corners{10, 10, 10, 30, 0, 30, 0, 10};
  ASSERT_EQ(corners.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_NEAR(corners[i], expected_corners[i], 1e-9) << i;
  std::vector<double> expected_bbox{0, 10, 10, 20};
  ASSERT_EQ(bbox.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(bbox[i], expected_bbox[i], 1e-9) << i;
  EXPECT_EQ(double(object["rotation"].get_int64().value_unsafe()), 90);
}

TEST(LabelStudioTest, SizeComesFromTheHeaderWhenResultsLackIt) {
  LabelStudioTask task = one_task(R"([{"id":3,"data":{"image":"a.png"},"annotations":[{"result":[
        {"type":"rectanglelabels","value":{"x":50,"y":50,"width":50,"height":50,"rectanglelabels":["c"]}}]}]}])");
  EXPECT_FALSE(task.has_original_size);
  auto unknown = label_studio_annotation(task, md5_of_text("a"), std::nullopt, k_json_path);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("task id 3: annotations[0].result[0]: the image size is unknown"),
            std::string::npos)
      << unknown.error().message;
  auto sized = label_studio_annotation(task, md5_of_text("a"), LabelStudioImageSize{40, 20}, k_json_path);
  ASSERT_OK(sized);
  EXPECT_NE(sized->find(R"("bbox":[20,10,20,10])"), std::string::npos) << *sized;
}

TEST(LabelStudioTest, MalformedResultsAreNamed) {
  for (std::string_view result : {R"(3)", R"({"value":{}})", R"({"type":"rectanglelabels"})",
                                  R"({"type":"rectanglelabels","original_width":10,"original_height":10,
                                      "value":{"x":"1","y":0,"width":1,"height":1,"rectanglelabels":["a"]}})",
                                  R"({"type":"polygonlabels","original_width":10,"original_height":10,
                                      "value":{"points":[[0,0],[1]],"polygonlabels":["a"]}})",
                                  R"({"type":"polygonlabels","original_width":-1,"original_height":10,
                                      "value":{"points":[],"polygonlabels":["a"]}})",
                                  R"({"type":"rectanglelabels","original_width":10,"original_height":10,
                                      "value":{"x":1,"y":0,"width":1,"height":1,"rectanglelabels":[1]}})"}) {
    LabelStudioTask task = one_task(fmt::format(R"([{{"id":8,"data":{{"image":"a.png"}},
        "annotations":[{{"result":[{}]}}]}}])",
                                                result));
    auto annotation = label_studio_annotation(task, md5_of_text("a"), std::nullopt, k_json_path);
    ASSERT_FALSE(annotation) << result;
    EXPECT_EQ(annotation.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(annotation.error().message.find("task id 8: annotations[0].result[0]"), std::string::npos)
        << annotation.error().message;
    EXPECT_FALSE(annotation.error().hint.empty());
  }
}

TEST(LabelStudioTest, RealExportsConvertEveryRegion) {
  struct Case {
    std::string_view file;
    std::size_t tasks;
    std::size_t first_objects;
  };
  for (auto [file, count, objects] : {Case{"yolo-data.json", 2, 2}, Case{"yolo-data_obb.json", 3, 23},
                                      Case{"yolo-data_polygons.json", 1, 1}, Case{"json_min-data.json", 1, 1}}) {
    std::string text = read_testdata(file);
    auto tasks = parse_label_studio(text, k_json_path, "", [](std::string_view) { return true; });
    ASSERT_OK(tasks);
    ASSERT_EQ(tasks->size(), count) << file;
    auto annotation = label_studio_annotation((*tasks)[0], md5_of_text(file), std::nullopt, k_json_path);
    ASSERT_OK(annotation);
    simdjson::dom::parser parser;
    auto root = core::parse_json(parser, *annotation, file);
    ASSERT_OK(root);
    EXPECT_EQ((*root)["objects"].get_array().size(), objects) << file;
  }
}

class LabelStudioIndexTest : public testing::IndexFixture {};

// An absolute path outside the indexed folder is indexed when the location
// rule accepts it, and refused with the rule's error otherwise.
TEST_F(LabelStudioIndexTest, AbsolutePathOutsideTheIndexedFolder) {
  m_dir.write("photos/dog.jpg", "DOG");
  m_dir.write("photos/forbidden/cat.jpg", "CAT");
  m_dir.write("export/export.json",
              fmt::format(R"([{{"id":1,"data":{{"image":"file://{}"}}}}])", path("photos/dog.jpg")));
  IndexOptions options{.format = Format::label_studio};
  auto refused = run_index(m_dir.path() / "export", options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, fmt::format("'{}': task id 1: '{}' lies outside the paths being indexed",
                                                 path("export/export.json"), path("photos/dog.jpg")));

  options.location_check = [](std::string_view p) -> Status {
    if (p.find("forbidden") == std::string_view::npos) return {};
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not inside a registered storage location", p),
                "register it");
  };
  auto report = run_index(m_dir.path() / "export", options);
  ASSERT_OK(report);
  EXPECT_EQ(report->data_objects_found, 1u);
  ASSERT_EQ(m_store.last_ingest.size(), 1u);
  EXPECT_EQ(m_store.last_ingest[0].path, path("photos/dog.jpg"));
  EXPECT_EQ(m_store.last_ingest[0].hash, md5("DOG"));
  auto again = run_index(m_dir.path() / "export", options);
  ASSERT_OK(again);
  EXPECT_EQ(again->skipped_unchanged, 1u);
  auto resolved = run_resolve(m_dir.path() / "export", options);
  ASSERT_OK(resolved);
  EXPECT_EQ(*resolved, report->refs);

  m_dir.write("export/export.json",
              fmt::format(R"([{{"id":5,"data":{{"image":"{}"}}}}])", path("photos/forbidden/cat.jpg")));
  auto outside = run_index(m_dir.path() / "export", options);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().message, fmt::format("'{}': task id 5: '{}' is not inside a registered storage location",
                                                 path("export/export.json"), path("photos/forbidden/cat.jpg")));
  EXPECT_EQ(outside.error().hint, "register it");
}

}  // namespace
}  // namespace ldb::index
