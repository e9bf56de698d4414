#pragma once
// The checks every request to `ldb ui` passes (SPEC section 10), kept apart
// from the HTTP library so that each is a plain function with its own tests:
// the token (drawn from the kernel's CSPRNG, compared in constant time), the
// cookie that carries it after the first visit, the Host header (a page on
// another site that makes its name resolve to 127.0.0.1 — DNS rebinding —
// still sends its own name as Host) and object ids (the only way a request
// names a file).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace ldb::server {

// 32 random bytes from getrandom(2), as 64 lowercase hex digits. io when the
// kernel gives none.
Result<std::string> new_token();

// a == b, in time that depends only on the lengths.
bool same_token(std::string_view a, std::string_view b);

// The name of the cookie that carries the token of a server on `port`
// (cookies are not kept apart by port; two servers on one machine must not
// overwrite each other's).
std::string token_cookie_name(std::uint16_t port);

// The Set-Cookie value that stores `token`: HttpOnly (page scripts cannot
// read it), SameSite=Strict (no other site's page sends it), Path=/.
std::string token_cookie(std::uint16_t port, std::string_view token);

// The value of cookie `name` in a Cookie header ("a=1; b=2"), if present.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

// True for the loopback names: 127.0.0.0/8, ::1 and localhost.
bool is_loopback(std::string_view host);

// The Host header values a server bound to `host`:`port` accepts: the bound
// address and localhost with the port (an IPv6 address in brackets); bound to
// a non-loopback address, also any IP literal with the port (a name other
// than localhost is never accepted: that is what DNS rebinding sends).
bool host_allowed(std::string_view host_header, std::string_view bound_host, std::uint16_t port);

// The header the page sends with every request that changes the instance.
inline constexpr std::string_view k_write_header = "X-Ldb";

// Whether a request that changes the instance (a POST) comes from the page
// itself rather than another site's form or script (CSRF): it carries
// k_write_header (a form cannot set a header, and a script of another origin
// cannot without a CORS preflight, which this server never grants), and its
// Origin is this server's own, "http://" and a Host value host_allowed
// accepts. A missing Origin or "null" is refused: browsers send Origin with
// every POST, and another site's page on this machine (another port is the
// same site to SameSite cookies) sends its own.
bool write_allowed(std::string_view origin_header, bool has_write_header, std::string_view bound_host,
                   std::uint16_t port);

// An object id in a request: exactly 32 hex digits (either case). Nothing
// else is accepted: no prefix, no "id:", no path.
std::optional<core::Md5> parse_object_id(std::string_view text);

// "http://HOST:PORT/" (IPv6 in brackets), with "?token=TOKEN" when a token is given.
std::string server_url(std::string_view host, std::uint16_t port, std::string_view token = {});

}  // namespace ldb::server
