#include "server/security.hpp"

#include <arpa/inet.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ldb::server {

namespace {

bool is_ipv4(std::string_view text) {
  in_addr addr{};
  return inet_pton(AF_INET, std::string(text).c_str(), &addr) == 1;
}

bool is_ipv6(std::string_view text) {
  in6_addr addr{};
  return inet_pton(AF_INET6, std::string(text).c_str(), &addr) == 1;
}

// "[::1]" for an IPv6 address, the host as it is otherwise.
std::string bracketed(std::string_view host) {
  if (is_ipv6(host)) return fmt::format("[{}]", host);
  return std::string(host);
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
         });
}

}  // namespace

Result<std::string> new_token() {
  std::array<unsigned char, 32> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    ssize_t n = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::io, fmt::format("cannot draw a random token: {}", std::strerror(errno)),
                  "the kernel's random source (getrandom) must be available");
    }
    filled += static_cast<std::size_t>(n);
  }
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

bool same_token(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string token_cookie_name(std::uint16_t port) { return fmt::format("ldb_token_{}", port); }

std::string token_cookie(std::uint16_t port, std::string_view token) {
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict", token_cookie_name(port), token);
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semicolon = header.find(';');
    std::string_view pair = header.substr(0, semicolon);
    header = semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    return std::string(pair.substr(eq + 1));
  }
  return std::nullopt;
}

bool is_loopback(std::string_view host) {
  if (equals_ignoring_case(host, "localhost")) return true;
  in_addr v4{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

bool host_allowed(std::string_view host_header, std::string_view bound_host, std::uint16_t port) {
  const std::string suffix = fmt::format(":{}", port);
  if (!host_header.ends_with(suffix)) return false;
  std::string_view name = host_header.substr(0, host_header.size() - suffix.size());
  if (name.empty()) return false;
  if (equals_ignoring_case(name, "localhost")) return true;
  if (equals_ignoring_case(name, bracketed(bound_host))) return true;
  if (is_loopback(bound_host)) return false;
  // Bound to another address: any IP literal (no DNS name can rebind to it).
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') return is_ipv6(name.substr(1, name.size() - 2));
  return is_ipv4(name);
}

bool write_allowed(std::string_view origin_header, bool has_write_header, std::string_view bound_host,
                   std::uint16_t port) {
  constexpr std::string_view scheme = "http://";
  if (!has_write_header || !origin_header.starts_with(scheme)) return false;
  return host_allowed(origin_header.substr(scheme.size()), bound_host, port);
}

std::optional<core::Md5> parse_object_id(std::string_view text) {
  if (text.size() != 32) return std::nullopt;
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  auto hash = core::Md5::from_hex(lower);
  if (!hash) return std::nullopt;
  return *hash;
}

std::string server_url(std::string_view host, std::uint16_t port, std::string_view token) {
  std::string url = fmt::format("http://{}:{}/", bracketed(host), port);
  if (!token.empty()) url += fmt::format("?token={}", token);
  return url;
}

}  // namespace ldb::server
