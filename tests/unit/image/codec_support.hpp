#pragma once
// Encoders for the image tests: each real photo is re-encoded in every format
// ldb decodes, with the format's own library (libjpeg, libspng, libwebp,
// giflib, libtiff; BMP by hand), and hostile files are built from them. Only
// the tests link these encoders.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "image/decode.hpp"

namespace ldb::image::testing {

// The real photos of tests/data/photos (JPEG and PNG; not truncated.jpg).
std::vector<std::filesystem::path> photo_paths();
std::string read_file(const std::filesystem::path& path);
// A photo's full-size picture (decode_small with a min_side no photo reaches).
Picture full_picture(std::string_view bytes);

// A width × height picture whose pixel (x, y) is colour(x, y) as 0xRRGGBB.
template <class Colour>
Picture make_picture(std::uint32_t width, std::uint32_t height, Colour colour) {
  Picture picture{width, height, 3, std::vector<std::uint8_t>(std::size_t{width} * height * 3)};
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      std::uint32_t rgb = colour(x, y);
      std::uint8_t* p = &picture.rgb[(std::size_t{y} * width + x) * 3];
      p[0] = static_cast<std::uint8_t>(rgb >> 16);
      p[1] = static_cast<std::uint8_t>(rgb >> 8);
      p[2] = static_cast<std::uint8_t>(rgb);
    }
  }
  return picture;
}

// Box-shrunk by an integer factor (both sides divided, rounded down).
Picture shrink_by(const Picture& picture, std::uint32_t factor);
// Every channel times `factor`, clamped to 255.
Picture brightened(const Picture& picture, double factor);
// The mean absolute difference per channel of two pictures of one size.
double mean_abs_difference(const Picture& a, const Picture& b);
// The mean of one channel (0 red, 1 green, 2 blue).
double channel_mean(const Picture& picture, int channel);

struct JpegOptions {
  int quality = 90;
  bool grey = false;             // one component (the picture's luma)
  std::uint8_t orientation = 0;  // an EXIF APP1 with this orientation when not 0
  bool progressive = false;
  // Four components, stored as Adobe writes CMYK (inverted: 255 = no ink),
  // with no black ink, so that they decode to the picture's RGB; YCCK when
  // ycck is set too.
  bool cmyk = false;
  bool ycck = false;
};
std::string encode_jpeg(const Picture& picture, const JpegOptions& options = {});

struct PngOptions {
  bool interlaced = false;
  bool grey = false;
  bool sixteen_bit = false;
  // RGBA with alpha 0 in the left half, 255 elsewhere.
  bool half_transparent = false;
  // Colour type 3: a palette of 256 greys (the pixel's luma), with a tRNS
  // chunk making white (index 255) transparent when palette_trns is set.
  bool palette = false;
  bool palette_trns = false;
};
std::string encode_png(const Picture& picture, const PngOptions& options = {});

// Lossy at `quality`, or lossless when quality < 0; with alpha 0 in the left
// half when half_transparent.
std::string encode_webp(const Picture& picture, int quality = 90, bool half_transparent = false);
// An animation whose frames are the pictures (all of one size).
std::string encode_animated_webp(const std::vector<Picture>& frames);

struct GifOptions {
  bool interlaced = false;
  int transparent_index = -1;     // marks this palette index transparent
  bool local_colour_map = false;  // the colour cube as each frame's local map, no global map
};
// Quantised to a fixed 6 × 7 × 6 colour cube; one frame per picture, the
// first's size as the logical screen.
std::string encode_gif(const std::vector<Picture>& frames, const GifOptions& options = {});

struct BmpOptions {
  // 24, 32 (BI_BITFIELDS, V5 header), 16 (5-5-5), or 1, 4, 8: a palette of
  // 2^bits greys evenly spread, the pixel's luma rounded to the nearest.
  int bits = 24;
  bool top_down = false;     // negative height
  bool core_header = false;  // BITMAPCOREHEADER (12 bytes, 3-byte palette entries)
};
std::string encode_bmp(const Picture& picture, const BmpOptions& options = {});

struct TiffOptions {
  bool tiled = false;
  bool big_endian = false;
  std::uint16_t orientation = 1;
  bool deflate = true;
  std::uint32_t rows_per_strip = 16;
  // 3 (RGB), 1 (grey: the luma) or 4 (RGB + unassociated alpha, 0 in the
  // left half).
  int samples = 3;
};
std::string encode_tiff(const Picture& picture, const TiffOptions& options = {});

// A PNG made of its chunks, with correct CRCs: signature, IHDR (width,
// height, 8-bit RGB), then `extra` chunks as given (type + data pairs), IEND.
std::string png_with_chunks(std::uint32_t width, std::uint32_t height,
                            const std::vector<std::pair<std::string, std::string>>& extra);

}  // namespace ldb::image::testing
