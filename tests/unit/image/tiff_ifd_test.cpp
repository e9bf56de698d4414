#include "image/tiff_ifd.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ldb::image {
namespace {

std::string u16(unsigned v, bool big) {
  return big ? std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}
             : std::string{static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)};
}
std::string u32(unsigned v, bool big) {
  return big ? u16(v >> 16, big) + u16(v & 0xFFFF, big) : u16(v & 0xFFFF, big) + u16(v >> 16, big);
}

struct Entry {
  unsigned tag, type, value;
};

std::string tiff(bool big, const std::vector<Entry>& entries, unsigned ifd_offset = 8) {
  std::string out = big ? "MM" : "II";
  out += u16(42, big) + u32(ifd_offset, big);
  out.resize(ifd_offset, '\0');
  out += u16(static_cast<unsigned>(entries.size()), big);
  for (const Entry& e : entries) {
    out += u16(e.tag, big) + u16(e.type, big) + u32(1, big);
    out += e.type == 3 ? u16(e.value, big) + u16(0, big) : u32(e.value, big);
  }
  return out + u32(0, big);
}

TEST(TiffIfdTest, ReadsSizeAndOrientationInBothByteOrders) {
  for (bool big : {false, true}) {
    auto ifd = read_tiff_ifd0(tiff(big, {{256, 3, 640}, {257, 4, 70000}, {274, 3, 6}}));
    ASSERT_TRUE(ifd);
    EXPECT_EQ(ifd->width, 640u);
    EXPECT_EQ(ifd->height, 70000u);
    EXPECT_EQ(ifd->orientation, 6);
    EXPECT_TRUE(ifd->complete);
  }
  auto far = read_tiff_ifd0(tiff(true, {{256, 4, 5}, {257, 4, 7}}, 100));
  ASSERT_TRUE(far);
  EXPECT_EQ(far->width, 5u);
  EXPECT_EQ(far->orientation, 1);  // absent
}

TEST(TiffIfdTest, DamagedStructures) {
  EXPECT_FALSE(read_tiff_ifd0(""));
  EXPECT_FALSE(read_tiff_ifd0("XX*\0\x08\0\0\0"));
  std::string bytes = tiff(false, {{256, 3, 10}, {257, 3, 20}});
  EXPECT_FALSE(read_tiff_ifd0(bytes.substr(0, 7)));         // header cut
  EXPECT_FALSE(read_tiff_ifd0(bytes.substr(0, 9)));         // IFD0 count cut
  auto cut = read_tiff_ifd0(bytes.substr(0, 10 + 12 + 5));  // second entry cut
  ASSERT_TRUE(cut);
  EXPECT_FALSE(cut->complete);
  EXPECT_EQ(cut->width, 10u);
  EXPECT_EQ(cut->height, 0u);
  auto odd = read_tiff_ifd0(tiff(true, {{274, 3, 9}, {256, 1, 3}}));  // orientation 9, BYTE width
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->orientation, 1);
  EXPECT_EQ(odd->width, 0u);
  EXPECT_FALSE(
      read_tiff_ifd0("MM" + u16(42, true) + u32(0xFFFFFFF0u, true) + std::string(8, '\0')));  // IFD0 past the end
}

TEST(TiffIfdTest, ExifOrientation) {
  std::string exif = std::string("Exif\0\0", 6) + tiff(true, {{274, 3, 8}});
  EXPECT_EQ(exif_orientation(exif), 8);
  EXPECT_EQ(exif_orientation(exif.substr(0, 10)), 1);
  EXPECT_EQ(exif_orientation("http://ns.adobe.com/xap/1.0/"), 1);
  EXPECT_EQ(exif_orientation(""), 1);
}

}  // namespace
}  // namespace ldb::image
