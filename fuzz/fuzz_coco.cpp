// libFuzzer target for the COCO reader (index/coco.hpp) and, on what it
// accepts, the COCO writer (formats/coco_writer.hpp). Input: a COCO JSON text;
// file_names resolve in the JSON's folder or in one or two sibling folders
// (ambiguous), or nowhere ("missing"), as the file_exists below says.
// Checked: errors always carry a message and a hint; an accepted file yields
// canonical JSON annotations and image paths inside those folders, and
// missing images with the paths looked at; the writer either accepts those
// annotations (producing valid JSON) or refuses with a message and a hint.
// Each crash found becomes a named test in tests/unit/index/coco_test.cpp.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "formats/coco_writer.hpp"
#include "fuzz_support.hpp"
#include "index/coco.hpp"

namespace {

using ldb::fuzz::check_error;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view k_json_path = "/fuzz/set/coco.json";
  (void)ldb::index::is_coco_json(text);
  ldb::index::CocoImageFolders folders{"", {"/fuzz/sibling-a/", "/fuzz/sibling-b/"}};
  // A name with "here" is in the JSON's folder; others in sibling-a, and in
  // sibling-b too when they hold "both" (ambiguous); "missing" nowhere.
  auto coco = ldb::index::parse_coco(text, k_json_path, folders, [](std::string_view path) {
    if (path.find("missing") != std::string_view::npos) return false;
    if (path.starts_with("/fuzz/set/")) return path.find("here") != std::string_view::npos;
    return path.starts_with("/fuzz/sibling-a/") || path.find("both") != std::string_view::npos;
  });
  if (!coco) {
    check_error(coco.error());
    return 0;
  }
  for (const auto& missing : coco->missing) {
    if (missing.looked_for.size() != 4) __builtin_trap();
  }
  std::vector<ldb::formats::Member> members;
  for (const auto& image : coco->images) {
    bool inside = image.data_path.starts_with("/fuzz/set/") || image.data_path.starts_with("/fuzz/sibling-");
    if (!inside || image.data_path.find("/../") != std::string::npos) {
      __builtin_trap();
    }
    auto canonical = ldb::core::canonical_json(image.canonical_json, "fuzz");
    if (!canonical || *canonical != image.canonical_json) __builtin_trap();
    ldb::formats::Member member;
    member.hash = ldb::core::md5_of(image.data_path);
    member.annotation_json = image.canonical_json;
    member.source_path = image.data_path;
    members.push_back(std::move(member));
  }
  std::vector<ldb::formats::CocoImageEntry> entries;
  for (const auto& member : members) entries.push_back({&member, "x.jpg"});
  auto written = ldb::formats::coco_annotations(entries);
  if (!written) {
    check_error(written.error());
    return 0;
  }
  if (!ldb::core::canonical_json(written->json, "fuzz output")) __builtin_trap();
  return 0;
}
