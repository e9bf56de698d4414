#include "index/image_header.hpp"

#include <filesystem>

#include "storage/file_system.hpp"
#include "test_support.hpp"

namespace ldb::index {
namespace {

std::string be16(unsigned v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}; }
std::string le16(unsigned v) { return {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; }
std::string be32(unsigned v) { return be16(v >> 16) + be16(v & 0xFFFF); }
std::string le32(unsigned v) { return le16(v & 0xFFFF) + le16(v >> 16); }

std::string png(unsigned width, unsigned height) {
  return std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" + be32(width) + be32(height) +
         std::string("\x08\x02\x00\x00\x00", 5) + be32(0);
}

// An EXIF APP1 segment (big-endian TIFF) with one IFD0 entry: the orientation.
std::string exif_app1(unsigned orientation) {
  std::string tiff =
      "MM" + be16(42) + be32(8) + be16(1) + be16(0x0112) + be16(3) + be32(1) + be16(orientation) + be16(0) + be32(0);
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  return "\xFF\xE1" + be16(static_cast<unsigned>(payload.size() + 2)) + payload;
}

// SOI, APP0 JFIF, [APP1 Exif], DQT-ish filler segment, a fill byte, SOF2 (progressive), SOS.
std::string jpeg(unsigned width, unsigned height, unsigned orientation = 0) {
  std::string out = "\xFF\xD8";
  out += "\xFF\xE0" + be16(16) + std::string("JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00", 14);
  if (orientation) out += exif_app1(orientation);
  out += "\xFF\xC4" + be16(5) + "abc";  // DHT: not a frame header despite C4
  out += "\xFF\xFF\xC2" + be16(17) + "\x08" + be16(height) + be16(width) + "\x03" + std::string(9, '\x01');
  out += "\xFF\xDA" + be16(2);
  return out;
}

TEST(ImageHeaderTest, Png) {
  auto header = read_image_header(png(640, 427), "a.png");
  ASSERT_OK(header);
  EXPECT_EQ(header->format, ImageFormat::png);
  EXPECT_EQ(header->width, 640u);
  EXPECT_EQ(header->height, 427u);
  EXPECT_EQ(image_format_name(header->format), "png");
}

TEST(ImageHeaderTest, JpegSkipsSegmentsAndDht) {
  auto header = read_image_header(jpeg(1280, 720), "a.jpg");
  ASSERT_OK(header);
  EXPECT_EQ(header->format, ImageFormat::jpeg);
  EXPECT_EQ(header->width, 1280u);
  EXPECT_EQ(header->height, 720u);
  EXPECT_EQ(header->orientation, 1);
  EXPECT_EQ(header->display_width(), 1280u);
}

TEST(ImageHeaderTest, JpegExifRotationSwapsDisplaySize) {
  auto header = read_image_header(jpeg(640, 480, 6), "rot.jpg");
  ASSERT_OK(header);
  EXPECT_EQ(header->orientation, 6);
  EXPECT_EQ(header->width, 640u);
  EXPECT_EQ(header->display_width(), 480u);
  EXPECT_EQ(header->display_height(), 640u);
  auto upright = read_image_header(jpeg(640, 480, 1), "up.jpg");
  ASSERT_OK(upright);
  EXPECT_EQ(upright->display_width(), 640u);
}

TEST(ImageHeaderTest, GifBmpWebp) {
  auto gif = read_image_header("GIF89a" + le16(31) + le16(7) + std::string(4, '\0'), "a.gif");
  ASSERT_OK(gif);
  EXPECT_EQ(gif->format, ImageFormat::gif);
  EXPECT_EQ(gif->width, 31u);
  EXPECT_EQ(gif->height, 7u);

  std::string bmp = "BM" + le32(0) + le32(0) + le32(54) + le32(40) + le32(100) + le32(static_cast<unsigned>(-50));
  auto bmp_header = read_image_header(bmp, "a.bmp");
  ASSERT_OK(bmp_header);
  EXPECT_EQ(bmp_header->width, 100u);
  EXPECT_EQ(bmp_header->height, 50u);  // top-down bitmap

  std::string vp8x = "RIFF" + le32(30) + "WEBPVP8X" + le32(10) + le32(0) + std::string("\x3F\x01\x00\xC7\x00\x00", 6);
  auto webp = read_image_header(vp8x, "a.webp");
  ASSERT_OK(webp);
  EXPECT_EQ(webp->format, ImageFormat::webp);
  EXPECT_EQ(webp->width, 320u);
  EXPECT_EQ(webp->height, 200u);

  // VP8L: 14 bits width-1 (99), 14 bits height-1 (49).
  unsigned bits = 99u | (49u << 14);
  std::string vp8l = "RIFF" + le32(30) + "WEBPVP8L" + le32(10) + "\x2F" + le32(bits);
  auto lossless = read_image_header(vp8l, "b.webp");
  ASSERT_OK(lossless);
  EXPECT_EQ(lossless->width, 100u);
  EXPECT_EQ(lossless->height, 50u);

  std::string vp8 =
      "RIFF" + le32(30) + "WEBPVP8 " + le32(10) + std::string("\x00\x00\x00\x9D\x01\x2A", 6) + le16(64) + le16(48);
  auto lossy = read_image_header(vp8, "c.webp");
  ASSERT_OK(lossy);
  EXPECT_EQ(lossy->width, 64u);
  EXPECT_EQ(lossy->height, 48u);
}

// A TIFF header and IFD0 right after it: ImageWidth and ImageLength (as SHORT
// or LONG), and the orientation when given.
std::string tiff(bool big_endian, unsigned width, unsigned height, bool long_values, unsigned orientation = 0) {
  auto u16 = [&](unsigned v) { return big_endian ? be16(v) : le16(v); };
  auto u32 = [&](unsigned v) { return big_endian ? be32(v) : le32(v); };
  auto entry = [&](unsigned tag, unsigned value, bool is_long) {
    return u16(tag) + u16(is_long ? 4 : 3) + u32(1) + (is_long ? u32(value) : u16(value) + u16(0));
  };
  std::string out = big_endian ? std::string("MM\0*", 4) : std::string("II*\0", 4);
  out += u32(8) + u16(orientation ? 3 : 2);
  out += entry(256, width, long_values) + entry(257, height, long_values);
  if (orientation) out += entry(274, orientation, false);
  return out + u32(0);
}

TEST(ImageHeaderTest, Tiff) {
  for (bool big_endian : {false, true}) {
    for (bool long_values : {false, true}) {
      auto header = read_image_header(tiff(big_endian, 640, 480, long_values), "a.tif");
      ASSERT_OK(header);
      EXPECT_EQ(header->format, ImageFormat::tiff);
      EXPECT_EQ(header->width, 640u);
      EXPECT_EQ(header->height, 480u);
      EXPECT_EQ(header->orientation, 1);
      EXPECT_EQ(image_format_name(header->format), "tiff");
    }
  }
  auto wide = read_image_header(tiff(true, 70000, 3, true), "wide.tif");
  ASSERT_OK(wide);
  EXPECT_EQ(wide->width, 70000u);

  auto rotated = read_image_header(tiff(false, 640, 480, false, 6), "r.tif");
  ASSERT_OK(rotated);
  EXPECT_EQ(rotated->orientation, 6);
  EXPECT_EQ(rotated->display_width(), 480u);
  EXPECT_EQ(rotated->display_height(), 640u);

  // IFD0 cut short, or beyond the bytes read (libtiff writes it after the
  // pixels): truncated.
  std::string full = tiff(false, 640, 480, false, 6);
  for (std::size_t size : {std::size_t{4}, std::size_t{9}, full.size() - 10}) {
    auto cut = read_image_header(full.substr(0, size), "cut.tif");
    ASSERT_FALSE(cut) << size;
    EXPECT_EQ(cut.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(cut.error().message.find("'cut.tif': truncated TIFF header"), std::string::npos) << cut.error().message;
  }
  std::string far = "II*" + std::string(1, '\0') + le32(1 << 20) + std::string(100, '\0');
  EXPECT_FALSE(read_image_header(far, "far.tif"));
  // No width tag.
  auto no_width = read_image_header("II*" + std::string(1, '\0') + le32(8) + le16(0) + le32(0), "w.tif");
  ASSERT_FALSE(no_width);
  EXPECT_NE(no_width.error().message.find("declares a size of 0x0"), std::string::npos);
}

TEST(ImageHeaderTest, EveryTruncationIsAnErrorNamingTheFile) {
  for (const std::string& full : {png(10, 20), jpeg(10, 20, 6)}) {
    for (std::size_t size = 0; size < full.size(); ++size) {
      std::string cut = full.substr(0, size);
      auto header = read_image_header(cut, "cut.img");
      if (size >= 24 && full[1] == 'P') {
        EXPECT_TRUE(header) << size;  // PNG needs only signature + IHDR size fields
        continue;
      }
      if (header) continue;  // a JPEG cut after its SOF still has its size
      EXPECT_NE(header.error().message.find("cut.img"), std::string::npos);
      EXPECT_FALSE(header.error().hint.empty());
    }
  }
  auto short_jpeg = read_image_header("\xFF\xD8\xFF\xE0\x00\x10JF", "s.jpg");
  ASSERT_FALSE(short_jpeg);
  EXPECT_EQ(short_jpeg.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(short_jpeg.error().message.find("truncated JPEG"), std::string::npos);
}

TEST(ImageHeaderTest, GarbageAndInconsistentHeaders) {
  auto garbage = read_image_header("hello, world, this is not an image", "x.jpg");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, ErrorCode::unsupported);
  EXPECT_NE(garbage.error().message.find("'x.jpg'"), std::string::npos);

  auto empty = read_image_header("", "e.png");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::unsupported);

  auto zero = read_image_header(png(0, 10), "z.png");
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code, ErrorCode::invalid_argument);

  std::string bad_chunk = png(10, 10);
  bad_chunk.replace(12, 4, "IDAT");
  EXPECT_FALSE(read_image_header(bad_chunk, "c.png"));

  // SOS before any SOF: no frame header.
  auto no_sof = read_image_header(std::string("\xFF\xD8\xFF\xDA\x00\x02", 6), "n.jpg");
  ASSERT_FALSE(no_sof);
  EXPECT_NE(no_sof.error().message.find("no frame header"), std::string::npos);

  // Bytes that are not a marker where one must be.
  auto stray = read_image_header(std::string("\xFF\xD8\x12\x34", 4), "m.jpg");
  ASSERT_FALSE(stray);
  EXPECT_EQ(stray.error().code, ErrorCode::invalid_argument);

  // A damaged EXIF block does not stop the size from being read.
  std::string odd_exif = jpeg(8, 9);
  odd_exif.insert(20, "\xFF\xE1" + be16(10) + std::string("Exif\0\0MX", 8));
  auto tolerated = read_image_header(odd_exif, "o.jpg");
  ASSERT_OK(tolerated);
  EXPECT_EQ(tolerated->orientation, 1);
}

TEST(ImageHeaderTest, RealPhotos) {
  struct Expected {
    const char* name;
    ImageFormat format;
    unsigned width, height;
  };
  for (const auto& expected :
       {Expected{"img_1.jpg", ImageFormat::jpeg, 640, 329}, Expected{"img_2.png", ImageFormat::png, 640, 427},
        Expected{"img_3.png", ImageFormat::png, 1280, 720}, Expected{"img_6.jpeg", ImageFormat::jpeg, 1280, 720},
        Expected{"img_7.jpeg", ImageFormat::jpeg, 640, 427}}) {
    auto path = std::filesystem::path(LDB_TESTDATA_DIR) / "yolo-real/images" / expected.name;
    auto bytes = storage::read_local_file(path);
    ASSERT_OK(bytes);
    auto header = read_image_header(*bytes, path.string());
    ASSERT_OK(header);
    EXPECT_EQ(header->format, expected.format) << expected.name;
    EXPECT_EQ(header->width, expected.width) << expected.name;
    EXPECT_EQ(header->height, expected.height) << expected.name;
  }
}

}  // namespace
}  // namespace ldb::index
