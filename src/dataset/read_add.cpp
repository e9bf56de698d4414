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

Result<CopiedFiles> copy_to_read_add(Context& ctx, std::string_view prefix, std::span<const CopyRequest> requests) {
  if (core::protocol_of(prefix) != "file") {
    return fail(ErrorCode::unsupported, fmt::format("'{}': ldb copies new files only to a local read-add location", prefix),
                "make a local or shared-disk folder the read-add location: ldb add-storage -f -a true DIR");
  }
  std::random_device device;
  std::uniform_int_distribution<std::uint32_t> dist;
  auto stamp = core::format_utc(static_cast<std::int64_t>(std::time(nullptr)), "%Y%m%dT%H%M%SZ");
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
      return fail(ErrorCode::invalid_argument, fmt::format("'{}' cannot be copied as '{}'", request.source, request.relative),
                  "file names must stay inside the folder they are copied to");
    }
    auto dest = folder / *relative;
    std::filesystem::create_directories(dest.parent_path(), ec);
    auto status = ec ? fail(ErrorCode::io, fmt::format("cannot create '{}': {}", dest.parent_path().string(), ec.message()),
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
  if (copied.folder.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(copied.folder, ec);
}

}  // namespace ldb::dataset
