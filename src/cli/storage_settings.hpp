#pragma once
// Where the routing FileSystem (storage/routing_file_system.hpp) gets its
// settings from: the instance's registered storage locations and options,
// and the object cache's folder and size limit.

#include "storage/routing_file_system.hpp"

namespace ldb::cli {

// Loads, when called: the locations of the configured instance (none when no
// instance is configured); the cache folder from $LDB_CACHE_DIR, else
// core.cache_dir in the instance config, else $XDG_CACHE_HOME/ldb/objects or
// ~/.cache/ldb/objects ("none" turns the cache off); its limit from
// $LDB_CACHE_SIZE, else core.cache_size, else 10G. Request timeouts and
// retries default from $LDB_HTTP_TIMEOUT (seconds) and $LDB_HTTP_RETRIES.
storage::StorageSettingsLoader storage_settings_loader();

}  // namespace ldb::cli
