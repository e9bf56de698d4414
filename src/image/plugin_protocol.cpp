#include "image/plugin_protocol.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json.hpp"
#include "core/process.hpp"

namespace ldb::image {

namespace {

constexpr const char* k_docs = "docs/plugins-embedding.md";

// Length of the well-formed UTF-8 sequence at the start of `text`, or 0: the
// shortest prefix (of at most 4 bytes) that is valid UTF-8 on its own.
std::size_t utf8_sequence_length(std::string_view text) {
  for (std::size_t length = 1; length <= std::min<std::size_t>(4, text.size()); ++length) {
    if (simdjson::validate_utf8(text.data(), length)) return length;
  }
  return 0;
}

// Appends `path` as a JSON string. A file name is any bytes: a byte that is
// not part of well-formed UTF-8 goes as \udcXX, the lone surrogate Python's
// surrogateescape (the file-system encoding's error handler) maps back to the
// same byte, so json.loads() and open() in a plugin reach the very file. Valid
// UTF-8 never encodes a surrogate, so nothing else reads the same.
void append_path_json(std::string_view path, std::string& out) {
  if (simdjson::validate_utf8(path.data(), path.size())) {
    core::append_json_string(path, out);
    return;
  }
  std::string run;
  auto flush = [&](std::string_view text) {
    run.clear();
    core::append_json_string(text, run);
    out.append(run, 1, run.size() - 2);  // without its quotes
  };
  out.push_back('"');
  std::size_t valid_from = 0;
  for (std::size_t i = 0; i < path.size();) {
    const std::size_t length = utf8_sequence_length(path.substr(i));
    if (length > 0) {
      i += length;
      continue;
    }
    flush(path.substr(valid_from, i - valid_from));
    fmt::format_to(std::back_inserter(out), "\\udc{:02x}", static_cast<unsigned char>(path[i]));
    valid_from = ++i;
  }
  flush(path.substr(valid_from));
  out.push_back('"');
}

// The start of a line the program printed, fit for an error message.
std::string excerpt(std::string_view line) {
  constexpr std::size_t k_max = 40;
  std::string out = core::escape_invalid_utf8(line.substr(0, k_max));
  std::replace_if(
      out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }, ' ');
  if (line.size() > k_max) out += "...";
  return out;
}

// `line` without trailing white space (a blank line becomes empty).
std::string_view trim_end(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return line;
}

// The error for a program that ran and did not succeed: its stderr was not
// captured, so what it said is already on ldb's stderr.
Error program_failed(std::string_view what, const core::ProgramRun& run) {
  return Error{ErrorCode::invalid_argument,
               fmt::format("{} failed ({}); its error output went to ldb's stderr, above", what, run.describe()),
               fmt::format("read the program's own message above, or run it by hand as {} shows", k_docs)};
}

// One line of an embedding program's output, parsed into `vector`; an error
// message (without the model's name) when it is not an array of finite floats.
std::string parse_vector_line(simdjson::dom::parser& parser, std::string_view line, std::size_t line_number,
                              std::vector<float>& vector) {
  simdjson::dom::array array;
  if (parser.parse(line.data(), line.size()).get_array().get(array) != simdjson::SUCCESS) {
    // Python's json.dumps writes NaN and Infinity, which are not JSON.
    if (line.find("NaN") != std::string_view::npos || line.find("Infinity") != std::string_view::npos) {
      return fmt::format("printed a NaN or infinite number on line {}", line_number);
    }
    return fmt::format("printed something other than a JSON array of numbers on line {}: '{}'", line_number,
                       excerpt(line));
  }
  vector.clear();
  vector.reserve(array.size());
  for (simdjson::dom::element element : array) {
    double value = 0;
    if (element.get_double().get(value) != simdjson::SUCCESS) {
      return fmt::format("printed something other than a JSON array of numbers on line {}: '{}'", line_number,
                         excerpt(line));
    }
    if (std::abs(value) > std::numeric_limits<float>::max()) {
      return fmt::format("printed {} on line {}, beyond the range of a 32-bit float", value, line_number);
    }
    vector.push_back(static_cast<float>(value));
  }
  if (vector.empty()) return fmt::format("printed an empty array on line {}", line_number);
  return {};
}

static_assert(std::numeric_limits<float>::is_iec559 && sizeof(float) == 4, "the protocol's float32 is IEEE 754");
static_assert(sizeof(std::array<float, 2>) == 2 * sizeof(float));

// Copies `count` float32 between host order and little-endian bytes (the same
// operation both ways).
void copy_little_endian(const void* from, void* to, std::size_t count) {
  std::memcpy(to, from, count * sizeof(float));
  if constexpr (std::endian::native != std::endian::little) {
    auto* bytes = static_cast<unsigned char*>(to);
    for (std::size_t i = 0; i < count; ++i) std::reverse(bytes + i * 4, bytes + i * 4 + 4);
  }
}

}  // namespace

