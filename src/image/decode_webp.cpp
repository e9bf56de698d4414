// WebP with libwebp: WebPDecode scales while decoding (use_scaling) straight
// to the shrunk size, premultiplied RGBA when the image has alpha (so alpha
// is composited on black). An animated WebP decodes its first frame alone
// (at the frame's own size), found with WebPDemux.

#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <webp/decode.h>
#include <webp/demux.h>

#include "image/decode_detail.hpp"

namespace ldb::image::detail {

namespace {

std::string_view status_text(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_OK:
      return "ok";
    case VP8_STATUS_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_STATUS_INVALID_PARAM:
      return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR:
      return "corrupt bitstream";
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return "unsupported feature";
    case VP8_STATUS_SUSPENDED:
      return "suspended";
    case VP8_STATUS_USER_ABORT:
      return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return "premature end of data";
  }
  return "unknown error";
}

struct DemuxFree {
  void operator()(WebPDemuxer* demux) const { WebPDemuxDelete(demux); }
};

// Decodes one still image (a whole file, or an animation frame's data).
Result<Picture> decode_still(std::string_view bytes, const DecodeRequest& request) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) return fail(ErrorCode::internal, "WebP: library version mismatch");
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  if (auto status = WebPGetFeatures(data, bytes.size(), &config.input); status != VP8_STATUS_OK) {
    return corrupt("WebP", status_text(status));
  }
  auto width = static_cast<std::uint32_t>(config.input.width);
  auto height = static_cast<std::uint32_t>(config.input.height);
  LDB_TRY(check_size("WebP", width, height, request.limits));
  std::uint32_t factor = box_factor(width, height, request.min_side);
  Picture picture;
  picture.width = shrunk_side(width, factor);
  picture.height = shrunk_side(height, factor);
  picture.source_channels = config.input.has_alpha ? 4 : 3;
  if (factor > 1) {
    config.options.use_scaling = 1;
    config.options.scaled_width = static_cast<int>(picture.width);
    config.options.scaled_height = static_cast<int>(picture.height);
  }
  const unsigned channels = config.input.has_alpha ? 4 : 3;
  std::vector<std::uint8_t> pixels(std::size_t{picture.width} * picture.height * channels);
  config.output.colorspace = config.input.has_alpha ? MODE_rgbA : MODE_RGB;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = pixels.data();
  config.output.u.RGBA.stride = static_cast<int>(picture.width * channels);
  config.output.u.RGBA.size = pixels.size();
  auto status = WebPDecode(data, bytes.size(), &config);
  WebPFreeDecBuffer(&config.output);
  if (status != VP8_STATUS_OK) return corrupt("WebP", status_text(status));
  if (channels == 3) {
    picture.rgb = std::move(pixels);
  } else {
    picture.rgb.resize(std::size_t{picture.width} * picture.height * 3);
    for (std::size_t i = 0, n = std::size_t{picture.width} * picture.height; i < n; ++i) {
      std::memcpy(&picture.rgb[i * 3], &pixels[i * 4], 3);
    }
  }
  return picture;
}

}  // namespace

Result<Picture> decode_webp(const DecodeRequest& request) {
  WebPBitstreamFeatures features;
  const auto* data = reinterpret_cast<const std::uint8_t*>(request.bytes.data());
  if (auto status = WebPGetFeatures(data, request.bytes.size(), &features); status != VP8_STATUS_OK) {
    return corrupt("WebP", status_text(status));
  }
  if (!features.has_animation) return decode_still(request.bytes, request);
  LDB_TRY(check_size("WebP", static_cast<std::uint32_t>(features.width), static_cast<std::uint32_t>(features.height),
                     request.limits));
  WebPData whole{data, request.bytes.size()};
  std::unique_ptr<WebPDemuxer, DemuxFree> demux(WebPDemux(&whole));
  if (!demux) return corrupt("WebP", "malformed animation");
  WebPIterator frame;
  if (!WebPDemuxGetFrame(demux.get(), 1, &frame)) return corrupt("WebP", "animation without frames");
  std::string_view first(reinterpret_cast<const char*>(frame.fragment.bytes), frame.fragment.size);
  auto picture = decode_still(first, request);
  WebPDemuxReleaseIterator(&frame);
  return picture;
}

}  // namespace ldb::image::detail
