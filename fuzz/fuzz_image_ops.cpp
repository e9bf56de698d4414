// libFuzzer target for the image-op parser (image/ops.hpp): the input is op
// texts, one a line. A parse either fails with a message naming the op text
// and a hint, or gives ops whose normalised texts parse back to the same ops;
// the geometry of a small image is then run, and when every size stays small
// the ops run on pixels, which must come out at the geometry's size with a
// box mapped inside it. Any crash or sanitizer report is a bug; each one found
// becomes a named test in tests/unit/image/ops_test.cpp.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "image/ops.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ldb::image;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  while (!text.empty() && lines.size() < 16) {
    auto newline = text.find('\n');
    lines.emplace_back(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
  }
  auto ops = parse_ops(lines);
  if (!ops) {
    ldb::fuzz::check_error(ops.error());
    if (!ops.error().message.starts_with("op '")) __builtin_trap();
    return 0;
  }
  auto again = parse_ops(normalised(*ops));
  if (!again || !(*again == *ops)) __builtin_trap();

  const Size input{1 + static_cast<std::uint32_t>(size % 37), 1 + static_cast<std::uint32_t>(size % 23)};
  auto g = geometry(*ops, input);
  if (g.output.width == 0 || g.output.height == 0) __builtin_trap();
  for (const auto& step : g.steps) {
    if (std::uint64_t{step.out.width} * step.out.height > 4096) return 0;  // too large to run cheaply
  }
  auto box = map_box(g, Box{0, 0, static_cast<double>(input.width), static_cast<double>(input.height)});
  if (!box || (*box)[0] < 0 || (*box)[1] < 0 || (*box)[0] + (*box)[2] > g.output.width + 1e-6 ||
      (*box)[1] + (*box)[3] > g.output.height + 1e-6) {
    __builtin_trap();
  }
  Picture picture{input.width, input.height, 3,
                  std::vector<std::uint8_t>(std::size_t{input.width} * input.height * 3, 7)};
  Picture out = apply_ops(std::move(picture), *ops, input);
  if (out.width != g.output.width || out.height != g.output.height) __builtin_trap();
  if (out.rgb.size() != std::size_t{out.width} * out.height * 3) __builtin_trap();
  return 0;
}
