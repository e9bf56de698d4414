#include "index/annotation_only.hpp"

#include <fmt/format.h>

#include "test_support.hpp"

namespace ldb::index {
namespace {

constexpr std::string_view k_id = "0123456789abcdef0123456789abcdef";

TEST(AnnotationOnlyTest, SingleEntry) {
  auto r = parse_annotation_only(
      R"({"annotation": {"b": 2, "a": [1, "x"]}, "ldb_meta": {"data_object_id": "0123456789ABCDEF0123456789abcdef"}})",
      "/w/a.json");
  ASSERT_OK(r);
  EXPECT_FALSE(r->shape_error);
  ASSERT_EQ(r->entries.size(), 1u);
  EXPECT_EQ(r->entries[0].object.hex(), k_id);
  EXPECT_EQ(r->entries[0].canonical_json, R"({"a":[1,"x"],"b":2})");
}

TEST(AnnotationOnlyTest, ArrayOfEntriesAndAnyAnnotationValue) {
  auto r = parse_annotation_only(fmt::format(R"([{{"annotation": null, "ldb_meta": {{"data_object_id": "{0}"}}}},
                                                 {{"annotation": 3, "ldb_meta": {{"data_object_id": "{0}"}}}}])",
                                             k_id),
                                 "/w/dataset.json");
  ASSERT_OK(r);
  ASSERT_EQ(r->entries.size(), 2u);
  EXPECT_EQ(r->entries[0].canonical_json, "null");
  EXPECT_EQ(r->entries[1].canonical_json, "3");
}

TEST(AnnotationOnlyTest, ByteOrderMarkIsSkipped) {
  auto r = parse_annotation_only(
      fmt::format("\xEF\xBB\xBF{{\"annotation\": {{\"b\": 1}}, \"ldb_meta\": {{\"data_object_id\": \"{}\"}}}}", k_id),
      "/w/bom.json");
  ASSERT_OK(r);
  EXPECT_FALSE(r->shape_error);
  ASSERT_EQ(r->entries.size(), 1u);
  EXPECT_EQ(r->entries[0].canonical_json, R"({"b":1})");
}

TEST(AnnotationOnlyTest, MalformedJsonIsAnError) {
  auto r = parse_annotation_only("{\"annotation\": ", "/w/bad.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(r.error().message.find("/w/bad.json"), std::string::npos);
  EXPECT_FALSE(r.error().hint.empty());
}

TEST(AnnotationOnlyTest, WrongShapesAreReported) {
  struct Case {
    std::string text;
    std::string expected;
  };
  std::vector<Case> cases{
      {R"({"label": 1})", "no \"annotation\" key"},
      {R"({"annotation": 1})", "no \"ldb_meta\" object"},
      {R"({"annotation": 1, "ldb_meta": {}})", "data_object_id"},
      {R"({"annotation": 1, "ldb_meta": {"data_object_id": "xyz"}})", "'xyz' is not an MD5"},
      {R"("text")", "not a JSON object"},
      {fmt::format(R"([{{"annotation": 1, "ldb_meta": {{"data_object_id": "{}"}}}}, 5])", k_id), "entry 1 of"},
  };
  for (const auto& c : cases) {
    auto r = parse_annotation_only(c.text, "/w/x.json");
    ASSERT_OK(r);
    ASSERT_TRUE(r->shape_error) << c.text;
    EXPECT_TRUE(r->entries.empty());
    EXPECT_NE(r->shape_error->message.find(c.expected), std::string::npos) << r->shape_error->message;
    EXPECT_NE(r->shape_error->message.find("/w/x.json"), std::string::npos);
    EXPECT_NE(r->shape_error->hint.find("ldb_meta"), std::string::npos);
  }
}

}  // namespace
}  // namespace ldb::index
