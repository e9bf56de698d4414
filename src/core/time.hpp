#pragma once
// Formatting of Unix times (seconds) in UTC, for output and for the file
// attributes queries see.

#include <cstdint>
#include <string>

namespace ldb::core {

// strftime-style `format` applied to `seconds` since the epoch, in UTC.
std::string format_utc(std::int64_t seconds, const char* format);

// "2024-05-01T12:00:00+00:00", the form the original LDB writes in file attributes.
inline std::string iso_utc(std::int64_t seconds) { return format_utc(seconds, "%Y-%m-%dT%H:%M:%S+00:00"); }

}  // namespace ldb::core