Result<std::vector<std::vector<float>>> embed_with_program(const std::filesystem::path& exe,
                                                           std::span<const std::string> args,
                                                           std::span<const std::string> paths,
                                                           std::string_view model_name) {
  if (paths.empty()) return std::vector<std::vector<float>>{};
  const std::string what = fmt::format("embedding model '{}'", model_name);
  std::string input;
  for (const auto& path : paths) {
    append_path_json(path, input);
    input.push_back('\n');
  }
  auto run = core::run_program(exe, args, input, core::StdoutMode::capture);
  if (!run) return fail(run.error().code, fmt::format("{}: {}", what, run.error().message), run.error().hint);
  if (!run->succeeded()) return std::unexpected(program_failed(what, *run));

  const std::string_view output = run->output;
  const std::string format_hint = fmt::format(
      "an embedding program prints one JSON array of finite numbers per input path, one a line, in order "
      "(e.g. [0.25, -1.5, 3]); anything else belongs on stderr ({})",
      k_docs);
  std::vector<std::vector<float>> vectors;
  vectors.reserve(paths.size());
  simdjson::dom::parser parser;
  std::size_t first_line = 0;  // of the first vector, whose length every other must have
  std::size_t line_number = 0;
  for (std::size_t pos = 0; pos < output.size();) {
    auto end = output.find('\n', pos);
    if (end == std::string_view::npos) end = output.size();
    const std::string_view line = trim_end(output.substr(pos, end - pos));
    pos = end + 1;
    ++line_number;
    if (line.empty()) continue;
    std::vector<float> vector;
    if (auto problem = parse_vector_line(parser, line, line_number, vector); !problem.empty()) {
      return fail(ErrorCode::invalid_argument, fmt::format("{} {}", what, problem), format_hint);
    }
    if (vectors.empty()) {
      first_line = line_number;
    } else if (vector.size() != vectors.front().size()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{} printed vectors of differing lengths: {} numbers on line {}, {} on line {}", what,
                              vectors.front().size(), first_line, vector.size(), line_number),
                  "every vector of one model has the same number of dimensions");
    }
    vectors.push_back(std::move(vector));
  }
  if (vectors.size() != paths.size()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} printed {} vector{} for {} path{}", what, vectors.size(),
                            vectors.size() == 1 ? "" : "s", paths.size(), paths.size() == 1 ? "" : "s"),
                "print exactly one line per path read, in the order read; a file the model cannot use is an error "
                "(exit non-zero), not a line left out");
  }
  return vectors;
}

Result<std::vector<std::array<float, 2>>> project_with_program(const std::filesystem::path& exe,
                                                               std::span<const std::string> args,
                                                               std::span<const float> rows, std::size_t dimensions,
                                                               std::string_view method_name) {
  const std::string what = fmt::format("projection method '{}'", method_name);
  if (dimensions == 0 || rows.size() % dimensions != 0) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}: {} floats are not whole vectors of {} dimensions", what, rows.size(), dimensions),
                "all vectors must have the same number of dimensions (one embedding model)");
  }
  const std::size_t count = rows.size() / dimensions;
  if (count == 0) return std::vector<std::array<float, 2>>{};
  std::string input = fmt::format("{{\"count\":{},\"dimensions\":{}}}\n", count, dimensions);
  const std::size_t header_size = input.size();
  input.resize(header_size + rows.size() * sizeof(float));
  copy_little_endian(rows.data(), input.data() + header_size, rows.size());

  auto run = core::run_program(exe, args, input, core::StdoutMode::capture);
  if (!run) return fail(run.error().code, fmt::format("{}: {}", what, run.error().message), run.error().hint);
  if (!run->succeeded()) return std::unexpected(program_failed(what, *run));

  const std::size_t expected = count * 2 * sizeof(float);
  if (run->output.size() != expected) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} printed {} bytes; {} were expected (2 float32 for each of {} vectors)", what,
                            run->output.size(), expected, count),
                fmt::format("a projection program writes exactly N × 2 little-endian float32 to stdout and "
                            "nothing else; messages belong on stderr ({})",
                            k_docs));
  }
  std::vector<std::array<float, 2>> points(count);
  copy_little_endian(run->output.data(), points.data(), count * 2);
  for (std::size_t i = 0; i < count; ++i) {
    if (!std::isfinite(points[i][0]) || !std::isfinite(points[i][1])) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{} printed a NaN or infinite coordinate for vector {} (of {})", what, i, count),
                  "every coordinate must be a finite number: check the program's handling of its input");
    }
  }
  return points;
}

}  // namespace ldb::image
