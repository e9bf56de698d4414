#include "storage/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/format.h>

#include "storage/crypto.hpp"
#include "storage/url.hpp"

namespace ldb::storage {

namespace {

// Header values are trimmed and inner runs of spaces collapse to one.
std::string trim_value(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

HeaderList canonical_headers(const SigningRequest& request) {
  HeaderList out;
  for (const auto& [name, value] : request.headers) out.emplace_back(ascii_lower(name), trim_value(value));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : query) encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string signed_headers(const SigningRequest& request) {
  std::string out;
  for (const auto& [name, value] : canonical_headers(request)) {
    if (!out.empty()) out.push_back(';');
    out += name;
  }
  return out;
}

std::string canonical_request(const SigningRequest& request) {
  std::string out = request.method + "\n";
  out += request.encoded_path.empty() ? "/" : request.encoded_path;
  out += "\n" + canonical_query(request.query) + "\n";
  for (const auto& [name, value] : canonical_headers(request)) out += name + ":" + value + "\n";
  out += "\n" + signed_headers(request) + "\n" + request.payload_hash;
  return out;
}

std::string string_to_sign(const std::string& timestamp, const std::string& scope,
                           const std::string& canonical_request_text) {
  return fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", timestamp, scope, to_hex(sha256(canonical_request_text)));
}

std::string sigv4_signature(const std::string& secret_access_key, const std::string& date, const std::string& region,
                            const std::string& service, const std::string& string_to_sign_text) {
  std::string key = hmac_sha256("AWS4" + secret_access_key, date);
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  key = hmac_sha256(key, "aws4_request");
  return to_hex(hmac_sha256(key, string_to_sign_text));
}

std::string authorization_header(const SigningRequest& request, const AwsCredentials& credentials,
                                 const std::string& region, const std::string& service, const std::string& timestamp) {
  std::string date = timestamp.substr(0, 8);
  std::string scope = fmt::format("{}/{}/{}/aws4_request", date, region, service);
  std::string to_sign = string_to_sign(timestamp, scope, canonical_request(request));
  std::string signature = sigv4_signature(credentials.secret_access_key, date, region, service, to_sign);
  return fmt::format("AWS4-HMAC-SHA256 Credential={}/{},SignedHeaders={},Signature={}", credentials.access_key_id,
                     scope, signed_headers(request), signature);
}

std::string amz_timestamp_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

}  // namespace ldb::storage
