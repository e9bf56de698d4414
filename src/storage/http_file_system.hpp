#pragma once
// The HTTP(S) backend for https:// (and http://) URLs: objects are read by
// URL (HEAD for stat, GET for reads; redirects followed). HTTP has no
// listing, so listing a prefix reads its manifest, PREFIX/ldb-manifest.txt:
// one URL per line, absolute or relative to the prefix, '#' starting a
// comment; a prefix without a manifest is taken as a single object. Writing
// is unsupported.

#include <memory>
#include <string>

#include "storage/backend_options.hpp"
#include "storage/file_system.hpp"

namespace ldb::storage {

// The manifest's name below an https prefix.
inline constexpr std::string_view k_http_manifest_name = "ldb-manifest.txt";

std::unique_ptr<FileSystem> make_http_file_system(std::string location, HttpSettings http);

}  // namespace ldb::storage
