// The Session and what the front end's Context decides (src/app/session.cpp).

#include "app/session.hpp"

#include <gtest/gtest.h>

#include "app/detail/session.hpp"

namespace ldb::app::detail {
namespace {

TEST(CommitAuthorTest, LdbAuthorFirstThenLoginNameThenUser) {
  Context context;
  context.env.set("USER", "from-user");
  EXPECT_EQ(commit_author(context), "from-user");
  context.user = "login";
  EXPECT_EQ(commit_author(context), "login");
  context.env.set("LDB_AUTHOR", "tester");
  EXPECT_EQ(commit_author(context), "tester");
  EXPECT_EQ(commit_author(Context{}), "unknown");
}

TEST(ContextTest, RelativePathsAreTakenFromTheContextsFolderNotTheProcesss) {
  Context context;
  context.cwd = "/data/project";
  EXPECT_EQ(context.absolute("images/../labels/"), "/data/project/labels");
  EXPECT_EQ(context.absolute("/abs/x"), "/abs/x");
  EXPECT_EQ(context.absolute("s3://bucket/key"), "s3://bucket/key");
}

TEST(ContextTest, HomeIsFromTheEnvironmentGiven) {
  Context context;
  EXPECT_EQ(context.home(), "/");
  context.env.set("HOME", "/home/u");
  EXPECT_EQ(context.home(), "/home/u");
}

}  // namespace
}  // namespace ldb::app::detail
