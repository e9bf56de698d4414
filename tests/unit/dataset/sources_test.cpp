#include "dataset/sources.hpp"

#include <string>
#include <vector>

#include "dataset/collection_ops.hpp"
#include "dataset/workspace.hpp"
#include "dataset_fixture.hpp"

namespace ldb::dataset {
namespace {

using testing::DatasetFixture;
using testing::hashes_of;

// --- parse_dataset_ref -------------------------------------------------------

TEST(ParseDatasetRefTest, NameOnlyMeansLatest) {
  auto ref = parse_dataset_ref("ds:a");
  ASSERT_OK(ref);
  EXPECT_EQ(ref->name, "a");
  EXPECT_EQ(ref->version, 0u);
}

TEST(ParseDatasetRefTest, NameWithVersion) {
  auto ref = parse_dataset_ref("ds:a.v3");
  ASSERT_OK(ref);
  EXPECT_EQ(ref->name, "a");
  EXPECT_EQ(ref->version, 3u);
  auto big = parse_dataset_ref("ds:my-set_2.v120");
  ASSERT_OK(big);
  EXPECT_EQ(big->name, "my-set_2");
  EXPECT_EQ(big->version, 120u);
}

TEST(ParseDatasetRefTest, VersionZeroIsAnError) {
  auto ref = parse_dataset_ref("ds:a.v0");
  ASSERT_FALSE(ref.has_value());
  EXPECT_EQ(ref.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(ref.error().message.find("ds:a.v0"), std::string::npos);
  EXPECT_NE(ref.error().hint.find("v1"), std::string::npos);
}

TEST(ParseDatasetRefTest, VersionOverflowIsAnError) {
  auto ref = parse_dataset_ref("ds:a.v99999999999");
  ASSERT_FALSE(ref.has_value());
  EXPECT_EQ(ref.error().code, ErrorCode::invalid_argument);
}

TEST(ParseDatasetRefTest, IllegalNameIsAnError) {
  auto ref = parse_dataset_ref("ds:bad/name");
  ASSERT_FALSE(ref.has_value());
  EXPECT_EQ(ref.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(ref.error().message.find("'/'"), std::string::npos);
}

TEST(ParseDatasetRefTest, NonNumericVersionIsPartOfTheNameAndIllegal) {
  // ".vx" is not a version, so the name would be "a.vx", and '.' is not allowed.
  for (std::string_view text : {"ds:a.vx", "ds:a.v", "ds:a.v1x"}) {
    auto ref = parse_dataset_ref(text);
    ASSERT_FALSE(ref.has_value()) << text;
    EXPECT_EQ(ref.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(ref.error().message.find("'.'"), std::string::npos) << ref.error().message;
  }
}

TEST(ParseDatasetRefTest, NotADatasetReference) {
  for (std::string_view text : {"a", "ds", "DS:a", "id:abc"}) {
    auto ref = parse_dataset_ref(text);
    ASSERT_FALSE(ref.has_value()) << text;
    EXPECT_EQ(ref.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(ref.error().hint.find("ds:NAME"), std::string::npos);
  }
  auto empty = parse_dataset_ref("ds:");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::invalid_argument);
  auto only_version = parse_dataset_ref("ds:.v2");
  ASSERT_FALSE(only_version.has_value());
}

// --- resolve_sources -----------------------------------------------------------

class SourcesTest : public DatasetFixture {
 protected:
  void SetUp() override {
    m_cat1 = write_pair("cats/1", "cat one", R"({"label":"cat"})");
    m_cat2 = write_pair("cats/2", "cat two", R"({"label":"cat","n":2})");
    m_dog3 = write_pair("dogs/3", "dog three", R"({"label":"dog"})");
  }

  Result<store::Collection> resolve(std::vector<std::string> identifiers) {
    return resolve_sources(ctx(), identifiers, SourceOptions{});
  }

  core::Md5 m_cat1, m_cat2, m_dog3;
};

TEST_F(SourcesTest, NoIdentifiersIsEmpty) {
  auto c = resolve({});
  ASSERT_OK(c);
  EXPECT_TRUE(c->empty());
}

TEST_F(SourcesTest, FullIdResolvesToCurrentVersion) {
  index({"cats", "dogs"});
  auto c = resolve({"id:" + m_cat1.hex()});
  ASSERT_OK(c);
  EXPECT_EQ(*c, (store::Collection{{m_cat1, 1}}));
}

TEST_F(SourcesTest, PrefixOfEightDigitsAnyCase) {
  index({"cats", "dogs"});
  std::string prefix = m_dog3.hex().substr(0, 8);
  auto c = resolve({"id:" + prefix});
  ASSERT_OK(c);
  EXPECT_EQ(hashes_of(*c), std::vector<core::Md5>{m_dog3});
  for (auto& ch : prefix) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  auto upper = resolve({"id:" + prefix});
  ASSERT_OK(upper);
  EXPECT_EQ(hashes_of(*upper), std::vector<core::Md5>{m_dog3});
}

TEST_F(SourcesTest, TooShortOrNonHexIdIsInvalid) {
  index({"cats"});
  for (std::string id : {"id:" + m_cat1.hex().substr(0, 7), std::string("id:zzzzzzzzzz"), std::string("id:"),
                         "id:" + m_cat1.hex() + "00"}) {
    auto c = resolve({id});
    ASSERT_FALSE(c.has_value()) << id;
    EXPECT_EQ(c.error().code, ErrorCode::invalid_argument) << id;
    EXPECT_NE(c.error().message.find(id), std::string::npos);
    EXPECT_NE(c.error().hint.find("8 hex digits"), std::string::npos);
  }
}

TEST_F(SourcesTest, AmbiguousPrefixIsAConflict) {
  // md5("obj-42851") and md5("obj-67512") both start with 65291d11.
  auto a = write_pair("twins/a", "obj-42851", "");
  auto b = write_pair("twins/b", "obj-67512", "");
  ASSERT_EQ(a.hex().substr(0, 8), "65291d11");
  ASSERT_EQ(b.hex().substr(0, 8), "65291d11");
  index({"twins"});
  auto c = resolve({"id:65291d11"});
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::conflict);
  EXPECT_NE(c.error().hint.find("more hex digits"), std::string::npos);
  auto longer = resolve({"id:" + a.hex().substr(0, 9)});
  ASSERT_OK(longer);
  EXPECT_EQ(*longer, (store::Collection{{a, 0}}));
}

TEST_F(SourcesTest, UnknownIdIsNotFound) {
  index({"cats"});
  auto c = resolve({"id:" + m_dog3.hex()});
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::not_found);
  EXPECT_FALSE(c.error().hint.empty());
}

TEST_F(SourcesTest, RootIsEveryIndexedObject) {
  index({"cats", "dogs"});
  auto c = resolve({"ds:root"});
  ASSERT_OK(c);
  EXPECT_EQ(*c, normalize({{m_cat1, 1}, {m_cat2, 1}, {m_dog3, 1}}));
}

TEST_F(SourcesTest, DatasetLatestAndVersion) {
  index({"cats", "dogs"});
  ASSERT_OK(db().commit_dataset("pets", normalize({{m_cat1, 1}}), 0, "one", "t"));
  ASSERT_OK(db().commit_dataset("pets", normalize({{m_cat1, 1}, {m_dog3, 1}}), 1, "two", "t"));
  auto latest = resolve({"ds:pets"});
  ASSERT_OK(latest);
  EXPECT_EQ(latest->size(), 2u);
  auto v1 = resolve({"ds:pets.v1"});
  ASSERT_OK(v1);
  EXPECT_EQ(*v1, (store::Collection{{m_cat1, 1}}));

  auto missing = resolve({"ds:nope"});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  auto no_version = resolve({"ds:pets.v9"});
  ASSERT_FALSE(no_version.has_value());
  EXPECT_EQ(no_version.error().code, ErrorCode::not_found);
  auto bad = resolve({"ds:bad/name"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
}

TEST_F(SourcesTest, WorkspaceReference) {
  WorkspaceState state;
  state.dataset_name = "other";
  state.members = normalize({{m_cat2, 1}, {m_dog3, 0}});
  auto ws_dir = m_dir.path() / "other-ws";
  ASSERT_OK(Workspace::create(ws_dir, state));
  auto c = resolve({"ws:" + ws_dir.string()});
  ASSERT_OK(c);
  EXPECT_EQ(*c, state.members);

  auto missing = resolve({"ws:" + (m_dir.path() / "nowhere").string()});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_F(SourcesTest, FolderIsIndexedOnTheFly) {
  auto c = resolve({data("cats")});
  ASSERT_OK(c);
  EXPECT_EQ(*c, normalize({{m_cat1, 1}, {m_cat2, 1}}));
  // The objects are now in the index.
  auto root = db().root_collection();
  ASSERT_OK(root);
  EXPECT_EQ(root->size(), 2u);
}

TEST_F(SourcesTest, SingleFile) {
  auto c = resolve({data("dogs/3.jpg")});
  ASSERT_OK(c);
  EXPECT_EQ(*c, (store::Collection{{m_dog3, 1}}));
}

TEST_F(SourcesTest, GlobOverFilesAndFolders) {
  auto files = resolve({data("*/1.jpg")});
  ASSERT_OK(files);
  EXPECT_EQ(hashes_of(*files), std::vector<core::Md5>{m_cat1});
  auto folders = resolve({data("c*")});
  ASSERT_OK(folders);
  EXPECT_EQ(folders->size(), 2u);
}

TEST_F(SourcesTest, ExpandLocalPath) {
  auto plain = expand_local_path(*m_fs, data("cats/../dogs/"));
  ASSERT_OK(plain);
  EXPECT_EQ(*plain, std::vector<std::string>{data("dogs")});

  auto folders = expand_local_path(*m_fs, data("*"));
  ASSERT_OK(folders);
  EXPECT_EQ(*folders, (std::vector<std::string>{data("cats"), data("dogs")}));

  auto jsons = expand_local_path(*m_fs, data("cats/*.json"));
  ASSERT_OK(jsons);
  EXPECT_EQ(*jsons, (std::vector<std::string>{data("cats/1.json"), data("cats/2.json")}));

  auto nothing = expand_local_path(*m_fs, data("*/*.png"));
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().code, ErrorCode::not_found);
  EXPECT_NE(nothing.error().message.find("*.png"), std::string::npos);
  EXPECT_NE(nothing.error().hint.find("quote"), std::string::npos);
}

TEST_F(SourcesTest, SeveralKindsUniteAndNewestAnnotationWins) {
  index({"cats"});
  ASSERT_OK(db().commit_dataset("old", normalize({{m_cat1, 1}}), 0, "", "t"));
  // A new annotation for cat 1 (different size, so the re-index reads it).
  write_pair("cats/1", "cat one", R"({"label":"cat","checked":true})");
  auto c = resolve({"ds:old", data("cats"), data("dogs/3.jpg"), "id:" + m_cat2.hex()});
  ASSERT_OK(c);
  EXPECT_EQ(*c, normalize({{m_cat1, 2}, {m_cat2, 1}, {m_dog3, 1}}));
}

TEST_F(SourcesTest, PathContributesTheAnnotationsFoundThere) {
  // The seed's /storage/output step: the same data elsewhere with another label.
  auto first = resolve({data("cats")});
  ASSERT_OK(first);
  write_pair("output/1", "cat one", R"({"label":"lion"})");
  auto output = resolve({data("output")});
  ASSERT_OK(output);
  EXPECT_EQ(*output, (store::Collection{{m_cat1, 2}}));
  // The original folder still holds version 1's annotation.
  auto again = resolve({data("cats/1.jpg")});
  ASSERT_OK(again);
  EXPECT_EQ(*again, (store::Collection{{m_cat1, 1}}));
  // Both at once: the newest wins.
  auto both = resolve({data("cats/1.jpg"), data("output")});
  ASSERT_OK(both);
  EXPECT_EQ(*both, (store::Collection{{m_cat1, 2}}));
}

TEST_F(SourcesTest, PathOutsideRegisteredStorageIsRefused) {
  ctx().settings.read_any_location = false;
  auto c = resolve({data("cats")});
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(c.error().message.find(data("cats")), std::string::npos);
  EXPECT_NE(c.error().hint.find("ldb add-storage"), std::string::npos);
  // Nothing was indexed.
  EXPECT_TRUE(db().root_collection().value().empty());

  ASSERT_OK(db().add_storage_location(store::StorageLocation{m_data.string(), false, {}}));
  EXPECT_OK(check_location(ctx(), data("cats/1.jpg")));
  EXPECT_OK(check_location(ctx(), m_data.string()));
  // A sibling sharing the prefix as text is not inside it.
  EXPECT_FALSE(check_location(ctx(), m_data.string() + "2/x.jpg").has_value());
  auto ok = resolve({data("cats")});
  ASSERT_OK(ok);
  EXPECT_EQ(ok->size(), 2u);
}

TEST_F(SourcesTest, ReadAnyLocationSkipsTheCheck) { EXPECT_OK(check_location(ctx(), "/anywhere/at/all")); }

TEST_F(SourcesTest, WithoutAutoIndexUnindexedPathsFail) {
  ctx().settings.auto_index = false;
  auto c = resolve({data("cats")});
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::not_found);
  EXPECT_NE(c.error().hint.find("ldb index"), std::string::npos);
  EXPECT_TRUE(db().root_collection().value().empty());

  index({"cats"});
  auto ok = resolve({data("cats")});
  ASSERT_OK(ok);
  EXPECT_EQ(*ok, normalize({{m_cat1, 1}, {m_cat2, 1}}));

  write_pair("cats/2", "cat two", R"({"label":"cat","n":22})");
  auto changed = resolve({data("cats")});
  ASSERT_FALSE(changed.has_value());
  EXPECT_EQ(changed.error().code, ErrorCode::conflict);
  EXPECT_NE(changed.error().hint.find("ldb index"), std::string::npos);
}

TEST_F(SourcesTest, MissingPathIsNotFound) {
  auto c = resolve({data("nothing-here")});
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::not_found);
}

TEST_F(SourcesTest, CloudPathsAreNormalizedAndCheckedAgainstStorage) {
  // aws:// is s3:// and a trailing slash goes; outside registered storage it is refused by name.
  ctx().settings.read_any_location = false;
  auto c = resolve({"aws://bucket/prefix/"});
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(c.error().message.find("'s3://bucket/prefix' is not inside a registered storage location"),
            std::string::npos)
      << c.error().message;
}

TEST_F(SourcesTest, AddCopiesPathsOutsideStorageToTheReadAddLocation) {
  ctx().settings.read_any_location = false;
  ctx().settings.auto_index = false;  // ldb indexes its own copies anyway
  SourceOptions add{{}, PathMode::index_first};
  std::vector<std::string> folder{data("cats")};
  auto refused = resolve_sources(ctx(), folder, add);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().hint.find("ldb add-storage -a true"), std::string::npos) << refused.error().hint;

  auto readadd = m_dir.path() / "readadd";
  std::filesystem::create_directories(readadd);
  ASSERT_OK(db().add_storage_location(store::StorageLocation{readadd.string(), true, {}}));
  auto copied = resolve_sources(ctx(), folder, add);
  ASSERT_OK(copied);
  EXPECT_EQ(copied->size(), 2u);
  ASSERT_EQ(ctx().notes.size(), 1u);
  auto info = db().object_info(m_cat1);
  ASSERT_OK(info);
  ASSERT_EQ(info->paths.size(), 1u);
  EXPECT_TRUE(info->paths[0].starts_with((readadd / "ldb-add").string() + "/")) << info->paths[0];
  EXPECT_TRUE(info->paths[0].ends_with("/cats/1.jpg")) << info->paths[0];
  EXPECT_EQ(info->current_version, 1u);  // the annotation came along
  // Commands that only look (list, del) still refuse the path.
  EXPECT_FALSE(resolve(folder).has_value());
}

TEST_F(SourcesTest, ResolveObjectIdDirectly) {
  index({"dogs"});
  auto hash = resolve_object_id(db(), "id:" + m_dog3.hex());
  ASSERT_OK(hash);
  EXPECT_EQ(*hash, m_dog3);
}

}  // namespace
}  // namespace ldb::dataset
