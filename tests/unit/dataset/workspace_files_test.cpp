#include "dataset/workspace_files.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "dataset/class_folders.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/label_edits.hpp"
#include "dataset/read_add.hpp"
#include "dataset_fixture.hpp"

namespace ldb::dataset {
namespace {

using testing::DatasetFixture;

// A workspace holding what instantiate wrote for a (pinned at v1 while v2 is
// current), b and c (no annotation).
class WorkspaceFilesTest : public DatasetFixture {
 protected:
  void SetUp() override {
    m_a = write_pair("w/a", "object a", R"({"n":1})");
    m_b = write_pair("w/b", "object b", R"({"n":2})");
    m_c = write_pair("w/c", "object c", "");
    index({"w"});
    m_dir.write("data/w/a.json", R"({"n":100})");
    index({"w"});
    ASSERT_EQ(current_version(m_a), 2u);
    m_dir.write("ws/a-x.jpg", "object a");
    m_dir.write("ws/a-x.json", R"({"n": 1})");
    m_dir.write("ws/b-x.jpg", "object b");
    m_dir.write("ws/b-x.json", R"({"n":2})");
    m_dir.write("ws/c-x.jpg", "object c");
    m_dir.write("ws/.ldb_instantiated", "hidden files are never read");
    auto ws =
        Workspace::create(m_ws, WorkspaceState{"w", 0, m_instance.string(), normalize({{m_a, 1}, {m_b, 1}, {m_c, 0}})});
    ASSERT_OK(ws);
  }
  Workspace workspace() { return Workspace::open(m_ws).value(); }
  std::size_t paths_of(const core::Md5& h) { return db().object_info(h)->paths.size(); }

