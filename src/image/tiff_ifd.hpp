#pragma once
// The first IFD (image file directory) of a TIFF structure: a TIFF file, or
// the TIFF block that a JPEG's APP1 "Exif" segment carries. Only the tags ldb
// reads: ImageWidth (256), ImageLength (257), each SHORT or LONG, and
// Orientation (274). Both byte orders ("II" little-, "MM" big-endian); classic
// TIFF only (not BigTIFF). Every read is bounds checked; nothing is allocated.
// Image decoding (the JPEG EXIF orientation) and src/index's header reader
// share it, so both read orientation the same way.

#include <cstdint>
#include <optional>
#include <string_view>

namespace ldb::image {

struct TiffIfd0 {
  std::uint32_t width = 0;   // 0 when the tag is absent
  std::uint32_t height = 0;  // 0 when the tag is absent
  // 1..8 as in EXIF (1 = upright, 6 = rotate 90° clockwise to display, ...);
  // 1 when absent or out of range.
  std::uint8_t orientation = 1;
  // False when the bytes end inside IFD0: the tags above are those of the
  // entries that fit.
  bool complete = true;
};

// IFD0 of `tiff`, which starts with the TIFF header ("II*\0" or "MM\0*").
// Nothing when it does not, or when IFD0 starts outside the bytes.
std::optional<TiffIfd0> read_tiff_ifd0(std::string_view tiff);

// The orientation of an APP1 segment's payload (the bytes after its length
// field): 1 unless it is "Exif\0\0" followed by a TIFF structure whose IFD0
// holds an orientation tag. A damaged EXIF block reads as 1: it does not make
// the image unusable.
std::uint8_t exif_orientation(std::string_view app1_payload);

}  // namespace ldb::image
