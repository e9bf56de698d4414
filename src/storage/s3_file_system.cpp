// The S3 FileSystem. Every request is built by a function that signs it at
// the moment it is sent (http_perform calls it again for a retry), so a retry
// after a backoff still carries a current x-amz-date.

#include "storage/s3_file_system.hpp"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "storage/crypto.hpp"
#include "storage/object_store_file_system.hpp"
#include "storage/object_transfer.hpp"
#include "storage/url.hpp"
#include "storage/xml_scan.hpp"

namespace ldb::storage {

namespace {

constexpr std::string_view k_empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The MD5 in an ETag when it is a plain one ("\"<32 hex>\""); multipart
// uploads ("...-3") and other forms give nothing.
std::optional<core::Md5> md5_of_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  if (etag.size() != 32) return std::nullopt;
  auto md5 = core::Md5::from_hex(etag);
  if (!md5) return std::nullopt;
  return *md5;
}

std::string host_of(std::string_view origin) { return std::string(origin.substr(origin.find("://") + 3)); }

struct Target {
  std::string url;
  std::string host;
  std::string encoded_path;
};

Target s3_target(const S3Config& config, std::string_view bucket, std::string_view key) {
  std::string encoded_key = uri_encode(key, true);
  std::string host = host_of(config.endpoint);
  std::string scheme = config.endpoint.substr(0, config.endpoint.find("://"));
  if (config.virtual_host) {
    std::string vhost = fmt::format("{}.{}", bucket, host);
    return {fmt::format("{}://{}/{}", scheme, vhost, encoded_key), vhost, "/" + encoded_key};
  }
  std::string path = fmt::format("/{}{}{}", uri_encode(bucket, false), key.empty() ? "" : "/", encoded_key);
  return {config.endpoint + path, host, path};
}

class S3FileSystem final : public ObjectStoreFileSystem {
 public:
  explicit S3FileSystem(S3Config config) : m_config(std::move(config)) {}

  std::string_view protocol() const override { return m_config.protocol; }

  Result<std::vector<FileInfo>> list(std::string_view root) override {
    auto url = parse(root);
    if (!url) return std::unexpected(url.error());
    std::vector<FileInfo> out;
    std::string prefix = url->key.empty() ? "" : url->key + "/";
    std::string token;
    do {
      std::vector<std::pair<std::string, std::string>> query{{"list-type", "2"}, {"max-keys", "1000"}};
      if (!prefix.empty()) query.emplace_back("prefix", prefix);
      if (!token.empty()) query.emplace_back("continuation-token", token);
      auto response = send("GET", url->bucket, "", query, {}, "", nullptr, root);
      if (!response) return std::unexpected(response.error());
      if (response->status != 200) return std::unexpected(answer_error(*response, root, *url));
      for (auto contents : xml_elements(response->body, "Contents")) {
        auto key = xml_text(contents, "Key");
        if (!key || key->empty() || key->back() == '/') continue;  // folder markers
        std::string relative = key->substr(prefix.size());
        if (core::has_hidden_component(relative)) continue;
        FileInfo info;
        info.path = fmt::format("{}://{}/{}", m_config.protocol, url->bucket, *key);
        info.size = std::strtoull(xml_text(contents, "Size").value_or("0").c_str(), nullptr, 10);
        info.mtime_ns = parse_timestamp(xml_text(contents, "LastModified").value_or("")).value_or(0) * 1'000'000'000;
        info.content_md5 = md5_of_etag(xml_text(contents, "ETag").value_or(""));
        out.push_back(std::move(info));
      }
      bool truncated = xml_text(response->body, "IsTruncated").value_or("false") == "true";
      token = truncated ? xml_text(response->body, "NextContinuationToken").value_or("") : "";
    } while (!token.empty());
    if (out.empty() && !url->key.empty()) {
      auto single = stat(root);
      if (single) {
        out.push_back(std::move(*single));
      } else if (single.error().code != ErrorCode::not_found) {
        return std::unexpected(single.error());
      }
    }
    if (out.empty() && !url->key.empty()) {
      return fail(ErrorCode::not_found, fmt::format("'{}' does not exist: no object or folder there", root),
                  "check the path with your S3 tools, e.g. aws s3 ls");
    }
    std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
    return out;
  }

  Status write(std::string_view path, std::string_view data) override {
    auto url = parse_object(path);
    if (!url) return std::unexpected(url.error());
    HeaderList headers{{"content-md5", base64_encode(std::string_view(
                                           reinterpret_cast<const char*>(core::md5_of(data).bytes.data()), 16))}};
    auto response = send("PUT", url->bucket, url->key, {}, headers, data, nullptr, path);
    if (!response) return std::unexpected(response.error());
    if (response->status != 200) return std::unexpected(answer_error(*response, path, *url));
    return {};
  }

 private:
  Result<ObjectUrl> parse(std::string_view path) const { return parse_object_url(path); }

  Result<ObjectUrl> parse_object(std::string_view path) const override {
    auto url = parse_object_url(path);
    if (!url) return std::unexpected(url.error());
    if (url->key.empty()) {
      return fail(ErrorCode::invalid_argument, fmt::format("'{}' names a bucket, not an object", path),
                  "give the object's full path: s3://bucket/key");
    }
    return url;
  }

  Target target(std::string_view bucket, std::string_view key) const { return s3_target(m_config, bucket, key); }

  Result<HttpResponse> send_object(std::string method, const ObjectUrl& url, HeaderList headers, BodySink* sink,
                                   std::string_view subject) override {
    return send(std::move(method), url.bucket, url.key, {}, std::move(headers), "", sink, subject);
  }

  std::optional<core::Md5> head_md5(const HttpResponse& head) const override {
    return md5_of_etag(head.header("etag").value_or(""));
  }

