// libFuzzer target for image decoding (every format decode_small knows), the
// features and the builtin embedding of what decodes. Input: a whole file.
// Every outcome must be a picture of consistent size, whose features are in
// range and whose embedding has unit length, or an error with a message
// naming the file and a hint; features_of must agree with decode_small. Any
// crash, sanitizer report, or run past libFuzzer's time or memory limits is a
// bug (the pixel limit is small, so that every input is cheap to decode), and
// each one found becomes a named test in tests/unit/image/decode_test.cpp.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "image/decode.hpp"
#include "image/embedding.hpp"
#include "image/features.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const ldb::image::DecodeLimits limits{1u << 22};
  auto picture = ldb::image::decode_small(bytes, "fuzz.img", ldb::image::k_feature_min_side, limits);
  auto outcome = ldb::image::features_of(bytes, limits);
  if (!picture) {
    ldb::fuzz::check_error(picture.error());
    if (picture.error().message.find("'fuzz.img'") == std::string_view::npos) __builtin_trap();
    if (outcome.features || outcome.error.empty()) __builtin_trap();
    return 0;
  }
  const auto& p = *picture;
  if (p.width == 0 || p.height == 0 || std::uint64_t{p.width} * p.height > limits.max_pixels) __builtin_trap();
  if (p.rgb.size() != std::size_t{p.width} * p.height * 3) __builtin_trap();
  if (p.source_channels < 1 || p.source_channels > 4) __builtin_trap();

  auto features = ldb::image::compute_features(p);
  if (!outcome.features || !(*outcome.features == features)) __builtin_trap();
  if (!(features.mean >= 0 && features.mean <= 255) || !(features.std >= 0 && features.std <= 127.5) ||
      !(features.entropy >= 0 && features.entropy <= 8) || !std::isfinite(features.sharpness) ||
      features.sharpness < 0) {
    __builtin_trap();
  }

  auto vector = ldb::image::builtin_embedding(p);
  double length = 0;
  for (float value : vector) length += double{value} * value;
  if (vector.size() != ldb::image::k_builtin_dimensions || std::abs(length - 1) > 1e-4) __builtin_trap();
  return 0;
}
