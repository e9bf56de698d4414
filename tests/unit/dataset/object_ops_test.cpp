#include "dataset/object_ops.hpp"

#include <string>
#include <vector>

#include "dataset/collection_ops.hpp"
#include "dataset_fixture.hpp"

namespace ldb::dataset {
namespace {

using testing::DatasetFixture;

class ObjectOpsTest : public DatasetFixture {
 protected:
  void SetUp() override {
    m_a = write_pair("o/a", "object a", R"({"n":1})");
    m_b = write_pair("o/b", "object b", R"({"n":2})");
    m_c = write_pair("o/c", "object c", "");
    index({"o"});
    // a gets versions 2 and 3.
    m_dir.write("data/o/a.json", R"({"n":10})");
    index({"o"});
    m_dir.write("data/o/a.json", R"({"n":111})");
    index({"o"});
  }
  core::Md5 m_a, m_b, m_c;
};

TEST(TagNames, ValidAndInvalid) {
  EXPECT_OK(validate_tag("good_tag-2"));
  for (std::string bad : {"", "with space", "a/b", "dot.ted", "ümlaut"}) {
    auto r = validate_tag(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
    EXPECT_FALSE(r.error().hint.empty());
  }
}

TEST(TagNames, ListsSplitDedupAndNameTheFlag) {
  std::vector<std::string> values{"a,b", "b,c"};
  auto tags = parse_tag_list(values, "-a");
  ASSERT_OK(tags);
  EXPECT_EQ(*tags, (std::vector<std::string>{"a", "b", "c"}));
  std::vector<std::string> bad{"a,b c"};
  auto failed = parse_tag_list(bad, "-r");
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().message.find("-r 'a,b c'"), std::string::npos) << failed.error().message;
}

TEST_F(ObjectOpsTest, TagAddsAndRemoves) {
  store::Collection objects = normalize({{m_a, 3}, {m_b, 1}});
  std::vector<std::string> add{"x", "y"}, none;
  auto tagged = tag_objects(ctx(), objects, add, none);
  ASSERT_OK(tagged);
  EXPECT_EQ(tagged->selected, 2u);
  EXPECT_EQ(tagged->changed, 2u);
  std::vector<std::string> remove{"x"};
  tagged = tag_objects(ctx(), normalize({{m_a, 3}}), none, remove);
  ASSERT_OK(tagged);
  EXPECT_EQ(tagged->changed, 1u);
  EXPECT_EQ(db().object_info(m_a)->tags, (std::vector<std::string>{"y"}));
  EXPECT_EQ(db().object_info(m_b)->tags, (std::vector<std::string>{"x", "y"}));
  auto both = tag_objects(ctx(), objects, remove, remove);
  ASSERT_FALSE(both.has_value());
  EXPECT_EQ(both.error().code, ErrorCode::invalid_argument);
}

TEST_F(ObjectOpsTest, PullToCurrentAndToAVersion) {
  store::Collection staged = normalize({{m_a, 1}, {m_b, 1}, {m_c, 0}});
  auto pulled = pull(ctx(), staged, staged, 0);
  ASSERT_OK(pulled);
  EXPECT_EQ(pulled->members, normalize({{m_a, 3}, {m_b, 1}, {m_c, 0}}));
  EXPECT_EQ(pulled->updated, 1u);
  EXPECT_EQ(pulled->unchanged, 2u);
  EXPECT_EQ(pulled->missing, 0u);

  pulled = pull(ctx(), pulled->members, staged, 2);
  ASSERT_OK(pulled);
  EXPECT_EQ(pulled->members, normalize({{m_a, 2}, {m_b, 1}, {m_c, 0}}));
  EXPECT_EQ(pulled->updated, 1u);
  EXPECT_EQ(pulled->missing, 2u);  // b and c have no version 2

  // Only selected members move; selected objects not staged are counted and ignored.
  store::Collection two = normalize({{m_a, 1}, {m_c, 0}});
  pulled = pull(ctx(), two, normalize({{m_b, 1}}), 0);
  ASSERT_OK(pulled);
  EXPECT_EQ(pulled->members, two);
  EXPECT_EQ(pulled->not_staged, 1u);
}

TEST_F(ObjectOpsTest, UnindexRefusesSavedAndStagedObjects) {
  ASSERT_OK(db().commit_dataset("keep", normalize({{m_a, 3}}), 0, "", "me"));
  auto refused = unindex(ctx(), normalize({{m_a, 3}, {m_b, 1}}), {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  EXPECT_NE(refused.error().message.find("ds:keep.v1"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find(m_a.hex()), std::string::npos);
  EXPECT_NE(refused.error().hint.find("ldb ds del"), std::string::npos);

  auto staged_here = unindex(ctx(), normalize({{m_b, 1}}), normalize({{m_b, 1}, {m_c, 0}}));
  ASSERT_FALSE(staged_here.has_value());
  EXPECT_EQ(staged_here.error().code, ErrorCode::conflict);
  EXPECT_NE(staged_here.error().message.find("staged in this workspace"), std::string::npos);
  EXPECT_TRUE(db().object_info(m_b).has_value());

  auto removed = unindex(ctx(), normalize({{m_b, 1}, {m_c, 0}}), normalize({{m_a, 3}}));
  ASSERT_OK(removed);
  EXPECT_EQ(*removed, 2u);
  EXPECT_EQ(db().root_collection()->size(), 1u);
}

}  // namespace
}  // namespace ldb::dataset
