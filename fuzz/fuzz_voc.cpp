// libFuzzer target for the XML reader (index/xml.hpp), the Pascal VOC reader
// (index/voc.hpp) and, on what it accepts, the VOC writer
// (formats/voc_writer.hpp). Input: an XML text; every image resolves to an
// existing file unless its path names "missing". Checked: errors always carry
// a message and a hint; an accepted file yields a canonical annotation and an
// image path inside the XML's dataset folder; the writer either refuses with a
// message and a hint or writes XML that the reader accepts again with the
// same number of objects. Each crash found becomes a named test in
// tests/unit/index/voc_test.cpp.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "formats/voc_writer.hpp"
#include "fuzz_support.hpp"
#include "index/voc.hpp"
#include "index/xml.hpp"

namespace {

using ldb::fuzz::check_error;

std::size_t count_objects(const std::string& json) {
  std::size_t count = 0;
  for (std::size_t at = json.find("\"bbox\""); at != std::string::npos; at = json.find("\"bbox\"", at + 1)) ++count;
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view k_xml_path = "/fuzz/set/Annotations/a.xml";
  (void)ldb::index::is_voc_xml(text);
  auto exists = [](std::string_view path) { return path.find("missing") == std::string_view::npos; };
  auto image = ldb::index::parse_voc(text, k_xml_path, exists);
  if (!image) {
    check_error(image.error());
    return 0;
  }
  if (!image->data_path.starts_with("/fuzz/set/") || image->data_path.find("/../") != std::string::npos) {
    __builtin_trap();
  }
  auto canonical = ldb::core::canonical_json(image->canonical_json, "fuzz");
  if (!canonical || *canonical != image->canonical_json) __builtin_trap();

  ldb::formats::Member member;
  member.hash = ldb::core::md5_of(image->data_path);
  member.annotation_json = image->canonical_json;
  member.source_path = image->data_path;
  std::vector<ldb::formats::VocImageEntry> entries{{&member, "x.jpg"}};
  auto written = ldb::formats::voc_annotations(entries);
  if (!written) {
    check_error(written.error());
    return 0;
  }
  if (written->xml.size() != 1 || !written->warnings.empty()) __builtin_trap();
  auto again = ldb::index::parse_voc(written->xml[0], "/fuzz/out/Annotations/x.xml", exists);
  if (!again) __builtin_trap();
  if (count_objects(again->canonical_json) != count_objects(image->canonical_json)) __builtin_trap();
  return 0;
}
