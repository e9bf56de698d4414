// The [transform.NAME] config and name/command resolution (src/app/transforms.cpp).

#include "app/detail/transforms.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "storage/file_system.hpp"
#include "test_support.hpp"

namespace ldb::app::detail {
namespace {

using ldb::testing::TempDir;

// The test process's $PATH, as a front end passes it down.
std::string process_path() {
  const char* path = std::getenv("PATH");
  return path ? path : "";
}

class TransformConfigTest : public ::testing::Test {
 protected:
  Result<TransformConfig> read(std::string_view toml) {
    EXPECT_OK(storage::write_file_atomic(m_dir.path() / "config", toml));
    return read_transform_config(m_dir.path());
  }
  TempDir m_dir;
};

TEST_F(TransformConfigTest, ReadsRunArraysAndTheirCommands) {
  auto config = read(
      "[core]\nauto_index = true\n[transform.rotate]\nrun = [\"rotate.py\", \"90\"]\n"
      "[transform.blur]\nrun = [\"blur\"]\n");
  ASSERT_OK(config);
  EXPECT_EQ(config->runs.at("rotate"), (std::vector<std::string>{"rotate.py", "90"}));
  EXPECT_EQ(config->names.at(R"(["rotate.py","90"])"), "rotate");
  EXPECT_EQ(transform_command(config->runs.at("blur")), R"(["blur"])");
}

TEST_F(TransformConfigTest, NoConfigOrNoTransformsIsEmpty) {
  auto none = read_transform_config(m_dir.path());
  ASSERT_OK(none);
  EXPECT_TRUE(none->runs.empty());
  auto plain = read("[core]\nauto_index = true\n");
  ASSERT_OK(plain);
  EXPECT_TRUE(plain->runs.empty());
}

TEST_F(TransformConfigTest, BadDeclarationsNameTheTransform) {
  struct Case {
    std::string toml;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{{"[transform.self]\nrun = [\"x\"]\n", "reserved"},
                                         {"[transform.\"a b\"]\nrun = [\"x\"]\n", "characters"},
                                         {"[transform.r]\n", "non-empty run"},
                                         {"[transform.r]\nrun = []\n", "non-empty run"},
                                         {"[transform.r]\nrun = [1]\n", "not a string"},
                                         {"[transform.r]\nrun = [\"\"]\n", "empty program"},
                                         {"[transform.r]\nrun = [\"x\"]\n[transform.s]\nrun = [\"x\"]\n", "same run"},
                                         {"transform = 3\n", "not a table"},
                                         {"[transform.r\n", "line 1"}}) {
    auto config = read(c.toml);
    ASSERT_FALSE(config.has_value()) << c.toml;
    EXPECT_EQ(config.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(config.error().message.find(c.expected), std::string::npos) << config.error().message;
    EXPECT_NE(config.error().message.find("config"), std::string::npos);
  }
}

TEST_F(TransformConfigTest, NamesResolveToSortedCommands) {
  auto config = read("[transform.rotate]\nrun = [\"rotate.py\", \"90\"]\n[transform.blur]\nrun = [\"blur\"]\n");
  ASSERT_OK(config);
  std::vector<std::string> lists{"self,rotate", "blur", "rotate"};
  auto set = resolve_transform_names(*config, lists);
  ASSERT_OK(set);
  EXPECT_EQ(*set, (store::TransformSet{R"(["blur"])", R"(["rotate.py","90"])", "self"}));
  EXPECT_EQ(transform_display_name(*config, R"(["blur"])"), "blur");
  EXPECT_EQ(transform_display_name(*config, "self"), "self");
  EXPECT_EQ(transform_display_name(*config, R"(["gone"])"), R"(["gone"])");

  std::vector<std::string> unknown{"rotat"};
  auto bad = resolve_transform_names(*config, unknown);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("'rotat'"), std::string::npos);
  EXPECT_NE(bad.error().hint.find("self, blur, rotate"), std::string::npos) << bad.error().hint;
  std::vector<std::string> empty{","};
  EXPECT_FALSE(resolve_transform_names(*config, empty).has_value());
}

TEST_F(TransformConfigTest, MemberTransformsFindProgramsLikePlugins) {
  auto plugins = m_dir.path() / "custom_code" / "ldb_user_filters";
  auto program = m_dir.write("custom_code/ldb_user_filters/rotate.py", "#!/bin/sh\n");
  ::chmod(program.c_str(), 0755);
  auto config = read("[transform.turn]\nrun = [\"rotate.py\", \"90\"]\n");
  ASSERT_OK(config);
  store::TransformSet set{R"(["rotate.py","180"])", R"(["rotate.py","90"])", "self"};
  auto programs = member_transforms(*config, m_dir.path(), process_path(), set);
  ASSERT_OK(programs);
  ASSERT_EQ(programs->size(), 3u);
  EXPECT_EQ((*programs)[0].name, "rotate_py");  // not configured: named after its program
  EXPECT_EQ((*programs)[0].command, (std::vector<std::string>{(plugins / "rotate.py").string(), "180"}));
  EXPECT_EQ((*programs)[1].name, "turn");
  EXPECT_EQ((*programs)[1].command, (std::vector<std::string>{(plugins / "rotate.py").string(), "90"}));
  EXPECT_EQ((*programs)[2].name, "self");
  EXPECT_TRUE((*programs)[2].command.empty());

  store::TransformSet missing{R"(["no-such-transform-program"])"};
  auto not_found = member_transforms(*config, m_dir.path(), process_path(), missing);
  ASSERT_FALSE(not_found.has_value());
  EXPECT_EQ(not_found.error().code, ErrorCode::not_found);
  EXPECT_NE(not_found.error().message.find("no-such-transform-program"), std::string::npos);
  store::TransformSet malformed{"[not json"};
  auto corrupt = member_transforms(*config, m_dir.path(), process_path(), malformed);
  ASSERT_FALSE(corrupt.has_value());
  EXPECT_EQ(corrupt.error().code, ErrorCode::corruption);
}

TEST_F(TransformConfigTest, OpsAreNormalisedAndRecordedAsAnOpsObject) {
  auto config = read(
      "[transform.small]\nops = [\"resize  224x224\", \"center-crop 200x200\", \"FLIP-H\", \"format jpeg 80\"]\n"
      "[transform.rotate]\nrun = [\"rotate.py\", \"90\"]\n");
  ASSERT_OK(config);
  EXPECT_EQ(config->ops.at("small"),
            (std::vector<std::string>{"resize 224x224 fit", "center-crop 200x200", "flip-h", "format jpeg 80"}));
  const std::string command = R"({"ops":["resize 224x224 fit","center-crop 200x200","flip-h","format jpeg 80"]})";
  EXPECT_EQ(config->names.at(command), "small");
  std::vector<std::string> lists{"small,self"};
  auto set = resolve_transform_names(*config, lists);
  ASSERT_OK(set);
  EXPECT_EQ(*set, (store::TransformSet{"self", command}));
  EXPECT_EQ(transform_display_name(*config, command), "small");

  auto transforms = member_transforms(*config, m_dir.path(), process_path(), *set);
  ASSERT_OK(transforms);
  ASSERT_EQ(transforms->size(), 2u);
  EXPECT_EQ((*transforms)[1].name, "small");
  ASSERT_TRUE((*transforms)[1].ops.has_value());
  EXPECT_EQ((*transforms)[1].ops->steps.size(), 3u);
  EXPECT_FALSE((*transforms)[1].is_self());
  EXPECT_TRUE((*transforms)[0].is_self());

  // Renamed (or removed) in the config: the recorded ops still run, named "ops".
  auto renamed = read(
      "[transform.tiny]\nops = [\"resize 224x224 fit\", \"center-crop 200x200\", \"flip-h\", "
      "\"format jpeg 80\"]\n");
  ASSERT_OK(renamed);
  EXPECT_EQ(transform_display_name(*renamed, command), "tiny");
  auto gone = read("[core]\n");
  ASSERT_OK(gone);
  store::TransformSet recorded{command};
  auto unnamed = member_transforms(*gone, m_dir.path(), process_path(), recorded);
  ASSERT_OK(unnamed);
  EXPECT_EQ((*unnamed)[0].name, "ops");
  store::TransformSet malformed{R"({"ops":["blur 3"]})"};
  auto corrupt = member_transforms(*gone, m_dir.path(), process_path(), malformed);
  ASSERT_FALSE(corrupt.has_value());
  EXPECT_EQ(corrupt.error().code, ErrorCode::corruption);
}

TEST_F(TransformConfigTest, BadOpsNameTheFileTheTransformAndTheOp) {
  struct Case {
    std::string toml;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           {"[transform.t]\nops = [\"resize 0x224 fit\"]\n", "op 'resize 0x224 fit'"},
           {"[transform.t]\nops = [\"blur 3\"]\n", "unknown op 'blur'"},
           {"[transform.t]\nops = [\"format jpeg 101\"]\n", "'101'"},
           {"[transform.t]\nops = [\"resize 99999999x2\"]\n", "'99999999x2'"},
           {"[transform.t]\nops = []\n", "non-empty ops"},
           {"[transform.t]\nops = [3]\n", "not a string"},
           {"[transform.t]\nops = \"flip-h\"\n", "non-empty ops"},
           {"[transform.t]\nops = [\"flip-h\"]\nrun = [\"x\"]\n", "both run and ops"},
           {"[transform.t]\nops = [\"flip-h\"]\n[transform.u]\nops = [\"flip-h\"]\n", "same ops"},
       }) {
    auto config = read(c.toml);
    ASSERT_FALSE(config.has_value()) << c.toml;
    EXPECT_EQ(config.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(config.error().message.find(c.expected), std::string::npos) << config.error().message;
    EXPECT_NE(config.error().message.find("transform 't'"), std::string::npos) << config.error().message;
    EXPECT_NE(config.error().message.find("config"), std::string::npos);
    EXPECT_FALSE(config.error().hint.empty());
  }
}

}  // namespace
}  // namespace ldb::app::detail
