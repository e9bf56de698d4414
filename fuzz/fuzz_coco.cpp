// libFuzzer target for the COCO reader (index/coco.hpp) and, on what it
// accepts, the COCO writer (formats/coco_writer.hpp). Input: a COCO JSON text;
// every file_name resolves to an existing file unless it names "missing".
// Checked: errors always carry a message and a hint; an accepted file yields
// canonical JSON annotations and image paths inside the JSON's folder; the
// writer either accepts those annotations (producing valid JSON) or refuses
// with a message and a hint. Each crash found becomes a named test in
// tests/unit/index/coco_test.cpp.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "core/json.hpp"
#include "formats/coco_writer.hpp"
#include "index/coco.hpp"

namespace {

using ldb::fuzz::check_error;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view k_json_path = "/fuzz/set/coco.json";
  (void)ldb::index::is_coco_json(text);
  auto images = ldb::index::parse_coco(text, k_json_path, [](std::string_view path) {
    return path.find("missing") == std::string_view::npos;
  });
  if (!images) {
    check_error(images.error());
    return 0;
  }
  std::vector<ldb::formats::Member> members;
  for (const auto& image : *images) {
    if (!image.data_path.starts_with("/fuzz/set/") || image.data_path.find("/../") != std::string::npos) {
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
