#pragma once
// The part of a bucket-style object store FileSystem (S3/GCS, Azure Blob) that
// does not depend on the service: stat, read, hash, hash_with_head and copy_to
// are written once here on top of the backend's signed GET and its error wording.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "storage/file_system.hpp"
#include "storage/http_client.hpp"
#include "storage/object_transfer.hpp"
#include "storage/url.hpp"

namespace ldb::storage {

class ObjectStoreFileSystem : public FileSystem {
 public:
  // The object's size, time and stated MD5 from one HEAD.
  Result<FileInfo> stat(std::string_view path) override;

  // The object's whole body (one GET).
  Result<std::string> read(std::string_view path) override;

  // The object's MD5: the one its store states, else streamed.
  Result<core::Md5> hash(std::string_view path) override;

  // The MD5 and first head_size bytes, from one ranged GET when the store
  // states the whole object's MD5 (see hash_object_with_head).
  Result<HashedFile> hash_with_head(std::string_view path, std::size_t head_size) override;

  // Downloads the object to `dest` through a temporary file (download_object).
  Status copy_to(std::string_view path, const std::filesystem::path& dest) override;

 protected:
  // The URL of the object `path` names; the backend's invalid_argument when it
  // names no object (a bucket or container alone).
  virtual Result<ObjectUrl> parse_object(std::string_view path) const = 0;

  // Sends one signed, body-less request (`method` "GET" or "HEAD") for `url`'s
  // object with `headers` added; with a sink a 2xx body streams into it.
  // `subject` names the object in errors.
  virtual Result<HttpResponse> send_object(std::string method, const ObjectUrl& url, HeaderList headers, BodySink* sink,
                                           std::string_view subject) = 0;

  // The backend's error for a failed answer about `subject`.
  virtual Error answer_error(const HttpResponse& response, std::string_view subject, const ObjectUrl& url) const = 0;

  // The header a ranged GET carries its byte range in ("range", "x-ms-range").
  virtual std::string_view range_header() const = 0;

  // The object's MD5 as the headers of a HEAD answer state it, if they do.
  virtual std::optional<core::Md5> head_md5(const HttpResponse& head) const = 0;

  // The whole object's MD5 as the headers of a ranged answer state it, if they do.
  virtual std::optional<core::Md5> stated_md5(const HttpResponse& ranged) const = 0;

 private:
  // get_object and answer_error bound to one object, for object_transfer.hpp.
  ObjectGet object_get(const ObjectUrl& url, std::string_view subject);
  AnswerError answer_for(const ObjectUrl& url, std::string_view subject) const;
};

}  // namespace ldb::storage