  std::filesystem::path m_ws = m_dir.path() / "ws";
  core::Md5 m_a, m_b, m_c;
};

TEST_F(WorkspaceFilesTest, UnchangedFilesKeepTheStagedVersions) {
  auto files = read_workspace_files(ctx(), workspace());
  ASSERT_OK(files);
  EXPECT_EQ(files->members, normalize({{m_a, 1}, {m_b, 1}, {m_c, 0}}));
  EXPECT_EQ(files->data_files, 3u);
  EXPECT_EQ(files->edited_annotations, 0u);
  EXPECT_EQ(files->new_objects, 0u);
  EXPECT_EQ(current_version(m_a), 2u);  // pinning v1 in the workspace did not revert the object
}

TEST_F(WorkspaceFilesTest, EditsBecomeVersionsWithoutRecordingWorkspacePaths) {
  m_dir.write("ws/b-x.json", R"({"n":2,"fixed":true})");
  m_dir.write("ws/a-x.json", R"({"n":100})");  // equals a's version 2
  std::filesystem::remove(m_ws / "c-x.jpg");
  auto files = read_workspace_files(ctx(), workspace());
  ASSERT_OK(files);
  EXPECT_EQ(files->members, normalize({{m_a, 2}, {m_b, 2}}));
  EXPECT_EQ(files->edited_annotations, 2u);
  EXPECT_EQ(files->new_annotations, 1u);
  EXPECT_EQ(current_version(m_b), 2u);
  EXPECT_EQ(paths_of(m_a), 1u);
  EXPECT_EQ(paths_of(m_b), 1u);
}

TEST_F(WorkspaceFilesTest, NewFilesGoToTheReadAddLocation) {
  auto readadd = m_dir.path() / "readadd";
  std::filesystem::create_directories(readadd);
  ASSERT_OK(db().add_storage_location({readadd.string(), true, {}}));
  m_dir.write("ws/sub/new.jpg", "brand new");
  m_dir.write("ws/sub/new.json", R"({"new":1})");
  auto files = read_workspace_files(ctx(), workspace());
  ASSERT_OK(files);
  auto h = core::md5_of("brand new");
  EXPECT_EQ(files->members, normalize({{m_a, 1}, {m_b, 1}, {m_c, 0}, {h, 1}}));
  EXPECT_EQ(files->new_objects, 1u);
  ASSERT_TRUE(files->copied_to.starts_with((readadd / k_read_add_folder).string() + "/")) << files->copied_to;
  auto info = db().object_info(h);
  ASSERT_OK(info);
  EXPECT_EQ(info->paths, (std::vector<std::string>{files->copied_to + "/sub/new.jpg"}));
  EXPECT_TRUE(std::filesystem::exists(files->copied_to + "/sub/new.json"));
  EXPECT_EQ(db().annotations(std::vector<store::ObjectRef>{{h, 1}})->front(), R"({"new":1})");
}

TEST_F(WorkspaceFilesTest, EveryPairFileReadIsTakenInWithItsBytes) {
  auto readadd = m_dir.path() / "readadd";
  std::filesystem::create_directories(readadd);
  ASSERT_OK(db().add_storage_location({readadd.string(), true, {}}));
  m_dir.write("ws/new.jpg", "brand new");
  m_dir.write("ws/b-x.json", R"({"n":2,"fixed":true})");
  auto files = read_workspace_files(ctx(), workspace());
  ASSERT_OK(files);
  std::map<std::string, core::Md5> taken;
  for (const auto& file : files->taken) {
    EXPECT_EQ(file.size, std::filesystem::file_size(file.path)) << file.path;
    taken[core::relative_to(file.path, m_ws.string())] = file.md5;
  }
  EXPECT_EQ(taken, (std::map<std::string, core::Md5>{{"a-x.jpg", m_a},
                                                     {"a-x.json", core::md5_of(R"({"n": 1})")},
                                                     {"b-x.jpg", m_b},
                                                     {"b-x.json", core::md5_of(R"({"n":2,"fixed":true})")},
                                                     {"c-x.jpg", m_c},
                                                     {"new.jpg", core::md5_of("brand new")}}));
}

TEST_F(WorkspaceFilesTest, ClassFoldersAreNotTakenIn) {
  for (const char* name : {"a-x.jpg", "a-x.json", "b-x.jpg", "b-x.json", "c-x.jpg"})
    std::filesystem::remove(m_ws / name);
  m_dir.write("ws/cats/a.jpg", "object a");
  m_dir.write("ws/dogs/b.jpg", "object b");
  auto files = read_workspace_files(ctx(), workspace());
  ASSERT_OK(files);
  EXPECT_EQ(files->members, normalize({{m_a, 1}, {m_b, 1}}));
  EXPECT_TRUE(files->taken.empty());
}

TEST_F(WorkspaceFilesTest, NewFileWithoutAnyPlaceFailsAndRecordsNothing) {
  ctx().settings.read_any_location = false;
  m_dir.write("ws/b-x.json", R"({"n":2,"edited":1})");
  m_dir.write("ws/new.jpg", "brand new");
  auto files = read_workspace_files(ctx(), workspace());
  ASSERT_FALSE(files.has_value());
  EXPECT_EQ(files.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(files.error().message.find("new.jpg"), std::string::npos);
  EXPECT_NE(files.error().hint.find("ldb add-storage -a true"), std::string::npos);
  EXPECT_EQ(current_version(m_b), 1u);
  EXPECT_EQ(db().root_collection()->size(), 3u);
}

TEST_F(WorkspaceFilesTest, ReadAnyLocationKeepsNewFilesInTheInstance) {
  // Not in the workspace, whose files the next `instantiate -f` may delete.
  m_dir.write("ws/new.jpg", "brand new");
  auto files = read_workspace_files(ctx(), workspace());
  ASSERT_OK(files);
  auto kept = (ctx().instance_dir / k_implicit_read_add_folder / k_read_add_folder).string();
  EXPECT_TRUE(files->copied_to.starts_with(kept + "/")) << files->copied_to;
  auto info = db().object_info(core::md5_of("brand new"));
  ASSERT_OK(info);
  EXPECT_EQ(info->paths, (std::vector<std::string>{files->copied_to + "/new.jpg"}));
  EXPECT_EQ(*storage::read_local_file(info->paths.front()), "brand new");
}

TEST_F(WorkspaceFilesTest, UntouchedAnnotationFilesAreNotEdits) {
  // A .json still as instantiate wrote it keeps the staged version, even when
  // its content is another version's (the staged one moved on by `pull`).
  m_dir.write("ws/a-x.json", R"({"edited":"but recorded as untouched"})");
  std::vector<std::string> untouched{(m_ws / "a-x.json").string()};
  auto files = read_workspace_files(ctx(), workspace(), untouched);
  ASSERT_OK(files);
  EXPECT_EQ(files->edited_annotations, 0u);
  auto edited = read_workspace_files(ctx(), workspace());
  ASSERT_OK(edited);
  EXPECT_EQ(edited->edited_annotations, 1u);
}

TEST_F(WorkspaceFilesTest, MalformedAnnotationIsNamed) {
  m_dir.write("ws/b-x.json", "{not json");
  auto files = read_workspace_files(ctx(), workspace());
  ASSERT_FALSE(files.has_value());
  EXPECT_EQ(files.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(files.error().message.find("b-x.json"), std::string::npos) << files.error().message;
}

TEST_F(WorkspaceFilesTest, CopiesAreUndoneOnError) {
  auto readadd = m_dir.path() / "readadd";
  std::filesystem::create_directories(readadd);
  ASSERT_OK(db().add_storage_location({readadd.string(), true, {}}));
  std::vector<CopyRequest> requests{{(m_ws / "a-x.jpg").string(), "a.jpg"}, {(m_ws / "missing.jpg").string(), "m.jpg"}};
  auto copied = copy_to_read_add(ctx(), readadd.string(), requests);
  ASSERT_FALSE(copied.has_value());
  EXPECT_TRUE(std::filesystem::is_empty(readadd / k_read_add_folder));
  std::vector<CopyRequest> escaping{{(m_ws / "a-x.jpg").string(), "../a.jpg"}};
  copied = copy_to_read_add(ctx(), readadd.string(), escaping);
  ASSERT_FALSE(copied.has_value());
  EXPECT_EQ(copied.error().code, ErrorCode::invalid_argument);
  EXPECT_TRUE(std::filesystem::is_empty(readadd / k_read_add_folder));
}

TEST(TakenOfMembersTest, KeepsTheDataFilesOfMembersAndTheirJson) {
  auto a = core::md5_of("a"), b = core::md5_of("b");
  std::vector<TakenFile> taken{{"/w/a-1.jpg", 1, 1, a},
                               {"/w/a-1.json", 2, 2, core::md5_of("{}")},
                               {"/w/b-2.jpg", 1, 1, b},
                               {"/w/b-2.json", 2, 2, core::md5_of("[]")},
                               {"/w/lone.json", 2, 2, core::md5_of("x")}};
  auto kept = taken_of_members(taken, normalize({{b, 1}}));
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].path, "/w/b-2.jpg");
  EXPECT_EQ(kept[1].path, "/w/b-2.json");
  EXPECT_TRUE(taken_of_members(taken, {}).empty());
}

// A workspace instantiate wrote as class folders (its layout record says
// tensorflow-inferred): bag/1.png and coat/2.png, both untouched until a test
// moves one.
class ClassFolderFilesTest : public DatasetFixture {
 protected:
  void SetUp() override {
    m_dir.write("data/classes/bag/1.png", "one");
    m_dir.write("data/classes/coat/2.png", "two");
    index::IndexOptions options;
    options.format = index::Format::tensorflow_inferred;
    options.params = {{"label-key", "kind"}};
    std::vector<std::string> paths{data("classes")};
    ASSERT_OK(index::index_paths(db(), ctx().fs, ctx().pool, ctx().progress, paths, options));
    m_dir.write("ws/bag/1.png", "one");
    m_dir.write("ws/coat/2.png", "two");
    ASSERT_OK(
        Workspace::create(m_ws, WorkspaceState{"c", 0, m_instance.string(), normalize({{m_one, 1}, {m_two, 1}})}));
    ASSERT_OK(write_instantiated_layout(m_ws, InstantiatedLayout{"tensorflow-inferred", {{"label-key", "kind"}}}));
  }
  std::string stored(const core::Md5& h, std::uint32_t v) {
    std::vector<store::ObjectRef> refs{{h, v}};
    return db().annotations(refs).value().front();
  }

