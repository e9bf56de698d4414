// libFuzzer target for the annotation JSON loader: what `ldb index` runs on
// every annotation file — core::canonical_json (strict/bare pairs, and the
// formats that derive JSON), core::parse_json, and the annotation-only reader
// (index/annotation_only.hpp). Checked: errors carry a message naming the
// origin; canonical JSON is a fixed point (canonicalizing it again gives the
// same bytes) and parses again; annotation-only entries are canonical too.
// Each crash found becomes a named test in tests/unit/core/json_test.cpp.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "index/annotation_only.hpp"

namespace {

constexpr std::string_view k_origin = "/fuzz/annotation.json";

void check_error(const ldb::Error& error) {
  if (error.message.find(k_origin) == std::string::npos) __builtin_trap();
}

void check_canonical(const std::string& canonical) {
  auto again = ldb::core::canonical_json(canonical, k_origin);
  if (!again || *again != canonical) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto canonical = ldb::core::canonical_json(text, k_origin);
  if (canonical) {
    check_canonical(*canonical);
  } else {
    check_error(canonical.error());
  }

  simdjson::dom::parser parser;
  auto parsed = ldb::core::parse_json(parser, text, k_origin);
  if (parsed.has_value() != canonical.has_value()) __builtin_trap();
  if (parsed) {
    std::string out;
    ldb::core::append_canonical(*parsed, out);
    if (out != *canonical) __builtin_trap();
  } else {
    check_error(parsed.error());
  }

  auto entries = ldb::index::parse_annotation_only(text, k_origin);
  if (!entries) {
    check_error(entries.error());
    return 0;
  }
  if (entries->shape_error) {
    if (!entries->entries.empty() || entries->shape_error->message.empty()) __builtin_trap();
    return 0;
  }
  for (const auto& entry : entries->entries) check_canonical(entry.canonical_json);
  return 0;
}
