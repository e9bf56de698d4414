#include "dataset/class_folders.hpp"

#include "dataset/workspace.hpp"
#include "test_support.hpp"

namespace ldb::dataset {
namespace {

using ldb::testing::TempDir;

index::InferParams params_of(std::vector<std::pair<std::string, std::string>> p) {
  return index::parse_infer_params(p).value();
}

class RelabelTest : public ::testing::Test {
 protected:
  std::string relabel(std::string_view stored, std::string_view folder, const index::InferParams& params = {}) {
    auto result = relabel_from_folder(m_parser, stored, folder, params);
    EXPECT_TRUE(result.has_value()) << ldb::testing::describe(result);
    return result.value_or("<error>");
  }
  simdjson::dom::parser m_parser;
};

TEST_F(RelabelTest, SameFolderChangesNothing) {
  EXPECT_EQ(relabel(R"({"label":"bag"})", "bag"), "");
  EXPECT_EQ(relabel(R"({"label":{"animal":"cat"}})", "animal/cat"), "");
  EXPECT_EQ(relabel(R"({"label":3})", "3"), "");
  EXPECT_EQ(relabel(R"({"meta":{"kind":"dog"},"x":1})", "dog", params_of({{"label-key", "meta.kind"}})), "");
  auto base = params_of({{"base-label", "none"}});
  EXPECT_EQ(relabel(R"({"label":"none"})", "", base), "");
}

TEST_F(RelabelTest, AnotherFolderReplacesOnlyTheLabel) {
  EXPECT_EQ(relabel(R"({"label":"bag","score":0.5})", "coat"), R"({"label":"coat","score":0.5})");
  EXPECT_EQ(relabel(R"({"label":{"animal":"cat"}})", "animal/dog"), R"({"label":{"animal":"dog"}})");
  EXPECT_EQ(relabel(R"({"label":"cat"})", "animal/dog"), R"({"label":{"animal":"dog"}})");
  EXPECT_EQ(relabel(R"({"meta":{"kind":"dog","source":"a.jpg"}})", "cat", params_of({{"label-key", "meta.kind"}})),
            R"({"meta":{"kind":"cat","source":"a.jpg"}})");
  auto base = params_of({{"base-label", "none"}});
  EXPECT_EQ(relabel(R"({"label":"cat"})", "", base), R"({"label":"none"})");
  EXPECT_EQ(relabel(R"({"label":"none"})", "cat", base), R"({"label":"cat"})");
}

TEST_F(RelabelTest, NumbersAndBooleansStayThatKind) {
  EXPECT_EQ(relabel(R"({"label":3})", "4"), R"({"label":4})");
  EXPECT_EQ(relabel(R"({"label":3})", "four"), R"({"label":"four"})");
  EXPECT_EQ(relabel(R"({"label":true})", "false"), R"({"label":false})");
  EXPECT_EQ(relabel(R"({"label":"3"})", "4"), R"({"label":"4"})");
}

TEST_F(RelabelTest, MissingLabelOrAnnotationTakesTheFolders) {
  EXPECT_EQ(relabel("", "coat"), R"({"label":"coat"})");
  EXPECT_EQ(relabel(R"({"other":1})", "coat"), R"({"label":"coat","other":1})");
  EXPECT_EQ(relabel(R"([1,2])", "coat"), R"({"label":"coat"})");
  // The root without a base label makes no label: nothing to record.
  EXPECT_EQ(relabel(R"({"label":"bag"})", ""), "");
  EXPECT_EQ(relabel("", ""), "");
}

TEST_F(RelabelTest, InvalidStoredJsonIsCorruption) {
  auto result = relabel_from_folder(m_parser, "{not json", "coat", {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::corruption);
}

TEST(InstantiatedLayoutTest, RoundTripsAndIsAbsentByDefault) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / k_workspace_dir);
  auto none = read_instantiated_layout(dir.path());
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  InstantiatedLayout layout{"tensorflow-inferred", {{"label-key", "meta.kind"}, {"base-label", "a \"b\""}}};
  ASSERT_OK(write_instantiated_layout(dir.path(), layout));
  auto back = read_instantiated_layout(dir.path());
  ASSERT_OK(back);
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ(**back, layout);
}

TEST(InstantiatedLayoutTest, DamagedRecordIsCorruptionNamingTheFile) {
  TempDir dir;
  for (std::string_view bad : {"", "{", R"({"format":1,"params":[]})", R"({"format":"coco"})",
                               R"({"format":"coco","params":[["a"]]})", R"({"format":"coco","params":[[1,2]]})"}) {
    dir.write(".ldb_workspace/layout", bad);
    auto read = read_instantiated_layout(dir.path());
    ASSERT_FALSE(read) << bad;
    EXPECT_EQ(read.error().code, ErrorCode::corruption);
    EXPECT_NE(read.error().message.find(".ldb_workspace/layout"), std::string::npos);
    EXPECT_NE(read.error().hint.find("ldb instantiate"), std::string::npos);
  }
}

}  // namespace
}  // namespace ldb::dataset
