// libFuzzer target for the image header reader. Input: the first bytes of a
// file. Every outcome must be a size > 0 or an error with a message naming the
// file and a hint; any crash or sanitizer report is a bug, and each one found
// becomes a named test in tests/unit/index/image_header_test.cpp.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "index/image_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto header = ldb::index::read_image_header(bytes, "fuzz.img");
  if (header) {
    if (header->width == 0 || header->height == 0 || header->orientation < 1 || header->orientation > 8) {
      __builtin_trap();
    }
    (void)ldb::index::image_format_name(header->format);
  } else if (header.error().message.find("fuzz.img") == std::string_view::npos || header.error().hint.empty()) {
    __builtin_trap();
  }
  return 0;
}