  std::filesystem::path m_ws = m_dir.path() / "ws";
  core::Md5 m_one = core::md5_of("one"), m_two = core::md5_of("two");
};

TEST_F(ClassFolderFilesTest, AMovedFileIsARelabelAndAnUntouchedOneIsNot) {
  std::filesystem::rename(m_ws / "bag" / "1.png", m_ws / "coat" / "1.png");
  std::vector<std::string> untouched{(m_ws / "coat" / "2.png").string()};
  auto files = read_workspace_files(ctx(), Workspace::open(m_ws).value(), untouched);
  ASSERT_OK(files);
  EXPECT_EQ(files->members, normalize({{m_one, 2}, {m_two, 1}}));
  EXPECT_EQ(files->edited_annotations, 1u);
  EXPECT_EQ(files->new_annotations, 1u);
  EXPECT_EQ(stored(m_one, 2), R"({"kind":"coat"})");
  EXPECT_EQ(db().object_info(m_one)->paths.size(), 1u);  // the workspace path is not recorded
}

TEST_F(ClassFolderFilesTest, WithoutALayoutRecordClassFoldersArePlainFiles) {
  std::filesystem::remove(m_ws / k_workspace_dir / k_layout_file_name);
  std::filesystem::rename(m_ws / "bag" / "1.png", m_ws / "coat" / "1.png");
  auto files = read_workspace_files(ctx(), Workspace::open(m_ws).value());
  ASSERT_OK(files);
  EXPECT_EQ(files->members, normalize({{m_one, 1}, {m_two, 1}}));
  EXPECT_EQ(files->edited_annotations, 0u);
}

TEST_F(ClassFolderFilesTest, ANewFileInAClassFolderGetsItsLabel) {
  m_dir.write("ws/bag/3.png", "three");
  auto files = read_workspace_files(ctx(), Workspace::open(m_ws).value());
  ASSERT_OK(files);
  auto three = core::md5_of("three");
  EXPECT_EQ(files->members, normalize({{m_one, 1}, {m_two, 1}, {three, 1}}));
  EXPECT_EQ(files->new_objects, 1u);
  EXPECT_EQ(stored(three, 1), R"({"kind":"bag"})");
}

// A VOC workspace as instantiate wrote it: two images with their XML, each at
// the version indexed from the same files.
class VocWorkspaceFilesTest : public DatasetFixture {
 protected:
  static std::string xml(std::string_view name, std::string_view objects) {
    return fmt::format(
        "<annotation><filename>{}</filename><size><width>64</width><height>48</height></size>{}"
        "</annotation>",
        name, objects);
  }
  static constexpr std::string_view k_box =
      "<object><name>dog</name><difficult>0</difficult><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>10</xmax>"
      "<ymax>20</ymax></bndbox></object>";

