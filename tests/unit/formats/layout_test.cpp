#include "formats/layout.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ldb::formats {
namespace {

Member member(std::string_view content, std::string relative, std::string annotation = {}) {
  Member m;
  m.hash = core::md5_of(content);
  m.annotation_version = annotation.empty() ? 0 : 1;
  m.annotation_json = std::move(annotation);
  m.source_path = "/storage/" + relative;
  m.storage_relative = std::move(relative);
  m.size = content.size();
  return m;
}

std::vector<std::string> paths_of(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& f : plan.files) out.push_back(f.path);
  return out;
}

std::string h(std::string_view content) { return core::md5_of(content).hex(); }

TEST(BuildPlan, StrictPairsWritesOnlyAnnotatedMembers) {
  std::vector<Member> members{member("A", "x/a.JPG", R"({"l":1})"), member("B", "b.png")};
  auto plan = build_plan(members, Options{});
  ASSERT_OK(plan);
  EXPECT_EQ(paths_of(*plan), (std::vector<std::string>{"a-" + h("A") + ".jpg", "a-" + h("A") + ".json"}));
  EXPECT_EQ(plan->data_files, 1u);
  EXPECT_EQ(plan->annotation_files, 1u);
  EXPECT_EQ(plan->skipped, 1u);
  ASSERT_EQ(plan->warnings.size(), 1u);
  EXPECT_NE(plan->warnings[0].find("bare-pairs"), std::string::npos);
  const PlannedFile& json = plan->files[1];
  EXPECT_EQ(json.content, "{\n  \"l\": 1\n}\n");
  EXPECT_EQ(json.md5, core::md5_of(json.content));
  EXPECT_EQ(json.size, json.content.size());
  const PlannedFile& data = plan->files[0];
  EXPECT_EQ(data.source, "/storage/x/a.JPG");
  EXPECT_EQ(data.md5, core::md5_of("A"));
}

TEST(BuildPlan, BarePairsWritesEveryDataFile) {
  std::vector<Member> members{member("A", "a.jpg", R"({"l":1})"), member("B", "b.png")};
  Options options;
  options.format = Format::bare_pairs;
  auto plan = build_plan(members, options);
  ASSERT_OK(plan);
  EXPECT_EQ(plan->files.size(), 3u);
  EXPECT_EQ(plan->data_files, 2u);
  EXPECT_EQ(plan->annotation_files, 1u);
  EXPECT_EQ(plan->skipped, 0u);
  EXPECT_TRUE(plan->warnings.empty());
}

TEST(BuildPlan, AnnotationsOnlyDropsDataFiles) {
  std::vector<Member> members{member("A", "a.jpg", R"({"l":1})"), member("B", "b.png")};
  Options options;
  options.format = Format::bare_pairs;
  options.annotations_only = true;
  auto plan = build_plan(members, options);
  ASSERT_OK(plan);
  EXPECT_EQ(paths_of(*plan), std::vector<std::string>{"a-" + h("A") + ".json"});
  EXPECT_EQ(plan->skipped, 1u);
}

TEST(BuildPlan, InferredMakesClassFolders) {
  std::vector<Member> members{member("A", "a.jpg", R"({"label":"cat"})"),
                              member("B", "b.jpg", R"({"label":{"animal":"dog"}})"),
                              member("C", "c.jpg", R"({"label":"none"})")};
  Options options;
  options.format = Format::tensorflow_inferred;
  options.params = {{"base-label", "none"}};
  auto plan = build_plan(members, options);
  ASSERT_OK(plan);
  EXPECT_EQ(paths_of(*plan), (std::vector<std::string>{"animal/dog/b-" + h("B") + ".jpg", "c-" + h("C") + ".jpg",
                                                       "cat/a-" + h("A") + ".jpg"}));
  EXPECT_EQ(plan->annotation_files, 0u);
}

