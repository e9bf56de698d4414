#pragma once
// The FileSystem seam: every read of storage (walk, stat, read, hash) and every
// write of files (instantiation, read-add copies) goes through it. Local storage
// is the first backend; S3/GCS/Azure/HTTP sit behind the same interface, and
// tests wrap it to inject faults (ENOSPC, vanished files, torn writes).
// Implementations are thread-safe: workers call them concurrently.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace ldb::storage {

// A file's MD5 and its first bytes, taken from the same streamed reads.
struct HashedFile {
  core::Md5 hash;
  std::string head;  // the first min(head_size, file size) bytes
};

struct FileInfo {
  std::string path;  // absolute, normalized ("/data/a.jpg", "s3://b/k")
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // modification time, ns since the epoch
  // The MD5 of the bytes when the backend knows it without reading them (an
  // S3 single-part ETag, an Azure Content-MD5); never set for local files.
  std::optional<core::Md5> content_md5;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // "file", "s3", ...
  virtual std::string_view protocol() const = 0;

  // All regular files at or below `root` (a file or a folder), sorted by path.
  // Names starting with '.' are skipped (hidden files and folders), as are
  // FIFOs, sockets and devices. Symlinks are followed; loops are detected and
  // skipped. not_found when root does not exist.
  virtual Result<std::vector<FileInfo>> list(std::string_view root) = 0;

  // A cheap check that `root` can be listed, which does not walk the tree
  // below it: the files directly in the folder `root` (a local folder's
  // sub-folders are not entered), or root itself when it is a file. Backends
  // whose listing is flat (object stores) may return every file below root,
  // as list() does (the default). Errors as list().
  virtual Result<std::vector<FileInfo>> list_top(std::string_view root) { return list(root); }

  // Size and mtime of one file; not_found / io.
  virtual Result<FileInfo> stat(std::string_view path) = 0;

  // The whole content of one file.
  virtual Result<std::string> read(std::string_view path) = 0;

  // MD5 of the file's bytes, streamed (no whole-file buffer).
  virtual Result<core::Md5> hash(std::string_view path) = 0;

  // Like hash(), and also keeps the file's first `head_size` bytes from the
  // same reads (the indexer sniffs image headers there without reading the
  // file twice). Errors as hash().
  virtual Result<HashedFile> hash_with_head(std::string_view path, std::size_t head_size) = 0;

  // Copies `path` to the local file `dest` (parent folders must exist). The copy
  // is written to a temporary name beside dest and renamed into place.
  virtual Status copy_to(std::string_view path, const std::filesystem::path& dest) = 0;

  // Like copy_to for an object whose MD5 is known: backends with a local
  // cache serve it from there and fill it (verified against `hash`); others
  // just copy.
  virtual Status copy_object_to(std::string_view path, const core::Md5& hash, const std::filesystem::path& dest) {
    (void)hash;
    return copy_to(path, dest);
  }

  // The bytes of an object whose MD5 is known, checked against it: corruption
  // (object_changed) when they differ, i.e. the file changed since it was
  // indexed. Backends with a local cache serve it from there and fill it
  // (verified as it is filled); others read() it and hash the bytes.
  virtual Result<std::string> read_checked(std::string_view path, const core::Md5& hash);

  // Writes `data` as the file or object at `path` (a read-add location's new
  // objects), replacing it atomically where the backend allows. unsupported
  // for backends that cannot write (https).
  virtual Status write(std::string_view path, std::string_view data) = 0;
};

// The error for `subject` (a path) whose bytes hash to `actual` where the
// index recorded object `expected`: corruption, naming both, with the hint to
// index the location again.
Error object_changed(std::string_view subject, const core::Md5& expected, const core::Md5& actual);

// The local-disk backend.
std::unique_ptr<FileSystem> make_local_file_system();

// Writes `data` to `dest` through a temporary (or unnamed) file in the same
// folder, fsyncs it and puts it in place, so readers see the old file or the
// new one.
Status write_file_atomic(const std::filesystem::path& dest, std::string_view data);

// The same without the fsyncs, for many generated files at once (instantiate):
// a crash may lose them, but never leaves one partly written under its name.
Status write_file_replacing(const std::filesystem::path& dest, std::string_view data);

// Reads a whole local file.
Result<std::string> read_local_file(const std::filesystem::path& path);

}  // namespace ldb::storage
