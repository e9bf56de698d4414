// Embedding and projection programs (src/image/plugin_protocol.cpp), run for
// real: small Python plugins written into the test's folder.

#include "image/plugin_protocol.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace ldb::image {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path k_python = "/usr/bin/python3";

// A real embedding plugin: each path read as JSON, the file opened, and the
// vector [size, first byte, scale] printed (scale from its argument).
constexpr const char* k_embed_by_content = R"(
import json, sys
scale = float(sys.argv[1])
for line in sys.stdin:
    with open(json.loads(line), "rb") as f:
        data = f.read()
    print(json.dumps([len(data), data[0], scale]), flush=True)
)";

// Reads its stdin and prints its first argument as it is: a plugin that
// prints exactly what a test needs.
constexpr const char* k_print_argument = R"(
import sys
sys.stdin.buffer.read()
sys.stdout.write(sys.argv[1])
)";

// A projection plugin: checks the header against the bytes that follow and
// writes (first value, sum of the row) per vector.
constexpr const char* k_project_first_and_sum = R"(
import json, struct, sys
header = json.loads(sys.stdin.buffer.readline())
n, d = header["count"], header["dimensions"]
data = sys.stdin.buffer.read()
if len(data) != 4 * n * d:
    sys.exit(f"expected {4 * n * d} bytes, got {len(data)}")
values = struct.unpack(f"<{n * d}f", data)
out = []
for i in range(n):
    row = values[i * d:(i + 1) * d]
    out += [row[0], sum(row)]
sys.stdout.buffer.write(struct.pack(f"<{2 * n}f", *out))
)";

class PluginProtocolTest : public ::testing::Test {
 protected:
  // python3 SCRIPT ARGS...: the arguments a caller passes for a `run` list.
  std::vector<std::string> script(std::string_view name, std::string_view code, std::vector<std::string> args = {}) {
    std::vector<std::string> out{m_dir.write(name, code).string()};
    out.insert(out.end(), args.begin(), args.end());
    return out;
  }

  Result<std::vector<std::vector<float>>> embed_printing(std::string printed, std::size_t path_count) {
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < path_count; ++i) paths.push_back("/data/" + std::to_string(i) + ".jpg");
    return embed_with_program(k_python, script("print.py", k_print_argument, {std::move(printed)}), paths, "clip");
  }

  Result<std::vector<std::array<float, 2>>> project_printing(std::string printed, std::span<const float> rows,
                                                             std::size_t dimensions) {
    return project_with_program(k_python, script("print.py", k_print_argument, {std::move(printed)}), rows, dimensions,
                                "tsne");
  }

  ldb::testing::TempDir m_dir;
};

template <class T>
void expect_error(const Result<T>& result, ErrorCode code, std::string_view message_part) {
  ASSERT_FALSE(result) << "expected an error containing '" << message_part << "'";
  EXPECT_EQ(result.error().code, code) << result.error().message;
  EXPECT_THAT(result.error().message, HasSubstr(std::string(message_part)));
  EXPECT_FALSE(result.error().hint.empty()) << result.error().message;
}

TEST_F(PluginProtocolTest, EmbedsEveryPathInOrderWhateverBytesItsNameHas) {
  // Quotes, a backslash, a newline, UTF-8 and bytes that are not UTF-8.
  const std::vector<std::string> names{"plain.jpg",       "quote\"back\\slash.jpg", "new\nline.jpg",
                                       "caf\xc3\xa9.jpg", "latin1-caf\xe9.jpg",     "\xff\xfe-and-\xc3(.jpg"};
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < names.size(); ++i) {
    paths.push_back(m_dir.write(names[i], std::string(i + 1, static_cast<char>('a' + i))).string());
  }
  auto vectors = embed_with_program(k_python, script("embed.py", k_embed_by_content, {"0.5"}), paths, "content");
  ASSERT_OK(vectors);
  ASSERT_EQ(vectors->size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ((*vectors)[i], (std::vector<float>{float(i + 1), float('a' + i), 0.5f})) << "path " << i;
  }
}

TEST_F(PluginProtocolTest, ToleratesBlankLinesCarriageReturnsAndAMissingFinalNewline) {
  auto vectors = embed_printing("\n[1, 2.5e0, -3]\r\n\n  \n[4,5,6]", 2);
  ASSERT_OK(vectors);
  EXPECT_EQ(*vectors, (std::vector<std::vector<float>>{{1, 2.5f, -3}, {4, 5, 6}}));
}

TEST_F(PluginProtocolTest, NoPathsRunsNothing) {
  auto vectors = embed_with_program("/nonexistent/program", {}, {}, "clip");
  ASSERT_OK(vectors);
  EXPECT_TRUE(vectors->empty());
}

TEST_F(PluginProtocolTest, AProgramThatCannotStartIsAnIoError) {
  std::vector<std::string> paths{"/data/a.jpg"};
  expect_error(embed_with_program("/nonexistent/program", {}, paths, "clip"), ErrorCode::io,
               "embedding model 'clip': cannot run '/nonexistent/program'");
}

TEST_F(PluginProtocolTest, AFailingProgramIsNamedWithItsExitStatus) {
  std::vector<std::string> paths{"/data/a.jpg"};
  auto args = script("fail.py", "import sys\nsys.stderr.write('no GPU\\n')\nsys.exit(3)\n");
  auto vectors = embed_with_program(k_python, args, paths, "clip");
  expect_error(vectors, ErrorCode::invalid_argument,
               "embedding model 'clip' failed (exit status 3); its error output went to ldb's stderr");
}

