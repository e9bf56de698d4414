#include "index/infer.hpp"

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

}  // namespace
}  // namespace ldb::index
