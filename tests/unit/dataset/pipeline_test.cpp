#include "dataset/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataset_fixture.hpp"

namespace ldb::dataset {
namespace {

using testing::DatasetFixture;

// Six objects set/0.jpg .. set/5.jpg of sizes 4, 8, ... 24 bytes; 0-4 annotated,
// 5 not. `val` has a different type on objects 2, 3 and 4 (and is absent elsewhere).
class PipelineTest : public DatasetFixture {
 protected:
  void SetUp() override {
    const char* annotations[] = {
        R"({"i":0,"class":"cat","conf":0.9})",
        R"({"i":1,"class":"dog","conf":0.3})",
        R"({"i":2,"class":"cat","conf":0.6,"val":7})",
        R"({"i":3,"class":"dog","conf":0.8,"val":"ab"})",
        R"({"i":4,"class":"cat","conf":0.1,"val":[1,2]})",
        "",
    };
    for (int i = 0; i < 6; ++i) {
      std::string content = "obj" + std::string(static_cast<std::size_t>(i) * 4, '#') + std::to_string(i);
      m_objects.push_back(write_pair("set/" + std::to_string(i), content, annotations[i]));
    }
    index({"set"});
    for (int i = 0; i < 6; ++i) {
      m_selection.push_back({m_objects[i], i < 5 ? 1u : 0u});
      m_index_of[m_objects[i]] = i;
    }
  }

  Result<Selection> run(std::vector<FilterSpec> filters) { return apply_filters(ctx(), m_selection, filters); }

  // The object numbers of a selection, in order.
  std::vector<int> numbers(const Selection& selection) {
    std::vector<int> out;
    for (const auto& r : selection) out.push_back(m_index_of.at(r.hash));
    return out;
  }

  std::vector<int> run_numbers(std::vector<FilterSpec> filters) {
    auto result = run(std::move(filters));
    EXPECT_TRUE(result.has_value()) << testing::describe(result);
    return result ? numbers(*result) : std::vector<int>{-1};
  }