  std::string_view range_header() const override { return "range"; }

  // A plain ETag is the whole object's MD5; a multipart one is not, and the object is streamed.
  std::optional<core::Md5> stated_md5(const HttpResponse& ranged) const override {
    return md5_of_etag(ranged.header("etag").value_or(""));
  }

  Result<HttpResponse> send(std::string method, std::string_view bucket, std::string_view key,
                            std::vector<std::pair<std::string, std::string>> query, HeaderList extra,
                            std::string_view body, BodySink* sink, std::string_view subject) {
    if (!m_config.anonymous && m_config.credentials.empty()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("no credentials for '{}' (storage location '{}')", subject, m_config.location),
                  m_config.protocol == "gs"
                      ? "set GS_ACCESS_KEY_ID and GS_SECRET_ACCESS_KEY (HMAC keys), or -o anon true for a public bucket"
                      : "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or register the location with "
                        "-o anon true for a public bucket");
    }
    Target where = target(bucket, key);
    std::string payload_hash = body.empty() ? std::string(k_empty_sha256) : to_hex(sha256(body));
    auto build = [&]() -> Result<HttpRequest> {
      HttpRequest request;
      request.method = method;
      std::string query_text = canonical_query(query);
      request.url = query_text.empty() ? where.url : where.url + "?" + query_text;
      request.body = body;
      request.headers = extra;
      if (m_config.anonymous) return request;
      std::string timestamp = amz_timestamp_now();
      SigningRequest signing{method, where.encoded_path, query, extra, payload_hash};
      signing.headers.emplace_back("host", where.host);
      signing.headers.emplace_back("x-amz-date", timestamp);
      signing.headers.emplace_back("x-amz-content-sha256", payload_hash);
      if (!m_config.credentials.session_token.empty()) {
        signing.headers.emplace_back("x-amz-security-token", m_config.credentials.session_token);
      }
      std::string authorization = authorization_header(signing, m_config.credentials, m_config.region, "s3", timestamp);
      request.headers = signing.headers;
      // curl sends Host itself (the same value); sending it twice would confuse servers.
      std::erase_if(request.headers, [](const auto& h) { return h.first == "host"; });
      request.headers.emplace_back("authorization", std::move(authorization));
      return request;
    };
    return http_perform(m_config.http, build, sink, subject);
  }

  // A clear error for a non-success answer; never shows credentials.
  Error answer_error(const HttpResponse& response, std::string_view subject, const ObjectUrl& url) const override {
    std::string code = xml_text(response.body, "Code").value_or("");
    std::string server = url_origin(m_config.endpoint);
    std::string where = fmt::format("(storage location '{}', endpoint {})", m_config.location, server);
    if (response.status == 404 || code == "NoSuchBucket" || code == "NoSuchKey") {
      if (code == "NoSuchBucket") {
        return Error{ErrorCode::not_found, fmt::format("bucket '{}' does not exist {}", url.bucket, where),
                     "check the bucket name, the endpoint and the region"};
      }
      return Error{ErrorCode::not_found, fmt::format("'{}' does not exist {}", subject, where),
                   "it may have been deleted or moved; index the location again: ldb index <path>"};
    }
    if (response.status == 403 || response.status == 401) {
      return access_denied_error(code, subject, where,
                                 "check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE) and "
                                 "their permissions on the bucket");
    }
    if (response.status == 301 || response.status == 307 || code == "PermanentRedirect") {
      std::string region = response.header("x-amz-bucket-region").value_or("");
      return Error{ErrorCode::invalid_argument,
                   fmt::format("bucket '{}' is in another region{} {}", url.bucket,
                               region.empty() ? "" : " (" + region + ")", where),
                   "register the location with -o region REGION"};
    }
    return server_answer_error(response, code, subject, where);
  }

  S3Config m_config;
};

}  // namespace

Result<S3Config> make_s3_config(std::string_view protocol, const BackendOptions& options, std::string_view location,
                                const HttpSettings& http_defaults, const core::Environment& env) {
  S3Config config;
  config.protocol = std::string(protocol);
  config.location = std::string(location);
  config.http = http_settings_from(options, http_defaults);
  config.anonymous = option_flag(options, "anon", false);
  std::string endpoint = option_value(options, "endpoint").value_or("");
  if (protocol == "gs") {
    config.region = "auto";
    if (endpoint.empty()) endpoint = "https://storage.googleapis.com";
  } else {
    config.region = find_aws_region(options, env);
    if (endpoint.empty()) endpoint = env.get("AWS_ENDPOINT_URL_S3");
    if (endpoint.empty()) endpoint = env.get("AWS_ENDPOINT_URL");
  }
  bool custom = !endpoint.empty();
  if (!custom) endpoint = fmt::format("https://s3.{}.amazonaws.com", config.region);
  while (endpoint.ends_with('/')) endpoint.pop_back();
  config.endpoint = endpoint;
  std::string addressing = option_value(options, "addressing").value_or(custom ? "path" : "virtual");
  config.virtual_host = addressing == "virtual";
  if (!config.anonymous) {
    auto credentials = find_aws_credentials(protocol, options, location, env);
    if (!credentials) return std::unexpected(credentials.error());
    config.credentials = std::move(*credentials);
  }
  return config;
}

std::string s3_request_url(const S3Config& config, std::string_view bucket, std::string_view key,
                           std::string_view query) {
  std::string url = s3_target(config, bucket, key).url;
  return query.empty() ? url : url + "?" + std::string(query);
}

std::unique_ptr<FileSystem> make_s3_file_system(S3Config config) {
  return std::make_unique<S3FileSystem>(std::move(config));
}

}  // namespace ldb::storage
