// libFuzzer target for the Label Studio reader (index/label_studio.hpp) and,
// on what it accepts, the Label Studio writer (formats/label_studio_writer.hpp).
// Input: a Label Studio export; every URI naming a path below /fuzz/ resolves
// to an existing file unless it names "missing". Checked: errors always carry
// a message and a hint; an accepted task resolves to a normalized path below
// /fuzz/ and yields a canonical annotation; the writer either accepts those
// annotations (producing valid JSON) or refuses with a message and a hint.
// Each crash found becomes a named test in tests/unit/index/label_studio_test.cpp.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "formats/label_studio_writer.hpp"
#include "fuzz_support.hpp"
#include "index/label_studio.hpp"

namespace {

using ldb::fuzz::check_error;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view k_json_path = "/fuzz/set/export.json";
  (void)ldb::index::is_label_studio_json(text);
  // Files exist below /fuzz/ only: relative URIs resolve in /fuzz/set/,
  // absolute ones may name any of them.
  auto tasks = ldb::index::parse_label_studio(text, k_json_path, "", [](std::string_view path) {
    return path.starts_with("/fuzz/") && path.find("missing") == std::string_view::npos;
  });
  if (!tasks) {
    check_error(tasks.error());
    return 0;
  }
  std::vector<ldb::formats::Member> members;
  for (const auto& task : *tasks) {
    if (!task.data_path.starts_with("/fuzz/") || task.data_path.find("/../") != std::string::npos ||
        task.data_path.find("/./") != std::string::npos || task.data_path.ends_with('/')) {
      __builtin_trap();
    }
    auto annotation = ldb::index::label_studio_annotation(
        task, ldb::core::md5_of(task.data_path),
        task.has_original_size ? std::nullopt : std::optional(ldb::index::LabelStudioImageSize{64, 48}), k_json_path);
    if (!annotation) {
      check_error(annotation.error());
      continue;
    }
    auto canonical = ldb::core::canonical_json(*annotation, "fuzz");
    if (!canonical || *canonical != *annotation) __builtin_trap();
    ldb::formats::Member member;
    member.hash = ldb::core::md5_of(task.data_path);
    member.annotation_json = std::move(*annotation);
    member.source_path = task.data_path;
    members.push_back(std::move(member));
  }
  std::vector<ldb::formats::LabelStudioEntry> entries;
  for (const auto& member : members) entries.push_back({&member, "images/x.png"});
  auto written = ldb::formats::label_studio_tasks(entries);
  if (!written) {
    check_error(written.error());
    return 0;
  }
  if (!ldb::core::canonical_json(written->json, "fuzz output")) __builtin_trap();
  return 0;
}
