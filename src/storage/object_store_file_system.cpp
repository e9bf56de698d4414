#include "storage/object_store_file_system.hpp"

namespace ldb::storage {

Result<FileInfo> ObjectStoreFileSystem::stat(std::string_view path) {
  auto url = parse_object(path);
  if (!url) return std::unexpected(url.error());
  auto response = send_object("HEAD", *url, {}, nullptr, path);
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) return std::unexpected(answer_error(*response, path, *url));
  return file_info_from_headers(*response, std::string(path), head_md5(*response));
}

Result<std::string> ObjectStoreFileSystem::read(std::string_view path) {
  auto url = parse_object(path);
  if (!url) return std::unexpected(url.error());
  return read_object(object_get(*url, path), answer_for(*url, path));
}

Result<core::Md5> ObjectStoreFileSystem::hash(std::string_view path) {
  auto hashed = hash_with_head(path, 0);
  if (!hashed) return std::unexpected(hashed.error());
  return hashed->hash;
}

Result<HashedFile> ObjectStoreFileSystem::hash_with_head(std::string_view path, std::size_t head_size) {
  auto url = parse_object(path);
  if (!url) return std::unexpected(url.error());
  return hash_object_with_head(
      object_get(*url, path), answer_for(*url, path), [&] { return stat(path); }, range_header(),
      [this](const HttpResponse& response) { return stated_md5(response); }, head_size);
}

Status ObjectStoreFileSystem::copy_to(std::string_view path, const std::filesystem::path& dest) {
  auto url = parse_object(path);
  if (!url) return std::unexpected(url.error());
  return download_object(object_get(*url, path), answer_for(*url, path), dest);
}

ObjectGet ObjectStoreFileSystem::object_get(const ObjectUrl& url, std::string_view subject) {
  return [this, url, subject](HeaderList headers, BodySink* sink) {
    return send_object("GET", url, std::move(headers), sink, subject);
  };
}

AnswerError ObjectStoreFileSystem::answer_for(const ObjectUrl& url, std::string_view subject) const {
  return [this, url, subject](const HttpResponse& response) { return answer_error(response, subject, url); };
}

}  // namespace ldb::storage