TEST(BuildPlan, InferredWithLabelKey) {
  std::vector<Member> members{member("A", "a.jpg", R"({"meta":{"class":"cat"}})")};
  Options options;
  options.format = Format::tensorflow_inferred;
  options.params = {{"label-key", "meta.class"}};
  auto plan = build_plan(members, options);
  ASSERT_OK(plan);
  EXPECT_EQ(paths_of(*plan), std::vector<std::string>{"cat/a-" + h("A") + ".jpg"});
}

TEST(BuildPlan, InferredRefusesUnlabeledMember) {
  std::vector<Member> members{member("A", "a.jpg", R"({"label":"cat"})"), member("B", "b.jpg")};
  Options options;
  options.format = Format::tensorflow_inferred;
  auto plan = build_plan(members, options);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(plan.error().message.find(h("B")), std::string::npos);
  EXPECT_NE(plan.error().hint.find("ldb del"), std::string::npos);
}

TEST(BuildPlan, AnnotationOnlyWrapsAnnotation) {
  std::vector<Member> members{member("A", "a.jpg", R"({"l":1})"), member("B", "b.jpg")};
  Options options;
  options.format = Format::annotation_only;
  auto plan = build_plan(members, options);
  ASSERT_OK(plan);
  ASSERT_EQ(plan->files.size(), 1u);
  EXPECT_EQ(plan->files[0].path, "a-" + h("A") + ".json");
  EXPECT_EQ(plan->files[0].content,
            "{\n  \"annotation\": {\n    \"l\": 1\n  },\n  \"ldb_meta\": {\n    "
            "\"data_object_id\": \"" +
                h("A") + "\"\n  }\n}\n");
  EXPECT_EQ(plan->skipped, 1u);
}

TEST(BuildPlan, AnnotationOnlySingleFile) {
  std::vector<Member> members{member("B", "b.jpg", "2"), member("A", "a.jpg", "1")};
  Options options;
  options.format = Format::annotation_only;
  options.params = {{"single-file", "true"}};
  auto plan = build_plan(members, options);
  ASSERT_OK(plan);
  ASSERT_EQ(plan->files.size(), 1u);
  EXPECT_EQ(plan->files[0].path, "dataset.json");
  // Entries in hash order, whatever order members came in.
  std::string first = std::min(h("A"), h("B"));
  EXPECT_NE(plan->files[0].content.find(first), std::string::npos);
  EXPECT_LT(plan->files[0].content.find(first), plan->files[0].content.find(std::max(h("A"), h("B"))));
  EXPECT_TRUE(plan->files[0].content.starts_with("[\n  {\n    \"annotation\": "));
  EXPECT_EQ(plan->annotation_files, 1u);
}

TEST(BuildPlan, PreservePathsKeepsRelativePaths) {
  std::vector<Member> members{member("A", "x/a.JPG", R"({"l":1})"), member("B", "y/z/b.png", "2")};
  Options options;
  options.preserve_paths = true;
  auto plan = build_plan(members, options);
  ASSERT_OK(plan);
  EXPECT_EQ(paths_of(*plan), (std::vector<std::string>{"x/a.JPG", "x/a.json", "y/z/b.json", "y/z/b.png"}));
}

TEST(BuildPlan, PreservePathsDisambiguatesCollisions) {
  // Same relative path from two storage locations, and x.jpg/x.png sharing x.json.
  std::vector<Member> members{member("A", "d/a.jpg", "1"), member("B", "d/a.jpg", "2"), member("C", "d/x.jpg", "3"),
                              member("D", "d/x.png", "4")};
  Options options;
  options.preserve_paths = true;
  auto plan = build_plan(members, options);
  ASSERT_OK(plan);
  std::string first_a = std::min(h("A"), h("B"));
  std::string second_a = std::max(h("A"), h("B"));
  EXPECT_EQ(paths_of(*plan),
            (std::vector<std::string>{"d/a-" + second_a + ".jpg", "d/a-" + second_a + ".json", "d/a.jpg", "d/a.json",
                                      "d/x-" + h("D") + ".json", "d/x-" + h("D") + ".png", "d/x.jpg", "d/x.json"}));
  // The plain names went to the smaller hash, deterministically.
  for (const auto& f : plan->files) {
    if (f.path == "d/a.jpg") {
      EXPECT_EQ(f.object.hex(), first_a);
    }
  }
}

