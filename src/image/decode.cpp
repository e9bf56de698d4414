// sniff_format and decode_small: the signature picks the decoder
// (decode_*.cpp); errors get the subject in front.

#include "image/decode.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "image/decode_detail.hpp"

namespace ldb::image {

std::optional<Format> sniff_format(std::string_view bytes) {
  // JPEG's is SOI alone (FF D8), as src/index's header reader has always
  // taken it: a file with SOI and a damaged segment after it is a broken
  // JPEG, not an unknown format.
  if (bytes.starts_with("\xFF\xD8")) return Format::jpeg;
  if (bytes.starts_with("\x89PNG\r\n\x1A\n")) return Format::png;
  if (bytes.starts_with("RIFF") && bytes.size() >= 12 && bytes.substr(8, 4) == "WEBP") return Format::webp;
  if (bytes.starts_with("GIF87a") || bytes.starts_with("GIF89a")) return Format::gif;
  if (bytes.starts_with("BM")) return Format::bmp;
  if (bytes.starts_with(std::string_view("II*\0", 4)) || bytes.starts_with(std::string_view("MM\0*", 4))) {
    return Format::tiff;
  }
  return std::nullopt;
}

namespace detail {

// decode_small without the subject: errors read "FORMAT: what".
Result<Picture> decode_unnamed(std::string_view bytes, std::uint32_t min_side, const DecodeLimits& limits) {
  auto format = sniff_format(bytes);
  if (!format) {
    return fail(ErrorCode::unsupported,
                bytes.empty() ? std::string("the file is empty (0 bytes)")
                              : std::string("not a JPEG, PNG, WebP, GIF, BMP or TIFF image (unrecognized header)"),
                "convert the image to JPEG or PNG, or remove it from the images folder");
  }
  DecodeRequest request{bytes, std::max<std::uint32_t>(1, min_side), limits};
  switch (*format) {
    case Format::jpeg:
      return decode_jpeg(request);
    case Format::png:
      return decode_png(request);
    case Format::webp:
      return decode_webp(request);
    case Format::gif:
      return decode_gif(request);
    case Format::bmp:
      return decode_bmp(request);
    case Format::tiff:
      return decode_tiff(request);
  }
  return fail(ErrorCode::internal, "unknown image format");
}

}  // namespace detail

Result<Picture> decode_small(std::string_view bytes, std::string_view subject, std::uint32_t min_side,
                             const DecodeLimits& limits) {
  auto picture = detail::decode_unnamed(bytes, min_side, limits);
  if (!picture) picture.error().message = fmt::format("'{}': {}", subject, picture.error().message);
  return picture;
}

}  // namespace ldb::image
