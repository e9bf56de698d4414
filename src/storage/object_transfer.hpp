#pragma once
// Object transfers shared by the HTTP-based FileSystems (S3/GCS, Azure Blob,
// https): reading, hashing with a head and downloading one object. Each
// backend supplies how one GET of the object is sent (addressing, signing) and
// how a failed answer reads; the status handling and streaming live here once.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "storage/file_system.hpp"
#include "storage/http_client.hpp"

namespace ldb::storage {

// Sends one GET of the object with `headers` added to the backend's own; with
// a sink, a 2xx body streams into it (and is restarted on a retry).
using ObjectGet = std::function<Result<HttpResponse>(HeaderList headers, BodySink* sink)>;

// The backend's error for a non-success answer to a request for the object.
using AnswerError = std::function<Error(const HttpResponse& response)>;

// The whole object's MD5 as the headers of a ranged answer state it, if they do
// (S3: a plain ETag; Azure: x-ms-blob-content-md5).
using HashFromHeaders = std::function<std::optional<core::Md5>(const HttpResponse& response)>;

// The MD5 in a base64 Content-MD5 value; nothing when it is empty, not base64
// or not 16 bytes.
std::optional<core::Md5> md5_of_base64(std::string_view text);

// A FileInfo for `path` from an answer's content-length and last-modified
// headers (0 when absent), with the MD5 the backend read from it.
FileInfo file_info_from_headers(const HttpResponse& response, std::string path, std::optional<core::Md5> md5);

// The object's whole body from one GET; any status but 200 gives
// answer_error's error.
Result<std::string> read_object(const ObjectGet& get, const AnswerError& answer_error);

// The object's MD5 and its first head_size bytes from one streamed GET
// (a retry restarts both); any status but 200 gives answer_error's error.
Result<HashedFile> hash_object_streaming(const ObjectGet& get, const AnswerError& answer_error, std::size_t head_size);

// hash_with_head for a store that states MD5s. With head_size 0: `stat`'s
// content_md5 when it has one. Else one GET of bytes 0..head_size-1 (the range
// in the header named `range_header`): 416 is an empty object; a range that
// holds the whole object is hashed; else hash_from_headers. When neither gives
// the MD5, the object is streamed (hash_object_streaming).
Result<HashedFile> hash_object_with_head(const ObjectGet& get, const AnswerError& answer_error,
                                         const std::function<Result<FileInfo>()>& stat, std::string_view range_header,
                                         const HashFromHeaders& hash_from_headers, std::size_t head_size);

// The error for a 401 or 403 answer from an object store: "access denied
// [(CODE)] reading 'SUBJECT' WHERE" (`where` names the location and endpoint),
// with the backend's hint about its credentials.
Error access_denied_error(std::string_view code, std::string_view subject, std::string_view where, std::string hint);

// The error for any other failed answer from an object store: "the server
// answered HTTP N [(CODE)] for 'SUBJECT' WHERE"; the hint says to retry on a
// 5xx and to check the path and the location's options otherwise.
Error server_answer_error(const HttpResponse& response, std::string_view code, std::string_view subject,
                          std::string_view where);

// Downloads the object to the local file `dest` through a temporary file beside
// it, renamed into place only when the whole body arrived with status 200; a
// retry rewinds the temporary file. A write error wins over the answer's.
Status download_object(const ObjectGet& get, const AnswerError& answer_error, const std::filesystem::path& dest);

}  // namespace ldb::storage
