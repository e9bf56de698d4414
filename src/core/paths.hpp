#pragma once
// Path helpers shared by storage, index and dataset code. Local paths are kept
// absolute and lexically normalized ("/a/b/../c" -> "/a/c", no trailing slash).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ldb::core {

// Absolute, lexically normalized form of a local path (relative to the cwd).
std::string normalize_local_path(std::string_view path);

// True when `path` equals `prefix` or lies below it (component-wise).
bool path_is_within(std::string_view path, std::string_view prefix);

// True when any component of `relative` starts with '.' (hidden files and folders).
bool has_hidden_component(std::string_view relative);

// True when the text contains shell glob characters (* ? [).
bool is_glob(std::string_view text);

// fnmatch-style match of a whole path against a glob ('*' does not cross '/').
bool glob_match(std::string_view pattern, std::string_view path);

// `path` relative to `base` (which must contain it), '/'-separated.
std::string relative_to(std::string_view path, std::string_view base);

// The folder part of a '/'-separated path, with its trailing slash ("" for none).
std::string_view folder_of(std::string_view path);

// A relative file name from an annotation (COCO file_name, VOC filename, a
// Label Studio URI) with "." and empty components removed; nullopt when it is
// empty, has a ".." component or a NUL byte, i.e. when it could name a file
// outside the folder it is resolved against. Callers refuse absolute names
// themselves where the format has no meaning for them.
std::optional<std::string> contained_name(std::string_view name);

// contained_name, refusing absolute names too (COCO file_name, VOC filename).
std::optional<std::string> contained_relative_name(std::string_view name);

// `relative` resolved against `folder` (an absolute local folder or a URL's,
// ending in '/') and lexically normalized, without a trailing slash:
// ("/d/annotations/", "../val2017") -> "/d/val2017". nullopt when ".." climbs
// above the root ("/", "s3://bucket/").
std::optional<std::string> join_relative(std::string_view folder, std::string_view relative);

// Splits "s3://bucket/key" into protocol "s3"; plain paths are "file".
std::string_view protocol_of(std::string_view path);

}  // namespace ldb::core
