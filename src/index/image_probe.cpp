#include "index/image_probe.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "image/features.hpp"
#include "index/image_header.hpp"

namespace ldb::index {

namespace {

// Bytes kept from the hashing reads for the image header: enough for the
// JPEG frame header after a full-size EXIF segment in nearly every photo.
constexpr std::size_t k_image_head_bytes = 64 * 1024;
// With features on, an image file up to this size is kept whole from the
// hashing reads (one read per file); a larger one is read again.
constexpr std::size_t k_whole_read_bytes = 64 * 1024 * 1024;
// Larger image files get ImageFeatures::error instead of being decoded.
constexpr std::uint64_t k_max_feature_file_bytes = 1ULL << 30;

bool image_extension(std::string_view path) {
  auto dot = path.rfind('.');
  auto slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return false;
  std::string ext(path.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static constexpr std::array<std::string_view, 9> k_image_extensions = {"jpg", "jpeg", "jpe", "png", "webp",
                                                                         "gif", "bmp",  "tif", "tiff"};
  return std::find(k_image_extensions.begin(), k_image_extensions.end(), ext) != k_image_extensions.end();
}

store::ImageFeatures stored_features(std::string_view bytes) {
  auto outcome = image::features_of(bytes);
  store::ImageFeatures out;
  if (!outcome.features) {
    out.error = std::move(outcome.error);
    return out;
  }
  const auto& f = *outcome.features;
  out.phash = f.phash;
  out.dhash = f.dhash;
  out.mean = f.mean;
  out.std = f.std;
  out.sharpness = f.sharpness;
  out.entropy = f.entropy;
  out.channels = f.channels;
  return out;
}

}  // namespace

std::optional<store::ImageInfo> image_info(std::string_view head, std::string_view path) {
  auto header = read_image_header(head, path);
  if (!header) return std::nullopt;
  return store::ImageInfo{header->display_width(), header->display_height(),
                          std::string(image_format_name(header->format)), std::nullopt};
}

Result<ProbedFile> hash_and_probe(storage::FileSystem& fs, const storage::FileInfo& file, bool features) {
  std::size_t head_size = features && image_extension(file.path) ? k_whole_read_bytes : k_image_head_bytes;
  auto hashed = fs.hash_with_head(file.path, head_size);
  if (!hashed) return std::unexpected(std::move(hashed).error());
  ProbedFile out{hashed->hash, image_info(hashed->head, file.path)};
  if (!features || !out.image) return out;
  // The head is the whole file when the reads ended before filling it.
  bool whole = hashed->head.size() < head_size || hashed->head.size() == file.size;
  if (whole) {
    out.image->features = stored_features(hashed->head);
    return out;
  }
  LDB_TRY(add_features(fs, file, *out.image));
  return out;
}

Status add_features(storage::FileSystem& fs, const storage::FileInfo& file, store::ImageInfo& image) {
  if (file.size > k_max_feature_file_bytes) {
    store::ImageFeatures too_large;
    too_large.error = fmt::format("the file has {} bytes, more than the {} MiB ldb decodes for features", file.size,
                                  k_max_feature_file_bytes >> 20);
    image.features = std::move(too_large);
    return {};
  }
  auto bytes = fs.read(file.path);
  if (!bytes) return std::unexpected(std::move(bytes).error());
  image.features = stored_features(*bytes);
  return {};
}

}  // namespace ldb::index
