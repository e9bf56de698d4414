#pragma once
// The FileSystem every command uses: it sends each path to the backend of its
// protocol (local paths, s3://, gs://, az://, https://; aws:// and azure://
// are read as s3:// and az://), configured
// with the options of the registered storage location that holds the path
// (the longest matching prefix), and serves non-local objects to
// copy_object_to through the content-addressed ObjectCache. The instance's
// locations and cache settings are loaded on first use of a non-local path,
// so local-only commands never pay for them.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/environment.hpp"
#include "storage/backend_options.hpp"
#include "storage/file_system.hpp"
#include "storage/object_cache.hpp"

namespace ldb::storage {

struct LocationOptions {
  std::string prefix;  // normalized
  BackendOptions options;
};

struct StorageSettings {
  std::vector<LocationOptions> locations;
  std::filesystem::path cache_dir;      // empty: no cache
  std::uint64_t cache_limit_bytes = 0;  // 0: no limit
  HttpSettings http;                    // defaults, before per-location "timeout"/"retries"
  // Where credentials and endpoints come from (AWS_*, GS_*, AZURE_STORAGE_*,
  // HOME for ~/.aws): the front end's environment, handed down.
  core::Environment env;
};

using StorageSettingsLoader = std::function<Result<StorageSettings>()>;

// A backend for one location's prefix and options (used directly by
// add-storage to check a location before it is registered). unsupported for
// protocols without a backend; options are validated first.
Result<std::unique_ptr<FileSystem>> make_backend(std::string_view prefix, const BackendOptions& options,
                                                 const HttpSettings& http, const core::Environment& env);

class RoutingFileSystem final : public FileSystem {
 public:
  // `local` serves local paths; `loader` is called at most once.
  RoutingFileSystem(std::unique_ptr<FileSystem> local, StorageSettingsLoader loader);

  std::string_view protocol() const override { return "file"; }
  Result<std::vector<FileInfo>> list(std::string_view root) override;
  Result<std::vector<FileInfo>> list_top(std::string_view root) override;
  Result<FileInfo> stat(std::string_view path) override;
  Result<std::string> read(std::string_view path) override;
  Result<core::Md5> hash(std::string_view path) override;
  Result<HashedFile> hash_with_head(std::string_view path, std::size_t head_size) override;
  Status copy_to(std::string_view path, const std::filesystem::path& dest) override;
  // Non-local objects come from the cache, which is filled (verified) first.
  Status copy_object_to(std::string_view path, const core::Md5& hash, const std::filesystem::path& dest) override;
  // Non-local objects likewise: read from the cache, filled (verified) first.
  Result<std::string> read_checked(std::string_view path, const core::Md5& hash) override;
  Status write(std::string_view path, std::string_view data) override;

 private:
  // The cached file holding `hash`, fetched from `backend` at `path` first
  // when it is not there.
  Result<std::filesystem::path> cached_object(FileSystem& backend, std::string_view path, const core::Md5& hash);
  // The backend for `path`; created on first use per location.
  Result<FileSystem*> backend_for(std::string_view path);
  Status load_settings();

  std::unique_ptr<FileSystem> m_local;
  StorageSettingsLoader m_loader;
  std::mutex m_mutex;
  bool m_loaded = false;
  StorageSettings m_settings;
  std::map<std::string, std::unique_ptr<FileSystem>> m_backends;  // by location prefix
  std::unique_ptr<ObjectCache> m_cache;
};

}  // namespace ldb::storage
