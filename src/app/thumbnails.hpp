#pragma once
// Thumbnails for the web UI's grid (ldb ui): a small JPEG of an image
// object, made by the image layer and kept in the instance folder
// (INSTANCE/thumbnails/SIDE/AB/HASH.jpg, docs/store-format.md), so that
// scrolling back, or a second `ldb ui`, decodes nothing again. An object id
// names its bytes, so a thumbnail never goes stale.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "app/read.hpp"
#include "app/session.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace ldb::app {

struct ThumbnailOptions {
  std::uint32_t max_side = 160;  // the longer side, in pixels (a smaller image keeps its size)
  int quality = 80;              // JPEG quality, 1..100
  // Where thumbnails are kept (thumbnail_dir()); empty: neither read nor written.
  std::filesystem::path cache_dir;
};

// INSTANCE/thumbnails: where the thumbnails of the instance in `instance_dir` are kept.
std::filesystem::path thumbnail_dir(const std::filesystem::path& instance_dir);

// The kept thumbnail of `hash` at options.max_side, if there is one.
// Thread-safe; touches no Session.
std::optional<std::string> cached_thumbnail(const core::Md5& hash, const ThumbnailOptions& options);

// Reads `object` (read_object), decodes it shrunk, encodes a JPEG whose longer
// side is at most options.max_side, and keeps it in options.cache_dir (a
// folder that cannot be written, such as a read-only instance's, is not an
// error: the thumbnail is returned all the same). Errors as read_object, and
// invalid_argument / unsupported (naming `id:HASH`) for an object that is not
// an image ldb decodes. Thread-safe as read_object.
Result<std::string> make_thumbnail(Session& session, const ObjectLocation& object, const ThumbnailOptions& options);

}  // namespace ldb::app
