// The local-disk FileSystem. Listing is the walk of storage/local_walk.hpp
// (opendir/readdir plus one fstatat per entry, on several threads).

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "storage/file_system.hpp"
#include "storage/local_walk.hpp"
#include "storage/posix_file.hpp"

namespace ldb::storage {

namespace {

constexpr std::size_t k_hash_buffer_size = 128 * 1024;

// Opens a file for reading; not_found/io errors name the path.
Result<FileDescriptor> open_for_reading(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(errno_error(errno, "read", path));
  return FileDescriptor(fd);
}

Result<std::string> read_whole(const std::string& path) {
  auto fd = open_for_reading(path);
  if (!fd) return std::unexpected(std::move(fd).error());
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return std::unexpected(errno_error(errno, "read", path));
  if (S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' is a folder, not a file", path),
                "pass the path of a file");
  }
  // One byte more than the size, so that a whole file comes in one read and
  // the short count says it ended (on Linux a regular file reads short only
  // at its end); no second read just to see end-of-file.
  std::string out;
  out.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t filled = 0;
  for (;;) {
    if (filled == out.size()) out.resize(out.size() + 4096);  // the file grew, or has no size (procfs)
    std::size_t wanted = out.size() - filled;
    ssize_t n = ::read(fd->get(), out.data() + filled, wanted);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(errno_error(errno, "read", path));
    }
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
    if (S_ISREG(st.st_mode) && static_cast<std::size_t>(n) < wanted) break;
  }
  out.resize(filled);
  return out;
}

// Copies from `in` to `out`: copy_file_range, then sendfile, then read/write.
Status copy_bytes(int in, int out, const std::string& source, const std::string& dest) {
  bool try_copy_range = true;
  bool try_sendfile = true;
  for (;;) {
    if (try_copy_range) {
      ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
      if (n > 0) continue;
      if (n == 0) return {};
      if (errno == EINTR) continue;
      if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
        return std::unexpected(errno_error(errno, "copy to", dest));
      }
      try_copy_range = false;
    }
    if (try_sendfile) {
      ssize_t n = ::sendfile(out, in, nullptr, 1 << 30);
      if (n > 0) continue;
      if (n == 0) return {};
      if (errno == EINTR) continue;
      if (errno != EINVAL && errno != ENOSYS) return std::unexpected(errno_error(errno, "copy to", dest));
      try_sendfile = false;
    }
    std::array<char, 64 * 1024> buffer;
    for (;;) {
      ssize_t n = ::read(in, buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return std::unexpected(errno_error(errno, "read", source));
      }
      if (n == 0) return {};
      LDB_TRY(write_all(out, std::string_view(buffer.data(), static_cast<std::size_t>(n)), dest));
    }
  }
}

// list() and list_top(): a file lists as itself, a folder as its walk.
Result<std::vector<FileInfo>> list_local(std::string_view root, Depth depth) {
  std::string path = core::normalize_local_path(root);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::unexpected(errno_error(errno, "list", path));
  std::vector<FileInfo> out;
  if (S_ISREG(st.st_mode)) {
    out.push_back(local_file_info(std::move(path), st));
    return out;
  }
  if (!S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}' is neither a file nor a folder (a FIFO, socket or device)", path),
                "pass a regular file or a folder");
  }
  return walk_local_tree(path, st, 0, depth);
}

class LocalFileSystem final : public FileSystem {
 public:
  std::string_view protocol() const override { return "file"; }

  Result<std::vector<FileInfo>> list(std::string_view root) override { return list_local(root, Depth::all); }

  Result<std::vector<FileInfo>> list_top(std::string_view root) override { return list_local(root, Depth::top); }

  Result<FileInfo> stat(std::string_view path_text) override {
    std::string path(path_text);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return std::unexpected(errno_error(errno, "read", path));
    if (!S_ISREG(st.st_mode)) {
      return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not a regular file", path),
                  "pass the path of a file");
    }
    return local_file_info(std::move(path), st);
  }

  Result<std::string> read(std::string_view path) override { return read_whole(std::string(path)); }

  Result<core::Md5> hash(std::string_view path_text) override {
    auto hashed = hash_with_head(path_text, 0);
    if (!hashed) return std::unexpected(std::move(hashed).error());
    return hashed->hash;
  }

  Result<HashedFile> hash_with_head(std::string_view path_text, std::size_t head_size) override {
    std::string path(path_text);
    auto fd = open_for_reading(path);
    if (!fd) return std::unexpected(std::move(fd).error());
    thread_local core::Md5Hasher hasher;
    thread_local std::unique_ptr<char[]> buffer(new char[k_hash_buffer_size]);
    HashedFile out;
    for (;;) {
      ssize_t n = ::read(fd->get(), buffer.get(), k_hash_buffer_size);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        hasher.finish();  // discard the partial digest so the next file starts clean
        return std::unexpected(errno_error(err, "read", path));
      }
      if (n == 0) break;
      std::string_view chunk(buffer.get(), static_cast<std::size_t>(n));
      hasher.update(chunk);
      if (out.head.size() < head_size) out.head += chunk.substr(0, head_size - out.head.size());
      // A short read of a regular file is its end: most data files fit in
      // one buffer, and this saves a second read per file.
      if (static_cast<std::size_t>(n) < k_hash_buffer_size) break;
    }
    out.hash = hasher.finish();
    return out;
  }

  Status copy_to(std::string_view source_text, const std::filesystem::path& dest) override {
    std::string source(source_text);
    auto in = open_for_reading(source);
    if (!in) return std::unexpected(std::move(in).error());
    auto temp = TempFile::create_beside(dest);
    if (!temp) return std::unexpected(std::move(temp).error());
    LDB_TRY(copy_bytes(in->get(), temp->fd(), source, dest.string()));
    return temp->commit(Sync::no);
  }

  Status write(std::string_view path, std::string_view data) override {
    std::filesystem::path dest(std::string{path});
    std::error_code ec;
    std::filesystem::create_directories(dest.parent_path(), ec);
    if (ec) return std::unexpected(errno_error(ec.value(), "create the folder of", std::string(path)));
    return write_file_atomic(dest, data);
  }
};

}  // namespace

std::unique_ptr<FileSystem> make_local_file_system() { return std::make_unique<LocalFileSystem>(); }

namespace {

Status write_through_temp(const std::filesystem::path& dest, std::string_view data, Sync sync) {
  auto temp = TempFile::create_beside(dest);
  if (!temp) return std::unexpected(std::move(temp).error());
  LDB_TRY(write_all(temp->fd(), data, dest.string()));
  return temp->commit(sync);
}

}  // namespace

Status write_file_atomic(const std::filesystem::path& dest, std::string_view data) {
  return write_through_temp(dest, data, Sync::yes);
}

Status write_file_replacing(const std::filesystem::path& dest, std::string_view data) {
  return write_through_temp(dest, data, Sync::no);
}

Result<std::string> read_local_file(const std::filesystem::path& path) { return read_whole(path.string()); }

}  // namespace ldb::storage
