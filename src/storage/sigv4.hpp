#pragma once
// AWS Signature Version 4 for S3 (and Cloud Storage's S3-interoperable XML
// API with HMAC keys): canonical request, string to sign, signing key and the
// Authorization header, as documented in AWS's "Signature Version 4 signing
// process". ldb signs requests itself rather than through libcurl's
// CURLOPT_AWS_SIGV4 so that the whole computation is unit-tested against the
// published examples and session tokens are signed.

#include <string>
#include <utility>
#include <vector>

namespace ldb::storage {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials

  bool empty() const { return access_key_id.empty(); }
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigningRequest {
  std::string method;                                      // "GET"
  std::string encoded_path;                                // "/bucket/key", already URI-encoded
  std::vector<std::pair<std::string, std::string>> query;  // raw (not yet encoded) names and values
  HeaderList headers;                                      // every header to sign, "host" included; names in any case
  std::string payload_hash;                                // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

// The canonical request text (step 1 of the signing process).
std::string canonical_request(const SigningRequest& request);

// The sorted, lower-cased, ';'-joined header names (the SignedHeaders field).
std::string signed_headers(const SigningRequest& request);

// The string to sign for `timestamp` ("20130524T000000Z") and the credential
// scope "DATE/REGION/SERVICE/aws4_request".
std::string string_to_sign(const std::string& timestamp, const std::string& scope,
                           const std::string& canonical_request_text);

// The hex signature of `string_to_sign_text` under the secret key.
std::string sigv4_signature(const std::string& secret_access_key, const std::string& date, const std::string& region,
                            const std::string& service, const std::string& string_to_sign_text);

// The value of the Authorization header for `request` at `timestamp`. The
// request's headers must already hold x-amz-date (= timestamp) and
// x-amz-content-sha256, and x-amz-security-token when there is a session token.
std::string authorization_header(const SigningRequest& request, const AwsCredentials& credentials,
                                 const std::string& region, const std::string& service, const std::string& timestamp);

// The canonical query string: names and values URI-encoded, sorted by name
// then value, joined with '&'. Also the query string to send.
std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query);

// "YYYYMMDDTHHMMSSZ" for now (UTC).
std::string amz_timestamp_now();

}  // namespace ldb::storage
