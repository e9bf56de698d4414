#include "image/decode.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "codec_support.hpp"
#include "test_support.hpp"

namespace ldb::image {
namespace {

using namespace ldb::image::testing;

constexpr std::uint32_t k_full = 1u << 30;  // a min_side no picture reaches: full size

std::uint32_t red_green_blue_white(std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h) {
  bool right = x >= w / 2;
  bool bottom = y >= h / 2;
  return bottom ? (right ? 0xFFFFFF : 0x0000FF) : (right ? 0x00FF00 : 0xFF0000);
}

Picture quadrants(std::uint32_t w, std::uint32_t h) {
  return make_picture(w, h, [&](std::uint32_t x, std::uint32_t y) { return red_green_blue_white(x, y, w, h); });
}

// The colour at the centre of a picture's quadrant, as 0xRRGGBB with each
// channel snapped to 0 or 255.
std::uint32_t quadrant_colour(const Picture& picture, bool right, bool bottom) {
  std::uint32_t x = right ? picture.width * 3 / 4 : picture.width / 4;
  std::uint32_t y = bottom ? picture.height * 3 / 4 : picture.height / 4;
  const std::uint8_t* p = &picture.rgb[(std::size_t{y} * picture.width + x) * 3];
  return (p[0] > 127 ? 0xFF0000u : 0u) | (p[1] > 127 ? 0x00FF00u : 0u) | (p[2] > 127 ? 0x0000FFu : 0u);
}

void expect_error_names_subject(const Result<Picture>& result, std::string_view subject) {
  ASSERT_FALSE(result) << "decoded " << result->width << "x" << result->height;
  EXPECT_NE(result.error().message.find("'" + std::string(subject) + "'"), std::string::npos) << result.error().message;
  EXPECT_FALSE(result.error().hint.empty());
}

TEST(DecodeTest, SniffsEachSignature) {
  EXPECT_EQ(sniff_format("\xFF\xD8\xFF\xE0"), Format::jpeg);
  EXPECT_EQ(sniff_format("\x89PNG\r\n\x1A\nrest"), Format::png);
  EXPECT_EQ(sniff_format(std::string_view("RIFF\x10\0\0\0WEBPVP8 ", 16)), Format::webp);
  EXPECT_EQ(sniff_format("GIF89a"), Format::gif);
  EXPECT_EQ(sniff_format("GIF87a"), Format::gif);
  EXPECT_EQ(sniff_format("BM\x36\0"), Format::bmp);
  EXPECT_EQ(sniff_format(std::string_view("II*\0\x08\0\0\0", 8)), Format::tiff);
  EXPECT_EQ(sniff_format(std::string_view("MM\0*\0\0\0\x08", 8)), Format::tiff);
  EXPECT_EQ(sniff_format(""), std::nullopt);
  EXPECT_EQ(sniff_format(std::string_view("RIFF\x10\0\0\0WAVE", 12)), std::nullopt);
  EXPECT_EQ(sniff_format("GIF90a"), std::nullopt);
  EXPECT_EQ(sniff_format("hello"), std::nullopt);
}

// The documented sizes: JPEG takes the smallest scaled-DCT size (1/8, 1/4,
// 1/2) whose shorter side is still >= min_side, then every format is box
// shrunk by f = floor(shorter / min_side) to round(side / f).
TEST(DecodeTest, RealPhotosDecodeAtTheDocumentedSize) {
  for (const auto& path : photo_paths()) {
    std::string bytes = read_file(path);
    Picture full = full_picture(bytes);
    for (std::uint32_t min_side : {32u, 64u, 100u}) {
      std::uint32_t w = full.width;
      std::uint32_t h = full.height;
      if (path.extension() == ".jpg") {
        for (std::uint32_t d : {8u, 4u, 2u}) {
          if ((std::min(w, h) + d - 1) / d >= min_side) {
            w = (w + d - 1) / d;
            h = (h + d - 1) / d;
            break;
          }
        }
      }
      std::uint32_t f = std::max(1u, std::min(w, h) / min_side);
      auto small = decode_small(bytes, path.filename().string(), min_side);
      ASSERT_OK(small);
      EXPECT_EQ(small->width, (w + f / 2) / f) << path << " min_side " << min_side;
      EXPECT_EQ(small->height, (h + f / 2) / f) << path << " min_side " << min_side;
      EXPECT_GE(std::min(small->width, small->height), min_side) << path;
      EXPECT_LT(std::min(small->width, small->height), 2 * min_side) << path;
      EXPECT_EQ(small->source_channels, 3) << path;
      EXPECT_EQ(small->rgb.size(), std::size_t{small->width} * small->height * 3);
    }
  }
}

TEST(DecodeTest, KnownPhotoSizes) {
  // kite.jpg is 1352x900: 1/8 gives 169x113, shrunk by 3 to 56x38.
  auto kite = decode_small(read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos/kite.jpg"), "kite.jpg", 32);
  ASSERT_OK(kite);
  EXPECT_EQ(kite->width, 56u);
  EXPECT_EQ(kite->height, 38u);
  // chelsea.png is 451x300: shrunk by 9 to 50x33.
  auto chelsea = decode_small(read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos/chelsea.png"), "c.png", 32);
  ASSERT_OK(chelsea);
  EXPECT_EQ(chelsea->width, 50u);
  EXPECT_EQ(chelsea->height, 33u);
  // Never enlarged.
  auto tiny = decode_small(encode_png(quadrants(10, 6)), "tiny.png", 32);
  ASSERT_OK(tiny);
  EXPECT_EQ(tiny->width, 10u);
  EXPECT_EQ(tiny->height, 6u);
}

// The longer side stays within 64 × min_side, however long the picture.
TEST(DecodeTest, VeryLongPicturesAreCapped) {
  struct Case {
    std::uint32_t width, height, min_side, out_width, out_height;
  };
  for (const Case& c : {Case{3000, 40, 32, 1500, 20}, Case{5000, 10, 16, 1000, 2}, Case{100'000, 3, 32, 2041, 1},
                        Case{2048, 20, 32, 2048, 20}}) {
    Picture picture = make_picture(c.width, c.height, [](std::uint32_t x, std::uint32_t) { return x % 256; });
    for (const std::string& bytes : {encode_png(picture), encode_bmp(picture)}) {
      auto small = decode_small(bytes, "long", c.min_side);
      ASSERT_OK(small);
      EXPECT_EQ(small->width, c.out_width) << c.width;
      EXPECT_EQ(small->height, c.out_height) << c.width;
      auto tall =
          decode_small(encode_png(make_picture(c.height, c.width, [](std::uint32_t, std::uint32_t) { return 0u; })),
                       "tall", c.min_side);
      ASSERT_OK(tall);
      EXPECT_EQ(tall->width, c.out_height);
      EXPECT_EQ(tall->height, c.out_width);
    }
  }
}

// Lossless re-encodings decode to the very pixels of the original, at full
// size and shrunk (the same box shrinker serves PNG, BMP, TIFF and GIF);
// lossy ones come close. Each photo is first shrunk to a shorter side of 150
// to 300 pixels, which keeps its content and the test fast.
TEST(DecodeTest, EveryPhotoReencodedInEveryFormat) {
  for (const auto& path : photo_paths()) {
    SCOPED_TRACE(path.filename().string());
    Picture photo = full_picture(read_file(path));
    Picture full = shrink_by(photo, std::max(1u, std::min(photo.width, photo.height) / 150));
    auto png = encode_png(full);
    auto reference = decode_small(png, "ref.png", 32);
    ASSERT_OK(reference);
    struct Case {
      const char* name;
      std::string bytes;
    };
    std::vector<Case> lossless = {
        {"png interlaced", encode_png(full, {.interlaced = true})},
        {"png 16-bit", encode_png(full, {.sixteen_bit = true})},
        {"bmp 24", encode_bmp(full)},
        {"bmp 32 bitfields", encode_bmp(full, {.bits = 32})},
        {"bmp top-down", encode_bmp(full, {.bits = 24, .top_down = true})},
        {"tiff strips", encode_tiff(full)},
        {"tiff one strip", encode_tiff(full, {.deflate = false, .rows_per_strip = full.height})},
        {"tiff tiled big-endian", encode_tiff(full, {.tiled = true, .big_endian = true})},
        {"webp lossless", encode_webp(full, -1)},
    };
    for (const Case& c : lossless) {
      SCOPED_TRACE(c.name);
      auto decoded = decode_small(c.bytes, c.name, k_full);
      ASSERT_OK(decoded);
      EXPECT_EQ(decoded->rgb, full.rgb);
      auto small = decode_small(c.bytes, c.name, 32);
      ASSERT_OK(small);
      if (std::string_view(c.name) == "webp lossless") {
        // libwebp's own scaler: cells of a fractional width, not our integer
        // factor, so fine texture (giraffe.jpg) lands differently.
        EXPECT_LT(mean_abs_difference(*small, *reference), 8.0);
      } else {
        EXPECT_EQ(small->rgb, reference->rgb);
      }
    }
    struct Lossy {
      const char* name;
      std::string bytes;
      double full_tolerance;
    };
    // The lossy encoders halve the chroma resolution (4:2:0): fine, colourful
    // texture (giraffe.jpg) loses the most.
    for (const Lossy& c : {Lossy{"jpeg q95", encode_jpeg(full, {.quality = 95}), 8.0},
                           Lossy{"jpeg progressive", encode_jpeg(full, {.quality = 95, .progressive = true}), 8.0},
                           Lossy{"webp q90", encode_webp(full, 90), 8.0}, Lossy{"gif", encode_gif({full}), 16.0},
                           Lossy{"gif interlaced", encode_gif({full}, {.interlaced = true}), 16.0},
                           Lossy{"bmp 16", encode_bmp(full, {.bits = 16}), 4.5}}) {
      SCOPED_TRACE(c.name);
      auto decoded = decode_small(c.bytes, c.name, k_full);
      ASSERT_OK(decoded);
      EXPECT_LT(mean_abs_difference(*decoded, full), c.full_tolerance);
      auto small = decode_small(c.bytes, c.name, 32);
      ASSERT_OK(small);
      EXPECT_GE(std::min(small->width, small->height), 32u);
    }
  }
}

TEST(DecodeTest, BoxShrinkerAveragesEachCell) {
  // Red = 30 x + 3 y. min_side 1 on a height of 3: factor 3; a remainder of
  // under half a cell joins the last cell, a larger one is a cell of its own.
  auto red = [](std::uint32_t x, std::uint32_t y) { return (x * 30 + y * 3) << 16; };
  struct Case {
    std::uint32_t width;
    std::vector<std::uint8_t> reds;
  };
  for (const Case& c : {Case{6, {33, 123}}, Case{5, {33, 108}}, Case{7, {33, 138}}, Case{8, {33, 123, 198}}}) {
    auto small = decode_small(encode_png(make_picture(c.width, 3, red)), "box.png", 1);
    ASSERT_OK(small);
    ASSERT_EQ(small->width, c.reds.size()) << c.width;
    ASSERT_EQ(small->height, 1u);
    for (std::size_t i = 0; i < c.reds.size(); ++i) {
      EXPECT_EQ(small->rgb[i * 3], c.reds[i]) << c.width << " cell " << i;
      EXPECT_EQ(small->rgb[i * 3 + 1], 0);
    }
  }
}

// Orientations 1..8 (EXIF in JPEG, the Orientation tag in TIFF), on a picture
// whose quadrants are red, green / blue, white as stored.
TEST(DecodeTest, OrientationIsApplied) {
  constexpr std::uint32_t R = 0xFF0000, G = 0x00FF00, B = 0x0000FF, W = 0xFFFFFF;
  // Displayed top-left, top-right, bottom-left, bottom-right.
  const std::uint32_t expected[9][4] = {{},           {R, G, B, W}, {G, R, W, B}, {W, B, G, R}, {B, W, R, G},
                                        {R, B, G, W}, {B, R, W, G}, {W, G, B, R}, {G, W, R, B}};
  Picture stored = quadrants(96, 48);
  for (std::uint8_t orientation = 1; orientation <= 8; ++orientation) {
    SCOPED_TRACE(static_cast<int>(orientation));
    for (const std::string& bytes : {encode_jpeg(stored, {.quality = 95, .orientation = orientation}),
                                     encode_tiff(stored, {.orientation = orientation}),
                                     encode_tiff(stored, {.tiled = true, .orientation = orientation})}) {
      for (std::uint32_t min_side : {k_full, 16u}) {
        auto picture = decode_small(bytes, "oriented", min_side);
        ASSERT_OK(picture);
        bool transposed = orientation >= 5;
        EXPECT_EQ(picture->width > picture->height, !transposed);
        EXPECT_EQ(quadrant_colour(*picture, false, false), expected[orientation][0]);
        EXPECT_EQ(quadrant_colour(*picture, true, false), expected[orientation][1]);
        EXPECT_EQ(quadrant_colour(*picture, false, true), expected[orientation][2]);
        EXPECT_EQ(quadrant_colour(*picture, true, true), expected[orientation][3]);
      }
    }
  }
}

TEST(DecodeTest, SourceChannelsAndAlphaOnBlack) {
  Picture photo = full_picture(read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos/coffee.png"));
  auto grey_jpeg = decode_small(encode_jpeg(photo, {.grey = true}), "g.jpg", 32);
  ASSERT_OK(grey_jpeg);
  EXPECT_EQ(grey_jpeg->source_channels, 1);
  // Grey decodes to equal channels.
  EXPECT_EQ(grey_jpeg->rgb[0], grey_jpeg->rgb[1]);
  auto grey_png = decode_small(encode_png(photo, {.grey = true}), "g.png", 32);
  ASSERT_OK(grey_png);
  EXPECT_EQ(grey_png->source_channels, 1);
  auto grey_16 = decode_small(encode_png(photo, {.grey = true, .sixteen_bit = true}), "g16.png", 32);
  ASSERT_OK(grey_16);
  EXPECT_EQ(grey_16->rgb, grey_png->rgb);

  Picture white = make_picture(64, 32, [](std::uint32_t, std::uint32_t) { return 0xFFFFFFu; });
  auto rgba = decode_small(encode_png(white, {.half_transparent = true}), "a.png", k_full);
  ASSERT_OK(rgba);
  EXPECT_EQ(rgba->source_channels, 4);
  EXPECT_EQ(quadrant_colour(*rgba, false, false), 0u);  // transparent: black
  EXPECT_EQ(quadrant_colour(*rgba, true, false), 0xFFFFFFu);
  auto grey_alpha = decode_small(encode_png(white, {.grey = true, .half_transparent = true}), "ga.png", k_full);
  ASSERT_OK(grey_alpha);
  EXPECT_EQ(grey_alpha->source_channels, 2);

  // GIF: index 0 of the colour cube (black) transparent, and white kept.
  auto gif = decode_small(encode_gif({white}, {.transparent_index = 0}), "t.gif", k_full);
  ASSERT_OK(gif);
  EXPECT_EQ(gif->source_channels, 4);
  EXPECT_EQ(quadrant_colour(*gif, true, true), 0xFFFFFFu);
  auto opaque_gif = decode_small(encode_gif({white}), "o.gif", k_full);
  ASSERT_OK(opaque_gif);
  EXPECT_EQ(opaque_gif->source_channels, 3);

  auto grey_bmp = decode_small(encode_bmp(photo, {.bits = 8}), "g.bmp", k_full);
  ASSERT_OK(grey_bmp);
  EXPECT_EQ(grey_bmp->source_channels, 3);  // a palette, even of greys
  EXPECT_EQ(grey_bmp->rgb, full_picture(encode_png(photo, {.grey = true})).rgb);
}

// Colour models and layouts the re-encoding matrix above does not reach.
TEST(DecodeTest, LessCommonVariants) {
  Picture photo = full_picture(read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos/coffee.png"));
  Picture grey = full_picture(encode_png(photo, {.grey = true}));
  for (bool ycck : {false, true}) {
    auto cmyk = decode_small(encode_jpeg(photo, {.quality = 95, .cmyk = true, .ycck = ycck}), "cmyk.jpg", k_full);
    ASSERT_OK(cmyk);
    EXPECT_EQ(cmyk->source_channels, 3);
    EXPECT_LT(mean_abs_difference(*cmyk, photo), 4.0) << ycck;
  }

  // Palette PNG (greys), with and without a tRNS chunk making white clear.
  auto palette = decode_small(encode_png(photo, {.palette = true}), "p.png", k_full);
  ASSERT_OK(palette);
  EXPECT_EQ(palette->source_channels, 3);
  EXPECT_EQ(palette->rgb, grey.rgb);
  Picture white = make_picture(64, 32, [](std::uint32_t, std::uint32_t) { return 0xFFFFFFu; });
  auto clear = decode_small(encode_png(white, {.palette = true, .palette_trns = true}), "t.png", k_full);
  ASSERT_OK(clear);
  EXPECT_EQ(clear->source_channels, 4);
  EXPECT_EQ(channel_mean(*clear, 0), 0);

  auto webp_alpha = decode_small(encode_webp(white, -1, true), "a.webp", k_full);
  ASSERT_OK(webp_alpha);
  EXPECT_EQ(webp_alpha->source_channels, 4);
  EXPECT_EQ(quadrant_colour(*webp_alpha, false, false), 0u);
  EXPECT_EQ(quadrant_colour(*webp_alpha, true, true), 0xFFFFFFu);

  auto local = decode_small(encode_gif({photo}, {.local_colour_map = true}), "l.gif", 32);
  auto global = decode_small(encode_gif({photo}), "g.gif", 32);
  ASSERT_OK(local);
  ASSERT_OK(global);
  EXPECT_EQ(local->rgb, global->rgb);

  // BMP palettes of 2, 16 and 256 greys, and the OS/2 core header.
  for (int bits : {1, 4, 8}) {
    std::uint32_t levels = 1u << bits;
    Picture expected = make_picture(photo.width, photo.height, [&](std::uint32_t x, std::uint32_t y) {
      std::uint32_t luma = grey.rgb[(std::size_t{y} * grey.width + x) * 3];
      std::uint32_t level = (luma * (levels - 1) + 127) / 255 * 255 / (levels - 1);
      return level * 0x010101u;
    });
    for (bool core : {false, true}) {
      auto bmp = decode_small(encode_bmp(photo, {.bits = bits, .core_header = core}), "p.bmp", k_full);
      ASSERT_OK(bmp);
      EXPECT_EQ(bmp->rgb, expected.rgb) << bits << " core " << core;
    }
  }
  auto core24 = decode_small(encode_bmp(photo, {.bits = 24, .core_header = true}), "c.bmp", k_full);
  ASSERT_OK(core24);
  EXPECT_EQ(core24->rgb, photo.rgb);

  auto grey_tiff = decode_small(encode_tiff(photo, {.samples = 1}), "g.tif", k_full);
  ASSERT_OK(grey_tiff);
  EXPECT_EQ(grey_tiff->source_channels, 1);
  EXPECT_EQ(grey_tiff->rgb, grey.rgb);
  auto rgba_tiff = decode_small(encode_tiff(white, {.tiled = true, .samples = 4}), "a.tif", k_full);
  ASSERT_OK(rgba_tiff);
  EXPECT_EQ(rgba_tiff->source_channels, 4);
  EXPECT_EQ(quadrant_colour(*rgba_tiff, false, false), 0u);
  EXPECT_EQ(quadrant_colour(*rgba_tiff, true, false), 0xFFFFFFu);
}

TEST(DecodeTest, AnimationsDecodeTheirFirstFrame) {
  Picture red = make_picture(40, 30, [](std::uint32_t, std::uint32_t) { return 0xFF0000u; });
  Picture blue = make_picture(40, 30, [](std::uint32_t, std::uint32_t) { return 0x0000FFu; });
  auto webp = decode_small(encode_animated_webp({red, blue, blue}), "anim.webp", 16);
  ASSERT_OK(webp);
  EXPECT_GT(channel_mean(*webp, 0), 250);
  EXPECT_LT(channel_mean(*webp, 2), 5);
  auto gif = decode_small(encode_gif({red, blue}), "anim.gif", 16);
  ASSERT_OK(gif);
  EXPECT_GT(channel_mean(*gif, 0), 250);
  EXPECT_LT(channel_mean(*gif, 2), 5);
}

// 10,000 frames cost one: the frames after the first are never read, so
// cutting the file in the middle of frame 5,000 changes nothing.
TEST(DecodeTest, GifWithTenThousandFramesDecodesTheFirst) {
  Picture red = make_picture(16, 16, [](std::uint32_t, std::uint32_t) { return 0xFF0000u; });
  Picture blue = make_picture(16, 16, [](std::uint32_t, std::uint32_t) { return 0x0000FFu; });
  std::vector<Picture> frames(10'000, blue);
  frames[0] = red;
  std::string gif = encode_gif(frames);
  for (const std::string& bytes : {gif, gif.substr(0, gif.size() / 2 + 7)}) {
    auto start = std::chrono::steady_clock::now();
    auto picture = decode_small(bytes, "many.gif", 16);
    auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_OK(picture);
    EXPECT_EQ(picture->width, 16u);
    EXPECT_GT(channel_mean(*picture, 0), 250);
    EXPECT_LT(channel_mean(*picture, 2), 5);
    EXPECT_LT(elapsed, std::chrono::milliseconds(200));
  }
}

TEST(DecodeTest, ZeroBytesAndUnknownFormats) {
  auto empty = decode_small("", "empty.jpg", 32);
  expect_error_names_subject(empty, "empty.jpg");
  EXPECT_EQ(empty.error().code, ErrorCode::unsupported);
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
  auto text = decode_small("hello, world", "hello.png", 32);
  expect_error_names_subject(text, "hello.png");
  EXPECT_EQ(text.error().code, ErrorCode::unsupported);
  // A signature alone.
  for (std::string_view signature :
       {std::string_view("\xFF\xD8"), std::string_view("\x89PNG\r\n\x1A\n"), std::string_view("RIFF\0\0\0\0WEBP", 12),
        std::string_view("GIF89a"), std::string_view("BM"), std::string_view("II*\0", 4)}) {
    auto bare = decode_small(signature, "bare", 32);
    expect_error_names_subject(bare, "bare");
    EXPECT_EQ(bare.error().code, ErrorCode::invalid_argument) << bare.error().message;
  }
}

TEST(DecodeTest, TruncatedFilesOfEachFormatAreErrors) {
  auto truncated = decode_small(read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos/truncated.jpg"),
                                "photos/truncated.jpg", 32);
  expect_error_names_subject(truncated, "photos/truncated.jpg");
  EXPECT_EQ(truncated.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(truncated.error().message.find("JPEG: premature end of data"), std::string::npos)
      << truncated.error().message;

  Picture photo = full_picture(read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos/chelsea.png"));
  struct Case {
    const char* name;
    std::string bytes;
  };
  for (const Case& c :
       {Case{"JPEG", encode_jpeg(photo)}, Case{"JPEG", encode_jpeg(photo, {.progressive = true})},
        Case{"PNG", encode_png(photo)}, Case{"PNG", encode_png(photo, {.interlaced = true})},
        Case{"WebP", encode_webp(photo)}, Case{"WebP", encode_webp(photo, -1)}, Case{"GIF", encode_gif({photo})},
        Case{"BMP", encode_bmp(photo)}, Case{"TIFF", encode_tiff(photo)}}) {
    for (double keep : {0.1, 0.5, 0.9}) {
      std::string cut = c.bytes.substr(0, static_cast<std::size_t>(c.bytes.size() * keep));
      auto result = decode_small(cut, "cut", 32);
      expect_error_names_subject(result, "cut");
      EXPECT_NE(result.error().message.find(std::string("'cut': ") + c.name + ": "), std::string::npos)
          << result.error().message;
    }
  }
}

// A baseline JPEG that lacks only its final EOI marker has all its pixels:
// it decodes. A progressive one may lack whole scans without a byte of a
// scan cut: it is refused.
TEST(DecodeTest, JpegWithoutItsEoiMarker) {
  for (const auto& path : photo_paths()) {
    if (path.extension() != ".jpg") continue;
    std::string bytes = read_file(path);
    ASSERT_TRUE(bytes.ends_with("\xFF\xD9")) << path;
    std::string without_eoi = bytes.substr(0, bytes.size() - 2);
    for (std::uint32_t min_side : {32u, k_full}) {
      auto whole = decode_small(bytes, "whole.jpg", min_side);
      auto cut = decode_small(without_eoi, "cut.jpg", min_side);
      ASSERT_OK(whole);
      ASSERT_OK(cut);
      EXPECT_EQ(cut->rgb, whole->rgb) << path;
    }
  }
  Picture photo = full_picture(read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos/chelsea.png"));
  std::string progressive = encode_jpeg(photo, {.progressive = true});
  EXPECT_OK(decode_small(progressive, "p.jpg", 32));
  auto refused = decode_small(progressive.substr(0, progressive.size() - 2), "p.jpg", 32);
  expect_error_names_subject(refused, "p.jpg");
  EXPECT_NE(refused.error().message.find("premature end of data"), std::string::npos);
}

TEST(DecodeTest, HugeDeclaredSizeIsRefusedAtOnce) {
  std::string png = png_with_chunks(100'000, 100'000, {{"IDAT", std::string(100, 'x')}});
  auto start = std::chrono::steady_clock::now();
  auto result = decode_small(png, "huge.png", 32);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  expect_error_names_subject(result, "huge.png");
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(result.error().message.find("100000x100000"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("limit of 268435456 pixels"), std::string::npos) << result.error().message;

  // Every format checks the limit before decoding.
  Picture photo = make_picture(100, 50, [](std::uint32_t x, std::uint32_t y) { return x * 1000 + y; });
  for (const std::string& bytes : {encode_jpeg(photo), encode_png(photo), encode_webp(photo), encode_gif({photo}),
                                   encode_bmp(photo), encode_tiff(photo), encode_animated_webp({photo, photo})}) {
    auto refused = decode_small(bytes, "limited", 32, DecodeLimits{4999});
    expect_error_names_subject(refused, "limited");
    EXPECT_NE(refused.error().message.find("100x50 pixels, more than the limit of 4999"), std::string::npos)
        << refused.error().message;
    EXPECT_OK(decode_small(bytes, "limited", 32, DecodeLimits{5000}));
  }
}

TEST(DecodeTest, BmpHeadersThatLie) {
  Picture photo = make_picture(40, 30, [](std::uint32_t x, std::uint32_t y) { return x * 5000 + y * 3; });
  std::string bmp = encode_bmp(photo);
  auto set_le32 = [](std::string& bytes, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  // A height of 3000 rows in a file that holds 30.
  std::string tall = bmp;
  set_le32(tall, 22, 3000);
  auto result = decode_small(tall, "tall.bmp", 8);
  expect_error_names_subject(result, "tall.bmp");
  EXPECT_NE(result.error().message.find("extends past the end of the file"), std::string::npos)
      << result.error().message;
  // Pixel data said to start past the end.
  std::string far = bmp;
  set_le32(far, 10, 0xFFFFFF00u);
  expect_error_names_subject(decode_small(far, "far.bmp", 8), "far.bmp");
  // A header size larger than the file.
  std::string header = bmp;
  set_le32(header, 14, 0x7FFFFFFF);
  expect_error_names_subject(decode_small(header, "header.bmp", 8), "header.bmp");
  // A palette of 2^8 entries in a file too short for it.
  std::string palette = encode_bmp(photo, {.bits = 8}).substr(0, 14 + 40 + 100);
  expect_error_names_subject(decode_small(palette, "palette.bmp", 8), "palette.bmp");
  // RLE: refused, saying so.
  std::string rle = bmp;
  set_le32(rle, 30, 1);
  auto rle_result = decode_small(rle, "rle.bmp", 8);
  expect_error_names_subject(rle_result, "rle.bmp");
  EXPECT_EQ(rle_result.error().code, ErrorCode::unsupported);
  EXPECT_NE(rle_result.error().message.find("RLE"), std::string::npos);
  // The untouched file decodes.
  auto fine = decode_small(bmp, "fine.bmp", k_full);
  ASSERT_OK(fine);
  EXPECT_EQ(fine->rgb, photo.rgb);
}

// Damaged bytes anywhere give a picture or an error, never a crash (the
// fuzzer, fuzz/fuzz_image_decode.cpp, goes much further).
TEST(DecodeTest, DamagedBytesNeverCrash) {
  Picture photo = make_picture(48, 40, [](std::uint32_t x, std::uint32_t y) { return x * 4000 + y * 70; });
  for (const std::string& bytes : {encode_jpeg(photo), encode_png(photo, {.interlaced = true}), encode_webp(photo),
                                   encode_gif({photo, photo}), encode_bmp(photo, {.bits = 32}), encode_tiff(photo)}) {
    for (std::size_t at = 0; at < bytes.size(); at += std::max<std::size_t>(1, bytes.size() / 97)) {
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x5A);
      auto result = decode_small(damaged, "damaged", 16, DecodeLimits{1 << 20});
      if (result) {
        EXPECT_EQ(result->rgb.size(), std::size_t{result->width} * result->height * 3);
      } else {
        EXPECT_NE(result.error().message.find("'damaged'"), std::string::npos);
      }
    }
  }
}

TEST(DecodeTest, DecodesAreDeterministicAcrossThreads) {
  std::string bytes = read_file(std::filesystem::path(LDB_TESTDATA_DIR) / "photos/dog.jpg");
  auto first = decode_small(bytes, "dog.jpg", 32);
  ASSERT_OK(first);
  std::vector<std::vector<std::uint8_t>> results(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int repeat = 0; repeat < 5; ++repeat) {
        auto picture = decode_small(bytes, "dog.jpg", 32);
        if (picture) results[i] = picture->rgb;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) EXPECT_EQ(result, first->rgb);
}

}  // namespace
}  // namespace ldb::image
