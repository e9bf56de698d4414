#include "formats/manifest.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "formats/naming.hpp"

namespace ldb::formats {
namespace {

constexpr std::string_view k_header = "ldb-instantiated 1";
constexpr std::string_view k_unfinished_header = "ldb-instantiated 1 unfinished";

// Splits off the text up to the next space.
std::string_view take_field(std::string_view& line) {
  std::size_t space = line.find(' ');
  std::string_view field = line.substr(0, space);
  line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
  return field;
}

template <class Int>
bool parse_int(std::string_view text, Int& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::size_t Manifest::pending() const {
  return static_cast<std::size_t>(std::count_if(
      entries.begin(), entries.end(), [](const ManifestEntry& entry) { return entry.mtime_ns == k_pending_mtime; }));
}

std::string serialize_manifest(std::span<const ManifestEntry> entries, RunState state) {
  std::string out;
  out.reserve(64 + entries.size() * 96);
  out += state == RunState::finished ? k_header : k_unfinished_header;
  out.push_back('\n');
  for (const auto& entry : entries) {
    fmt::format_to(std::back_inserter(out), "{} {} {} {}\n", entry.md5.hex(), entry.size, entry.mtime_ns, entry.path);
  }
  return out;
}

Result<Manifest> parse_manifest(std::string_view text, std::string_view origin) {
  Manifest manifest;
  auto& entries = manifest.entries;
  if (text.empty()) return manifest;
  entries.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')));
  std::size_t line_number = 0;
  std::size_t start = 0;
  auto corrupt = [&](std::string_view why) {
    return fail(ErrorCode::corruption, fmt::format("{}:{}: {}", origin, line_number, why),
                "delete the file: instantiate then treats the files in the workspace as unknown "
                "(use -f to replace them)");
  };
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line_number == 1) {
      if (line == k_unfinished_header) {
        manifest.state = RunState::unfinished;
      } else if (line != k_header) {
        return corrupt(fmt::format("expected the header '{}'", k_header));
      }
      continue;
    }
    if (line.empty()) continue;
    ManifestEntry entry;
    auto md5 = core::Md5::from_hex(take_field(line));
    if (!md5) return corrupt("the first field is not an MD5 hex digest");
    entry.md5 = *md5;
    if (!parse_int(take_field(line), entry.size)) return corrupt("the size is not a number");
    if (!parse_int(take_field(line), entry.mtime_ns)) return corrupt("the modification time is not a number");
    entry.path = std::string(line);
    if (auto ok = check_relative_path(entry.path, "the manifest"); !ok) return corrupt(ok.error().message);
    entries.push_back(std::move(entry));
  }
  if (line_number == 0) return corrupt("missing header");
  return manifest;
}

}  // namespace ldb::formats
