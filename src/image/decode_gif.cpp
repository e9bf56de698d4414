// GIF with giflib's low-level API over the bytes in memory: records are read
// up to the first image only, which is decoded row by row into the box
// shrinker (never DGifSlurp, which would decode every frame). The picture is
// that first frame at its own size (its image descriptor's, not the logical
// screen's); the transparent index of the graphic control extension before
// it is composited on black.

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <gif_lib.h>

#include "image/decode_detail.hpp"

namespace ldb::image::detail {

namespace {

struct MemorySource {
  std::string_view bytes;
  std::size_t at = 0;
};

extern "C" int read_memory(GifFileType* gif, GifByteType* out, int wanted) {
  auto* source = static_cast<MemorySource*>(gif->UserData);
  std::size_t count = std::min(static_cast<std::size_t>(std::max(wanted, 0)), source->bytes.size() - source->at);
  std::memcpy(out, source->bytes.data() + source->at, count);
  source->at += count;
  return static_cast<int>(count);
}

struct GifClose {
  void operator()(GifFileType* gif) const {
    int error = 0;
    DGifCloseFile(gif, &error);
  }
};

std::unexpected<Error> gif_error(int code) {
  const char* text = GifErrorString(code);
  return corrupt("GIF", text != nullptr ? text : fmt::format("giflib error {}", code));
}

// The image rows in the order an interlaced GIF stores them: every 8th row
// from 0, every 8th from 4, every 4th from 2, every 2nd from 1.
std::vector<std::uint32_t> interlaced_rows(std::uint32_t height) {
  std::vector<std::uint32_t> rows;
  rows.reserve(height);
  constexpr std::uint32_t k_start[4] = {0, 4, 2, 1};
  constexpr std::uint32_t k_step[4] = {8, 8, 4, 2};
  for (int pass = 0; pass < 4; ++pass) {
    for (std::uint32_t y = k_start[pass]; y < height; y += k_step[pass]) rows.push_back(y);
  }
  return rows;
}

}  // namespace

Result<Picture> decode_gif(const DecodeRequest& request) {
  MemorySource source{request.bytes};
  int error = 0;
  std::unique_ptr<GifFileType, GifClose> gif(DGifOpen(&source, read_memory, &error));
  if (!gif) return gif_error(error);
  int transparent = NO_TRANSPARENT_COLOR;
  for (;;) {
    GifRecordType type = UNDEFINED_RECORD_TYPE;
    if (DGifGetRecordType(gif.get(), &type) == GIF_ERROR) return gif_error(gif->Error);
    if (type == TERMINATE_RECORD_TYPE) return corrupt("GIF", "no image before the end of the file");
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* block = nullptr;
      if (DGifGetExtension(gif.get(), &code, &block) == GIF_ERROR) return gif_error(gif->Error);
      if (code == GRAPHICS_EXT_FUNC_CODE && block != nullptr) {
        GraphicsControlBlock control{};
        if (DGifExtensionToGCB(block[0], block + 1, &control) == GIF_OK) transparent = control.TransparentColor;
      }
      while (block != nullptr) {
        if (DGifGetExtensionNext(gif.get(), &block) == GIF_ERROR) return gif_error(gif->Error);
      }
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif.get()) == GIF_ERROR) return gif_error(gif->Error);
    const GifImageDesc& desc = gif->Image;
    LDB_TRY(check_size("GIF", static_cast<std::uint32_t>(std::max(desc.Width, 0)),
                       static_cast<std::uint32_t>(std::max(desc.Height, 0)), request.limits));
    const ColorMapObject* colors = desc.ColorMap != nullptr ? desc.ColorMap : gif->SColorMap;
    if (colors == nullptr || colors->Colors == nullptr) return corrupt("GIF", "the first image has no colour table");
    auto width = static_cast<std::uint32_t>(desc.Width);
    auto height = static_cast<std::uint32_t>(desc.Height);
    // Palette as RGBA; indices past the table and the transparent one are
    // black with alpha 0.
    std::uint8_t palette[256][4] = {};
    for (int i = 0; i < std::min(colors->ColorCount, 256); ++i) {
      palette[i][0] = colors->Colors[i].Red;
      palette[i][1] = colors->Colors[i].Green;
      palette[i][2] = colors->Colors[i].Blue;
      palette[i][3] = 255;
    }
    if (transparent >= 0 && transparent < 256) std::memset(palette[transparent], 0, 4);

    BoxShrinker shrinker(width, height, request.min_side);
    std::vector<GifPixelType> indices(width);
    std::vector<std::uint8_t> rgba(std::size_t{width} * 4);
    std::vector<std::uint32_t> order;
    if (desc.Interlace) order = interlaced_rows(height);
    for (std::uint32_t i = 0; i < height; ++i) {
      if (DGifGetLine(gif.get(), indices.data(), desc.Width) == GIF_ERROR) return gif_error(gif->Error);
      for (std::uint32_t x = 0; x < width; ++x) std::memcpy(&rgba[std::size_t{x} * 4], palette[indices[x]], 4);
      shrinker.add(desc.Interlace ? order[i] : i, 0, width, rgba.data(), 4);
    }
    return shrinker.finish(transparent >= 0 ? 4 : 3);
  }
}

}  // namespace ldb::image::detail
