// The Azure Blob FileSystem. Requests are built per try (http_perform calls
// the builder again on a retry) so x-ms-date is always current.

#include "storage/azure_file_system.hpp"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "storage/crypto.hpp"
#include "storage/http_client.hpp"
#include "storage/object_store_file_system.hpp"
#include "storage/object_transfer.hpp"
#include "storage/url.hpp"
#include "storage/xml_scan.hpp"

namespace ldb::storage {

namespace {

constexpr const char* k_api_version = "2021-08-06";

class AzureFileSystem final : public ObjectStoreFileSystem {
 public:
  explicit AzureFileSystem(AzureConfig config) : m_config(std::move(config)) {
    auto scheme_end = m_config.endpoint.find("://");
    auto path_start = m_config.endpoint.find('/', scheme_end + 3);
    m_endpoint_path = path_start == std::string::npos ? "" : m_config.endpoint.substr(path_start);
  }

  std::string_view protocol() const override { return "az"; }

  Result<std::vector<FileInfo>> list(std::string_view root) override {
    auto url = parse_object_url(root);
    if (!url) return std::unexpected(url.error());
    std::vector<FileInfo> out;
    std::string prefix = url->key.empty() ? "" : url->key + "/";
    std::string marker;
    do {
      std::vector<std::pair<std::string, std::string>> query{
          {"restype", "container"}, {"comp", "list"}, {"maxresults", "5000"}};
      if (!prefix.empty()) query.emplace_back("prefix", prefix);
      if (!marker.empty()) query.emplace_back("marker", marker);
      auto response = send("GET", url->bucket, "", query, {}, "", nullptr, root);
      if (!response) return std::unexpected(response.error());
      if (response->status != 200) return std::unexpected(answer_error(*response, root, *url));
      for (auto blob : xml_elements(response->body, "Blob")) {
        auto name = xml_text(blob, "Name");
        if (!name || name->empty() || name->back() == '/') continue;
        if (core::has_hidden_component(name->substr(prefix.size()))) continue;
        FileInfo info;
        info.path = fmt::format("az://{}/{}", url->bucket, *name);
        info.size = std::strtoull(xml_text(blob, "Content-Length").value_or("0").c_str(), nullptr, 10);
        info.mtime_ns = parse_timestamp(xml_text(blob, "Last-Modified").value_or("")).value_or(0) * 1'000'000'000;
        info.content_md5 = md5_of_base64(xml_text(blob, "Content-MD5").value_or(""));
        out.push_back(std::move(info));
      }
      marker = xml_text(response->body, "NextMarker").value_or("");
    } while (!marker.empty());
    if (out.empty() && !url->key.empty()) {
      auto single = stat(root);
      if (single) return std::vector<FileInfo>{std::move(*single)};
      if (single.error().code != ErrorCode::not_found) return std::unexpected(single.error());
      return fail(ErrorCode::not_found, fmt::format("'{}' does not exist: no blob or folder there", root),
                  "check the path, e.g. with: az storage blob list");
    }
    std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
    return out;
  }

  Status write(std::string_view path, std::string_view data) override {
    auto url = parse_object(path);
    if (!url) return std::unexpected(url.error());
    core::Md5 md5 = core::md5_of(data);
    HeaderList headers{
        {"x-ms-blob-type", "BlockBlob"},
        {"content-md5", base64_encode(std::string_view(reinterpret_cast<const char*>(md5.bytes.data()), 16))},
        {"content-type", "application/octet-stream"}};
    auto response = send("PUT", url->bucket, url->key, {}, headers, data, nullptr, path);
    if (!response) return std::unexpected(response.error());
    if (response->status != 201 && response->status != 200) {
      return std::unexpected(answer_error(*response, path, *url));
    }
    return {};
  }

 private:
  Result<ObjectUrl> parse_object(std::string_view path) const override {
    auto url = parse_object_url(path);
    if (!url) return std::unexpected(url.error());
    if (url->key.empty()) {
      return fail(ErrorCode::invalid_argument, fmt::format("'{}' names a container, not a blob", path),
                  "give the blob's full path: az://container/name");
    }
    return url;
  }

  Result<HttpResponse> send_object(std::string method, const ObjectUrl& url, HeaderList headers, BodySink* sink,
                                   std::string_view subject) override {
    return send(std::move(method), url.bucket, url.key, {}, std::move(headers), "", sink, subject);
  }

  std::optional<core::Md5> head_md5(const HttpResponse& head) const override {
    return md5_of_base64(head.header("content-md5").value_or(""));
  }

  std::string_view range_header() const override { return "x-ms-range"; }

  // On a ranged read Content-MD5 is the range's; the blob's own is x-ms-blob-content-md5.
  std::optional<core::Md5> stated_md5(const HttpResponse& ranged) const override {
    return md5_of_base64(ranged.header("x-ms-blob-content-md5").value_or(""));
  }

  Result<HttpResponse> send(std::string method, std::string_view container, std::string_view blob,
                            std::vector<std::pair<std::string, std::string>> query, HeaderList extra,
                            std::string_view body, BodySink* sink, std::string_view subject) {
    std::string encoded_path = fmt::format("{}/{}{}{}", m_endpoint_path, uri_encode(container, false),
                                           blob.empty() ? "" : "/", uri_encode(blob, true));
    std::string origin = url_origin(m_config.endpoint);
    auto build = [&]() -> Result<HttpRequest> {
      HttpRequest request;
      request.method = method;
      request.body = body;
      std::string query_text = canonical_query(query);
      if (!m_config.sas_token.empty()) query_text += (query_text.empty() ? "" : "&") + m_config.sas_token;
      request.url = origin + encoded_path + (query_text.empty() ? "" : "?" + query_text);
      request.headers = extra;
      request.headers.emplace_back("x-ms-date", http_date_now());
      request.headers.emplace_back("x-ms-version", k_api_version);
      if (!m_config.account_key.empty()) {
        HeaderList signing = request.headers;
        if (method == "PUT") signing.emplace_back("content-length", std::to_string(body.size()));
        std::string to_sign = azure_string_to_sign(method, signing, m_config.account, encoded_path, query);
        request.headers.emplace_back("authorization",
                                     azure_authorization(m_config.account, m_config.account_key, to_sign));
      }
      return request;
    };
    return http_perform(m_config.http, build, sink, subject);
  }

  Error answer_error(const HttpResponse& response, std::string_view subject, const ObjectUrl& url) const override {
    std::string code = response.header("x-ms-error-code").value_or(xml_text(response.body, "Code").value_or(""));
    std::string where =
        fmt::format("(storage location '{}', endpoint {})", m_config.location, url_origin(m_config.endpoint));
    if (code == "ContainerNotFound") {
      return Error{ErrorCode::not_found, fmt::format("container '{}' does not exist {}", url.bucket, where),
                   "check the container name, the account and the endpoint"};
    }
    if (response.status == 404) {
      return Error{ErrorCode::not_found, fmt::format("'{}' does not exist {}", subject, where),
                   "it may have been deleted or moved; index the location again: ldb index <path>"};
    }
    if (response.status == 403 || response.status == 401) {
      return access_denied_error(code, subject, where,
                                 "check AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_CONNECTION_STRING "
                                 "and the account name");
    }
    return server_answer_error(response, code, subject, where);
  }

  AzureConfig m_config;
  std::string m_endpoint_path;  // "/devstoreaccount1" for Azurite-style endpoints, else ""
};

}  // namespace

std::unique_ptr<FileSystem> make_azure_file_system(AzureConfig config) {
  return std::make_unique<AzureFileSystem>(std::move(config));
}

}  // namespace ldb::storage
