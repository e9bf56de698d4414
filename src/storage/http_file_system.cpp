#include "storage/http_file_system.hpp"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "storage/http_client.hpp"
#include "storage/object_transfer.hpp"
#include "storage/url.hpp"

namespace ldb::storage {

namespace {

std::string trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return std::string(text);
}

class HttpFileSystem final : public FileSystem {
 public:
  HttpFileSystem(std::string location, HttpSettings http) : m_location(std::move(location)), m_http(http) {
    m_http.follow_redirects = true;
  }

  std::string_view protocol() const override { return "https"; }

  Result<std::vector<FileInfo>> list(std::string_view root_text) override {
    std::string root = normalize_storage_path(root_text);
    std::string manifest_url = root + "/" + std::string(k_http_manifest_name);
    auto response = get(manifest_url, {}, nullptr, manifest_url);
    if (!response) return std::unexpected(response.error());
    if (response->status == 404 || response->status == 410) {
      auto single = stat(root);
      if (!single) {
        if (single.error().code == ErrorCode::not_found) {
          return fail(ErrorCode::not_found,
                      fmt::format("'{}' has no manifest ({}) and is not a file", root, k_http_manifest_name),
                      fmt::format("HTTP has no listing: put the URLs to index, one a line, in {}/{}", root,
                                  k_http_manifest_name));
        }
        return std::unexpected(single.error());
      }
      return std::vector<FileInfo>{std::move(*single)};
    }
    if (response->status != 200) return std::unexpected(answer_error(*response, manifest_url));
    std::vector<FileInfo> out;
    std::string_view text = response->body;
    std::size_t line_number = 0;
    while (!text.empty()) {
      auto newline = text.find('\n');
      std::string line = trim(text.substr(0, newline));
      text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
      ++line_number;
      if (line.empty() || line.front() == '#') continue;
      std::string url = is_url(line) ? normalize_storage_path(line) : root + "/" + line;
      if (!core::path_is_within(url, root) || url == root || line.find("/../") != std::string::npos ||
          line.starts_with("../")) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("{} line {}: '{}' is not below '{}'", manifest_url, line_number, line, root),
                    "a manifest lists only URLs below its own prefix");
      }
      if (core::has_hidden_component(core::relative_to(url, root))) continue;
      auto info = stat(url);
      if (!info) return std::unexpected(info.error());
      out.push_back(std::move(*info));
    }
    std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
    out.erase(
        std::unique(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.path == b.path; }),
        out.end());
    return out;
  }

  Result<FileInfo> stat(std::string_view path) override {
    std::string url(path);
    auto response = send("HEAD", url, {}, nullptr, path);
    if (!response) return std::unexpected(response.error());
    if (response->status != 200) return std::unexpected(answer_error(*response, path));
    // A server that redirects ".../x" to ".../x/" answers for a folder (an index page), not a file.
    if (response->effective_url.ends_with('/') && !url.ends_with('/')) {
      return fail(ErrorCode::not_found, fmt::format("'{}' is a folder on the server, not a file", path),
                  fmt::format("HTTP has no listing: list the URLs to index in {}/{}", path, k_http_manifest_name));
    }
    return file_info_from_headers(*response, url, md5_of_base64(response->header("content-md5").value_or("")));
  }

  Result<std::string> read(std::string_view path) override { return read_object(object_get(path), answer_for(path)); }

  Result<core::Md5> hash(std::string_view path) override {
    auto hashed = hash_with_head(path, 0);
    if (!hashed) return std::unexpected(hashed.error());
    return hashed->hash;
  }

  // A plain server states no MD5 to trust: the body is always streamed.
  Result<HashedFile> hash_with_head(std::string_view path, std::size_t head_size) override {
    return hash_object_streaming(object_get(path), answer_for(path), head_size);
  }

  Status copy_to(std::string_view path, const std::filesystem::path& dest) override {
    return download_object(object_get(path), answer_for(path), dest);
  }

  Status write(std::string_view path, std::string_view data) override {
    (void)data;
    return fail(ErrorCode::unsupported, fmt::format("cannot write '{}': https:// storage is read-only", path),
                "make a local, s3://, gs:// or az:// location the read-add one");
  }

 private:
  Result<HttpResponse> get(const std::string& url, HeaderList headers, BodySink* sink, std::string_view subject) {
    return send("GET", url, std::move(headers), sink, subject);
  }

  // One GET of the URL `path`, for the shared transfers (object_transfer.hpp).
  ObjectGet object_get(std::string_view path) {
    return [this, path](HeaderList headers, BodySink* sink) {
      return get(std::string(path), std::move(headers), sink, path);
    };
  }

  AnswerError answer_for(std::string_view path) const {
    return [this, path](const HttpResponse& response) { return answer_error(response, path); };
  }

  Result<HttpResponse> send(std::string method, const std::string& url, HeaderList headers, BodySink* sink,
                            std::string_view subject) {
    auto build = [&]() -> Result<HttpRequest> { return HttpRequest{method, url, headers, {}}; };
    return http_perform(m_http, build, sink, subject);
  }

  Error answer_error(const HttpResponse& response, std::string_view subject) const {
    std::string where = fmt::format("(storage location '{}')", m_location);
    if (response.status == 404 || response.status == 410) {
      return Error{ErrorCode::not_found, fmt::format("'{}' does not exist {}", subject, where),
                   "check the URL; it may have been moved"};
    }
    if (response.status == 401 || response.status == 403) {
      return Error{ErrorCode::io,
                   fmt::format("access denied (HTTP {}) reading '{}' {}", response.status, subject, where),
                   "ldb reads https:// objects without credentials; use a URL that needs none"};
    }
    return Error{ErrorCode::io, fmt::format("the server answered HTTP {} for '{}' {}", response.status, subject, where),
                 response.status >= 500 ? "the server is failing; try again later" : "check the URL"};
  }

  std::string m_location;
  HttpSettings m_http;
};

}  // namespace

std::unique_ptr<FileSystem> make_http_file_system(std::string location, HttpSettings http) {
  return std::make_unique<HttpFileSystem>(std::move(location), http);
}

}  // namespace ldb::storage
