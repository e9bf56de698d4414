#include "dataset/read_add.hpp"

#include <ctime>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "core/time.hpp"

namespace ldb::dataset {

Result<std::optional<store::StorageLocation>> find_read_add_location(Context& ctx) {
  auto locations = ctx.store.storage_locations();
  if (!locations) return std::unexpected(locations.error());
  for (auto& loc : *locations) {
    if (loc.read_add) return std::optional<store::StorageLocation>(std::move(loc));
  }
  return std::optional<store::StorageLocation>();
}

std::string outside_storage_hint() {
  return "register storage that holds it (ldb add-storage DIR), or a read-add location ldb may copy new files to "
         "(ldb add-storage -a true DIR)";
}

namespace {

// A cloud read-add location (s3://, gs://, az://): each file is uploaded with
// one PUT below a new unique prefix. Object stores have no folders to create
// and uploads are whole or absent, so nothing is half-written.
Result<CopiedFiles> upload_to_read_add(Context& ctx, std::string_view prefix, std::string_view unique,
                                       std::span<const CopyRequest> requests) {
  CopiedFiles copied;
  copied.folder = fmt::format("{}/{}/{}", prefix, k_read_add_folder, unique);
  for (const auto& request : requests) {
    auto relative = core::contained_relative_name(request.relative);
    if (!relative) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("'{}' cannot be copied as '{}'", request.source, request.relative),
                  "file names must stay inside the folder they are copied to");
    }
    auto dest = fmt::format("{}/{}", copied.folder, *relative);
    auto data = ctx.fs.read(request.source);
    if (!data) return std::unexpected(data.error());
    auto written = ctx.fs.write(dest, *data);
    if (!written) {
      auto e = written.error();
      if (!copied.paths.empty()) {
        e.hint += fmt::format(" ({} file(s) already uploaded to {} are not indexed; you may delete them)",
                              copied.paths.size(), copied.folder);
      }
      return std::unexpected(std::move(e));
    }
    copied.paths.push_back(std::move(dest));
  }
  return copied;
}

}  // namespace

Result<CopiedFiles> copy_to_read_add(Context& ctx, std::string_view prefix, std::span<const CopyRequest> requests) {
  std::random_device device;
  std::uniform_int_distribution<std::uint32_t> dist;
  auto stamp = core::format_utc(static_cast<std::int64_t>(std::time(nullptr)), "%Y%m%dT%H%M%SZ");
  const auto protocol = core::protocol_of(prefix);
  if (protocol == "http" || protocol == "https") {
    return fail(ErrorCode::unsupported, fmt::format("'{}': ldb cannot write to an http(s) location", prefix),
                "make a local folder or a bucket the read-add location: ldb add-storage -f -a true DIR");
  }
  if (protocol != "file")
    return upload_to_read_add(ctx, prefix, fmt::format("{}-{:08x}", stamp, dist(device)), requests);
  CopiedFiles copied;
  std::filesystem::path folder;
  std::error_code ec;
  // A collision needs the same second and the same 32 random bits; retry anyway.
  for (int attempt = 0; attempt < 8; ++attempt) {
    folder = std::filesystem::path(prefix) / k_read_add_folder / fmt::format("{}-{:08x}", stamp, dist(device));
    std::filesystem::create_directories(folder.parent_path(), ec);
    if (!ec && std::filesystem::create_directory(folder, ec) && !ec) break;
    folder.clear();
  }
  if (folder.empty()) {
    return fail(ErrorCode::io,
                fmt::format("cannot create a folder below the read-add location '{}': {}", prefix, ec.message()),
                "check that the read-add location is writable (ldb storage list shows it)");
  }
  copied.folder = folder.string();
  for (const auto& request : requests) {
    auto relative = core::contained_relative_name(request.relative);
    if (!relative) {
      discard_copies(copied);
      return fail(ErrorCode::invalid_argument,
                  fmt::format("'{}' cannot be copied as '{}'", request.source, request.relative),
                  "file names must stay inside the folder they are copied to");
    }
    auto dest = folder / *relative;
    std::filesystem::create_directories(dest.parent_path(), ec);
    auto status =
        ec ? fail(ErrorCode::io, fmt::format("cannot create '{}': {}", dest.parent_path().string(), ec.message()),
                  "check that the read-add location is writable")
           : ctx.fs.copy_to(request.source, dest);
    if (!status) {
      discard_copies(copied);
      return std::unexpected(status.error());
    }
    copied.paths.push_back(dest.string());
  }
  return copied;
}

void discard_copies(const CopiedFiles& copied) {
  // Uploaded objects stay: the FileSystem seam has no delete, and an object
  // below its own ldb-add/<unique>/ prefix that is not indexed harms nothing.
  if (copied.folder.empty() || core::protocol_of(copied.folder) != "file") return;
  std::error_code ec;
  std::filesystem::remove_all(copied.folder, ec);
}

}  // namespace ldb::dataset