TEST_F(PluginProtocolTest, GarbageIsShownWithItsLineNumber) {
  expect_error(embed_printing("[1,2]\n\nTraceback (most recent call last): File \"x.py\", line 1\n", 2),
               ErrorCode::invalid_argument,
               "embedding model 'clip' printed something other than a JSON array of numbers on line 3: "
               "'Traceback (most recent call last): File ...'");
  expect_error(embed_printing("[1,2]\n{\"vector\": [1, 2]}\n", 2), ErrorCode::invalid_argument,
               "array of numbers on line 2: '{\"vector\": [1, 2]}'");
  expect_error(embed_printing("[1,\"2\"]\n", 1), ErrorCode::invalid_argument, "array of numbers on line 1");
  expect_error(embed_printing("[[1, 2]]\n", 1), ErrorCode::invalid_argument, "array of numbers on line 1");
  expect_error(embed_printing("[1, 2]]\n", 1), ErrorCode::invalid_argument, "array of numbers on line 1");
  expect_error(embed_printing("[]\n", 1), ErrorCode::invalid_argument, "printed an empty array on line 1");
  expect_error(embed_printing("[1e300]\n", 1), ErrorCode::invalid_argument,
               "printed 1e+300 on line 1, beyond the range of a 32-bit float");
}

TEST_F(PluginProtocolTest, TheNumberOfVectorsMustBeTheNumberOfPaths) {
  expect_error(embed_printing("[1]\n[2]\n[3]\n", 5), ErrorCode::invalid_argument,
               "embedding model 'clip' printed 3 vectors for 5 paths");
  expect_error(embed_printing("[1]\n[2]\n", 1), ErrorCode::invalid_argument, "printed 2 vectors for 1 path");
  expect_error(embed_printing("", 1), ErrorCode::invalid_argument, "printed 0 vectors for 1 path");
}

TEST_F(PluginProtocolTest, VectorsMustShareOneLength) {
  expect_error(embed_printing("[1,2,3]\n\n[4,5,6]\n[7,8]\n", 3), ErrorCode::invalid_argument,
               "embedding model 'clip' printed vectors of differing lengths: 3 numbers on line 1, 2 on line 4");
}

TEST_F(PluginProtocolTest, NanAndInfinityAreRefused) {
  // What Python's json.dumps writes for float("nan") and float("-inf").
  expect_error(embed_printing("[1, 2]\n[NaN, 2]\n", 2), ErrorCode::invalid_argument,
               "embedding model 'clip' printed a NaN or infinite number on line 2");
  expect_error(embed_printing("[1, -Infinity]\n", 1), ErrorCode::invalid_argument,
               "printed a NaN or infinite number on line 1");
}

TEST_F(PluginProtocolTest, ProjectsThroughTheBinaryProtocol) {
  const std::vector<float> rows{1, 2, 3, -4, 5.5f, 6, 0.25f, 0, 0};
  auto points = project_with_program(k_python, script("project.py", k_project_first_and_sum), rows, 3, "sum");
  ASSERT_OK(points);
  EXPECT_EQ(*points, (std::vector<std::array<float, 2>>{{1, 6}, {-4, 7.5f}, {0.25f, 0.25f}}));
}

TEST_F(PluginProtocolTest, ProjectingNothingRunsNothing) {
  auto points = project_with_program("/nonexistent/program", {}, {}, 4, "tsne");
  ASSERT_OK(points);
  EXPECT_TRUE(points->empty());
}

TEST_F(PluginProtocolTest, ProjectionInputMustBeWholeVectors) {
  const std::vector<float> rows{1, 2, 3};
  expect_error(project_with_program("/nonexistent/program", {}, rows, 2, "tsne"), ErrorCode::invalid_argument,
               "projection method 'tsne': 3 floats are not whole vectors of 2 dimensions");
  expect_error(project_with_program("/nonexistent/program", {}, rows, 0, "tsne"), ErrorCode::invalid_argument,
               "not whole vectors of 0 dimensions");
}

TEST_F(PluginProtocolTest, AFailingProjectionIsNamedWithItsExitStatus) {
  const std::vector<float> rows{1, 2};
  auto points = project_with_program(k_python, script("fail.py", "import sys\nsys.exit(2)\n"), rows, 2, "tsne");
  expect_error(points, ErrorCode::invalid_argument,
               "projection method 'tsne' failed (exit status 2); its error output went to ldb's stderr");
}

TEST_F(PluginProtocolTest, AProjectionMustWriteExactlyTwoFloatsPerVector) {
  const std::vector<float> rows{1, 2, 3, 4, 5, 6};
  expect_error(project_printing("1.5, 2.5\n", rows, 2), ErrorCode::invalid_argument,
               "projection method 'tsne' printed 9 bytes; 24 were expected (2 float32 for each of 3 vectors)");
  expect_error(project_printing("", rows, 2), ErrorCode::invalid_argument, "printed 0 bytes; 24 were expected");
}

TEST_F(PluginProtocolTest, AProjectionMustWriteFiniteCoordinates) {
  const std::vector<float> rows{1, 2, 3, 4};
  auto args = script("nan.py", R"(
import struct, sys
sys.stdin.buffer.read()
sys.stdout.buffer.write(struct.pack("<4f", 0.0, 1.0, 2.0, float("nan")))
)");
  expect_error(project_with_program(k_python, args, rows, 2, "tsne"), ErrorCode::invalid_argument,
               "projection method 'tsne' printed a NaN or infinite coordinate for vector 1 (of 2)");
}

}  // namespace
}  // namespace ldb::image
