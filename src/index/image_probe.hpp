#pragma once
// One read of a data file for everything indexing learns from its bytes: the
// MD5, the image attributes from its header and, with features on, the
// content features of SPEC section 8 (src/image), decoded from the same
// bytes. The indexer and the workspace's `add` of files not yet indexed both
// read files this way.

#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "storage/file_system.hpp"
#include "store/types.hpp"

namespace ldb::index {

struct ProbedFile {
  core::Md5 hash;
  std::optional<store::ImageInfo> image;  // set iff the bytes are a known image with a readable header
};

// Hashes `file` and reads what it is as an image. With `features`, an image's
// features are computed (image->features set; a file that does not decode
// gets ImageFeatures::error, which is not an error of this call). Files whose
// name says image are read whole in the hashing pass; another file whose
// first bytes turn out to be an image is read a second time. Errors are
// those of reading the file.
Result<ProbedFile> hash_and_probe(storage::FileSystem& fs, const storage::FileInfo& file, bool features);

// Reads `file` (an image whose header gave `image`) and sets image.features:
// for files hashed without features that need them after all (a new object
// found among known ones). Errors are those of reading the file.
Status add_features(storage::FileSystem& fs, const storage::FileInfo& file, store::ImageInfo& image);

// The image attributes of a file whose first bytes are `head`; nothing when
// they are not a known image or its header is damaged or past the head.
std::optional<store::ImageInfo> image_info(std::string_view head, std::string_view path);

}  // namespace ldb::index
