// The indexer's image probe: image attributes come from the bytes hashing
// reads (no second read of a data file), non-images and damaged headers are
// probed but carry none, and objects recorded before the probe existed are
// hashed once more to get them.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "index/indexer.hpp"
#include "index_fixture.hpp"

namespace ldb::index {
namespace {

using ldb::testing::IndexFixture;
using storage::Operation;

std::string be16(unsigned v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}; }
std::string be32(unsigned v) { return be16(v >> 16) + be16(v & 0xFFFF); }

std::string png(unsigned width, unsigned height) {
  return std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" + be32(width) + be32(height) +
         std::string("\x08\x02\x00\x00\x00", 5) + be32(0);
}

// A baseline JPEG header whose SOF0 follows `padding` bytes of APPn segments.
std::string jpeg(unsigned width, unsigned height, std::size_t padding = 0) {
  std::string out = "\xFF\xD8";
  while (padding > 0) {
    std::size_t body = std::min<std::size_t>(padding, 65533);
    out += "\xFF\xE2" + be16(static_cast<unsigned>(body + 2)) + std::string(body, 'x');
    padding -= body;
  }
  out += "\xFF\xC0" + be16(17) + "\x08" + be16(height) + be16(width) + "\x03" + std::string(9, '\x01');
  out += "\xFF\xDA" + be16(2);
  return out;
}

std::string read_testdata(const std::string& relative) {
  std::ifstream in(std::filesystem::path(LDB_TESTDATA_DIR) / relative, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class IndexerImagesTest : public IndexFixture {
 protected:
  const store::IndexedFile& ingested(std::string_view relative) {
    auto p = path(relative);
    auto it = std::find_if(m_store.last_ingest.begin(), m_store.last_ingest.end(),
                           [&](const store::IndexedFile& f) { return f.path == p; });
    EXPECT_NE(it, m_store.last_ingest.end()) << p;
    static const store::IndexedFile none;
    return it == m_store.last_ingest.end() ? none : *it;
  }

  // Bare pairs with content features off: the header probe alone.
  IndexOptions bare() {
    IndexOptions options;
    options.format = Format::bare_pairs;
    options.features = false;
    return options;
  }

  IndexOptions with_features() {
    IndexOptions options = bare();
    options.features = true;
    return options;
  }
};

TEST_F(IndexerImagesTest, ImagesGetAttributesFromTheHashingReads) {
  auto photo = read_testdata("yolo-real/images/img_1.jpg");
  ASSERT_FALSE(photo.empty());
  m_dir.write("d/photo.jpg", photo);
  m_dir.write("d/icon.png", png(16, 9));
  m_dir.write("d/notes.txt", "not an image");
  m_dir.write("d/broken.png", std::string("\x89PNG\r\n\x1A\n", 8) + "short");
  ASSERT_OK(run_index(m_dir.path() / "d", bare()));
  ASSERT_EQ(m_store.last_ingest.size(), 4u);
  for (const auto& file : m_store.last_ingest) EXPECT_TRUE(file.image_probed) << file.path;
  EXPECT_EQ(ingested("d/photo.jpg").image, (store::ImageInfo{640, 329, "jpeg"}));
  EXPECT_EQ(ingested("d/icon.png").image, (store::ImageInfo{16, 9, "png"}));
  EXPECT_FALSE(ingested("d/notes.txt").image.has_value());
  EXPECT_FALSE(ingested("d/broken.png").image.has_value());
  // Each data file was hashed once and never read whole.
  EXPECT_EQ(m_fs.calls(Operation::hash).size(), 4u);
  EXPECT_TRUE(m_fs.calls(Operation::read).empty());
}

TEST_F(IndexerImagesTest, FeaturesComeFromTheSameReadsAndUndecodableImagesAreCounted) {
  auto photo = read_testdata("yolo-real/images/img_1.jpg");
  ASSERT_FALSE(photo.empty());
  m_dir.write("d/photo.jpg", photo);
  m_dir.write("d/icon.png", png(16, 9));  // a header and no pixels
  m_dir.write("d/notes.txt", "not an image");
  auto report = run_index(m_dir.path() / "d", with_features());
  ASSERT_OK(report);
  EXPECT_EQ(report->images_with_features, 1u);
  ASSERT_EQ(report->undecodable_images.size(), 1u);
  EXPECT_EQ(report->undecodable_images[0].path, path("d/icon.png"));
  const auto& features = ingested("d/photo.jpg").image->features;
  ASSERT_TRUE(features.has_value());
  EXPECT_TRUE(features->error.empty()) << features->error;
  EXPECT_EQ(features->channels, 3);
  EXPECT_GT(features->std, 0.0);
  EXPECT_FALSE(ingested("d/icon.png").image->features->error.empty());
  EXPECT_FALSE(ingested("d/notes.txt").image.has_value());
  // One read per file: the hashing reads kept the images whole.
  EXPECT_EQ(m_fs.calls(Operation::hash).size(), 3u);
  EXPECT_TRUE(m_fs.calls(Operation::read).empty());
}

TEST_F(IndexerImagesTest, AnImageWithAnotherNameIsReadAgainForItsFeatures) {
  auto photo = read_testdata("yolo-real/images/img_1.jpg");
  ASSERT_GT(photo.size(), 64u * 1024u);  // past the header bytes kept for other names
  m_dir.write("d/photo.bin", photo);
  auto report = run_index(m_dir.path() / "d", with_features());
  ASSERT_OK(report);
  EXPECT_EQ(report->images_with_features, 1u);
  EXPECT_TRUE(ingested("d/photo.bin").image->features->error.empty());
  EXPECT_EQ(m_fs.calls(Operation::read), std::vector<std::string>{path("d/photo.bin")});
}

TEST_F(IndexerImagesTest, HeaderWithin64KiBIsFoundAndBeyondIsNot) {
  m_dir.write("d/near.jpg", jpeg(300, 200, 60000) + std::string(100000, 'p'));
  m_dir.write("d/far.jpg", jpeg(300, 200, 70000) + std::string(100000, 'p'));
  ASSERT_OK(run_index(m_dir.path() / "d", bare()));
  EXPECT_EQ(ingested("d/near.jpg").image, (store::ImageInfo{300, 200, "jpeg"}));
  EXPECT_TRUE(ingested("d/far.jpg").image_probed);
  EXPECT_FALSE(ingested("d/far.jpg").image.has_value());
}

TEST_F(IndexerImagesTest, UnchangedFilesAreNotProbedAgain) {
  m_dir.write("d/a.png", png(2, 3));
  ASSERT_OK(run_index(m_dir.path() / "d", bare()));
  m_fs.clear_calls();
  m_store.ingest_calls = 0;
  auto report = run_index(m_dir.path() / "d", bare());
  ASSERT_OK(report);
  EXPECT_EQ(report->skipped_unchanged, 1u);
  EXPECT_TRUE(m_fs.calls(Operation::hash).empty());
  EXPECT_EQ(m_store.ingest_calls, 0);
}

TEST_F(IndexerImagesTest, ObjectsFromBeforeTheProbeAreHashedOnceMore) {
  m_dir.write("d/a.png", png(2, 3));
  m_dir.write("d/b.png", png(4, 5));
  ASSERT_OK(run_index(m_dir.path() / "d", bare()));
  // As if a.png had been indexed by a schema 1 ldb.
  m_store.paths[path("d/a.png")].image_unprobed = true;
  m_fs.clear_calls();
  auto report = run_index(m_dir.path() / "d", bare());
  ASSERT_OK(report);
  EXPECT_EQ(m_fs.calls(Operation::hash), std::vector<std::string>{path("d/a.png")});
  ASSERT_EQ(m_store.last_ingest.size(), 1u);
  EXPECT_TRUE(m_store.last_ingest[0].image_probed);
  EXPECT_EQ(m_store.last_ingest[0].image, (store::ImageInfo{2, 3, "png"}));
  EXPECT_EQ(report->new_objects, 0u);
}

TEST_F(IndexerImagesTest, ReadFailureWhileHashingIsReported) {
  m_dir.write("d/a.png", png(2, 3));
  m_fs.add_fault({Operation::hash, "a.png", storage::vanished_error(path("d/a.png"))});
  auto report = run_index(m_dir.path() / "d", bare());
  ASSERT_FALSE(report.has_value());
  EXPECT_NE(report.error().message.find("a.png"), std::string::npos) << report.error().message;
}

}  // namespace
}  // namespace ldb::index
