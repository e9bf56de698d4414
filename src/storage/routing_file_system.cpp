#include "storage/routing_file_system.hpp"

#include <fmt/format.h>

#include "core/paths.hpp"
#include "storage/azure_file_system.hpp"
#include "storage/http_file_system.hpp"
#include "storage/s3_file_system.hpp"
#include "storage/url.hpp"

namespace ldb::storage {

Result<std::unique_ptr<FileSystem>> make_backend(std::string_view prefix, const BackendOptions& options,
                                                 const HttpSettings& http, const core::Environment& env) {
  std::string protocol = canonical_protocol(prefix);
  LDB_TRY(validate_options(protocol, options));
  if (protocol == "file") return make_local_file_system();
  if (protocol == "s3" || protocol == "gs") {
    auto config = make_s3_config(protocol, options, prefix, http, env);
    if (!config) return std::unexpected(config.error());
    return make_s3_file_system(std::move(*config));
  }
  if (protocol == "az") {
    auto config = make_azure_config(options, prefix, http, env);
    if (!config) return std::unexpected(config.error());
    return make_azure_file_system(std::move(*config));
  }
  if (protocol == "https" || protocol == "http") {
    return make_http_file_system(std::string(prefix), http_settings_from(options, http));
  }
  return fail(ErrorCode::unsupported, fmt::format("'{}': {}:// storage is not supported", prefix, protocol),
              "ldb reads local paths, s3://, gs://, az:// and https:// (aws:// means s3://, azure:// az://)");
}

RoutingFileSystem::RoutingFileSystem(std::unique_ptr<FileSystem> local, StorageSettingsLoader loader)
    : m_local(std::move(local)), m_loader(std::move(loader)) {}

Status RoutingFileSystem::load_settings() {
  if (m_loaded) return {};
  if (m_loader) {
    auto settings = m_loader();
    if (!settings) return std::unexpected(settings.error());
    m_settings = std::move(*settings);
  }
  if (!m_settings.cache_dir.empty()) {
    m_cache = std::make_unique<ObjectCache>(m_settings.cache_dir, m_settings.cache_limit_bytes);
  }
  m_loaded = true;
  return {};
}

Result<FileSystem*> RoutingFileSystem::backend_for(std::string_view path) {
  if (!is_url(path)) return m_local.get();
  std::lock_guard lock(m_mutex);
  LDB_TRY(load_settings());
  std::string normalized = normalize_storage_path(path);
  const LocationOptions* best = nullptr;
  for (const auto& location : m_settings.locations) {
    if (core::path_is_within(normalized, location.prefix) &&
        (best == nullptr || location.prefix.size() > best->prefix.size())) {
      best = &location;
    }
  }
  std::string key;
  BackendOptions options;
  if (best) {
    key = best->prefix;
    options = best->options;
  } else {
    // Outside every registered location (a QuickStart instance may read any
    // path): the bucket's defaults, from the environment.
    // The bucket (or, for https, the host) is the unit of configuration.
    auto scheme_end = normalized.find("://");
    auto slash = normalized.find('/', scheme_end + 3);
    key = normalized.substr(0, slash);
  }
  auto it = m_backends.find(key);
  if (it == m_backends.end()) {
    auto backend = make_backend(key, options, m_settings.http, m_settings.env);
    if (!backend) return std::unexpected(backend.error());
    it = m_backends.emplace(key, std::move(*backend)).first;
  }
  return it->second.get();
}

Result<std::vector<FileInfo>> RoutingFileSystem::list(std::string_view root) {
  auto backend = backend_for(root);
  if (!backend) return std::unexpected(backend.error());
  if (*backend == m_local.get()) return m_local->list(root);
  return (*backend)->list(normalize_storage_path(root));
}

Result<std::vector<FileInfo>> RoutingFileSystem::list_top(std::string_view root) {
  auto backend = backend_for(root);
  if (!backend) return std::unexpected(backend.error());
  if (*backend == m_local.get()) return m_local->list_top(root);
  return (*backend)->list_top(normalize_storage_path(root));
}

Result<FileInfo> RoutingFileSystem::stat(std::string_view path) {
  auto backend = backend_for(path);
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->stat(path);
}

Result<std::string> RoutingFileSystem::read(std::string_view path) {
  auto backend = backend_for(path);
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->read(path);
}

Result<core::Md5> RoutingFileSystem::hash(std::string_view path) {
  auto backend = backend_for(path);
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->hash(path);
}

Result<HashedFile> RoutingFileSystem::hash_with_head(std::string_view path, std::size_t head_size) {
  auto backend = backend_for(path);
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->hash_with_head(path, head_size);
}

Status RoutingFileSystem::copy_to(std::string_view path, const std::filesystem::path& dest) {
  auto backend = backend_for(path);
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->copy_to(path, dest);
}

Result<std::filesystem::path> RoutingFileSystem::cached_object(FileSystem& backend, std::string_view path,
                                                               const core::Md5& hash) {
  if (auto cached = m_cache->find(hash)) return std::move(*cached);
  return m_cache->fill(
      hash, [&](const std::filesystem::path& incoming) { return backend.copy_to(path, incoming); }, path);
}

Status RoutingFileSystem::copy_object_to(std::string_view path, const core::Md5& hash,
                                         const std::filesystem::path& dest) {
  LDB_TRY_ASSIGN(FileSystem * backend, backend_for(path));
  if (backend == m_local.get() || m_cache == nullptr) return backend->copy_to(path, dest);
  LDB_TRY_ASSIGN(auto cached, cached_object(*backend, path, hash));
  return m_local->copy_to(cached.string(), dest);
}

Result<std::string> RoutingFileSystem::read_checked(std::string_view path, const core::Md5& hash) {
  LDB_TRY_ASSIGN(FileSystem * backend, backend_for(path));
  if (backend == m_local.get() || m_cache == nullptr) return backend->read_checked(path, hash);
  // Another process may evict the cached file between finding and reading
  // it; the second time it is fetched again.
  for (int attempt = 0;; ++attempt) {
    LDB_TRY_ASSIGN(auto cached, cached_object(*backend, path, hash));
    auto bytes = read_local_file(cached);
    if (bytes || bytes.error().code != ErrorCode::not_found || attempt == 1) return bytes;
  }
}

Status RoutingFileSystem::write(std::string_view path, std::string_view data) {
  auto backend = backend_for(path);
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->write(path, data);
}

}  // namespace ldb::storage
