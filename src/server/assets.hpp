#pragma once
// The page's files (web/: index.html, app.js, style.css), embedded in the
// binary at build time (cmake/embed_assets.cmake): the browser loads nothing
// from anywhere else.

#include <span>
#include <string_view>

namespace ldb::server {

struct Asset {
  std::string_view path;          // its URL path: "/index.html"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view etag;          // a quoted strong ETag: "\"0123456789abcdef\""
  std::string_view bytes;
};

// Every embedded file.
std::span<const Asset> assets();

// The asset served at `path` ("/" is /index.html), or nullptr.
const Asset* find_asset(std::string_view path);

}  // namespace ldb::server
