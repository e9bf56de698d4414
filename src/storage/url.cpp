#include "storage/url.hpp"

#include <cctype>

#include <fmt/format.h>

#include "core/paths.hpp"

namespace ldb::storage {

namespace {

std::string_view scheme_of(std::string_view path) {
  auto pos = path.find("://");
  if (pos == std::string_view::npos || pos == 0) return {};
  for (char c : path.substr(0, pos)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return {};
  }
  return path.substr(0, pos);
}

}  // namespace

std::string canonical_protocol(std::string_view path) {
  std::string scheme = ascii_lower(scheme_of(path));
  if (scheme.empty()) return "file";
  if (scheme == "aws") return "s3";
  if (scheme == "azure") return "az";
  return scheme;
}

bool is_url(std::string_view path) { return canonical_protocol(path) != "file"; }

std::string normalize_storage_path(std::string_view path) {
  std::string protocol = canonical_protocol(path);
  std::string_view scheme = scheme_of(path);
  if (protocol == "file") {
    if (!scheme.empty()) path.remove_prefix(scheme.size() + 3);  // file:///x -> /x
    return core::normalize_local_path(path);
  }
  std::string_view rest = path.substr(scheme.size() + 3);
  std::string out = protocol + "://";
  bool http = protocol == "http" || protocol == "https";
  // The authority (host or bucket) is kept as given; the key's "//" runs
  // collapse, except in http(s) URLs, whose paths are the server's business.
  std::size_t slash = rest.find('/');
  out += rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    for (char c : rest.substr(slash)) {
      if (c == '/' && !http && out.back() == '/') continue;
      out.push_back(c);
    }
  }
  while (out.back() == '/' && !out.ends_with("://")) out.pop_back();
  return out;
}

std::string ObjectUrl::text() const {
  return key.empty() ? fmt::format("{}://{}", protocol, bucket) : fmt::format("{}://{}/{}", protocol, bucket, key);
}

Result<ObjectUrl> parse_object_url(std::string_view url) {
  std::string protocol = canonical_protocol(url);
  if (protocol != "s3" && protocol != "gs" && protocol != "az") {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not an s3://, gs:// or az:// URL", url),
                "write it as s3://bucket/prefix, gs://bucket/prefix or az://container/prefix");
  }
  std::string_view rest = url.substr(url.find("://") + 3);
  std::size_t slash = rest.find('/');
  ObjectUrl out{protocol, std::string(rest.substr(0, slash)), ""};
  if (slash != std::string_view::npos) out.key = std::string(rest.substr(slash + 1));
  while (!out.key.empty() && out.key.back() == '/') out.key.pop_back();
  if (out.bucket.empty()) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' names no bucket", url),
                fmt::format("write it as {}://bucket/prefix", protocol));
  }
  return out;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(k_hex[c >> 4]);
      out.push_back(k_hex[c & 15]);
    }
  }
  return out;
}

std::string uri_decode(std::string_view text) {
  auto hex_value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace ldb::storage
