#pragma once
// POSIX helpers of the local backend: errno -> Error with the path and a hint,
// an owning file descriptor, and a temporary file that is renamed into place.
// Internal to src/storage (other layers go through FileSystem).

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"

namespace ldb::storage {

// An Error for a failed system call: ENOENT -> not_found, everything else ->
// io, with a message naming `path` and the action ("read", "write", ...) and
// a hint fitting the errno (permissions, free space, ...).
Error errno_error(int err, std::string_view action, std::string_view path);

// Owns a file descriptor; closes it on destruction.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : m_fd(fd) {}
  ~FileDescriptor() { reset(); }
  FileDescriptor(FileDescriptor&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  int get() const { return m_fd; }
  // Closes the descriptor; io error (naming `path`) when close reports one.
  Status close(std::string_view path);
  void reset();

 private:
  int m_fd = -1;
};

// Writes all of `data` to `fd`, retrying short writes; io error naming `path`.
Status write_all(int fd, std::string_view data, std::string_view path);

enum class Sync { no, yes };

// A unique hidden name beside `dest` (".NAME.ldb-tmp-PID-N-R"): walks skip it
// and instantiate's clean-up removes leftovers of a killed run.
std::string temp_name_beside(const std::filesystem::path& dest);

// Hard-links `from` as `dest` (linkat with `flags`). When dest exists, links
// to a temp_name_beside(dest) and renames that over dest, removing the
// temporary name in every case. Returns 0, or the errno of the step that
// failed (EEXIST when no free temporary name was found).
int link_replacing(const std::string& from, const std::filesystem::path& dest, int flags);

// A new file that appears as `dest` only when committed, complete. Where the
// file system supports it, an unnamed file (O_TMPFILE) in dest's folder that
// commit() links in (replacing an existing dest by a rename); elsewhere a
// file with a unique hidden name beside dest (".NAME.ldb-tmp-...", so walks
// skip it) that commit() renames onto dest. Destruction without commit leaves
// nothing. Permissions follow the umask like any newly created file.
class TempFile {
 public:
  static Result<TempFile> create_beside(const std::filesystem::path& dest);
  TempFile(TempFile&& other) noexcept
      : m_fd(std::move(other.m_fd)),
        m_path(std::exchange(other.m_path, {})),
        m_dest(std::move(other.m_dest)),
        m_committed(other.m_committed) {}
  TempFile& operator=(TempFile&&) noexcept = delete;
  ~TempFile();

  int fd() const { return m_fd.get(); }
  // The temporary name; empty for an unnamed file.
  const std::string& path() const { return m_path; }
  // Optionally fsyncs, then puts the file in place as dest and closes it
  // (fsyncing the folder too when Sync::yes). Errors name dest.
  Status commit(Sync sync);

 private:
  TempFile(FileDescriptor fd, std::string path, std::filesystem::path dest)
      : m_fd(std::move(fd)), m_path(std::move(path)), m_dest(std::move(dest)) {}

  FileDescriptor m_fd;
  std::string m_path;
  std::filesystem::path m_dest;
  bool m_committed = false;
};

}  // namespace ldb::storage
