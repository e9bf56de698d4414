#include "storage/posix_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

namespace ldb::storage {

Error errno_error(int err, std::string_view action, std::string_view path) {
  switch (err) {
    case ENOENT:
      return Error{ErrorCode::not_found, fmt::format("'{}' does not exist", path),
                   "check the path; the file may have been moved or deleted"};
    case ENOTDIR:
      return Error{ErrorCode::not_found, fmt::format("'{}' does not exist (a parent is not a folder)", path),
                   "check the path"};
    case EACCES:
    case EPERM:
      return Error{ErrorCode::io, fmt::format("permission denied: cannot {} '{}'", action, path),
                   "check the permissions of the file and its folders"};
    case ENOSPC:
    case EDQUOT:
      return Error{ErrorCode::io, fmt::format("no space left on device: cannot {} '{}'", action, path),
                   "free some disk space, then run the command again"};
    case EROFS:
      return Error{ErrorCode::io, fmt::format("read-only file system: cannot {} '{}'", action, path),
                   "choose a writable location"};
    case ELOOP:
      return Error{ErrorCode::io, fmt::format("too many levels of symbolic links: cannot {} '{}'", action, path),
                   "check the symbolic links on the path"};
    case EMFILE:
    case ENFILE:
      return Error{ErrorCode::io, fmt::format("too many open files: cannot {} '{}'", action, path),
                   "raise the open-file limit (ulimit -n) or use fewer threads"};
    default:
      return Error{ErrorCode::io, fmt::format("cannot {} '{}': {}", action, path, std::strerror(err)),
                   "check that the storage is reachable and the file is readable, then retry"};
  }
}

Status FileDescriptor::close(std::string_view path) {
  if (m_fd < 0) return {};
  int fd = std::exchange(m_fd, -1);
  if (::close(fd) != 0 && errno != EINTR) return std::unexpected(errno_error(errno, "write", path));
  return {};
}

void FileDescriptor::reset() {
  if (m_fd >= 0) ::close(std::exchange(m_fd, -1));
}

Status write_all(int fd, std::string_view data, std::string_view path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(errno_error(errno, "write", path));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

std::string temp_name_beside(const std::filesystem::path& dest) {
  static std::atomic<std::uint64_t> counter{0};
  static const pid_t pid = ::getpid();
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::filesystem::path dir = dest.parent_path();
  return fmt::format("{}.{}.ldb-tmp-{}-{}-{:x}", dir.empty() ? std::string() : dir.string() + "/",
                     dest.filename().string(), pid, counter.fetch_add(1), random() & 0xffffff);
}

int link_replacing(const std::string& from, const std::filesystem::path& dest, int flags) {
  if (::linkat(AT_FDCWD, from.c_str(), AT_FDCWD, dest.c_str(), flags) == 0) return 0;
  if (errno != EEXIST) return errno;
  // There is no "link over": link to a free temporary name, rename that onto dest.
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string temp = temp_name_beside(dest);
    if (::linkat(AT_FDCWD, from.c_str(), AT_FDCWD, temp.c_str(), flags) != 0) {
      if (errno == EEXIST) continue;
      return errno;
    }
    int err = ::rename(temp.c_str(), dest.c_str()) == 0 ? 0 : errno;
    // rename() does nothing when dest already is a link to the same inode,
    // which leaves the temporary name behind: remove it in every case.
    ::unlink(temp.c_str());
    return err;
  }
  return EEXIST;
}

namespace {

// O_TMPFILE files are named through /proc/self/fd, which must be there.
bool can_name_unnamed_files() {
  static const bool proc_fd = ::access("/proc/self/fd", X_OK) == 0;
  return proc_fd;
}

Status publish_unnamed(int fd, const std::string& dest) {
  if (int err = link_replacing(fmt::format("/proc/self/fd/{}", fd), dest, AT_SYMLINK_FOLLOW)) {
    if (err == EEXIST) {
      return fail(ErrorCode::io, fmt::format("cannot create a temporary file beside '{}'", dest),
                  "remove stale '.*.ldb-tmp-*' files in that folder and retry");
    }
    return std::unexpected(errno_error(err, "write", dest));
  }
  return {};
}

}  // namespace

Result<TempFile> TempFile::create_beside(const std::filesystem::path& dest) {
  std::filesystem::path dir = dest.parent_path();
  if (can_name_unnamed_files()) {
    // An unnamed file in dest's folder, linked in only when complete: no
    // temporary name to create and rename (a third of the cost of writing many
    // small files), and nothing left behind by a killed process.
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0) return TempFile(FileDescriptor(fd), std::string(), dest);
    // Not supported here (EOPNOTSUPP, EISDIR, ...) or failing: the named way
    // below reports real errors with their path.
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string path = temp_name_beside(dest);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return TempFile(FileDescriptor(fd), std::move(path), dest);
    if (errno != EEXIST) return std::unexpected(errno_error(errno, "write", dest.string()));
  }
  return fail(ErrorCode::io, fmt::format("cannot create a temporary file beside '{}'", dest.string()),
              "remove stale '.*.ldb-tmp-*' files in that folder and retry");
}

TempFile::~TempFile() {
  if (!m_committed && !m_path.empty()) {
    m_fd.reset();
    ::unlink(m_path.c_str());
  }
  // An unnamed file just goes when its descriptor closes.
}

Status TempFile::commit(Sync sync) {
  std::string dest = m_dest.string();
  if (sync == Sync::yes && ::fsync(m_fd.get()) != 0) return std::unexpected(errno_error(errno, "write", dest));
  if (m_path.empty()) {
    LDB_TRY(publish_unnamed(m_fd.get(), dest));
    if (auto closed = m_fd.close(dest); !closed) {
      ::unlink(dest.c_str());
      return closed;
    }
  } else {
    LDB_TRY(m_fd.close(dest));
    if (::rename(m_path.c_str(), dest.c_str()) != 0) return std::unexpected(errno_error(errno, "write", dest));
  }
  m_committed = true;
  if (sync == Sync::yes) {
    std::string dir = m_dest.parent_path().empty() ? "." : m_dest.parent_path().string();
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);  // best effort: makes the link or rename itself durable
      ::close(dir_fd);
    }
  }
  return {};
}

}  // namespace ldb::storage
