#pragma once
// Storage paths: local paths and object-store URLs ("s3://bucket/key",
// "gs://bucket/key", "az://container/blob", "https://host/path"). The seeds'
// spellings aws:// and azure:// are accepted and mapped to s3:// and az://.

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ldb::storage {

// The canonical protocol of a path: "file" for local paths, else the scheme
// with aliases mapped ("aws" -> "s3", "azure" -> "az"), lower-cased.
std::string canonical_protocol(std::string_view path);

// True for paths with a scheme other than file:// (s3, gs, az, http, https...).
bool is_url(std::string_view path);

// The normalized form of a storage path. Local paths: core::normalize_local_path
// (absolute, lexically normal). URLs: aliases mapped, the scheme lower-cased,
// "//" runs in the key collapsed and trailing slashes dropped ("s3://b/x/" ->
// "s3://b/x"). "file:///x" becomes "/x".
std::string normalize_storage_path(std::string_view path);

// A bucket-style URL split into its parts; `key` has no leading slash and may
// be empty (the whole bucket).
struct ObjectUrl {
  std::string protocol;  // "s3", "gs", "az"
  std::string bucket;    // the bucket or container
  std::string key;

  // protocol://bucket[/key]
  std::string text() const;
};

// Splits a normalized bucket URL; invalid_argument (naming it) when the bucket
// is missing or the protocol has no buckets.
Result<ObjectUrl> parse_object_url(std::string_view url);

// RFC 3986 percent-encoding of everything but unreserved characters
// (A-Z a-z 0-9 - _ . ~), and '/' too when `keep_slash`; the form SigV4 and
// Azure canonicalization expect.
std::string uri_encode(std::string_view text, bool keep_slash);

// `text` with ASCII letters lower-cased (scheme, header and key names).
std::string ascii_lower(std::string_view text);

// Percent-decoding ("%2F" -> "/"); invalid escapes are kept as they are.
std::string uri_decode(std::string_view text);

}  // namespace ldb::storage
