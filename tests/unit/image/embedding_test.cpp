#include "image/embedding.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "codec_support.hpp"
#include "test_support.hpp"

namespace ldb::image {
namespace {

using namespace ldb::image::testing;

std::vector<float> embedding_of(std::string_view bytes) {
  auto picture = decode_small(bytes, "picture", k_embedding_min_side);
  EXPECT_TRUE(picture) << (picture ? "" : picture.error().message);
  return picture ? builtin_embedding(*picture) : std::vector<float>(k_builtin_dimensions, 0.0f);
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += double{a[i]} * b[i];
  return sum;
}

TEST(EmbeddingTest, UnitLengthAndDeterministic) {
  for (const auto& path : photo_paths()) {
    std::string bytes = read_file(path);
    auto vector = embedding_of(bytes);
    ASSERT_EQ(vector.size(), k_builtin_dimensions);
    for (float value : vector) {
      EXPECT_TRUE(std::isfinite(value));
      EXPECT_GE(value, -1.0f);
      EXPECT_LE(value, 1.0f);
    }
    EXPECT_NEAR(dot(vector, vector), 1.0, 1e-5) << path;
    EXPECT_EQ(embedding_of(bytes), vector);
  }
  // Flat pictures too (their layout and edge blocks are empty).
  for (std::uint32_t colour : {0x000000u, 0xFFFFFFu, 0x3366CCu}) {
    auto flat = builtin_embedding(make_picture(70, 64, [&](std::uint32_t, std::uint32_t) { return colour; }));
    EXPECT_NEAR(dot(flat, flat), 1.0, 1e-5);
  }
}

TEST(EmbeddingTest, ColourAloneSeparatesFlatPictures) {
  auto red = builtin_embedding(make_picture(64, 64, [](std::uint32_t, std::uint32_t) { return 0xE01010u; }));
  auto darker_red = builtin_embedding(make_picture(64, 64, [](std::uint32_t, std::uint32_t) { return 0xC01818u; }));
  auto green = builtin_embedding(make_picture(64, 64, [](std::uint32_t, std::uint32_t) { return 0x10E010u; }));
  EXPECT_GT(dot(red, darker_red), 0.9);
  EXPECT_LT(dot(red, green), 0.1);
}

TEST(EmbeddingTest, LayoutAndEdgesSeparateSameColours) {
  auto stripes = [](bool vertical) {
    return builtin_embedding(make_picture(96, 96, [=](std::uint32_t x, std::uint32_t y) {
      return ((vertical ? x : y) / 12) % 2 ? 0xFFFFFFu : 0x000000u;
    }));
  };
  auto top_dark = builtin_embedding(
      make_picture(96, 96, [](std::uint32_t, std::uint32_t y) { return y < 48 ? 0x000000u : 0xFFFFFFu; }));
  auto bottom_dark = builtin_embedding(
      make_picture(96, 96, [](std::uint32_t, std::uint32_t y) { return y >= 48 ? 0x000000u : 0xFFFFFFu; }));
  // Same colours (half black, half white) in every picture.
  EXPECT_LT(dot(stripes(true), stripes(false)), 0.8);
  EXPECT_LT(dot(top_dark, bottom_dark), 0.8);
  EXPECT_GT(dot(stripes(true), stripes(true)), 0.999);
}

// A photo is closer to its own variants (half size, JPEG quality 40, 8%
// brighter, WebP, 5% cropped from each side) than to any other photo.
TEST(EmbeddingTest, VariantsAreCloserThanOtherPhotos) {
  std::vector<std::string> names;
  std::vector<std::vector<float>> originals;
  std::vector<std::vector<std::vector<float>>> variants;
  for (const auto& path : photo_paths()) {
    std::string bytes = read_file(path);
    Picture full = full_picture(bytes);
    names.push_back(path.filename().string());
    originals.push_back(embedding_of(bytes));
    // 5% cropped from each side.
    std::uint32_t dx = full.width / 20, dy = full.height / 20;
    Picture cropped = make_picture(full.width - 2 * dx, full.height - 2 * dy, [&](std::uint32_t x, std::uint32_t y) {
      const std::uint8_t* p = &full.rgb[((std::size_t{y} + dy) * full.width + x + dx) * 3];
      return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
    });
    variants.push_back({embedding_of(encode_png(shrink_by(full, 2))), embedding_of(encode_jpeg(full, {.quality = 40})),
                        embedding_of(encode_png(brightened(full, 1.08))), embedding_of(encode_webp(full, 75)),
                        embedding_of(encode_png(cropped))});
  }
  for (std::size_t i = 0; i < originals.size(); ++i) {
    double nearest_other = -1;
    for (std::size_t j = 0; j < originals.size(); ++j) {
      if (j != i) nearest_other = std::max(nearest_other, dot(originals[i], originals[j]));
    }
    for (std::size_t v = 0; v < variants[i].size(); ++v) {
      EXPECT_GT(dot(originals[i], variants[i][v]), nearest_other) << names[i] << " variant " << v;
      EXPECT_GT(dot(originals[i], variants[i][v]), 0.95) << names[i] << " variant " << v;
    }
  }
}

}  // namespace
}  // namespace ldb::image
