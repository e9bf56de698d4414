// TIFF with libtiff over the bytes in memory (TIFFClientOpenExt), first
// directory only. Pixels come through libtiff's RGBA interface one strip or
// one tile at a time (what TIFFReadRGBAStrip / TIFFReadRGBATile do), so
// memory is bounded by a strip or tile, not the image. Unlike those two
// functions, the rows are requested in stored order (req_orientation = the
// file's orientation: libtiff flips nothing) and all eight orientations are
// applied on the shrunk picture, as for JPEG's EXIF. libtiff's messages go to
// per-handle handlers that keep the first error; the process-wide handlers,
// which print to stderr, are switched off once.

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <tiffio.h>

#include "image/decode_detail.hpp"

namespace ldb::image::detail {

namespace {

struct TiffSource {
  std::string_view bytes;
  std::uint64_t at = 0;
  char error[512] = {};
};

TiffSource& source_of(thandle_t handle) { return *static_cast<TiffSource*>(handle); }

extern "C" tmsize_t tiff_read(thandle_t handle, void* out, tmsize_t wanted) {
  TiffSource& source = source_of(handle);
  if (wanted <= 0 || source.at >= source.bytes.size()) return 0;
  auto count = std::min<std::uint64_t>(static_cast<std::uint64_t>(wanted), source.bytes.size() - source.at);
  std::memcpy(out, source.bytes.data() + source.at, count);
  source.at += count;
  return static_cast<tmsize_t>(count);
}

extern "C" tmsize_t tiff_write(thandle_t, void*, tmsize_t) { return -1; }

extern "C" toff_t tiff_seek(thandle_t handle, toff_t offset, int whence) {
  TiffSource& source = source_of(handle);
  std::uint64_t base = whence == SEEK_CUR ? source.at : whence == SEEK_END ? source.bytes.size() : 0;
  if (offset > UINT64_MAX - base) return static_cast<toff_t>(-1);
  source.at = base + offset;
  return source.at;
}

extern "C" int tiff_close(thandle_t) { return 0; }
extern "C" toff_t tiff_size(thandle_t handle) { return source_of(handle).bytes.size(); }
extern "C" int tiff_map(thandle_t, void**, toff_t*) { return 0; }
extern "C" void tiff_unmap(thandle_t, void*, toff_t) {}

extern "C" int keep_first_error(TIFF*, void* user, const char*, const char* format, va_list args) {
  auto& source = *static_cast<TiffSource*>(user);
  if (source.error[0] == '\0') std::vsnprintf(source.error, sizeof source.error, format, args);
  return 1;  // handled: not passed on to the process-wide handler
}

extern "C" int ignore_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct TiffClose {
  void operator()(TIFF* tif) const { TIFFClose(tif); }
};
struct OptionsFree {
  void operator()(TIFFOpenOptions* options) const { TIFFOpenOptionsFree(options); }
};
struct RgbaImageEnd {
  void operator()(TIFFRGBAImage* image) const { TIFFRGBAImageEnd(image); }
};

std::unexpected<Error> tiff_error(const TiffSource& source, std::string_view fallback) {
  return corrupt("TIFF", source.error[0] != '\0' ? std::string_view(source.error) : fallback);
}

}  // namespace

Result<Picture> decode_tiff(const DecodeRequest& request) {
  static std::once_flag quiet;
  std::call_once(quiet, [] {
    TIFFSetErrorHandler(nullptr);
    TIFFSetWarningHandler(nullptr);
  });
  TiffSource source{request.bytes};
  std::unique_ptr<TIFFOpenOptions, OptionsFree> options(TIFFOpenOptionsAlloc());
  if (!options) return fail(ErrorCode::internal, "TIFF: out of memory");
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), keep_first_error, &source);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), ignore_warning, nullptr);
  // No single allocation beyond what the largest strip within the pixel
  // limit needs (4 samples of 16 bits), whatever the tags claim.
  std::uint64_t max_alloc = std::min<std::uint64_t>(request.limits.max_pixels, std::uint64_t{1} << 40) * 8 + (1u << 20);
  TIFFOpenOptionsSetMaxSingleMemAlloc(options.get(), static_cast<tmsize_t>(max_alloc));
  // "m": no memory mapping, reads go through tiff_read.
  std::unique_ptr<TIFF, TiffClose> tif(TIFFClientOpenExt("tiff", "rm", &source, tiff_read, tiff_write, tiff_seek,
                                                         tiff_close, tiff_size, tiff_map, tiff_unmap, options.get()));
  if (!tif) return tiff_error(source, "cannot read the header");

  std::uint32_t width = 0;
  std::uint32_t height = 0;
  TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &height);
  LDB_TRY(check_size("TIFF", width, height, request.limits));

  char message[1024] = {};
  if (!TIFFRGBAImageOK(tif.get(), message)) return unsupported_variant("TIFF", message);
  TIFFRGBAImage image{};
  if (!TIFFRGBAImageBegin(&image, tif.get(), 1, message)) return tiff_error(source, message);
  std::unique_ptr<TIFFRGBAImage, RgbaImageEnd> end(&image);
  image.req_orientation = image.orientation;
  bool grey = image.photometric == PHOTOMETRIC_MINISBLACK || image.photometric == PHOTOMETRIC_MINISWHITE;
  auto source_channels = static_cast<std::uint8_t>((grey ? 1 : 3) + (image.alpha != 0 ? 1 : 0));

  // Bands of rows (a strip's, or a row of tiles') and, for tiles, columns.
  std::uint32_t band_height = 0;
  std::uint32_t band_width = width;
  if (TIFFIsTiled(tif.get())) {
    std::uint32_t tile_width = 0;
    TIFFGetField(tif.get(), TIFFTAG_TILEWIDTH, &tile_width);
    TIFFGetField(tif.get(), TIFFTAG_TILELENGTH, &band_height);
    if (tile_width == 0 || band_height == 0) return corrupt("TIFF", "tile size of 0");
    band_width = std::min(tile_width, width);
  } else {
    TIFFGetFieldDefaulted(tif.get(), TIFFTAG_ROWSPERSTRIP, &band_height);
    if (band_height == 0) return corrupt("TIFF", "0 rows per strip");
  }
  band_height = std::min(band_height, height);

  BoxShrinker shrinker(width, height, request.min_side);
  std::vector<std::uint32_t> raster(std::size_t{band_width} * band_height);
  std::vector<std::uint8_t> rgb(std::size_t{band_width} * 3);
  for (std::uint32_t row = 0; row < height; row += band_height) {
    std::uint32_t rows = std::min(band_height, height - row);
    for (std::uint32_t col = 0; col < width; col += band_width) {
      std::uint32_t cols = std::min(band_width, width - col);
      image.row_offset = static_cast<int>(row);
      image.col_offset = static_cast<int>(col);
      if (!TIFFRGBAImageGet(&image, raster.data(), cols, rows)) return tiff_error(source, "cannot read the pixels");
      for (std::uint32_t y = 0; y < rows; ++y) {
        const std::uint32_t* pixel = &raster[std::size_t{y} * cols];
        for (std::uint32_t x = 0; x < cols; ++x) {
          // Premultiplied by alpha already: composited on black.
          rgb[x * 3] = static_cast<std::uint8_t>(TIFFGetR(pixel[x]));
          rgb[x * 3 + 1] = static_cast<std::uint8_t>(TIFFGetG(pixel[x]));
          rgb[x * 3 + 2] = static_cast<std::uint8_t>(TIFFGetB(pixel[x]));
        }
        shrinker.add(row + y, col, cols, rgb.data(), 3);
      }
    }
  }
  auto orientation = static_cast<std::uint8_t>(image.orientation <= 8 ? image.orientation : 1);
  return shrinker.finish(source_channels, orientation);
}

}  // namespace ldb::image::detail
