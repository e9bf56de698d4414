#pragma once
// Embedding models and projection methods that are programs (SPEC section 8;
// the protocols for plugin authors are in docs/plugins-embedding.md). The
// caller finds the executable and its arguments (the instance config's `run`
// list); these functions feed it, check everything it prints and turn each way
// it can go wrong into one error naming the model or method.

#include <array>
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ldb::image {

// Runs `exe` with `args`, writing each of `paths` to its stdin as a JSON string
// on its own line (a byte that is not UTF-8 goes as the escaped lone surrogate
// \udcXX, which Python's json and open() turn back into the same byte), and
// reads one JSON array of finite numbers per path from its stdout, in order,
// all of one length > 0. No paths: the program is not run. io when the program
// cannot be started; invalid_argument, naming `model_name`, when it fails or
// prints anything else (the line and an excerpt of it, the count of vectors,
// differing lengths, a NaN or infinity, a number beyond float range).
Result<std::vector<std::vector<float>>> embed_with_program(const std::filesystem::path& exe,
                                                           std::span<const std::string> args,
                                                           std::span<const std::string> paths,
                                                           std::string_view model_name);

// Runs `exe` with `args`, writing to its stdin the line {"count":N,"dimensions":D}
// and then `rows` (N × D floats, row-major) as little-endian float32, and reads
// exactly N × 2 little-endian float32 (x, y per row) from its stdout. N == 0:
// the program is not run. invalid_argument when rows.size() is not N ×
// `dimensions` with dimensions > 0; io when the program cannot be started;
// invalid_argument, naming `method_name`, when it fails, prints another number
// of bytes (both counts are named) or a NaN or infinity.
Result<std::vector<std::array<float, 2>>> project_with_program(const std::filesystem::path& exe,
                                                               std::span<const std::string> args,
                                                               std::span<const float> rows, std::size_t dimensions,
                                                               std::string_view method_name);

}  // namespace ldb::image
