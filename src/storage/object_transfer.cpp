#include "storage/object_transfer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include <fmt/format.h>

#include "storage/crypto.hpp"
#include "storage/posix_file.hpp"
#include "storage/xml_scan.hpp"

namespace ldb::storage {

std::optional<core::Md5> md5_of_base64(std::string_view text) {
  if (text.empty()) return std::nullopt;
  auto raw = base64_decode(text, "Content-MD5");
  if (!raw || raw->size() != 16) return std::nullopt;
  core::Md5 out;
  std::copy(raw->begin(), raw->end(), reinterpret_cast<char*>(out.bytes.data()));
  return out;
}

FileInfo file_info_from_headers(const HttpResponse& response, std::string path, std::optional<core::Md5> md5) {
  FileInfo info;
  info.path = std::move(path);
  info.size = std::strtoull(response.header("content-length").value_or("0").c_str(), nullptr, 10);
  info.mtime_ns = parse_timestamp(response.header("last-modified").value_or("")).value_or(0) * 1'000'000'000;
  info.content_md5 = md5;
  return info;
}

Result<std::string> read_object(const ObjectGet& get, const AnswerError& answer_error) {
  auto response = get({}, nullptr);
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) return std::unexpected(answer_error(*response));
  return std::move(response->body);
}

Result<HashedFile> hash_object_streaming(const ObjectGet& get, const AnswerError& answer_error, std::size_t head_size) {
  core::Md5Hasher hasher;
  std::string head;
  BodySink sink{[&](std::string_view chunk) {
                  hasher.update(chunk);
                  if (head.size() < head_size) head += chunk.substr(0, head_size - head.size());
                  return true;
                },
                [&] {
                  hasher.finish();
                  head.clear();
                }};
  auto response = get({}, &sink);
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) return std::unexpected(answer_error(*response));
  return HashedFile{hasher.finish(), std::move(head)};
}

Result<HashedFile> hash_object_with_head(const ObjectGet& get, const AnswerError& answer_error,
                                         const std::function<Result<FileInfo>()>& stat, std::string_view range_header,
                                         const HashFromHeaders& hash_from_headers, std::size_t head_size) {
  HashedFile out;
  if (head_size == 0) {
    auto info = stat();
    if (!info) return std::unexpected(info.error());
    if (info->content_md5) {
      out.hash = *info->content_md5;
      return out;
    }
  } else {
    // One ranged GET gives the head and, from its headers, the whole object's size and MD5.
    HeaderList headers{{std::string(range_header), fmt::format("bytes=0-{}", head_size - 1)}};
    auto response = get(std::move(headers), nullptr);
    if (!response) return std::unexpected(response.error());
    if (response->status == 416) {  // an empty object: no byte 0
      out.hash = core::md5_of("");
      return out;
    }
    if (response->status != 200 && response->status != 206) return std::unexpected(answer_error(*response));
    out.head = std::move(response->body);
    std::uint64_t total = out.head.size();
    if (auto range = response->header("content-range")) {
      auto slash = range->rfind('/');
      if (slash != std::string::npos) total = std::strtoull(range->c_str() + slash + 1, nullptr, 10);
    }
    if (total == out.head.size()) {
      out.hash = core::md5_of(out.head);
      return out;
    }
    if (auto md5 = hash_from_headers(*response)) {
      out.hash = *md5;
      return out;
    }
  }
  // No MD5 stated (an S3 multipart ETag, say): stream the object through the hasher.
  return hash_object_streaming(get, answer_error, head_size);
}

Error access_denied_error(std::string_view code, std::string_view subject, std::string_view where, std::string hint) {
  std::string reason = code.empty() ? "access denied" : fmt::format("access denied ({})", code);
  return Error{ErrorCode::io, fmt::format("{} reading '{}' {}", reason, subject, where), std::move(hint)};
}

Error server_answer_error(const HttpResponse& response, std::string_view code, std::string_view subject,
                          std::string_view where) {
  std::string detail = code.empty() ? "" : fmt::format(" ({})", code);
  return Error{ErrorCode::io,
               fmt::format("the server answered HTTP {}{} for '{}' {}", response.status, detail, subject, where),
               response.status >= 500 ? "the server is failing; try again later"
                                      : "check the path and the location's options: ldb storage list --json"};
}

Status download_object(const ObjectGet& get, const AnswerError& answer_error, const std::filesystem::path& dest) {
  auto temp = TempFile::create_beside(dest);
  if (!temp) return std::unexpected(std::move(temp).error());
  std::optional<Error> write_error;
  BodySink sink{[&](std::string_view chunk) {
                  auto written = write_all(temp->fd(), chunk, dest.string());
                  if (!written) write_error = written.error();
                  return written.has_value();
                },
                [&] {
                  if (::ftruncate(temp->fd(), 0) != 0 || ::lseek(temp->fd(), 0, SEEK_SET) != 0) {
                    write_error = errno_error(errno, "rewind", dest.string());
                  }
                }};
  auto response = get({}, &sink);
  if (write_error) return std::unexpected(*write_error);
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) return std::unexpected(answer_error(*response));
  return temp->commit(Sync::no);
}

}  // namespace ldb::storage
