#include "formats/hard_link.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "storage/posix_file.hpp"

namespace ldb::formats {

namespace {

namespace fs_std = std::filesystem;

constexpr std::string_view k_drop_link_hint = "instantiate without --link to copy the files instead";

std::unexpected<Error> cannot_link(std::string_view source, std::string_view why) {
  return std::unexpected(Error{ErrorCode::unsupported,
                               fmt::format("cannot hard-link '{}' into the workspace: {}", source, why),
                               std::string(k_drop_link_hint)});
}

std::unexpected<Error> link_failed(const std::string& source, const fs_std::path& dest, int err) {
  if (err == EXDEV) return cannot_link(source, "the workspace is on another file system than the storage");
  if (err == EPERM || err == EMLINK || err == ENOTSUP) {
    return cannot_link(source, fmt::format("the file system refuses: {}", std::strerror(err)));
  }
  return fail(ErrorCode::io, fmt::format("cannot link '{}' to '{}': {}", source, dest.string(), std::strerror(err)),
              "check the folder's permissions and free space, then run instantiate again");
}

}  // namespace

Status check_linkable(const fs_std::path& target, std::span<const std::string* const> sources) {
  struct stat target_st {};
  if (::stat(target.c_str(), &target_st) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot stat '{}': {}", target.string(), std::strerror(errno)),
                "check that the target folder exists and is readable");
  }
  // One stat per source folder: files of a folder share its device.
  std::set<std::string_view> checked;
  for (const std::string* source : sources) {
    if (core::protocol_of(*source) != "file" || !source->starts_with('/')) {
      return cannot_link(*source, "it is not a local file (hard links need local storage)");
    }
    std::string_view folder = std::string_view(*source).substr(0, std::max<std::size_t>(1, source->rfind('/')));
    if (!checked.insert(folder).second) continue;
    struct stat st {};
    std::string folder_path(folder);
    if (::stat(folder_path.c_str(), &st) != 0) {
      return fail(ErrorCode::io, fmt::format("cannot stat '{}': {}", folder_path, std::strerror(errno)),
                  "check that the storage is mounted and readable, or re-index it");
    }
    if (st.st_dev != target_st.st_dev) {
      return cannot_link(*source, fmt::format("it is on another file system than '{}'", target.string()));
    }
  }
  return {};
}

Status link_read_only(std::string_view source, const fs_std::path& dest) {
  std::string source_path(source);
  struct stat st {};
  if (::stat(source_path.c_str(), &st) != 0) {
    int err = errno;
    return fail(err == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                fmt::format("cannot read '{}': {}", source_path, std::strerror(err)),
                "check the path; the file may have been moved or deleted");
  }
  // Write permission off the shared inode first, so the workspace file is
  // never writable, not even for a moment.
  mode_t read_only = st.st_mode & 07777 & ~static_cast<mode_t>(S_IWUSR | S_IWGRP | S_IWOTH);
  if (read_only != (st.st_mode & 07777) && ::chmod(source_path.c_str(), read_only) != 0) {
    int err = errno;
    return cannot_link(source_path, fmt::format("cannot make it read-only: {}", std::strerror(err)));
  }
  // A link is the whole file the moment it appears: no temporary name is
  // needed unless a file at dest has to be replaced.
  if (int err = storage::link_replacing(source_path, dest, 0)) return link_failed(source_path, dest, err);
  return {};
}

}  // namespace ldb::formats