TEST(BuildPlan, PreservePathsRefusesEscapes) {
  for (std::string bad : {"../../etc/passwd", "/etc/passwd", "a/../../b", ".ldb_workspace/collection"}) {
    std::vector<Member> members{member("A", bad, "1")};
    Options options;
    options.preserve_paths = true;
    auto plan = build_plan(members, options);
    ASSERT_FALSE(plan) << bad;
    EXPECT_EQ(plan.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(plan.error().message.find(h("A")), std::string::npos);
  }
}

TEST(BuildPlan, RefusesFileWhereAFolderIsNeeded) {
  std::vector<Member> members{member("A", "a", "1"), member("B", "a/b.png", "2")};
  Options options;
  options.format = Format::bare_pairs;
  options.preserve_paths = true;
  auto plan = build_plan(members, options);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("both a file and the folder"), std::string::npos);
}

TEST(BuildPlan, RefusesJsonDataThatCollidesWithItsAnnotation) {
  std::vector<Member> members{member("A", "a.json", "1")};
  auto plan = build_plan(members, Options{});
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("would both be instantiated as"), std::string::npos);
}

TEST(BuildPlan, RefusesDuplicateMembers) {
  std::vector<Member> members{member("A", "a.jpg", "1"), member("A", "b.jpg", "1")};
  auto plan = build_plan(members, Options{});
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("listed twice"), std::string::npos);
}

TEST(BuildPlan, ValidatesParamsAndOptions) {
  struct Case {
    Format format;
    std::vector<std::pair<std::string, std::string>> params;
    bool annotations_only = false;
    bool preserve_paths = false;
    std::string expect;
  };
  for (const auto& c : std::vector<Case>{
           {Format::strict_pairs, {{"label-key", "x"}}, false, false, "unknown parameter 'label-key'"},
           {Format::tensorflow_inferred, {{"single-file", "true"}}, false, false, "unknown parameter"},
           {Format::tensorflow_inferred, {{"label-key", "a..b"}}, false, false, "empty key"},
           {Format::annotation_only, {{"single-file", "yes"}}, false, false, "true or false"},
           {Format::tensorflow_inferred, {}, true, false, "--annotations-only"},
           {Format::tensorflow_inferred, {}, false, true, "--preserve-paths"},
           {Format::annotation_only, {{"single-file", "true"}}, false, true, "--preserve-paths"},
       }) {
    Options options;
    options.format = c.format;
    options.params = c.params;
    options.annotations_only = c.annotations_only;
    options.preserve_paths = c.preserve_paths;
    auto plan = build_plan({}, options);
    ASSERT_FALSE(plan) << c.expect;
    EXPECT_EQ(plan.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(plan.error().message.find(c.expect), std::string::npos) << plan.error().message;
    EXPECT_FALSE(plan.error().hint.empty());
  }
}

TEST(BuildPlan, EmptyDatasetPlansNothing) {
  for (Format format :
       {Format::strict_pairs, Format::bare_pairs, Format::tensorflow_inferred, Format::annotation_only}) {
    Options options;
    options.format = format;
    auto plan = build_plan({}, options);
    ASSERT_OK(plan);
    EXPECT_TRUE(plan->files.empty());
  }
  Options single;
  single.format = Format::annotation_only;
  single.params = {{"single-file", "true"}};
  auto plan = build_plan({}, single);
  ASSERT_OK(plan);
  EXPECT_TRUE(plan->files.empty());
}

}  // namespace
}  // namespace ldb::formats