  void SetUp() override {
    for (const char* root : {"data/voc", "ws"}) {
      m_dir.write(std::string(root) + "/JPEGImages/a.jpg", "voc a");
      m_dir.write(std::string(root) + "/JPEGImages/b.jpg", "voc b");
      m_dir.write(std::string(root) + "/Annotations/a.xml", xml("a.jpg", k_box));
      m_dir.write(std::string(root) + "/Annotations/b.xml", xml("b.jpg", k_box));
    }
    index::IndexOptions options;
    options.format = index::Format::voc;
    std::vector<std::string> paths{data("voc")};
    ASSERT_OK(index::index_paths(db(), *m_fs, m_pool, m_progress, paths, options));
    ASSERT_OK(Workspace::create(m_ws, WorkspaceState{"v", 0, m_instance.string(), normalize({{m_a, 1}, {m_b, 1}})}));
    for (const char* name : {"JPEGImages/a.jpg", "JPEGImages/b.jpg", "Annotations/a.xml", "Annotations/b.xml"}) {
      m_untouched.push_back((m_ws / name).string());
    }
    ctx().read_back_labels = [this](index::Format layout, std::span<const LabelSource> members,
                                    std::span<const std::size_t> wanted) -> Result<std::vector<WrittenLabels>> {
      m_calls.push_back({layout, members.size(), std::vector<std::size_t>(wanted.begin(), wanted.end())});
      std::vector<WrittenLabels> out;
      for (std::size_t i : wanted) out.push_back(written_as_is(members[i].annotation));
      return out;
    };
  }
  Workspace workspace() { return Workspace::open(m_ws).value(); }
  std::string annotation(const core::Md5& h, std::uint32_t version) {
    return db().annotations(std::vector<store::ObjectRef>{{h, version}})->front();
  }

