#include "index/infer.hpp"

#include <algorithm>

#include "test_support.hpp"

namespace ldb::index {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

InferParams params_of(const Params& p) { return parse_infer_params(p).value(); }

TEST(InferTest, FolderBecomesLabel) {
  InferParams defaults;
  EXPECT_EQ(inferred_annotation("cat", defaults).value(), R"({"label":"cat"})");
  EXPECT_EQ(inferred_annotation("animal/cat", defaults).value(), R"({"label":{"animal":"cat"}})");
  EXPECT_EQ(inferred_annotation("a/b/c", defaults).value(), R"({"label":{"a":{"b":"c"}}})");
  EXPECT_FALSE(inferred_annotation("", defaults));
}

TEST(InferTest, LabelKeyAndBaseLabel) {
  auto p = params_of({{"label-key", "meta.class"}, {"base-label", "unknown"}});
  EXPECT_EQ(inferred_annotation("cat", p).value(), R"({"meta":{"class":"cat"}})");
  EXPECT_EQ(inferred_annotation("", p).value(), R"({"meta":{"class":"unknown"}})");
  auto q = params_of({{"label-key", "kind"}});
  EXPECT_EQ(inferred_annotation("dog", q).value(), R"({"kind":"dog"})");
}

TEST(InferTest, NamesAreJsonEscaped) {
  EXPECT_EQ(inferred_annotation("a \"q\"", InferParams{}).value(), R"({"label":"a \"q\""})");
}

TEST(InferTest, BadParameters) {
  for (const auto& bad : {Params{{"label-key", ""}}, Params{{"label-key", "a..b"}}, Params{{"label-key", ".a"}},
                          Params{{"base-label", ""}}}) {
    auto r = parse_infer_params(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
    EXPECT_FALSE(r.error().hint.empty());
  }
}

TEST(InferTest, LabelFoldersReadTheLabelBack) {
  simdjson::dom::parser parser;
  auto nested = params_of({{"label-key", "meta.class"}, {"base-label", "none"}});
  for (std::string_view folder : {"cat", "animal/cat", "a/b/c"}) {
    auto annotation = inferred_annotation(folder, nested).value();
    auto folders = label_folders(parser, annotation, nested.label_key, &*nested.base_label, "x");
    ASSERT_OK(folders);
    EXPECT_TRUE(std::ranges::equal(*folders, folder_parts(folder))) << folder;
  }
  auto root = label_folders(parser, R"({"meta":{"class":"none"}})", nested.label_key, &*nested.base_label, "x");
  ASSERT_OK(root);
  EXPECT_TRUE(root->empty());
  auto number = label_folders(parser, R"({"label":7})", {"label"}, nullptr, "x");
  ASSERT_OK(number);
  EXPECT_EQ(*number, std::vector<std::string>{"7"});
  auto missing = label_folders(parser, R"({"other":1})", {"label"}, nullptr, "object id:ab");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(missing.error().message.find("object id:ab"), std::string::npos);
  // Folder names are not judged here (formats::label_folders refuses hostile ones).
  auto dots = label_folders(parser, R"({"label":".."})", {"label"}, nullptr, "x");
  ASSERT_OK(dots);
  EXPECT_EQ(*dots, std::vector<std::string>{".."});
}

TEST(InferTest, FolderParts) {
  EXPECT_EQ(folder_parts(""), std::vector<std::string_view>{});
  EXPECT_EQ(folder_parts("a//b/"), (std::vector<std::string_view>{"a", "b"}));
}

}  // namespace
}  // namespace ldb::index
