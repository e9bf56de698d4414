#include "image/features.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <thread>

#include "codec_support.hpp"
#include "test_support.hpp"

namespace ldb::image {
namespace {

using namespace ldb::image::testing;

int hamming(std::uint64_t a, std::uint64_t b) { return std::popcount(a ^ b); }

Features features_or_fail(std::string_view bytes) {
  auto outcome = features_of(bytes);
  EXPECT_TRUE(outcome.features) << outcome.error;
  EXPECT_EQ(outcome.error.empty(), outcome.features.has_value());
  return outcome.features.value_or(Features{});
}

TEST(FeaturesTest, FlatPictures) {
  Picture black = make_picture(50, 40, [](std::uint32_t, std::uint32_t) { return 0u; });
  Features f = compute_features(black);
  EXPECT_EQ(f.phash, 0u);  // every DCT coefficient is 0, none above the median
  EXPECT_EQ(f.dhash, 0u);
  EXPECT_EQ(f.mean, 0);
  EXPECT_EQ(f.std, 0);
  EXPECT_EQ(f.sharpness, 0);
  EXPECT_EQ(f.entropy, 0);
  EXPECT_EQ(f.channels, 3);

  Picture grey = make_picture(50, 40, [](std::uint32_t, std::uint32_t) { return 0x808080u; });
  Features g = compute_features(grey);
  EXPECT_DOUBLE_EQ(g.mean, 128);
  EXPECT_EQ(g.std, 0);
  EXPECT_NEAR(g.sharpness, 0, 1e-9);
  EXPECT_EQ(g.entropy, 0);
}

TEST(FeaturesTest, KnownValues) {
  // Left half black, right half white: luma 0 and 255 in equal shares.
  Picture halves = make_picture(64, 64, [](std::uint32_t x, std::uint32_t) { return x < 32 ? 0u : 0xFFFFFFu; });
  Features f = compute_features(halves);
  EXPECT_DOUBLE_EQ(f.mean, 127.5);
  EXPECT_DOUBLE_EQ(f.std, 127.5);
  EXPECT_DOUBLE_EQ(f.entropy, 1.0);
  EXPECT_GT(f.sharpness, 100);

  // dhash: a bit per pixel brighter than its right neighbour.
  Picture darker_to_the_right =
      make_picture(90, 40, [](std::uint32_t x, std::uint32_t) { return (255 - x * 2) * 0x010101u; });
  EXPECT_EQ(compute_features(darker_to_the_right).dhash, ~std::uint64_t{0});
  Picture brighter_to_the_right =
      make_picture(90, 40, [](std::uint32_t x, std::uint32_t) { return (x * 2) * 0x010101u; });
  EXPECT_EQ(compute_features(brighter_to_the_right).dhash, 0u);

  // Luma is BT.601: pure red is 299/1000 of 255.
  Picture red = make_picture(8, 8, [](std::uint32_t, std::uint32_t) { return 0xFF0000u; });
  EXPECT_NEAR(compute_features(red).mean, 255 * 0.299, 1e-9);

  // pHash bits are taken MSB first: the DC coefficient (bit 63) of a bright
  // picture is above the median.
  EXPECT_NE(compute_features(halves).phash >> 63, 0u);

  // Sixteen grey levels in equal shares: 4 bits.
  Picture levels = make_picture(64, 16, [](std::uint32_t x, std::uint32_t) { return (x / 4) * 17 * 0x010101u; });
  EXPECT_NEAR(compute_features(levels).entropy, 4.0, 1e-12);
}

// A box blur of `radius` pixels, three times (close to a Gaussian).
Picture blurred(const Picture& picture, std::uint32_t radius) {
  Picture out = picture;
  auto pass = [&](bool vertical) {
    Picture in = out;
    std::uint32_t lines = vertical ? in.width : in.height;
    std::uint32_t length = vertical ? in.height : in.width;
    for (std::uint32_t line = 0; line < lines; ++line) {
      for (int c = 0; c < 3; ++c) {
        auto at = [&](std::int64_t i) -> std::uint8_t& {
          i = std::clamp<std::int64_t>(i, 0, length - 1);
          std::size_t x = vertical ? line : static_cast<std::size_t>(i);
          std::size_t y = vertical ? static_cast<std::size_t>(i) : line;
          return in.rgb[(y * in.width + x) * 3 + c];
        };
        std::int64_t r = radius;
        std::int64_t sum = 0;
        for (std::int64_t i = -r; i <= r; ++i) sum += at(i);
        for (std::uint32_t i = 0; i < length; ++i) {
          std::size_t x = vertical ? line : i;
          std::size_t y = vertical ? i : line;
          out.rgb[(y * out.width + x) * 3 + c] = static_cast<std::uint8_t>(sum / (2 * r + 1));
          sum += at(i + r + 1) - at(i - r);
        }
      }
    }
  };
  for (int repeat = 0; repeat < 3; ++repeat) {
    pass(false);
    pass(true);
  }
  return out;
}

TEST(FeaturesTest, BlurLowersSharpness) {
  for (const char* name : {"astronaut.png", "chelsea.png"}) {
    Picture photo = full_picture(read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos" / name));
    // A blur of about one decoded pixel (features decode to a shorter side
    // of 32 to 63) halves the sharpness at least.
    std::uint32_t radius = std::min(photo.width, photo.height) / 32;
    Features crisp = features_or_fail(encode_png(photo));
    Features soft = features_or_fail(encode_png(blurred(photo, radius)));
    EXPECT_LT(soft.sharpness * 2, crisp.sharpness) << name;
  }
}

// pHash of a photo and of its variants (50% downscaled, re-encoded at JPEG
// quality 40, 8% brighter, or losslessly in another format, which decodes at
// another small size than the JPEG's scaled DCT) stay within a few bits;
// different photos are far apart.
TEST(FeaturesTest, PhashFindsVariantsAndSeparatesPhotos) {
  std::vector<Features> originals;
  for (const auto& path : photo_paths()) {
    SCOPED_TRACE(path.filename().string());
    std::string bytes = read_file(path);
    Features original = features_or_fail(bytes);
    originals.push_back(original);
    Picture full = full_picture(bytes);
    struct Variant {
      const char* name;
      std::string bytes;
    };
    for (const Variant& v :
         {Variant{"half size", encode_png(shrink_by(full, 2))},
          Variant{"quality 40", encode_jpeg(full, {.quality = 40})},
          Variant{"8% brighter", encode_png(brightened(full, 1.08))}, Variant{"webp", encode_webp(full, 80)},
          Variant{"tiff", encode_tiff(full)}, Variant{"bmp", encode_bmp(full)}}) {
      Features variant = features_or_fail(v.bytes);
      // Measured: at most 8 (hubble_deep_field.jpg, a star field, at half
      // size); different photos are 20 or more apart.
      EXPECT_LE(hamming(original.phash, variant.phash), 10) << v.name;
      EXPECT_LE(hamming(original.dhash, variant.dhash), 12) << v.name;
      bool brighter = std::string_view(v.name) == "8% brighter";
      EXPECT_NEAR(original.mean, variant.mean, brighter ? original.mean * 0.08 + 1 : 3.0) << v.name;
    }
  }
  for (std::size_t i = 0; i < originals.size(); ++i) {
    for (std::size_t j = i + 1; j < originals.size(); ++j) {
      EXPECT_GE(hamming(originals[i].phash, originals[j].phash), 16) << i << " " << j;
    }
  }
}

TEST(FeaturesTest, ValuesInRangeForRealPhotos) {
  for (const auto& path : photo_paths()) {
    Features f = features_or_fail(read_file(path));
    EXPECT_GE(f.mean, 0) << path;
    EXPECT_LE(f.mean, 255) << path;
    EXPECT_GT(f.std, 0) << path;
    EXPECT_LE(f.std, 127.5) << path;
    EXPECT_GT(f.entropy, 0) << path;
    EXPECT_LE(f.entropy, 8) << path;
    EXPECT_TRUE(std::isfinite(f.sharpness)) << path;
    EXPECT_GT(f.sharpness, 0) << path;
    EXPECT_EQ(f.channels, 3) << path;
    EXPECT_NE(f.phash, 0u) << path;
  }
}

TEST(FeaturesTest, IdenticalBytesGiveIdenticalFeaturesOnAnyThread) {
  std::vector<std::string> files;
  for (const auto& path : photo_paths()) files.push_back(read_file(path));
  std::vector<Features> expected;
  for (const auto& bytes : files) expected.push_back(features_or_fail(bytes));
  std::vector<std::vector<Features>> seen(3);
  std::vector<std::thread> threads;
  for (auto& mine : seen) {
    threads.emplace_back([&] {
      for (const auto& bytes : files) mine.push_back(features_of(bytes).features.value_or(Features{}));
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& mine : seen) EXPECT_EQ(mine, expected);
}

TEST(FeaturesTest, ErrorsAreTheDecodeMessageWithoutThePath) {
  auto outcome = features_of(read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos/truncated.jpg"));
  EXPECT_FALSE(outcome.features);
  EXPECT_EQ(outcome.error, "JPEG: premature end of data");
  auto limited = features_of(read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos/dog.jpg"), DecodeLimits{1000});
  EXPECT_FALSE(limited.features);
  EXPECT_EQ(limited.error, "JPEG: declares 768x576 pixels, more than the limit of 1000 pixels");
  auto empty = features_of("");
  EXPECT_FALSE(empty.features);
  EXPECT_EQ(empty.error, "the file is empty (0 bytes)");
}

TEST(FeaturesTest, ChannelsComeFromTheSource) {
  Picture photo = full_picture(read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos/coffee.png"));
  EXPECT_EQ(features_or_fail(encode_jpeg(photo, {.grey = true})).channels, 1);
  EXPECT_EQ(features_or_fail(encode_png(photo, {.half_transparent = true})).channels, 4);
  EXPECT_EQ(features_or_fail(encode_png(photo)).channels, 3);
}

}  // namespace
}  // namespace ldb::image
