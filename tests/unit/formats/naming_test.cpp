#include "formats/naming.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ldb::formats {
namespace {

core::Md5 hash_of(std::string_view text) { return core::md5_of(text); }

TEST(SplitName, FollowsPythonSplitext) {
  EXPECT_EQ(split_name("a.tar.gz").stem, "a.tar");
  EXPECT_EQ(split_name("a.tar.gz").ext, ".gz");
  EXPECT_EQ(split_name(".bashrc").stem, ".bashrc");
  EXPECT_EQ(split_name(".bashrc").ext, "");
  EXPECT_EQ(split_name("..x.png").ext, ".png");
  EXPECT_EQ(split_name("noext").ext, "");
  EXPECT_EQ(split_name("trailing.").ext, ".");
}

TEST(BaseName, TakesLastComponent) {
  EXPECT_EQ(base_name_of("/data/a/x.jpg"), "x.jpg");
  EXPECT_EQ(base_name_of("s3://bucket/k/y.png"), "y.png");
  EXPECT_EQ(base_name_of("plain"), "plain");
}

TEST(FlatStem, StemDashHashLikeOriginalLdb) {
  core::Md5 h = hash_of("x");
  EXPECT_EQ(flat_stem("cat.1.jpg", h), "cat-1-" + h.hex());
  EXPECT_EQ(flat_stem("img.png", h), "img-" + h.hex());
  // A name that already ends with the hash is not suffixed twice.
  EXPECT_EQ(flat_stem(h.hex() + ".png", h), h.hex());
  EXPECT_EQ(flat_stem("pre-" + h.hex() + ".png", h), "pre-" + h.hex());
  // Hidden source names never produce hidden instantiated names.
  EXPECT_EQ(flat_stem(".hidden.png", h), "-hidden-" + h.hex());
  EXPECT_EQ(flat_stem("", h), h.hex());
}

TEST(FlatStem, SanitizesAndBoundsLength) {
  core::Md5 h = hash_of("y");
  EXPECT_EQ(flat_stem("a\nb\\c.png", h), "a_b_c-" + h.hex());
  std::string long_name(400, 'x');
  std::string stem = flat_stem(long_name + ".png", h);
  EXPECT_LT(stem.size(), 200u);
  EXPECT_TRUE(stem.ends_with(h.hex()));
  // Multi-byte characters are not cut in half.
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xc3\xa9";
  std::string cut = flat_stem(accents + ".jpg", h);
  std::string prefix = cut.substr(0, cut.size() - 33);
  EXPECT_EQ(prefix.size() % 2, 0u);
}

TEST(SafeExtension, LowercasesAndDropsOddOnes) {
  EXPECT_EQ(safe_extension(".JPG"), ".jpg");
  EXPECT_EQ(safe_extension(".tar_x-1"), ".tar_x-1");
  EXPECT_EQ(safe_extension(""), "");
  EXPECT_EQ(safe_extension("."), "");
  EXPECT_EQ(safe_extension(".a b"), "");
  EXPECT_EQ(safe_extension(".verylongextension1"), "");
}

TEST(CheckRelativePath, AcceptsNormalPaths) {
  EXPECT_OK(check_relative_path("a.jpg", "x"));
  EXPECT_OK(check_relative_path("dir/sub/a.jpg", "x"));
  EXPECT_OK(check_relative_path("we ird/na me", "x"));
}

TEST(CheckRelativePath, RefusesEscapesAndHidden) {
  for (std::string_view bad :
       {"", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/", ".ldb_workspace/x", "a/.git/config", "a\nb"}) {
    auto status = check_relative_path(bad, "object id:1234");
    ASSERT_FALSE(status) << bad;
    EXPECT_EQ(status.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(status.error().message.find("object id:1234"), std::string::npos);
    EXPECT_FALSE(status.error().hint.empty());
  }
}

TEST(PrettyJson, IndentsTwoSpaces) {
  EXPECT_EQ(pretty_json(R"({"a":[1,2],"b":{},"c":[],"d":"x,{}:\"y"})"),
            "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": [],\n  \"d\": \"x,{}:\\\"y\"\n}\n");
  EXPECT_EQ(pretty_json("3.5"), "3.5\n");
  EXPECT_EQ(pretty_json(R"("a\\")"), "\"a\\\\\"\n");
}

class LabelFoldersTest : public ::testing::Test {
 protected:
  Result<std::vector<std::string>> folders(std::string_view json, std::vector<std::string> key = {"label"},
                                           const std::string* base = nullptr) {
    return label_folders(m_parser, json, key, base, "object id:abc");
  }
  simdjson::dom::parser m_parser;
};

TEST_F(LabelFoldersTest, StringNumberAndNested) {
  auto plain = folders(R"({"label":"cat"})");
  ASSERT_OK(plain);
  EXPECT_EQ(*plain, std::vector<std::string>{"cat"});
  auto number = folders(R"({"label":3})");
  ASSERT_OK(number);
  EXPECT_EQ(*number, std::vector<std::string>{"3"});
  auto nested = folders(R"({"label":{"animal":{"cat":"tabby"}}})");
  ASSERT_OK(nested);
  EXPECT_EQ(*nested, (std::vector<std::string>{"animal", "cat", "tabby"}));
  auto keyed = folders(R"({"meta":{"class":"dog"}})", {"meta", "class"});
  ASSERT_OK(keyed);
  EXPECT_EQ(*keyed, std::vector<std::string>{"dog"});
}

TEST_F(LabelFoldersTest, BaseLabelMeansTargetRoot) {
  std::string base = "background";
  auto root = folders(R"({"label":"background"})", {"label"}, &base);
  ASSERT_OK(root);
  EXPECT_TRUE(root->empty());
  auto other = folders(R"({"label":"cat"})", {"label"}, &base);
  ASSERT_OK(other);
  EXPECT_EQ(*other, std::vector<std::string>{"cat"});
}

TEST_F(LabelFoldersTest, RefusesMissingWrongTypeAndHostileLabels) {
  for (std::string_view bad : {"", R"({"other":1})", R"([1])", R"({"label":null})", R"({"label":[1]})",
                               R"({"label":{}})", R"({"label":"../../etc"})", R"({"label":".."})", R"({"label":""})",
                               R"({"label":".hidden"})", R"({"label":{"a":"x/y"}})"}) {
    auto result = folders(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument) << bad;
    EXPECT_NE(result.error().message.find("object id:abc"), std::string::npos) << bad;
  }
}

TEST_F(LabelFoldersTest, LabelPartsOfAValue) {
  auto parts = [&](std::string_view json) -> Result<std::vector<std::string>> {
    simdjson::dom::element value;
    EXPECT_EQ(m_parser.parse(json.data(), json.size()).get(value), simdjson::SUCCESS) << json;
    return label_parts(value, "object id:abc", "class");
  };
  EXPECT_EQ(parts(R"("cat")").value(), std::vector<std::string>{"cat"});
  EXPECT_EQ(parts("true").value(), std::vector<std::string>{"true"});
  EXPECT_EQ(parts("2.5").value(), std::vector<std::string>{"2.5"});
  EXPECT_EQ(parts(R"({"animal":{"cat":"tabby"}})").value(), (std::vector<std::string>{"animal", "cat", "tabby"}));
  for (std::string_view bad : {"null", "[1]", "{}", R"({"a":null})"}) {
    auto result = parts(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_NE(result.error().message.find("at key 'class'"), std::string::npos) << result.error().message;
  }
}

}  // namespace
}  // namespace ldb::formats
