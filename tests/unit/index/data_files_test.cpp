#include "index/data_files.hpp"

#include <fmt/format.h>

#include "core/progress.hpp"
#include "index_fixture.hpp"

namespace ldb::index {
namespace {

using storage::Operation;

class DataFilesTest : public testing::IndexFixture {
 protected:
  void SetUp() override {
    m_dir.write("in/a.jpg", "A");
    m_dir.write("in/.hidden.jpg", "H");
    m_dir.write("in/ann.json", "{}");
    m_dir.write("out/b.jpg", "B");
    m_dir.write("out/c.json", "{}");
    m_dir.write("out/forbidden/d.jpg", "D");
    core::NullProgress quiet;
    std::vector<std::string> roots{path("in")};
    m_scan = scan_paths(m_fs, roots, quiet).value();
    m_fs.clear_calls();
  }

  Scan m_scan;
  LocationCheck m_allow_all = [](std::string_view) -> Status { return {}; };
};

TEST_F(DataFilesTest, ScannedFilesAreLookedUpWithoutTheFileSystem) {
  DataFiles files(m_fs, m_scan, m_allow_all);
  EXPECT_TRUE(files.under_scanned_roots(path("in/x/y.jpg")));
  EXPECT_FALSE(files.under_scanned_roots(path("inner/y.jpg")));
  EXPECT_TRUE(files.exists(path("in/a.jpg")));
  EXPECT_FALSE(files.exists(path("in/.hidden.jpg")));  // under a root but not scanned
  EXPECT_FALSE(files.exists(path("in/ann.json")));
  EXPECT_TRUE(m_fs.calls(Operation::stat).empty());
  auto a = files.get(path("in/a.jpg"), 0);
  ASSERT_OK(a);
  EXPECT_EQ(*a, find_file(m_scan.data, path("in/a.jpg")));
  EXPECT_TRUE(files.take_outside().empty());
}

TEST_F(DataFilesTest, OutsideFilesAreStatedOnceAndChecked) {
  std::vector<std::string> checked;
  LocationCheck check = [&](std::string_view p) -> Status {
    checked.emplace_back(p);
    if (p.find("forbidden") == std::string_view::npos) return {};
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not inside a registered storage location", p),
                "register it");
  };
  DataFiles files(m_fs, m_scan, check);
  EXPECT_TRUE(files.exists(path("out/b.jpg")));
  EXPECT_TRUE(files.exists(path("out/b.jpg")));
  EXPECT_FALSE(files.exists(path("out/none.jpg")));
  EXPECT_FALSE(files.exists(path("out/none.jpg")));
  EXPECT_FALSE(files.exists(path("out")));         // a folder
  EXPECT_FALSE(files.exists(path("out/c.json")));  // never a data file
  EXPECT_EQ(m_fs.calls(Operation::stat),
            (std::vector<std::string>{path("out"), path("out/b.jpg"), path("out/none.jpg")}));
  EXPECT_TRUE(checked.empty());  // looking is not indexing

  auto b = files.get(path("out/b.jpg"), 0);
  ASSERT_OK(b);
  EXPECT_EQ((*b)->info.path, path("out/b.jpg"));
  EXPECT_EQ((*b)->info.size, 1u);
  auto b_again = files.get(path("out/b.jpg"), 0);
  ASSERT_OK(b_again);
  EXPECT_EQ(*b_again, *b);
  EXPECT_EQ(checked, std::vector<std::string>{path("out/b.jpg")});

  ASSERT_TRUE(files.exists(path("out/forbidden/d.jpg")));
  auto d = files.get(path("out/forbidden/d.jpg"), 0);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message,
            fmt::format("'{}' is not inside a registered storage location", path("out/forbidden/d.jpg")));
  EXPECT_FALSE(files.get(path("out/none.jpg"), 0));

  auto outside = files.take_outside();
  ASSERT_EQ(outside.size(), 1u);
  EXPECT_EQ(outside.begin()->first, path("out/b.jpg"));
  EXPECT_EQ(&outside.begin()->second, *b);  // the plan keeps what get() handed out
}

TEST_F(DataFilesTest, WithoutALocationRuleOutsideFilesAreRefused) {
  DataFiles files(m_fs, m_scan, LocationCheck{});
  ASSERT_TRUE(files.exists(path("out/b.jpg")));
  auto b = files.get(path("out/b.jpg"), 0);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(b.error().message, fmt::format("'{}' lies outside the paths being indexed", path("out/b.jpg")));
  EXPECT_FALSE(b.error().hint.empty());
}

}  // namespace
}  // namespace ldb::index