  std::vector<core::Md5> m_objects;
  Selection m_selection;
  std::map<core::Md5, int> m_index_of;
};

using V = std::vector<int>;

TEST_F(PipelineTest, NoFiltersKeepsOrder) { EXPECT_EQ(run_numbers({}), (V{0, 1, 2, 3, 4, 5})); }

TEST_F(PipelineTest, Limit) {
  EXPECT_EQ(run_numbers({{FilterKind::limit, "3", {}}}), (V{0, 1, 2}));
  EXPECT_EQ(run_numbers({{FilterKind::limit, "0", {}}}), V{});
  EXPECT_EQ(run_numbers({{FilterKind::limit, "100", {}}}), (V{0, 1, 2, 3, 4, 5}));
}

TEST_F(PipelineTest, SampleBounds) {
  EXPECT_EQ(run_numbers({{FilterKind::sample, "0", {}}}), V{});
  EXPECT_EQ(run_numbers({{FilterKind::sample, "1", {}}}), (V{0, 1, 2, 3, 4, 5}));
}

TEST_F(PipelineTest, SampleWithSeedIsReproducibleAndKeepsOrder) {
  std::vector<FilterSpec> filters{{FilterKind::seed, "7", {}}, {FilterKind::sample, "0.5", {}}};
  V first = run_numbers(filters);
  EXPECT_EQ(run_numbers(filters), first);
  EXPECT_TRUE(std::is_sorted(first.begin(), first.end()));
  // Across many seeds a Bernoulli(0.5) sample of six is neither always empty nor always full.
  std::size_t total = 0;
  for (int seed = 0; seed < 20; ++seed) {
    total += run_numbers({{FilterKind::seed, std::to_string(seed), {}}, {FilterKind::sample, "0.5", {}}}).size();
  }
  EXPECT_GT(total, 20u);
  EXPECT_LT(total, 100u);
}

TEST_F(PipelineTest, ShuffleWithSeedIsAReproduciblePermutation) {
  std::vector<FilterSpec> filters{{FilterKind::seed, "42", {}}, {FilterKind::shuffle, "", {}}};
  V first = run_numbers(filters);
  EXPECT_EQ(run_numbers(filters), first);
  V sorted = first;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (V{0, 1, 2, 3, 4, 5}));
  // Some seed in a handful changes the order.
  bool changed = false;
  for (int seed = 0; seed < 5 && !changed; ++seed) {
    changed = run_numbers({{FilterKind::seed, std::to_string(seed), {}}, {FilterKind::shuffle, "", {}}}) !=
              V{0, 1, 2, 3, 4, 5};
  }
  EXPECT_TRUE(changed);
}

TEST_F(PipelineTest, TagAndNoTag) {
  std::vector<core::Md5> train{m_objects[0], m_objects[2]};
  std::vector<core::Md5> val{m_objects[3]};
  std::vector<std::string> t{"train"}, v{"val"}, none;
  ASSERT_OK(db().update_tags(train, t, none));
  ASSERT_OK(db().update_tags(val, v, none));
  EXPECT_EQ(run_numbers({{FilterKind::tag, "train", {}}}), (V{0, 2}));
  EXPECT_EQ(run_numbers({{FilterKind::tag, "train,val", {}}}), (V{0, 2, 3}));
  EXPECT_EQ(run_numbers({{FilterKind::tag, "unknown", {}}}), V{});
  EXPECT_EQ(run_numbers({{FilterKind::no_tag, "train", {}}}), (V{1, 3, 4, 5}));
  EXPECT_EQ(run_numbers({{FilterKind::no_tag, "train,val", {}}}), (V{1, 4, 5}));
}

TEST_F(PipelineTest, PathRegex) {
  EXPECT_EQ(run_numbers({{FilterKind::path, "set/[0-2]\\.jpg$", {}}}), (V{0, 1, 2}));
  EXPECT_EQ(run_numbers({{FilterKind::path, "nomatch", {}}}), V{});
  auto bad = run({{FilterKind::path, "(", {}}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(bad.error().message.find("--path"), std::string::npos);
  EXPECT_NE(bad.error().message.find("'('"), std::string::npos);
  EXPECT_FALSE(bad.error().hint.empty());
}

TEST_F(PipelineTest, QueryKeepsTruthy) {
  EXPECT_EQ(run_numbers({{FilterKind::query, "class == 'cat'", {}}}), (V{0, 2, 4}));
  // A backtick literal that is not JSON is a string.
  EXPECT_EQ(run_numbers({{FilterKind::query, "class == `dog`", {}}}), (V{1, 3}));
  // i == 0 is truthy in JMESPath (only false, null, "", [], {} are false).
  EXPECT_EQ(run_numbers({{FilterKind::query, "i", {}}}), (V{0, 1, 2, 3, 4}));
}

TEST_F(PipelineTest, QueryDropsObjectsMissingAKeyButJqueryDoesNot) {
  EXPECT_EQ(run_numbers({{FilterKind::query, "missing == missing", {}}}), V{});
  EXPECT_EQ(run_numbers({{FilterKind::query, "val", {}}}), (V{2, 3, 4}));
  EXPECT_EQ(run_numbers({{FilterKind::jquery, "missing == missing", {}}}), (V{0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(ctx().warnings.empty());
}

TEST_F(PipelineTest, QueryReadsBareNumbersJqueryDoesNot) {
  EXPECT_EQ(run_numbers({{FilterKind::query, "conf < 0.5", {}}}), (V{1, 4}));
  EXPECT_EQ(run_numbers({{FilterKind::jquery, "conf < `0.5`", {}}}), (V{1, 4}));
  auto bare = run({{FilterKind::jquery, "conf < 0.5", {}}});
  ASSERT_FALSE(bare.has_value());
  EXPECT_EQ(bare.error().code, ErrorCode::invalid_argument);
}

TEST_F(PipelineTest, FileAttributes) {
  EXPECT_EQ(run_numbers({{FilterKind::file, "fs.size > `10`", {}}}), (V{2, 3, 4, 5}));
  EXPECT_EQ(run_numbers({{FilterKind::file, "fs.protocol == 'file'", {}}}), (V{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(run_numbers({{FilterKind::file, "regex(fs.path, 'set/5')", {}}}), V{5});
}

TEST_F(PipelineTest, SortAndSortDesc) {
  EXPECT_EQ(run_numbers({{FilterKind::sort, "conf", {}}}), (V{4, 1, 2, 3, 0, 5}));
  ASSERT_EQ(ctx().warnings.size(), 1u);
  EXPECT_NE(ctx().warnings[0].find("1 object has no sort key"), std::string::npos) << ctx().warnings[0];
  EXPECT_EQ(run_numbers({{FilterKind::sort_desc, "conf", {}}}), (V{0, 3, 2, 1, 4, 5}));
  EXPECT_EQ(run_numbers({{FilterKind::sort_desc, "class", {}}}), (V{1, 3, 0, 2, 4, 5}));
}

TEST_F(PipelineTest, FilterOrderMatters) {
  EXPECT_EQ(run_numbers({{FilterKind::sort, "conf", {}}, {FilterKind::limit, "2", {}}}), (V{4, 1}));
  EXPECT_EQ(run_numbers({{FilterKind::limit, "2", {}}, {FilterKind::sort, "conf", {}}}), (V{1, 0}));
  EXPECT_EQ(run_numbers({{FilterKind::limit, "3", {}}, {FilterKind::query, "class == 'cat'", {}}}), (V{0, 2}));
  EXPECT_EQ(run_numbers({{FilterKind::query, "class == 'cat'", {}}, {FilterKind::limit, "3", {}}}), (V{0, 2, 4}));
}

TEST_F(PipelineTest, RuntimeTypeErrorWarnsAndDrops) {
  // length(7) is a type error on object 2; objects 0, 1 lack `val` (dropped quietly).
  EXPECT_EQ(run_numbers({{FilterKind::query, "length(val) > `1`", {}}}), (V{3, 4}));
  ASSERT_EQ(ctx().warnings.size(), 1u);
  const auto& w = ctx().warnings[0];
  EXPECT_NE(w.find("1 object was skipped"), std::string::npos) << w;
  EXPECT_NE(w.find("length(val) > `1`"), std::string::npos) << w;
  EXPECT_NE(w.find("invalid-type"), std::string::npos) << w;
}

TEST_F(PipelineTest, ValidateFiltersAcceptsGoodFilters) {
  std::vector<FilterSpec> filters{{FilterKind::query, "a == `1`", {}}, {FilterKind::limit, "5", {}},
                                  {FilterKind::sample, "0.25", {}},    {FilterKind::seed, "3", {}},
                                  {FilterKind::tag, "a,b", {}},        {FilterKind::path, "x.*", {}},
                                  {FilterKind::sort_desc, "a", {}},    {FilterKind::shuffle, "", {}}};
  EXPECT_OK(validate_filters(filters));
}

TEST_F(PipelineTest, ValidateFiltersRejectsBadNumbers) {
  std::vector<FilterSpec> bad{{FilterKind::limit, "abc", {}},  {FilterKind::limit, "-1", {}},
                              {FilterKind::limit, "1.5", {}},  {FilterKind::limit, "", {}},
                              {FilterKind::seed, "x", {}},     {FilterKind::sample, "abc", {}},
                              {FilterKind::sample, "1.5", {}}, {FilterKind::sample, "-0.1", {}},
                              {FilterKind::sample, "nan", {}}, {FilterKind::sample, "inf", {}}};
  for (const auto& f : bad) {
    std::vector<FilterSpec> one{f};
    auto st = validate_filters(one);
    ASSERT_FALSE(st.has_value()) << f.value;
    EXPECT_EQ(st.error().code, ErrorCode::invalid_argument) << f.value;
    EXPECT_NE(st.error().message.find(f.value), std::string::npos) << st.error().message;
    EXPECT_FALSE(st.error().hint.empty());
  }
  std::vector<FilterSpec> sample{{FilterKind::sample, "2", {}}};
  EXPECT_NE(validate_filters(sample).error().message.find("probability"), std::string::npos);
}

TEST_F(PipelineTest, SampleRateIsAPercentageCheckedAsWritten) {
  for (std::string bad : {"150", "-1", "ten", "nan", "100.5"}) {
    std::vector<FilterSpec> one{{FilterKind::sample_rate, bad, {}}};
    auto st = validate_filters(one);
    ASSERT_FALSE(st.has_value()) << bad;
    EXPECT_NE(st.error().message.find("--sample-rate"), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find(bad), std::string::npos) << st.error().message;
    EXPECT_EQ(st.error().message.find("--sample "), std::string::npos) << st.error().message;
  }
  std::vector<FilterSpec> over{{FilterKind::sample_rate, "150", {}}};
  EXPECT_EQ(validate_filters(over).error().message, "--sample-rate expects a percentage from 0 to 100, got 150");
  EXPECT_EQ(run_numbers({{FilterKind::sample_rate, "0", {}}}), V{});
  EXPECT_EQ(run_numbers({{FilterKind::sample_rate, "100", {}}}), (V{0, 1, 2, 3, 4, 5}));
  // The same draw as --sample with PERCENT/100.
  EXPECT_EQ(run_numbers({{FilterKind::seed, "7", {}}, {FilterKind::sample_rate, "50", {}}}),
            run_numbers({{FilterKind::seed, "7", {}}, {FilterKind::sample, "0.5", {}}}));
}

TEST_F(PipelineTest, ValidateFiltersRejectsBadQueryWithCaret) {
  std::vector<FilterSpec> filters{{FilterKind::limit, "1", {}}, {FilterKind::query, "class == ", {}}};
  auto st = validate_filters(filters);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(st.error().hint.find('^'), std::string::npos) << st.error().hint;
  EXPECT_NE(st.error().hint.find("class =="), std::string::npos) << st.error().hint;
  // apply_filters validates before running anything.
  auto applied = run(filters);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, ErrorCode::invalid_argument);
  std::vector<FilterSpec> sort{{FilterKind::sort, "a ||", {}}};
  EXPECT_FALSE(validate_filters(sort).has_value());
  std::vector<FilterSpec> fn{{FilterKind::file, "nosuchfn(fs.path)", {}}};
  EXPECT_FALSE(validate_filters(fn).has_value());
}

TEST_F(PipelineTest, ValidateFiltersRejectsEmptyTags) {
  for (auto kind : {FilterKind::tag, FilterKind::no_tag}) {
    std::vector<FilterSpec> filters{{kind, ",", {}}};
    auto st = validate_filters(filters);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code, ErrorCode::invalid_argument);
  }
}

TEST_F(PipelineTest, EvaluateEach) {
  auto values = evaluate_each(ctx(), m_selection, {FilterKind::query, "class", {}});
  ASSERT_OK(values);
  ASSERT_EQ(values->size(), 6u);
  EXPECT_EQ((*values)[0].ref, m_selection[0]);
  EXPECT_TRUE((*values)[0].ok);
  EXPECT_EQ((*values)[0].json, "\"cat\"");
  EXPECT_EQ((*values)[1].json, "\"dog\"");
  // No annotation: `class` is missing in the ldb dialect, null in JMESPath.
  EXPECT_FALSE((*values)[5].ok);
  EXPECT_FALSE((*values)[5].json.empty());

  auto jvalues = evaluate_each(ctx(), m_selection, {FilterKind::jquery, "class", {}});
  ASSERT_OK(jvalues);
  EXPECT_TRUE((*jvalues)[5].ok);
  EXPECT_EQ((*jvalues)[5].json, "null");

  auto typed = evaluate_each(ctx(), m_selection, {FilterKind::query, "length(val)", {}});
  ASSERT_OK(typed);
  EXPECT_FALSE((*typed)[2].ok);
  EXPECT_NE((*typed)[2].json.find("invalid-type"), std::string::npos) << (*typed)[2].json;
  EXPECT_TRUE((*typed)[3].ok);
  EXPECT_EQ((*typed)[3].json, "2");

  auto sizes = evaluate_each(ctx(), m_selection, {FilterKind::file, "fs.size", {}});
  ASSERT_OK(sizes);
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*sizes)[i].json, std::to_string(4 + 4 * i));

  auto bad = evaluate_each(ctx(), m_selection, {FilterKind::query, "class ==", {}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
}

TEST_F(PipelineTest, FileAttributesJsonShape) {
  // A second copy of object 0 elsewhere, and tags on it.
  m_dir.write("data/zcopy/0-again.jpg", "obj0");
  index({"zcopy"});
  std::vector<core::Md5> first{m_objects[0]};
  std::vector<std::string> tags{"zeta", "alpha"}, none;
  ASSERT_OK(db().update_tags(first, tags, none));

  auto docs = file_attributes_json(ctx(), Selection{m_selection[0], m_selection[5]});
  ASSERT_OK(docs);
  ASSERT_EQ(docs->size(), 2u);
  auto doc = nlohmann::json::parse((*docs)[0]);
  EXPECT_EQ(doc["fs"]["path"], data("set/0.jpg"));
  EXPECT_EQ(doc["fs"]["size"], 4);
  EXPECT_EQ(doc["fs"]["protocol"], "file");
  EXPECT_EQ(doc["alternate_paths"], nlohmann::json::array({data("zcopy/0-again.jpg")}));
  EXPECT_EQ(doc["tags"], nlohmann::json::array({"alpha", "zeta"}));
  std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00)");
  for (const char* key : {"first_indexed", "last_indexed"}) {
    ASSERT_TRUE(doc[key].is_string()) << key;
    EXPECT_TRUE(std::regex_match(doc[key].get<std::string>(), iso)) << doc[key];
  }
  ASSERT_TRUE(doc["fs"]["mtime"].is_string());
  EXPECT_TRUE(std::regex_match(doc["fs"]["mtime"].get<std::string>(), iso)) << doc["fs"]["mtime"];
  EXPECT_GE(doc["last_indexed"].get<std::string>(), doc["first_indexed"].get<std::string>());

  auto plain = nlohmann::json::parse((*docs)[1]);
  EXPECT_EQ(plain["fs"]["path"], data("set/5.jpg"));
  EXPECT_EQ(plain["alternate_paths"], nlohmann::json::array());
  EXPECT_EQ(plain["tags"], nlohmann::json::array());
  EXPECT_EQ(plain["fs"]["size"], 24);
}

TEST_F(PipelineTest, FileAttributesOfANameThatIsNotUtf8AreValidJson) {
  m_dir.write("data/odd/\xff\xfe.jpg", "odd bytes");
  index({"odd"});
  core::Md5 odd = core::md5_of("odd bytes");
  auto docs = file_attributes_json(ctx(), Selection{{odd, 0}, m_selection[1]});
  ASSERT_OK(docs);
  auto doc = nlohmann::json::parse((*docs)[0]);
  EXPECT_EQ(doc["fs"]["path"], data("odd/") + R"(\xff\xfe.jpg)");
  EXPECT_EQ(doc["fs"]["path_escaped"], true);
  EXPECT_EQ(doc["fs"]["protocol"], "file");
  auto plain = nlohmann::json::parse((*docs)[1]);
  EXPECT_EQ(plain["fs"]["path_escaped"], false);
  // --file queries match it.
  Selection everything = m_selection;
  everything.push_back({odd, 0});
  auto escaped = apply_filters(ctx(), everything, std::vector<FilterSpec>{{FilterKind::file, "fs.path_escaped", {}}});
  ASSERT_OK(escaped);
  ASSERT_EQ(escaped->size(), 1u);
  EXPECT_EQ(escaped->front().hash, odd);
  EXPECT_TRUE(ctx().warnings.empty());
}

TEST_F(PipelineTest, FileMtimeIsTheFilesOwn) {
  auto old_file = m_dir.write("data/old/x.jpg", "old data");
  std::filesystem::last_write_time(old_file,
                                   std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 365 * 5));
  index({"old"});
  auto docs = file_attributes_json(ctx(), Selection{{core::md5_of("old data"), 0}});
  ASSERT_OK(docs);
  auto doc = nlohmann::json::parse(docs->front());
  EXPECT_LT(doc["fs"]["mtime"].get<std::string>(), doc["last_indexed"].get<std::string>());
}

}  // namespace
}  // namespace ldb::dataset
