#pragma once
// The S3 backend (also Cloud Storage through its S3-interoperable XML API with
// HMAC keys): ListObjectsV2 with pagination, HEAD, ranged GET, PUT, signed
// with SigV4 (storage/sigv4.hpp) over storage/http_client.hpp. A single-part
// upload's ETag is the MD5 of its bytes, so listing and stat report it as
// FileInfo::content_md5 and hashing needs no download.

#include <memory>
#include <string>

#include "storage/backend_options.hpp"
#include "storage/file_system.hpp"
#include "storage/sigv4.hpp"

namespace ldb::storage {

struct S3Config {
  std::string protocol = "s3";  // "s3" or "gs": the scheme of the paths it serves
  std::string endpoint;         // "https://s3.us-east-1.amazonaws.com", no trailing slash
  std::string region = "us-east-1";
  bool virtual_host = false;  // bucket.endpoint-host/key instead of endpoint/bucket/key
  bool anonymous = false;     // send unsigned requests
  AwsCredentials credentials;
  HttpSettings http;
  std::string location;  // the registered prefix, for messages
};

// The configuration of an s3:// or gs:// location from its options and the
// environment (see find_aws_credentials, find_aws_region). Endpoint defaults:
// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, else https://s3.REGION.amazonaws.com
// (virtual-host addressing); gs:// uses https://storage.googleapis.com.
// A custom endpoint uses path-style addressing unless -o addressing virtual.
Result<S3Config> make_s3_config(std::string_view protocol, const BackendOptions& options, std::string_view location,
                                const HttpSettings& http_defaults, const core::Environment& env);

// The request URL for a bucket and key (key not yet encoded) and query string.
std::string s3_request_url(const S3Config& config, std::string_view bucket, std::string_view key,
                           std::string_view query);

std::unique_ptr<FileSystem> make_s3_file_system(S3Config config);

}  // namespace ldb::storage
