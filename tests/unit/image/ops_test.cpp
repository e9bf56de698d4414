// Built-in image ops (src/image/ops.cpp): parsing, geometry, box and polygon
// mapping, and pixels — each checked by a coloured rectangle that must stay
// inside the mapped box.

#include "image/ops.hpp"

#include <gtest/gtest.h>

#include "codec_support.hpp"
#include "image/decode_detail.hpp"
#include "image/encode.hpp"
#include "test_support.hpp"

namespace ldb::image {
namespace {

using testing::make_picture;

OpList ops_of(std::vector<std::string> texts) {
  auto ops = parse_ops(texts);
  EXPECT_TRUE(ops.has_value()) << (ops ? "" : ops.error().message);
  return ops ? *ops : OpList{};
}

TEST(ImageOpsParse, AcceptsTheGrammarAndNormalises) {
  auto ops = ops_of({"resize 256x256", "  resize   10x20 FILL ", "resize 3x4 stretch", "center-crop 224x224", "flip-h",
                     "flip-v", "rotate 90", "rotate 270", "grayscale", "format jpeg 90"});
  ASSERT_EQ(ops.steps.size(), 9u);
  EXPECT_EQ(ops.steps[0].mode, ResizeMode::fit);
  EXPECT_EQ(ops.steps[1].mode, ResizeMode::fill);
  EXPECT_EQ(ops.steps[1].size, (Size{10, 20}));
  EXPECT_EQ(ops.format, OutputFormat::jpeg);
  EXPECT_EQ(ops.quality, 90);
  auto texts = normalised(ops);
  EXPECT_EQ(texts, (std::vector<std::string>{"resize 256x256 fit", "resize 10x20 fill", "resize 3x4 stretch",
                                             "center-crop 224x224", "flip-h", "flip-v", "rotate 90", "rotate 270",
                                             "grayscale", "format jpeg 90"}));
  EXPECT_EQ(ops_of(texts), ops);
  EXPECT_EQ(normalised(ops_of({"format png"})), (std::vector<std::string>{"format png"}));
  EXPECT_EQ(normalised(ops_of({"format webp 75"})), (std::vector<std::string>{"format webp 75"}));
}

TEST(ImageOpsParse, BadSpecsNameTheOpAndHint) {
  struct Case {
    std::vector<std::string> texts;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           {{"blur 3"}, "unknown op 'blur'"},
           {{"resize 0x224 fit"}, "'0x224'"},
           {{"resize -5x224"}, "'-5x224'"},
           {{"resize 224"}, "'224'"},
           {{"resize axb"}, "'axb'"},
           {{"resize 100000x2"}, "'100000x2'"},
           {{"resize 16385x2"}, "16384"},
           {{"resize 2x2 zoom"}, "unknown resize mode 'zoom'"},
           {{"resize"}, "needs a size"},
           {{"center-crop 0x0"}, "'0x0'"},
           {{"rotate 45"}, "90, 180 or 270"},
           {{"flip-h 2"}, "takes no arguments"},
           {{"format jpeg 0"}, "'0'"},
           {{"format jpeg 101"}, "'101'"},
           {{"format jpeg"}, "quality"},
           {{"format webp x"}, "'x'"},
           {{"format png 9"}, "png takes no quality"},
           {{"format gif"}, "unknown output format 'gif'"},
           {{"format png", "flip-h"}, "after the format op"},
           {{"format png", "format png"}, "after the format op"},
           {{""}, "empty"},
       }) {
    auto ops = parse_ops(c.texts);
    ASSERT_FALSE(ops.has_value()) << c.texts.front();
    EXPECT_EQ(ops.error().code, ErrorCode::invalid_argument);
    EXPECT_TRUE(ops.error().message.starts_with("op '")) << ops.error().message;
    EXPECT_NE(ops.error().message.find(c.expected), std::string::npos) << ops.error().message;
    EXPECT_FALSE(ops.error().hint.empty());
  }
}

TEST(ImageOpsGeometry, SizesOfEveryOp) {
  auto out = [](std::vector<std::string> texts, Size in) { return geometry(ops_of(texts), in).output; };
  EXPECT_EQ(out({"resize 256x256 fit"}, {640, 480}), (Size{256, 192}));
  EXPECT_EQ(out({"resize 256x256 fit"}, {480, 640}), (Size{192, 256}));
  EXPECT_EQ(out({"resize 256x256 fit"}, {100, 50}), (Size{256, 128}));  // fit enlarges too
  EXPECT_EQ(out({"resize 256x256 fill"}, {640, 480}), (Size{256, 256}));
  EXPECT_EQ(out({"resize 300x100 stretch"}, {640, 480}), (Size{300, 100}));
  EXPECT_EQ(out({"resize 10x10 fit"}, {10000, 10}), (Size{10, 1}));  // never 0
  EXPECT_EQ(out({"center-crop 224x224"}, {256, 300}), (Size{224, 224}));
  EXPECT_EQ(out({"center-crop 224x224"}, {100, 300}), (Size{100, 224}));  // never larger than the image
  EXPECT_EQ(out({"rotate 90"}, {640, 480}), (Size{480, 640}));
  EXPECT_EQ(out({"rotate 180"}, {640, 480}), (Size{640, 480}));
  EXPECT_EQ(out({"rotate 270", "flip-h", "flip-v", "grayscale"}, {640, 480}), (Size{480, 640}));
}

TEST(ImageOpsGeometry, BoxesFollowEveryOp) {
  const Size in{200, 100};
  auto map = [&](std::vector<std::string> texts, Box box) { return map_box(geometry(ops_of(texts), in), box); };
  auto expect_box = [](std::optional<Box> got, Box want) {
    ASSERT_TRUE(got.has_value());
    for (int i = 0; i < 4; ++i) EXPECT_NEAR((*got)[i], want[i], 1e-9) << i;
  };
  const Box box{20, 10, 40, 30};  // x 20..60, y 10..40
  expect_box(map({"resize 100x50 fit"}, box), {10, 5, 20, 15});
  expect_box(map({"resize 400x100 stretch"}, box), {40, 10, 80, 30});
  // fill 100x100: scale 1 (cover), crop x 50..150.
  expect_box(map({"resize 100x100 fill"}, box), {0, 10, 10, 30});
  expect_box(map({"center-crop 100x100"}, box), {0, 10, 10, 30});
  expect_box(map({"flip-h"}, box), {140, 10, 40, 30});
  expect_box(map({"flip-v"}, box), {20, 60, 40, 30});
  expect_box(map({"rotate 90"}, box), {60, 20, 30, 40});  // (x, y) -> (100 - y, x)
  expect_box(map({"rotate 180"}, box), {140, 60, 40, 30});
  expect_box(map({"rotate 270"}, box), {10, 140, 30, 40});  // (x, y) -> (y, 200 - x)
  // Cut away entirely: dropped; a box touching the crop's edge only: dropped.
  EXPECT_FALSE(map({"center-crop 100x100"}, {0, 0, 40, 40}).has_value());
  EXPECT_FALSE(map({"center-crop 100x100"}, {10, 0, 40, 40}).has_value());
  // Combination: resize, crop, flip, rotate.
  expect_box(map({"resize 100x50 fit", "center-crop 50x50", "flip-h", "rotate 90"}, {80, 20, 40, 20}),
             {30, 15, 10, 20});
}

TEST(ImageOpsGeometry, RotationsAndFlipsComposeAsTheyShould) {
  const Size in{37, 23};
  const Box box{3, 4, 10, 5};
  auto mapped = [&](std::vector<std::string> texts) { return *map_box(geometry(ops_of(texts), in), box); };
  auto same = [](const Box& a, const Box& b) {
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(a[i], b[i], 1e-9);
  };
  same(mapped({"rotate 90", "rotate 270"}), box);
  same(mapped({"rotate 90", "rotate 90"}), mapped({"rotate 180"}));
  same(mapped({"rotate 180"}), mapped({"flip-h", "flip-v"}));
  same(mapped({"flip-h", "flip-h"}), box);
  same(mapped({"rotate 90", "rotate 90", "rotate 90"}), mapped({"rotate 270"}));
}

TEST(ImageOpsGeometry, PolygonsAreMappedAndClipped) {
  auto g = geometry(ops_of({"center-crop 100x100"}), Size{200, 100});  // keeps x 50..150
  auto inside = map_polygon(g, std::vector<double>{60, 10, 90, 10, 90, 40});
  EXPECT_EQ(inside, (std::vector<double>{10, 10, 40, 10, 40, 40}));
  auto clipped = map_polygon(g, std::vector<double>{0, 0, 100, 0, 100, 50, 0, 50});
  ASSERT_FALSE(clipped.empty());
  for (std::size_t i = 0; i < clipped.size(); i += 2) {
    EXPECT_GE(clipped[i], 0);
    EXPECT_LE(clipped[i], 50);
  }
  EXPECT_TRUE(map_polygon(g, std::vector<double>{0, 0, 40, 0, 40, 40}).empty());
}

TEST(ImageOpsGeometry, OrientationOpsMatchTheDecoder) {
  // The stored pixel (sx, sy) appears where the decoder's orientation puts it.
  const Size stored{5, 3};
  for (std::uint8_t orientation = 1; orientation <= 8; ++orientation) {
    auto g = geometry(orientation_ops(orientation), stored);
    auto picture = make_picture(stored.width, stored.height,
                                [](std::uint32_t x, std::uint32_t y) { return (x == 1 && y == 0) ? 0xFFFFFFu : 0u; });
    Picture shown = apply_ops(picture, orientation_ops(orientation), stored);
    EXPECT_EQ(shown.rgb, detail::oriented(picture, orientation).rgb) << int(orientation);
    auto cell = map_box(g, Box{1, 0, 1, 1});
    ASSERT_TRUE(cell.has_value());
    auto x = static_cast<std::uint32_t>((*cell)[0]);
    auto y = static_cast<std::uint32_t>((*cell)[1]);
    ASSERT_EQ(g.output, (Size{shown.width, shown.height}));
    EXPECT_EQ(shown.rgb[(std::size_t{y} * shown.width + x) * 3], 255) << int(orientation);
  }
}

TEST(ImageOpsGeometry, NeededScale) {
  EXPECT_DOUBLE_EQ(needed_scale(ops_of({"flip-h"}), {4000, 3000}), 1.0);
  EXPECT_NEAR(needed_scale(ops_of({"resize 224x224 fit"}), {4000, 3000}), 224.0 / 4000, 1e-9);
  EXPECT_NEAR(needed_scale(ops_of({"resize 224x224 fill"}), {4000, 3000}), 224.0 / 3000, 1e-9);
  EXPECT_DOUBLE_EQ(needed_scale(ops_of({"resize 8000x8000 fit"}), {4000, 3000}), 1.0);
  EXPECT_NEAR(needed_scale(ops_of({"center-crop 1000x1000", "resize 100x100 fit"}), {4000, 3000}), 0.1, 1e-9);
}

// A 200 × 100 picture, grey, with a red rectangle at x 40..100, y 20..60.
Picture scene() {
  return make_picture(200, 100, [](std::uint32_t x, std::uint32_t y) {
    return (x >= 40 && x < 100 && y >= 20 && y < 60) ? 0xFF0000u : 0x808080u;
  });
}

bool red(const Picture& p, std::uint32_t x, std::uint32_t y) {
  const std::uint8_t* px = &p.rgb[(std::size_t{y} * p.width + x) * 3];
  return px[0] > 200 && px[1] < 60 && px[2] < 60;
}

// The red pixels of `p` lie inside `box` (give or take a pixel of filter
// blur) and fill its middle.
void expect_box_frames_red(const Picture& p, const Box& box) {
  const double x0 = box[0], y0 = box[1], x1 = box[0] + box[2], y1 = box[1] + box[3];
  for (std::uint32_t y = 0; y < p.height; ++y) {
    for (std::uint32_t x = 0; x < p.width; ++x) {
      const bool inside = x + 0.5 > x0 - 1.5 && x + 0.5 < x1 + 1.5 && y + 0.5 > y0 - 1.5 && y + 0.5 < y1 + 1.5;
      if (!inside) {
        EXPECT_FALSE(red(p, x, y)) << x << "," << y;
      }
      const bool core = x + 0.5 > x0 + 1.5 && x + 0.5 < x1 - 1.5 && y + 0.5 > y0 + 1.5 && y + 0.5 < y1 - 1.5;
      if (core) {
        EXPECT_TRUE(red(p, x, y)) << x << "," << y;
      }
    }
  }
}

TEST(ImageOpsPixels, TheBoxFramesTheRectangleAfterEveryOp) {
  const Box rectangle{40, 20, 60, 40};
  for (const auto& texts : std::vector<std::vector<std::string>>{
           {"flip-h"},
           {"flip-v"},
           {"rotate 90"},
           {"rotate 180"},
           {"rotate 270"},
           {"center-crop 120x80"},
           {"resize 100x100 fit"},
           {"resize 100x100 fill"},
           {"resize 300x90 stretch"},
           {"resize 400x400 fit"},
           {"resize 160x100 fill", "center-crop 100x100", "flip-h"},
           {"rotate 90", "resize 64x64 fill", "flip-v"},
           {"center-crop 150x90", "resize 75x75 fit", "rotate 270"},
           {"resize 100x50 fit", "resize 200x100 stretch"},
       }) {
    SCOPED_TRACE(texts.front());
    OpList ops = ops_of(texts);
    auto g = geometry(ops, Size{200, 100});
    Picture out = apply_ops(scene(), ops, Size{200, 100});
    ASSERT_EQ((Size{out.width, out.height}), g.output);
    auto box = map_box(g, rectangle);
    ASSERT_TRUE(box.has_value());
    expect_box_frames_red(out, *box);
  }
}

TEST(ImageOpsPixels, AShrunkDecodeGivesTheSameGeometry) {
  // The picture a decoder shrank by 2 stands for the full-size source.
  const Box rectangle{40, 20, 60, 40};
  OpList ops = ops_of({"center-crop 180x90", "resize 45x45 fill", "flip-h"});
  Picture half = testing::shrink_by(scene(), 2);
  Picture out = apply_ops(half, ops, Size{200, 100});
  auto g = geometry(ops, Size{200, 100});
  ASSERT_EQ((Size{out.width, out.height}), g.output);
  expect_box_frames_red(out, *map_box(g, rectangle));
}

TEST(ImageOpsPixels, CropsAndFlipsCopyPixelsExactly) {
  auto picture = make_picture(7, 5, [](std::uint32_t x, std::uint32_t y) { return x * 16 + y * 0x1000; });
  Picture cropped = apply_ops(picture, ops_of({"center-crop 3x3"}), Size{7, 5});
  ASSERT_EQ(cropped.width, 3u);
  EXPECT_EQ(cropped.rgb[0 * 3 + 2], picture.rgb[(1 * 7 + 2) * 3 + 2]);
  Picture flipped = apply_ops(picture, ops_of({"flip-h", "flip-h", "rotate 90", "rotate 270"}), Size{7, 5});
  EXPECT_EQ(flipped.rgb, picture.rgb);
  Picture grey = apply_ops(picture, ops_of({"grayscale"}), Size{7, 5});
  EXPECT_EQ(grey.source_channels, 1);
  for (std::size_t i = 0; i < grey.rgb.size(); i += 3) {
    EXPECT_EQ(grey.rgb[i], grey.rgb[i + 1]);
    EXPECT_EQ(grey.rgb[i], grey.rgb[i + 2]);
  }
}

TEST(ImageOpsPixels, ResizeKeepsFlatColoursAndAverages) {
  auto flat = make_picture(64, 48, [](std::uint32_t, std::uint32_t) { return 0x336699u; });
  Picture small = apply_ops(flat, ops_of({"resize 10x10 fit"}), Size{64, 48});
  ASSERT_EQ(small.width, 10u);
  for (std::size_t i = 0; i < small.rgb.size(); i += 3) {
    EXPECT_EQ(small.rgb[i], 0x33);
    EXPECT_EQ(small.rgb[i + 1], 0x66);
    EXPECT_EQ(small.rgb[i + 2], 0x99);
  }
  // A 1-pixel checkerboard shrunk by 4 is mid grey, not aliased stripes.
  auto checker = make_picture(64, 64, [](std::uint32_t x, std::uint32_t y) { return (x + y) % 2 ? 0xFFFFFFu : 0u; });
  Picture grey = apply_ops(checker, ops_of({"resize 16x16 stretch"}), Size{64, 64});
  for (std::uint8_t v : grey.rgb) EXPECT_NEAR(v, 128, 3);
}

TEST(ImageEncode, RoundTripsEveryFormat) {
  auto picture =
      make_picture(33, 17, [](std::uint32_t x, std::uint32_t y) { return (x * 7) << 16 | (y * 13) << 8 | 90; });
  struct Case {
    OutputFormat format;
    int quality;
    double tolerance;
    std::string_view signature;
  };
  for (const auto& c : std::vector<Case>{{OutputFormat::png, 0, 0.0, "\x89PNG"},
                                         {OutputFormat::jpeg, 95, 4.0, "\xFF\xD8"},
                                         {OutputFormat::webp, 95, 4.0, "RIFF"}}) {
    auto bytes = encode(picture, c.format, c.quality);
    ASSERT_OK(bytes);
    EXPECT_TRUE(bytes->starts_with(c.signature));
    auto back = decode_small(*bytes, "encoded", 1u << 30);
    ASSERT_OK(back);
    ASSERT_EQ(back->width, 33u);
    ASSERT_EQ(back->height, 17u);
    EXPECT_LE(testing::mean_abs_difference(*back, picture), c.tolerance) << extension_of(c.format);
    EXPECT_EQ(*encode(picture, c.format, c.quality), *bytes);  // deterministic
  }
  Picture grey = apply_ops(picture, ops_of({"grayscale"}), Size{33, 17});
  for (auto format : {OutputFormat::png, OutputFormat::jpeg}) {
    auto bytes = encode(grey, format, 90);
    ASSERT_OK(bytes);
    auto back = decode_small(*bytes, "grey", 1u << 30);
    ASSERT_OK(back);
    EXPECT_EQ(back->source_channels, 1);
  }
  auto low = encode(picture, OutputFormat::jpeg, 10);
  auto high = encode(picture, OutputFormat::jpeg, 100);
  ASSERT_OK(low);
  ASSERT_OK(high);
  EXPECT_LT(low->size(), high->size());
}

}  // namespace
}  // namespace ldb::image
