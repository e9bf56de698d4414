// Encoders for image ops. JPEG: libjpeg-turbo's defaults (4:2:0 chroma
// subsampling, the accurate integer DCT) at the requested quality, Huffman
// tables optimised (smaller files for a little CPU). libjpeg reports fatal
// errors through error_exit, which must not return: it longjmps back to
// run_jpeg, which has no local objects with destructors. PNG: libspng at
// zlib's default level. WebP: lossy at the requested quality, libwebp's
// default method (4).

#include "image/encode.hpp"

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>
#include <spng.h>
#include <webp/encode.h>

#include <fmt/format.h>

namespace ldb::image {
namespace {

bool grey_of(const Picture& picture) { return picture.source_channels <= 2; }

struct JpegErrors {
  jpeg_error_mgr mgr{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
};

extern "C" void on_jpeg_error(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

extern "C" void on_jpeg_message(j_common_ptr) {}

struct JpegJob {
  jpeg_compress_struct cinfo{};
  JpegErrors errors;
  const Picture* picture = nullptr;
  int quality = k_default_quality;
  std::uint8_t* grey_row = nullptr;  // width bytes, for a grey picture
  unsigned char* buffer = nullptr;   // malloc'ed by jpeg_mem_dest
  unsigned long size = 0;
};

bool run_jpeg(JpegJob& job) {
  jpeg_compress_struct& cinfo = job.cinfo;
  if (setjmp(job.errors.jump) != 0) return false;
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &job.buffer, &job.size);
  const Picture& picture = *job.picture;
  const bool grey = job.grey_row != nullptr;
  cinfo.image_width = picture.width;
  cinfo.image_height = picture.height;
  cinfo.input_components = grey ? 1 : 3;
  cinfo.in_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, job.quality, TRUE);
  cinfo.optimize_coding = TRUE;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    const std::uint8_t* source = &picture.rgb[std::size_t{cinfo.next_scanline} * picture.width * 3];
    JSAMPROW rows[1];
    if (grey) {
      for (std::uint32_t x = 0; x < picture.width; ++x) job.grey_row[x] = source[x * 3];
      rows[0] = job.grey_row;
    } else {
      rows[0] = const_cast<JSAMPROW>(source);
    }
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  return true;
}

Result<std::string> encode_jpeg(const Picture& picture, int quality) {
  std::vector<std::uint8_t> grey_row(grey_of(picture) ? picture.width : 0);
  JpegJob job;
  job.cinfo.err = jpeg_std_error(&job.errors.mgr);
  job.errors.mgr.error_exit = on_jpeg_error;
  job.errors.mgr.output_message = on_jpeg_message;
  job.picture = &picture;
  job.quality = quality;
  job.grey_row = grey_row.empty() ? nullptr : grey_row.data();
  bool ok = run_jpeg(job);
  jpeg_destroy_compress(&job.cinfo);
  std::string out;
  if (ok) out.assign(reinterpret_cast<const char*>(job.buffer), job.size);
  std::free(job.buffer);
  if (!ok) return fail(ErrorCode::internal, fmt::format("JPEG encoder: {}", job.errors.message));
  return out;
}

Result<std::string> encode_png(const Picture& picture) {
  const bool grey = grey_of(picture);
  std::vector<std::uint8_t> grey_pixels;
  if (grey) {
    grey_pixels.resize(std::size_t{picture.width} * picture.height);
    for (std::size_t i = 0; i < grey_pixels.size(); ++i) grey_pixels[i] = picture.rgb[i * 3];
  }
  spng_ctx* ctx = spng_ctx_new(SPNG_CTX_ENCODER);
  if (ctx == nullptr) return fail(ErrorCode::internal, "PNG encoder: out of memory");
  spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
  spng_ihdr ihdr{};
  ihdr.width = picture.width;
  ihdr.height = picture.height;
  ihdr.bit_depth = 8;
  ihdr.color_type = grey ? SPNG_COLOR_TYPE_GRAYSCALE : SPNG_COLOR_TYPE_TRUECOLOR;
  int rc = spng_set_ihdr(ctx, &ihdr);
  const void* pixels = grey ? static_cast<const void*>(grey_pixels.data()) : picture.rgb.data();
  const std::size_t bytes = grey ? grey_pixels.size() : picture.rgb.size();
  if (rc == 0) rc = spng_encode_image(ctx, pixels, bytes, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
  std::string out;
  if (rc == 0) {
    std::size_t size = 0;
    int error = 0;
    void* png = spng_get_png_buffer(ctx, &size, &error);
    rc = error;
    if (png != nullptr) {
      out.assign(static_cast<const char*>(png), size);
      std::free(png);
    }
  }
  spng_ctx_free(ctx);
  if (rc != 0) return fail(ErrorCode::internal, fmt::format("PNG encoder: {}", spng_strerror(rc)));
  return out;
}

Result<std::string> encode_webp(const Picture& picture, int quality) {
  WebPConfig config;
  if (!WebPConfigInit(&config)) return fail(ErrorCode::internal, "WebP encoder: library version mismatch");
  config.quality = static_cast<float>(quality);
  WebPPicture pic;
  WebPPictureInit(&pic);
  pic.width = static_cast<int>(picture.width);
  pic.height = static_cast<int>(picture.height);
  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  pic.writer = WebPMemoryWrite;
  pic.custom_ptr = &writer;
  bool ok = WebPPictureImportRGB(&pic, picture.rgb.data(), static_cast<int>(picture.width * 3)) != 0 &&
            WebPEncode(&config, &pic) != 0;
  int code = pic.error_code;
  std::string out;
  if (ok) out.assign(reinterpret_cast<const char*>(writer.mem), writer.size);
  WebPMemoryWriterClear(&writer);
  WebPPictureFree(&pic);
  if (!ok) return fail(ErrorCode::internal, fmt::format("WebP encoder: error {}", code));
  return out;
}

}  // namespace

std::string_view extension_of(OutputFormat format) {
  switch (format) {
    case OutputFormat::jpeg:
      return ".jpg";
    case OutputFormat::png:
      return ".png";
    case OutputFormat::webp:
      return ".webp";
  }
  return ".png";
}

Result<std::string> encode(const Picture& picture, OutputFormat format, int quality) {
  if (picture.width == 0 || picture.height == 0 ||
      picture.rgb.size() != std::size_t{picture.width} * picture.height * 3) {
    return fail(ErrorCode::internal, "cannot encode an empty or malformed picture");
  }
  quality = std::clamp(quality <= 0 ? k_default_quality : quality, 1, 100);
  switch (format) {
    case OutputFormat::jpeg:
      return encode_jpeg(picture, quality);
    case OutputFormat::png:
      return encode_png(picture);
    case OutputFormat::webp:
      return encode_webp(picture, quality);
  }
  return fail(ErrorCode::internal, "unknown output format");
}

}  // namespace ldb::image