  struct Call {
    index::Format layout;
    std::size_t members;
    std::vector<std::size_t> wanted;
  };
  std::filesystem::path m_ws = m_dir.path() / "ws";
  core::Md5 m_a = core::md5_of("voc a"), m_b = core::md5_of("voc b");
  std::vector<std::string> m_untouched;
  std::vector<Call> m_calls;
};

TEST_F(VocWorkspaceFilesTest, UntouchedLabelFilesAreNotReadBack) {
  auto files = read_workspace_files(ctx(), workspace(), m_untouched);
  ASSERT_OK(files);
  EXPECT_EQ(files->members, normalize({{m_a, 1}, {m_b, 1}}));
  EXPECT_EQ(files->edited_annotations, 0u);
  EXPECT_TRUE(m_calls.empty());
}

TEST_F(VocWorkspaceFilesTest, OneEditedLabelFileGivesOneMergedVersion) {
  m_dir.write("ws/Annotations/b.xml",
              xml("b.jpg", std::string(k_box) + "<object><name>cat</name><bndbox><xmin>3</xmin><ymin>3</ymin>"
                                                "<xmax>4</xmax><ymax>4</ymax></bndbox></object>"));
  std::erase(m_untouched, (m_ws / "Annotations/b.xml").string());
  auto files = read_workspace_files(ctx(), workspace(), m_untouched);
  ASSERT_OK(files);
  EXPECT_EQ(files->members, normalize({{m_a, 1}, {m_b, 2}}));
  EXPECT_EQ(files->edited_annotations, 1u);
  EXPECT_EQ(files->new_annotations, 1u);
  EXPECT_EQ(current_version(m_a), 1u);
  // Both members are written (a writer decides over all of them); only b is read back.
  ASSERT_EQ(m_calls.size(), 1u);
  EXPECT_EQ(m_calls[0].layout, index::Format::voc);
  EXPECT_EQ(m_calls[0].members, 2u);
  ASSERT_EQ(m_calls[0].wanted.size(), 1u);
  EXPECT_EQ(annotation(m_b, 1), R"({"image":{"file_name":"b.jpg","height":48,"width":64},"objects":[)"
                                R"({"bbox":[0,1,10,19],"category":"dog","difficult":false}],"source_format":"voc"})");
  EXPECT_EQ(annotation(m_b, 2), R"({"image":{"file_name":"b.jpg","height":48,"width":64},"objects":[)"
                                R"({"bbox":[0,1,10,19],"category":"dog","difficult":false},)"
                                R"({"bbox":[2,2,2,2],"category":"cat"}],"source_format":"voc"})");
  // Staged, the merged version is what the same files say: nothing more changes.
  auto ws = workspace();
  ws.state().members = files->members;
  ASSERT_OK(ws.save());
  files = read_workspace_files(ctx(), workspace(), m_untouched);
  ASSERT_OK(files);
  EXPECT_EQ(files->members, normalize({{m_a, 1}, {m_b, 2}}));
  EXPECT_EQ(files->edited_annotations, 0u);
  EXPECT_EQ(files->new_annotations, 0u);
}

TEST_F(VocWorkspaceFilesTest, AnEditIsTakenWhenTheWriterCannotReadItBack) {
  m_dir.write("ws/Annotations/a.xml", xml("a.jpg", ""));
  std::erase(m_untouched, (m_ws / "Annotations/a.xml").string());
  ctx().read_back_labels = [](index::Format, std::span<const LabelSource>,
                              std::span<const std::size_t>) -> Result<std::vector<WrittenLabels>> {
    return fail(ErrorCode::invalid_argument, "object id:x: its annotation is not in the detection shape", "hint");
  };
  auto files = read_workspace_files(ctx(), workspace(), m_untouched);
  ASSERT_OK(files);
  EXPECT_EQ(files->members, normalize({{m_a, 2}, {m_b, 1}}));
  EXPECT_EQ(annotation(m_a, 2), R"({"image":{"file_name":"a.jpg","height":48,"width":64},"objects":[],)"
                                R"("source_format":"voc"})");
  ASSERT_EQ(ctx().warnings.size(), 1u);
  EXPECT_EQ(ctx().warnings[0],
            "1 object(s) with edited label files were compared with their annotations as they "
            "are, as the voc writer cannot write those again: object id:x: its annotation is not "
            "in the detection shape");
}

}  // namespace
}  // namespace ldb::dataset
