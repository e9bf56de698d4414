#include "app/storage.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "core/paths.hpp"
#include "storage/routing_file_system.hpp"
#include "storage/url.hpp"

namespace ldb::app {

Result<AddStorageOutcome> add_storage(Session& session, const AddStorageRequest& request) {
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  store::StorageLocation location;
  location.prefix = storage::normalize_storage_path(detail::absolute_identifier(session.context(), request.path));
  location.read_add = request.read_add.value_or(false);
  location.options = request.options;
  if (location.read_add &&
      (core::protocol_of(location.prefix) == "https" || core::protocol_of(location.prefix) == "http")) {
    return fail(
        ErrorCode::unsupported,
        fmt::format("'{}' cannot be the read-add location: ldb cannot write to an http(s) location", location.prefix),
        "register it without -a, and make a local folder or a bucket the read-add location");
  }
  // It must be listable and readable, through a backend made with the new
  // location's own options (secrets among them are refused there). Only its
  // top is listed: walking all of a large location (or of `/`, through /proc)
  // is the work of `ldb index`, not of this check.
  auto backend =
      storage::make_backend(location.prefix, location.options, storage::HttpSettings{}, session.context().env);
  if (!backend) return std::unexpected(backend.error());
  auto listed = (*backend)->list_top(location.prefix);
  if (!listed) return std::unexpected(listed.error());
  if (!listed->empty()) {
    // Read a sample (the smallest file) so that an unreadable location is refused now.
    auto smallest =
        std::min_element(listed->begin(), listed->end(),
                         [](const storage::FileInfo& a, const storage::FileInfo& b) { return a.size < b.size; });
    auto sample = (*backend)->read(smallest->path);
    if (!sample) {
      return fail(ErrorCode::io,
                  fmt::format("cannot read '{}' in '{}': {}", smallest->path, location.prefix, sample.error().message),
                  "check the permissions (or credentials) of the storage location");
    }
  }
  auto& store = *(*instance)->store;
  auto existing = store.storage_locations();
  if (!existing) return std::unexpected(existing.error());
  std::vector<std::string> replaced;
  const store::StorageLocation* other_read_add = nullptr;
  for (const auto& loc : *existing) {
    if (loc.prefix == location.prefix) {
      // Re-registering a location changes its read-add mark or options.
      if (!request.read_add && request.options.empty()) {
        return fail(
            ErrorCode::already_exists, fmt::format("storage location '{}' is already registered", loc.prefix),
            "see them with: ldb storage list; change its read-add mark with: ldb add-storage -a true|false PATH");
      }
      if (!request.read_add) location.read_add = loc.read_add;
      continue;
    }
    if (core::path_is_within(location.prefix, loc.prefix)) {
      return fail(ErrorCode::conflict,
                  fmt::format("'{}' is inside the registered storage location '{}'", location.prefix, loc.prefix),
                  "it is already covered; nothing to do");
    }
    if (core::path_is_within(loc.prefix, location.prefix)) {
      if (!request.force) {
        return fail(ErrorCode::conflict,
                    fmt::format("'{}' contains the registered storage location '{}'", location.prefix, loc.prefix),
                    "pass -f to replace the nested location with this one");
      }
      replaced.push_back(loc.prefix);
      continue;
    }
    if (loc.read_add) other_read_add = &loc;
  }
  // At most one read-add location; -f moves the mark (the other stays registered, read-only).
  if (location.read_add && other_read_add && !request.force) {
    return fail(ErrorCode::conflict, fmt::format("'{}' is already the read-add location", other_read_add->prefix),
                "there can be only one: pass -f to make this one the read-add location instead (the other stays "
                "registered, read-only)");
  }
  LDB_TRY(store.put_storage_location(location, replaced));
  return AddStorageOutcome{{location.prefix, location.read_add, location.options}, std::move(replaced)};
}

Result<std::vector<StorageLocationInfo>> storage_locations(Session& session) {
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto locations = (*instance)->store->storage_locations();
  if (!locations) return std::unexpected(locations.error());
  std::vector<StorageLocationInfo> out;
  for (auto& l : *locations) out.push_back({std::move(l.prefix), l.read_add, std::move(l.options)});
  return out;
}

Result<std::string> remove_storage(Session& session, const std::string& path) {
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto& store = *(*instance)->store;
  auto prefix = storage::normalize_storage_path(detail::absolute_identifier(session.context(), path));
  auto removed = store.remove_storage_location(prefix);
  if (!removed) {
    if (removed.error().code != ErrorCode::not_found) return std::unexpected(removed.error());
    // A path inside a registered location: name the location to remove.
    auto locations = store.storage_locations();
    if (!locations) return std::unexpected(locations.error());
    for (const auto& l : *locations) {
      if (core::path_is_within(prefix, l.prefix)) {
        return fail(ErrorCode::not_found,
                    fmt::format("'{}' is not a registered storage location; it is inside '{}'", prefix, l.prefix),
                    fmt::format("to remove that location: ldb storage rm {}", l.prefix));
      }
    }
    return std::unexpected(removed.error());
  }
  return prefix;
}

}  // namespace ldb::app
