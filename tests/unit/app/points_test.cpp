// app::selection_points(): the embedding view's points of a selection in its
// order, and the colour key's categories (dataset::categorize's rules: one
// value, an array of one value, (several), (none), (other)).

#include "app/points.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "app/browse.hpp"
#include "app/images.hpp"
#include "app/index.hpp"
#include "app/instance.hpp"
#include "app/storage.hpp"
#include "core/hash.hpp"
#include "test_support.hpp"

namespace ldb::app {
namespace {

using ldb::testing::read_bytes;
using ldb::testing::TempDir;

class PointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_context.env.set("HOME", (m_dir.path() / "home").string());
    m_context.env.set("LDB_DIR", (m_dir.path() / "instance").string());
    m_context.env.set("LDB_CACHE_DIR", "none");
    m_context.cwd = m_dir.path();
    const std::filesystem::path photos = std::filesystem::path(LDB_TESTDATA_DIR) / "photos";
    // Four photos with annotations that exercise every rule, and a text file (no point).
    const std::map<std::string, std::string> annotations = {
        {"dog.jpg", R"({"class": "dog", "tags": ["a", "a"], "n": 2})"},
        {"kite.jpg", R"({"class": "kite", "tags": ["a", "b"], "n": 2})"},
        {"chelsea.png", R"({"class": "dog", "tags": [], "n": 0.5})"},
        {"astronaut.png", R"({"class": "dog", "tags": ["b"], "n": {"x": 1}})"},
    };
    for (const auto& [name, annotation] : annotations) {
      m_bytes[name] = read_bytes(photos / name);
      m_dir.write("data/" + name, m_bytes[name]);
      m_dir.write("data/" + name.substr(0, name.find('.')) + ".json", annotation);
    }
    m_dir.write("data/notes.txt", "not an image");
    ASSERT_OK(init_instance(m_context, "instance", false, false));
    m_session = std::make_unique<Session>(m_context);
    ASSERT_OK(add_storage(*m_session, {"data", std::nullopt, {}, false}));
    IndexSettings settings;
    settings.format = "bare-pairs";
    ASSERT_OK(index(*m_session, {{"data"}, settings}));
    auto refs = select_refs(*m_session, {Selector{{"ds:root"}, {}}, std::nullopt, false});
    ASSERT_OK(refs);
    m_refs = std::move(*refs);
  }

  // The label of the point of `name`'s object.
  std::string label_of(const SelectionPoints& points, const std::string& name) {
    const auto hash = core::md5_of(m_bytes[name]);
    for (std::size_t i = 0; i < points.positions.size(); ++i) {
      if (m_refs[points.positions[i]].hash == hash) return points.legend[points.categories[i]].label;
    }
    return "no point";
  }

  TempDir m_dir;
  Context m_context;
  std::map<std::string, std::string> m_bytes;
  std::unique_ptr<Session> m_session;
  std::vector<ObjectRef> m_refs;
};

TEST_F(PointsTest, WithoutAProjectionTheErrorNamesTheCommands) {
  auto points = selection_points(*m_session, m_refs, {});
  ASSERT_FALSE(points);
  EXPECT_EQ(points.error().code, ErrorCode::not_found);
  EXPECT_EQ(points.error().hint, "compute them: ldb embed -m builtin, then ldb project -m builtin --method pca");
  // An empty selection has no points, and that is no error.
  auto none = selection_points(*m_session, {}, {});
  ASSERT_OK(none);
  EXPECT_TRUE(none->positions.empty());
}

TEST_F(PointsTest, ThePointsOfTheSelectionInItsOrder) {
  ASSERT_OK(embed(*m_session, {}));
  ASSERT_OK(project(*m_session, {}));
  auto points = selection_points(*m_session, m_refs, {});
  ASSERT_OK(points);
  ASSERT_EQ(m_refs.size(), 5u);
  ASSERT_EQ(points->positions.size(), 4u);
  ASSERT_EQ(points->xy.size(), 8u);
  EXPECT_TRUE(points->categories.empty());
  auto stored = projected_points(*m_session, {});
  ASSERT_OK(stored);
  std::map<core::Md5, std::pair<float, float>> by_hash;
  for (const auto& p : *stored) by_hash[p.hash] = {p.x, p.y};
  for (std::size_t i = 0; i < points->positions.size(); ++i) {
    if (i) {
      EXPECT_LT(points->positions[i - 1], points->positions[i]);
    }
    const auto& hash = m_refs[points->positions[i]].hash;
    ASSERT_TRUE(by_hash.contains(hash));
    EXPECT_EQ(points->xy[2 * i], by_hash[hash].first);
    EXPECT_EQ(points->xy[2 * i + 1], by_hash[hash].second);
  }
  auto unknown = selection_points(*m_session, m_refs, {"nope", "pca", std::nullopt});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::invalid_argument);
}

TEST_F(PointsTest, AColourKeyPutsEachPointInACategory) {
  ASSERT_OK(embed(*m_session, {}));
  ASSERT_OK(project(*m_session, {}));
  auto by_class = selection_points(*m_session, m_refs, {"builtin", "pca", "class"});
  ASSERT_OK(by_class);
  ASSERT_EQ(by_class->legend.size(), 2u);
  EXPECT_EQ(by_class->legend[0].label, "dog");
  EXPECT_EQ(by_class->legend[0].count, 3u);
  EXPECT_EQ(by_class->legend[1].label, "kite");
  EXPECT_EQ(label_of(*by_class, "kite.jpg"), "kite");

  // Arrays: one value throughout is that value; mixed is (several); empty is (none).
  auto by_tags = selection_points(*m_session, m_refs, {"builtin", "pca", "tags"});
  ASSERT_OK(by_tags);
  EXPECT_EQ(label_of(*by_tags, "dog.jpg"), "a");
  EXPECT_EQ(label_of(*by_tags, "kite.jpg"), "(several)");
  EXPECT_EQ(label_of(*by_tags, "chelsea.png"), "(none)");
  EXPECT_EQ(label_of(*by_tags, "astronaut.png"), "b");
  EXPECT_EQ(by_tags->legend.back().label, "(none)");

  // Numbers are values; an object is (none).
  auto by_n = selection_points(*m_session, m_refs, {"builtin", "pca", "n", 3});
  ASSERT_OK(by_n);
  EXPECT_EQ(label_of(*by_n, "dog.jpg"), "2");
  EXPECT_EQ(label_of(*by_n, "kite.jpg"), "2");
  EXPECT_EQ(label_of(*by_n, "chelsea.png"), "0.5");
  EXPECT_EQ(label_of(*by_n, "astronaut.png"), "(none)");
  EXPECT_EQ(by_n->legend.size(), 3u);

  // At most max categories, (none) included: the rest share (other).
  auto few = selection_points(*m_session, m_refs, {"builtin", "pca", "tags", 3});
  ASSERT_OK(few);
  ASSERT_EQ(few->legend.size(), 3u);
  EXPECT_EQ(few->legend[0].label, "(several)");  // ties by label
  EXPECT_EQ(few->legend[1].label, "(other)");
  EXPECT_EQ(few->legend[1].count, 2u);
  EXPECT_EQ(label_of(*few, "dog.jpg"), "(other)");
  EXPECT_EQ(label_of(*few, "astronaut.png"), "(other)");
  EXPECT_EQ(few->legend[2].label, "(none)");

  auto bad = selection_points(*m_session, m_refs, {"builtin", "pca", "class =="});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(query_error_column(bad.error()).has_value());
}

}  // namespace
}  // namespace ldb::app
