#pragma once
// Storage locations registered in the instance (ldb add-storage, ldb storage).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/session.hpp"

namespace ldb::app {

struct StorageLocationInfo {
  std::string path;  // normalized prefix
  bool read_add = false;
  std::vector<std::pair<std::string, std::string>> options;
};

struct AddStorageRequest {
  std::string path;
  std::optional<bool> read_add;  // unset: false for a new location, unchanged for a registered one
  std::vector<std::pair<std::string, std::string>> options;
  bool force = false;  // replace nested locations; move the read-add mark
};

struct AddStorageOutcome {
  StorageLocationInfo location;
  std::vector<std::string> replaced;  // nested locations it replaced
};

// Registers a location after checking it can be listed and read.
Result<AddStorageOutcome> add_storage(Session& session, const AddStorageRequest& request);

Result<std::vector<StorageLocationInfo>> storage_locations(Session& session);

// Unregisters the location `path`; returns its normalized prefix.
Result<std::string> remove_storage(Session& session, const std::string& path);

}  // namespace ldb::app
