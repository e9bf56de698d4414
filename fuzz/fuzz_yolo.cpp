// libFuzzer target for the YOLO reader. Input: a data.yaml text, then a '\0'
// (or, failing that, the whole input is also the label text), then a label
// file. The names are parsed as data.yaml and as classes.txt; the label is
// converted with each result (and with no names) for a size taken from the
// input. Converted output must be valid JSON; errors must carry a message and
// a hint. Each crash found becomes a named test in tests/unit/index/yolo_test.cpp.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "fuzz_support.hpp"
#include "index/yolo.hpp"
#include "index/yolo_names.hpp"

namespace {

using ldb::fuzz::check_error;

void convert(const std::string& label, std::span<const std::string> names, std::uint32_t width, std::uint32_t height) {
  auto json = ldb::index::yolo_annotation("a.jpg", width, height, &label, "fuzz.txt", names);
  if (!json) {
    check_error(json.error());
    return;
  }
  simdjson::dom::parser parser;
  simdjson::padded_string padded(*json);
  simdjson::dom::element element;
  if (parser.parse(padded).get(element) != simdjson::SUCCESS) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t split = input.find('\0');
  std::string_view yaml = input.substr(0, split);
  std::string label(split == std::string_view::npos ? input : input.substr(split + 1));
  std::uint32_t width = 1 + (size % 4096);
  std::uint32_t height = 1 + (size * 7 % 3000);

  auto yaml_names = ldb::index::parse_data_yaml_names(yaml, "data.yaml");
  if (yaml_names) {
    convert(label, *yaml_names, width, height);
  } else {
    check_error(yaml_names.error());
  }
  auto txt_names = ldb::index::parse_classes_txt(yaml, "classes.txt");
  if (txt_names) {
    convert(label, *txt_names, width, height);
  } else {
    check_error(txt_names.error());
  }
  convert(label, {}, width, height);
  (void)ldb::index::yolo_label_path_for(yaml);
  (void)ldb::index::is_yolo_image(yaml);
  return 0;
}
