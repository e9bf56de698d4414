#include "app/thumbnails.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include <fmt/format.h>

#include "image/decode.hpp"
#include "image/encode.hpp"
#include "image/ops.hpp"
#include "storage/posix_file.hpp"

namespace ldb::app {

namespace {

std::filesystem::path cached_path(const core::Md5& hash, const ThumbnailOptions& options) {
  std::string hex = hash.hex();
  return options.cache_dir / std::to_string(options.max_side) / hex.substr(0, 2) / (hex + ".jpg");
}

// Best effort: a thumbnail that cannot be kept is made again next time.
void keep(const std::filesystem::path& dest, const std::string& jpeg) {
  std::error_code ec;
  std::filesystem::create_directories(dest.parent_path(), ec);
  if (ec) return;
  auto file = storage::TempFile::create_beside(dest);
  if (!file) return;
  if (!storage::write_all(file->fd(), jpeg, dest.string())) return;
  (void)file->commit(storage::Sync::no);
}

}  // namespace

std::filesystem::path thumbnail_dir(const std::filesystem::path& instance_dir) { return instance_dir / "thumbnails"; }

std::optional<std::string> cached_thumbnail(const core::Md5& hash, const ThumbnailOptions& options) {
  if (options.cache_dir.empty()) return std::nullopt;
  std::ifstream in(cached_path(hash, options), std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // A JPEG ends with EOI; anything else is a torn file from another writer.
  if (bytes.size() < 4 || static_cast<unsigned char>(bytes[bytes.size() - 2]) != 0xFF ||
      static_cast<unsigned char>(bytes.back()) != 0xD9) {
    return std::nullopt;
  }
  return bytes;
}

Result<std::string> make_thumbnail(Session& session, const ObjectLocation& object, const ThumbnailOptions& options) {
  if (options.max_side == 0 || options.quality < 1 || options.quality > 100) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("a thumbnail needs a side >= 1 and a quality 1..100, got {} and {}", options.max_side,
                            options.quality),
                "use the defaults of ThumbnailOptions");
  }
  LDB_TRY_ASSIGN(auto bytes, read_object(session, object));
  const std::string subject = "id:" + object.hash.hex();
  // Decoded with its shorter side at least half the thumbnail's longer side
  // (a JPEG at a scaled-DCT size), then shrunk to fit exactly.
  LDB_TRY_ASSIGN(auto picture, image::decode_small(bytes, subject, std::max<std::uint32_t>(1, options.max_side / 2)));
  const image::Size source{picture.width, picture.height};
  if (std::max(picture.width, picture.height) > options.max_side) {
    image::OpList ops;
    image::Op resize;
    resize.kind = image::Op::Kind::resize;
    resize.size = {options.max_side, options.max_side};
    resize.mode = image::ResizeMode::fit;
    ops.steps.push_back(resize);
    picture = image::apply_ops(std::move(picture), ops, source);
  }
  LDB_TRY_ASSIGN(auto jpeg, image::encode(picture, image::OutputFormat::jpeg, options.quality));
  if (!options.cache_dir.empty()) keep(cached_path(object.hash, options), jpeg);
  return jpeg;
}

}  // namespace ldb::app
