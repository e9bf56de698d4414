#include "codec_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

// jpeglib.h needs FILE and size_t declared first.
#include <gif_lib.h>
#include <jpeglib.h>
#include <spng.h>
#include <tiffio.h>
#include <webp/encode.h>
#include <webp/mux.h>

namespace ldb::image::testing {

namespace {

void put_le16(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}
void put_le32(std::string& out, std::uint32_t v) {
  put_le16(out, v & 0xFFFF);
  put_le16(out, v >> 16);
}
void put_be16(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
  out.push_back(static_cast<char>(v & 0xFF));
}
void put_be32(std::string& out, std::uint32_t v) {
  put_be16(out, v >> 16);
  put_be16(out, v & 0xFFFF);
}

std::uint8_t luma_of(const std::uint8_t* p) {
  return static_cast<std::uint8_t>((299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000);
}

std::uint32_t crc32(std::string_view bytes) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (char ch : bytes) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

}  // namespace

std::vector<std::filesystem::path> photo_paths() {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(LDB_TESTDATA_DIR) / "photos")) {
    auto ext = entry.path().extension();
    if ((ext == ".jpg" || ext == ".png") && entry.path().stem() != "truncated") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Picture full_picture(std::string_view bytes) {
  auto picture = decode_small(bytes, "photo", 1u << 30);
  EXPECT_TRUE(picture) << (picture ? "" : picture.error().message);
  return picture ? *picture : Picture{};
}

Picture shrink_by(const Picture& picture, std::uint32_t factor) {
  Picture out{picture.width / factor, picture.height / factor, picture.source_channels, {}};
  out.rgb.resize(std::size_t{out.width} * out.height * 3);
  for (std::uint32_t y = 0; y < out.height; ++y) {
    for (std::uint32_t x = 0; x < out.width; ++x) {
      for (int c = 0; c < 3; ++c) {
        unsigned sum = 0;
        for (std::uint32_t dy = 0; dy < factor; ++dy) {
          for (std::uint32_t dx = 0; dx < factor; ++dx) {
            sum += picture.rgb[((std::size_t{y} * factor + dy) * picture.width + x * factor + dx) * 3 + c];
          }
        }
        out.rgb[(std::size_t{y} * out.width + x) * 3 + c] =
            static_cast<std::uint8_t>((sum + factor * factor / 2) / (factor * factor));
      }
    }
  }
  return out;
}

Picture brightened(const Picture& picture, double factor) {
  Picture out = picture;
  for (auto& v : out.rgb) v = static_cast<std::uint8_t>(std::min(255.0, std::round(v * factor)));
  return out;
}

double mean_abs_difference(const Picture& a, const Picture& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  if (a.rgb.size() != b.rgb.size() || a.rgb.empty()) return 1e9;
  double sum = 0;
  for (std::size_t i = 0; i < a.rgb.size(); ++i) sum += std::abs(int{a.rgb[i]} - int{b.rgb[i]});
  return sum / static_cast<double>(a.rgb.size());
}

double channel_mean(const Picture& picture, int channel) {
  double sum = 0;
  std::size_t n = std::size_t{picture.width} * picture.height;
  for (std::size_t i = 0; i < n; ++i) sum += picture.rgb[i * 3 + channel];
  return n == 0 ? 0 : sum / static_cast<double>(n);
}

std::string encode_jpeg(const Picture& picture, const JpegOptions& options) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr errors{};
  cinfo.err = jpeg_std_error(&errors);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = picture.width;
  cinfo.image_height = picture.height;
  cinfo.input_components = options.grey ? 1 : options.cmyk ? 4 : 3;
  cinfo.in_color_space = options.grey ? JCS_GRAYSCALE : options.cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  if (options.ycck) jpeg_set_colorspace(&cinfo, JCS_YCCK);
  jpeg_set_quality(&cinfo, options.quality, TRUE);
  if (options.progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  if (options.orientation != 0) {
    std::string exif("Exif\0\0", 6);
    exif += "MM";
    put_be16(exif, 42);
    put_be32(exif, 8);
    put_be16(exif, 1);
    put_be16(exif, 0x0112);
    put_be16(exif, 3);
    put_be32(exif, 1);
    put_be16(exif, options.orientation);
    put_be16(exif, 0);
    put_be32(exif, 0);
    jpeg_write_marker(&cinfo, JPEG_APP0 + 1, reinterpret_cast<const JOCTET*>(exif.data()),
                      static_cast<unsigned>(exif.size()));
  }
  std::vector<std::uint8_t> row(std::size_t{picture.width} * 4);
  while (cinfo.next_scanline < cinfo.image_height) {
    const std::uint8_t* source = &picture.rgb[std::size_t{cinfo.next_scanline} * picture.width * 3];
    if (options.grey) {
      for (std::uint32_t x = 0; x < picture.width; ++x) row[x] = luma_of(source + x * 3);
    } else if (options.cmyk) {
      for (std::uint32_t x = 0; x < picture.width; ++x) {
        std::memcpy(&row[x * 4], source + x * 3, 3);
        row[x * 4 + 3] = 255;
      }
    } else {
      std::memcpy(row.data(), source, std::size_t{picture.width} * 3);
    }
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string out(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  return out;
}

std::string encode_png(const Picture& picture, const PngOptions& options) {
  spng_ctx* ctx = spng_ctx_new(SPNG_CTX_ENCODER);
  spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
  spng_set_option(ctx, SPNG_IMG_COMPRESSION_LEVEL, 1);  // fast: the tests encode many
  bool alpha = options.half_transparent;
  unsigned channels = (options.grey || options.palette ? 1 : 3) + (alpha ? 1 : 0);
  unsigned bytes_per_sample = options.sixteen_bit ? 2 : 1;
  spng_ihdr ihdr{};
  ihdr.width = picture.width;
  ihdr.height = picture.height;
  ihdr.bit_depth = options.sixteen_bit ? 16 : 8;
  ihdr.color_type = options.palette ? 3 : options.grey ? (alpha ? 4 : 0) : (alpha ? 6 : 2);
  ihdr.interlace_method = options.interlaced ? 1 : 0;
  spng_set_ihdr(ctx, &ihdr);
  if (options.palette) {
    spng_plte plte{};
    plte.n_entries = 256;
    for (unsigned i = 0; i < 256; ++i) {
      plte.entries[i] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i), 255};
    }
    spng_set_plte(ctx, &plte);
    if (options.palette_trns) {
      spng_trns trns{};
      trns.n_type3_entries = 256;
      std::fill(std::begin(trns.type3_alpha), std::end(trns.type3_alpha), 255);
      trns.type3_alpha[255] = 0;
      spng_set_trns(ctx, &trns);
    }
  }
  std::vector<std::uint8_t> image(std::size_t{picture.width} * picture.height * channels * bytes_per_sample);
  std::size_t at = 0;
  auto put = [&](std::uint8_t value) {
    if (options.sixteen_bit) {
      std::uint16_t wide = static_cast<std::uint16_t>(value * 257);
      std::memcpy(&image[at], &wide, 2);  // SPNG_FMT_PNG is host-endian
      at += 2;
    } else {
      image[at++] = value;
    }
  };
  for (std::uint32_t y = 0; y < picture.height; ++y) {
    for (std::uint32_t x = 0; x < picture.width; ++x) {
      const std::uint8_t* p = &picture.rgb[(std::size_t{y} * picture.width + x) * 3];
      if (options.grey || options.palette) {
        put(luma_of(p));
      } else {
        put(p[0]);
        put(p[1]);
        put(p[2]);
      }
      if (alpha) put(x < picture.width / 2 ? 0 : 255);
    }
  }
  int rc = spng_encode_image(ctx, image.data(), image.size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
  EXPECT_EQ(rc, 0) << spng_strerror(rc);
  std::size_t size = 0;
  int error = 0;
  void* buffer = spng_get_png_buffer(ctx, &size, &error);
  std::string out(static_cast<const char*>(buffer), buffer != nullptr ? size : 0);
  std::free(buffer);
  spng_ctx_free(ctx);
  return out;
}

std::string encode_webp(const Picture& picture, int quality, bool half_transparent) {
  WebPConfig config;
  WebPConfigInit(&config);
  if (quality < 0) {
    config.lossless = 1;
    config.method = 0;  // fastest: the tests encode many
    config.quality = 0;
  } else {
    config.quality = static_cast<float>(quality);
  }
  WebPPicture pic;
  WebPPictureInit(&pic);
  pic.use_argb = config.lossless;
  pic.width = static_cast<int>(picture.width);
  pic.height = static_cast<int>(picture.height);
  if (half_transparent) {
    std::vector<std::uint8_t> rgba(std::size_t{picture.width} * picture.height * 4);
    for (std::size_t i = 0; i < std::size_t{picture.width} * picture.height; ++i) {
      std::memcpy(&rgba[i * 4], &picture.rgb[i * 3], 3);
      rgba[i * 4 + 3] = i % picture.width < picture.width / 2 ? 0 : 255;
    }
    pic.use_argb = 1;
    config.exact = 1;
    WebPPictureImportRGBA(&pic, rgba.data(), static_cast<int>(picture.width * 4));
  } else {
    WebPPictureImportRGB(&pic, picture.rgb.data(), static_cast<int>(picture.width * 3));
  }
  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  pic.writer = WebPMemoryWrite;
  pic.custom_ptr = &writer;
  EXPECT_TRUE(WebPEncode(&config, &pic));
  std::string out(reinterpret_cast<const char*>(writer.mem), writer.size);
  WebPMemoryWriterClear(&writer);
  WebPPictureFree(&pic);
  return out;
}

std::string encode_animated_webp(const std::vector<Picture>& frames) {
  WebPAnimEncoderOptions anim_options;
  WebPAnimEncoderOptionsInit(&anim_options);
  auto w = static_cast<int>(frames.front().width);
  auto h = static_cast<int>(frames.front().height);
  WebPAnimEncoder* encoder = WebPAnimEncoderNew(w, h, &anim_options);
  WebPConfig config;
  WebPConfigInit(&config);
  config.lossless = 1;
  config.method = 0;
  int timestamp = 0;
  for (const Picture& frame : frames) {
    WebPPicture pic;
    WebPPictureInit(&pic);
    pic.use_argb = 1;
    pic.width = w;
    pic.height = h;
    WebPPictureImportRGB(&pic, frame.rgb.data(), w * 3);
    WebPAnimEncoderAdd(encoder, &pic, timestamp, &config);
    WebPPictureFree(&pic);
    timestamp += 100;
  }
  WebPAnimEncoderAdd(encoder, nullptr, timestamp, nullptr);
  WebPData data;
  WebPDataInit(&data);
  WebPAnimEncoderAssemble(encoder, &data);
  std::string out(reinterpret_cast<const char*>(data.bytes), data.size);
  WebPDataClear(&data);
  WebPAnimEncoderDelete(encoder);
  return out;
}

namespace {

extern "C" int write_to_string(GifFileType* gif, const GifByteType* bytes, int count) {
  static_cast<std::string*>(gif->UserData)
      ->append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(count));
  return count;
}

}  // namespace

std::string encode_gif(const std::vector<Picture>& frames, const GifOptions& options) {
  std::string out;
  int error = 0;
  GifFileType* gif = EGifOpen(&out, write_to_string, &error);
  EGifSetGifVersion(gif, true);
  std::vector<GifColorType> colours(256);
  for (int r = 0; r < 6; ++r) {
    for (int g = 0; g < 7; ++g) {
      for (int b = 0; b < 6; ++b) {
        colours[r * 42 + g * 6 + b] = {static_cast<GifByteType>(r * 51), static_cast<GifByteType>(g * 255 / 6),
                                       static_cast<GifByteType>(b * 51)};
      }
    }
  }
  ColorMapObject* map = GifMakeMapObject(256, colours.data());
  const Picture& first = frames.front();
  EGifPutScreenDesc(gif, static_cast<int>(first.width), static_cast<int>(first.height), 8, 0,
                    options.local_colour_map ? nullptr : map);
  for (const Picture& frame : frames) {
    if (options.transparent_index >= 0) {
      GraphicsControlBlock control{};
      control.TransparentColor = options.transparent_index;
      GifByteType extension[4];
      std::size_t length = EGifGCBToExtension(&control, extension);
      EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(length), extension);
    }
    EGifPutImageDesc(gif, 0, 0, static_cast<int>(frame.width), static_cast<int>(frame.height), options.interlaced,
                     options.local_colour_map ? map : nullptr);
    std::vector<std::uint32_t> order;
    if (options.interlaced) {
      for (auto [start, step] : {std::pair{0u, 8u}, {4u, 8u}, {2u, 4u}, {1u, 2u}}) {
        for (std::uint32_t y = start; y < frame.height; y += step) order.push_back(y);
      }
    } else {
      for (std::uint32_t y = 0; y < frame.height; ++y) order.push_back(y);
    }
    std::vector<GifPixelType> line(frame.width);
    for (std::uint32_t y : order) {
      for (std::uint32_t x = 0; x < frame.width; ++x) {
        const std::uint8_t* p = &frame.rgb[(std::size_t{y} * frame.width + x) * 3];
        int r = (p[0] * 5 + 127) / 255, g = (p[1] * 6 + 127) / 255, b = (p[2] * 5 + 127) / 255;
        line[x] = static_cast<GifPixelType>(r * 42 + g * 6 + b);
      }
      EGifPutLine(gif, line.data(), static_cast<int>(frame.width));
    }
  }
  EGifCloseFile(gif, &error);
  GifFreeMapObject(map);
  return out;
}

std::string encode_bmp(const Picture& picture, const BmpOptions& options) {
  const std::uint32_t w = picture.width;
  const std::uint32_t h = picture.height;
  const std::uint32_t bits = static_cast<std::uint32_t>(options.bits);
  const bool palette = bits <= 8;
  const std::uint32_t levels = palette ? 1u << bits : 0;
  const std::uint32_t dib = options.core_header ? 12 : bits == 32 ? 124 : 40;
  const std::uint32_t entry_size = options.core_header ? 3 : 4;
  const std::uint32_t stride = (bits * w + 31) / 32 * 4;
  const std::uint32_t offset = 14 + dib + levels * entry_size;
  std::string out = "BM";
  put_le32(out, offset + stride * h);
  put_le32(out, 0);
  put_le32(out, offset);
  put_le32(out, dib);
  if (options.core_header) {
    put_le16(out, w);
    put_le16(out, h);
    put_le16(out, 1);
    put_le16(out, bits);
  } else {
    put_le32(out, w);
    put_le32(out, options.top_down ? static_cast<std::uint32_t>(-static_cast<std::int32_t>(h)) : h);
    put_le16(out, 1);
    put_le16(out, bits);
    put_le32(out, bits == 32 ? 3 : 0);  // BI_BITFIELDS or BI_RGB
    put_le32(out, stride * h);
    put_le32(out, 2835);
    put_le32(out, 2835);
    put_le32(out, levels);
    put_le32(out, 0);
  }
  if (dib == 124) {
    put_le32(out, 0x00FF0000);
    put_le32(out, 0x0000FF00);
    put_le32(out, 0x000000FF);
    put_le32(out, 0xFF000000);
    out += "BGRs";
    out.append(124 - 60, '\0');
  }
  for (std::uint32_t i = 0; i < levels; ++i) {
    auto grey = static_cast<char>(i * 255 / (levels - 1));
    out += std::string(3, grey);
    if (entry_size == 4) out.push_back('\0');
  }
  for (std::uint32_t r = 0; r < h; ++r) {
    std::uint32_t y = options.top_down ? r : h - 1 - r;
    std::string row(stride, '\0');
    for (std::uint32_t x = 0; x < w; ++x) {
      const std::uint8_t* p = &picture.rgb[(std::size_t{y} * w + x) * 3];
      if (palette) {
        std::uint32_t index = (luma_of(p) * (levels - 1) + 127) / 255;
        std::uint32_t bit = x * bits;
        row[bit / 8] = static_cast<char>(static_cast<unsigned char>(row[bit / 8]) | (index << (8 - bits - bit % 8)));
        continue;
      }
      std::string pixel;
      if (bits == 16) {
        put_le16(pixel, ((p[0] >> 3) << 10) | ((p[1] >> 3) << 5) | (p[2] >> 3));
      } else {
        pixel = {static_cast<char>(p[2]), static_cast<char>(p[1]), static_cast<char>(p[0])};
        if (bits == 32) pixel.push_back('\xFF');
      }
      row.replace(x * (bits / 8), pixel.size(), pixel);
    }
    out += row;
  }
  return out;
}

std::string encode_tiff(const Picture& picture, const TiffOptions& options) {
  static int counter = 0;
  auto path = std::filesystem::temp_directory_path() /
              ("ldb-image-test-" + std::to_string(std::random_device{}()) + "-" + std::to_string(counter++) + ".tif");
  TIFF* tif = TIFFOpen(path.c_str(), options.big_endian ? "wb" : "wl");
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, picture.width);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, picture.height);
  const auto samples = static_cast<std::uint32_t>(options.samples);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, samples);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, samples == 1 ? PHOTOMETRIC_MINISBLACK : PHOTOMETRIC_RGB);
  if (samples == 4) {
    std::uint16_t extra = EXTRASAMPLE_UNASSALPHA;
    TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, &extra);
  }
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, options.deflate ? COMPRESSION_ADOBE_DEFLATE : COMPRESSION_NONE);
  TIFFSetField(tif, TIFFTAG_ORIENTATION, options.orientation);
  auto put_sample = [&](std::uint8_t* out, std::uint32_t y, std::uint32_t x) {
    const std::uint8_t* p = &picture.rgb[(std::size_t{y} * picture.width + x) * 3];
    if (samples == 1) {
      out[0] = luma_of(p);
      return;
    }
    std::memcpy(out, p, 3);
    if (samples == 4) out[3] = x < picture.width / 2 ? 0 : 255;
  };
  if (options.tiled) {
    const std::uint32_t tile = 32;
    TIFFSetField(tif, TIFFTAG_TILEWIDTH, tile);
    TIFFSetField(tif, TIFFTAG_TILELENGTH, tile);
    std::vector<std::uint8_t> buffer(tile * tile * samples);
    for (std::uint32_t row = 0; row < picture.height; row += tile) {
      for (std::uint32_t col = 0; col < picture.width; col += tile) {
        std::fill(buffer.begin(), buffer.end(), 0);
        for (std::uint32_t y = 0; y < tile && row + y < picture.height; ++y) {
          for (std::uint32_t x = 0; x < tile && col + x < picture.width; ++x) {
            put_sample(&buffer[(y * tile + x) * samples], row + y, col + x);
          }
        }
        TIFFWriteTile(tif, buffer.data(), col, row, 0, 0);
      }
    }
  } else {
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, options.rows_per_strip);
    std::vector<std::uint8_t> line(std::size_t{picture.width} * samples);
    for (std::uint32_t y = 0; y < picture.height; ++y) {
      for (std::uint32_t x = 0; x < picture.width; ++x) put_sample(&line[x * samples], y, x);
      TIFFWriteScanline(tif, line.data(), y, 0);
    }
  }
  TIFFClose(tif);
  std::string out = read_file(path);
  std::filesystem::remove(path);
  return out;
}

std::string png_with_chunks(std::uint32_t width, std::uint32_t height,
                            const std::vector<std::pair<std::string, std::string>>& extra) {
  auto chunk = [](std::string_view type, std::string_view data) {
    std::string out;
    put_be32(out, static_cast<std::uint32_t>(data.size()));
    std::string body = std::string(type) + std::string(data);
    out += body;
    put_be32(out, crc32(body));
    return out;
  };
  std::string ihdr;
  put_be32(ihdr, width);
  put_be32(ihdr, height);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  std::string out("\x89PNG\r\n\x1A\n", 8);
  out += chunk("IHDR", ihdr);
  for (const auto& [type, data] : extra) out += chunk(type, data);
  out += chunk("IEND", "");
  return out;
}

}  // namespace ldb::image::testing
