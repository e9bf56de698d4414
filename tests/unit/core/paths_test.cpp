#include "core/paths.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.hpp"

namespace ldb::core {
namespace {

TEST(NormalizeLocalPathTest, LexicalNormalization) {
  EXPECT_EQ(normalize_local_path("/a/b/../c"), "/a/c");
  EXPECT_EQ(normalize_local_path("/a/./b/"), "/a/b");
  EXPECT_EQ(normalize_local_path("/a//b///"), "/a/b");
  EXPECT_EQ(normalize_local_path("/a/b/.."), "/a");
  EXPECT_EQ(normalize_local_path("/"), "/");
  EXPECT_EQ(normalize_local_path("/.."), "/");
}

TEST(NormalizeLocalPathTest, RelativeToCurrentDirectory) {
  auto cwd = std::filesystem::current_path().lexically_normal().string();
  while (cwd.size() > 1 && cwd.back() == '/') cwd.pop_back();
  EXPECT_EQ(normalize_local_path("x/y"), cwd + "/x/y");
  EXPECT_EQ(normalize_local_path("."), cwd);
  EXPECT_EQ(normalize_local_path("./x/../y/"), cwd + "/y");
}

TEST(PathIsWithinTest, ComponentWise) {
  EXPECT_TRUE(path_is_within("/a/b", "/a/b"));
  EXPECT_TRUE(path_is_within("/a/b/c", "/a/b"));
  EXPECT_TRUE(path_is_within("/a/b/c/d.jpg", "/a/b/"));
  EXPECT_FALSE(path_is_within("/a/bc", "/a/b"));
  EXPECT_FALSE(path_is_within("/a/bc/x", "/a/b"));
  EXPECT_FALSE(path_is_within("/a", "/a/b"));
  EXPECT_FALSE(path_is_within("/x/a/b", "/a/b"));
  EXPECT_FALSE(path_is_within("", "/a"));
}

TEST(PathIsWithinTest, RootPrefix) {
  EXPECT_TRUE(path_is_within("/", "/"));
  EXPECT_TRUE(path_is_within("/anything/at/all", "/"));
  EXPECT_TRUE(path_is_within("/x", "//"));
  EXPECT_FALSE(path_is_within("relative/path", "/"));
  EXPECT_FALSE(path_is_within("s3://bucket/key", "/"));
  EXPECT_FALSE(path_is_within("", "/"));
}

TEST(PathIsWithinTest, Urls) {
  EXPECT_TRUE(path_is_within("s3://bucket/a/b.jpg", "s3://bucket"));
  EXPECT_TRUE(path_is_within("s3://bucket/a/b.jpg", "s3://bucket/a/"));
  EXPECT_FALSE(path_is_within("s3://bucket2/a", "s3://bucket"));
  EXPECT_TRUE(path_is_within("s3://bucket/a", "s3://"));
  EXPECT_FALSE(path_is_within("gs://bucket/a", "s3://"));
}

TEST(PathIsWithinTest, EmptyPrefixHoldsOnlyTheEmptyPath) {
  EXPECT_FALSE(path_is_within("/a", ""));
  EXPECT_FALSE(path_is_within("a", ""));
  EXPECT_TRUE(path_is_within("", ""));
}

TEST(HasHiddenComponentTest, AnyComponentStartingWithDot) {
  EXPECT_TRUE(has_hidden_component(".git"));
  EXPECT_TRUE(has_hidden_component(".ldb_workspace/collection"));
  EXPECT_TRUE(has_hidden_component("a/.cache/b.jpg"));
  EXPECT_TRUE(has_hidden_component("a/b/.hidden.json"));
  EXPECT_FALSE(has_hidden_component("a/b/c.jpg"));
  EXPECT_FALSE(has_hidden_component("a.b/c.d"));
  EXPECT_FALSE(has_hidden_component("a//b"));
  EXPECT_FALSE(has_hidden_component(""));
}

TEST(IsGlobTest, Metacharacters) {
  EXPECT_TRUE(is_glob("*.jpg"));
  EXPECT_TRUE(is_glob("img?.png"));
  EXPECT_TRUE(is_glob("[ab].png"));
  EXPECT_FALSE(is_glob("/data/plain/path.jpg"));
}

TEST(GlobMatchTest, StarDoesNotCrossSlash) {
  EXPECT_TRUE(glob_match("*.jpg", "a.jpg"));
  EXPECT_FALSE(glob_match("*.jpg", "dir/a.jpg"));
  EXPECT_TRUE(glob_match("/data/*/x.png", "/data/cats/x.png"));
  EXPECT_FALSE(glob_match("/data/*/x.png", "/data/cats/more/x.png"));
  EXPECT_TRUE(glob_match("/data/*/*.png", "/data/cats/x.png"));
  EXPECT_FALSE(glob_match("/data/*.png", "/data/x.jpg"));
}

TEST(GlobMatchTest, QuestionMarkAndBrackets) {
  EXPECT_TRUE(glob_match("img?.png", "img1.png"));
  EXPECT_FALSE(glob_match("img?.png", "img10.png"));
  EXPECT_TRUE(glob_match("[ab].txt", "b.txt"));
  EXPECT_FALSE(glob_match("[ab].txt", "c.txt"));
  EXPECT_TRUE(glob_match("[!ab].txt", "c.txt"));
  EXPECT_FALSE(glob_match("a?b", "a/b"));  // '?' does not match '/'
}

TEST(GlobMatchTest, WholePathOnly) {
  EXPECT_FALSE(glob_match("a*", "xa"));
  EXPECT_TRUE(glob_match("exact", "exact"));
  EXPECT_FALSE(glob_match("exact", "exact2"));
}

TEST(RelativeToTest, BelowBase) {
  EXPECT_EQ(relative_to("/a/b/c.jpg", "/a/b"), "c.jpg");
  EXPECT_EQ(relative_to("/a/b/c/d.jpg", "/a/b/"), "c/d.jpg");
  EXPECT_EQ(relative_to("/a/b", "/a/b"), "");
  EXPECT_EQ(relative_to("/x/y", "/"), "x/y");
  EXPECT_EQ(relative_to("s3://bucket/k/v.json", "s3://bucket"), "k/v.json");
}

TEST(RelativeToTest, NotUnderBaseReturnsPathUnchanged) {
  // "/a/bc" is not below "/a/b" even though the strings share a prefix.
  EXPECT_EQ(relative_to("/a/bc/x", "/a/b"), "/a/bc/x");
  EXPECT_EQ(relative_to("/other", "/a"), "/other");
}

TEST(JoinRelativeTest, ResolvesAgainstTheFolder) {
  EXPECT_EQ(join_relative("/d/annotations/", "../val2017"), "/d/val2017");
  EXPECT_EQ(join_relative("/d/annotations/", "images/./sub/"), "/d/annotations/images/sub");
  EXPECT_EQ(join_relative("/d/", ".."), "/");
  EXPECT_EQ(join_relative("/d/a/", "b//../c"), "/d/a/c");
  EXPECT_EQ(join_relative("s3://bucket/coco/annotations/", "../val2017"), "s3://bucket/coco/val2017");
  EXPECT_EQ(join_relative("s3://bucket/a/", ".."), "s3://bucket");
}

TEST(JoinRelativeTest, NothingClimbsAboveTheRoot) {
  EXPECT_EQ(join_relative("/d/", "../.."), std::nullopt);
  EXPECT_EQ(join_relative("/", ".."), std::nullopt);
  EXPECT_EQ(join_relative("s3://bucket/a/", "../../other-bucket/x"), std::nullopt);
}

TEST(ProtocolOfTest, Schemes) {
  EXPECT_EQ(protocol_of("s3://bucket/key"), "s3");
  EXPECT_EQ(protocol_of("gs://bucket"), "gs");
  EXPECT_EQ(protocol_of("https://host/path"), "https");
  EXPECT_EQ(protocol_of("/local/path"), "file");
  EXPECT_EQ(protocol_of("relative"), "file");
}

}  // namespace
}  // namespace ldb::core

namespace ldb::core {
namespace {

TEST(ContainedNameTest, KeepsNamesInsideTheFolder) {
  EXPECT_EQ(folder_of("a/b/c.json"), "a/b/");
  EXPECT_EQ(folder_of("c.json"), "");
  EXPECT_EQ(contained_name("./images//x.jpg"), "images/x.jpg");
  EXPECT_EQ(contained_name("/abs/x.jpg"), "abs/x.jpg");
  EXPECT_EQ(contained_relative_name("/abs/x.jpg"), std::nullopt);
  EXPECT_EQ(contained_relative_name("a/x.jpg"), "a/x.jpg");
  EXPECT_EQ(contained_name("../x.jpg"), std::nullopt);
  EXPECT_EQ(contained_name("a/../../x.jpg"), std::nullopt);
  EXPECT_EQ(contained_name(""), std::nullopt);
  EXPECT_EQ(contained_name("./"), std::nullopt);
  EXPECT_EQ(contained_name(std::string_view("a\0b", 3)), std::nullopt);
}

}  // namespace
}  // namespace ldb::core
