#pragma once
// The plan of an instantiation: every file the chosen format puts below the
// target, with where its bytes come from. One function per layout decides the
// names (pairs, class folders, annotation-only); nothing here touches the disk.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "formats/instantiate.hpp"
#include "formats/transform_runner.hpp"

namespace ldb::formats {

struct PlannedFile {
  // data: an object copied through the FileSystem; annotation: generated
  // content; local: a local file (a transform's output) copied as it is.
  enum class Kind { data, annotation, local };
  std::string path;  // relative to the target, '/'-separated, checked by check_relative_path
  Kind kind = Kind::data;
  std::string source;   // data: the object's source path; local: the file's local path
  std::string content;  // annotation: the bytes to write
  std::uint64_t size = 0;
  core::Md5 md5;     // of the bytes the file must hold
  core::Md5 object;  // the member it belongs to (for messages)
};

struct Plan {
  std::vector<PlannedFile> files;  // sorted by path, paths unique, no path is a folder of another
  std::uint64_t data_files = 0;
  std::uint64_t annotation_files = 0;
  std::uint64_t skipped = 0;
  std::vector<std::string> warnings;
};

// Validates options and -p parameters for the format and lays out every member.
// invalid_argument for unknown parameters, options the format cannot honour,
// hostile relative paths, missing or unusable labels, and two files that would
// land on one path.
// `transform_outputs`, when not empty, holds per member (same order) the files
// its transforms wrote; they are placed beside the member's plain copy
// (formats::transform_output_name), and a member without "self" among its
// transforms gets only them.
Result<Plan> build_plan(std::span<const Member> members, const Options& options,
                        std::span<const std::vector<TransformOutput>> transform_outputs = {});

// Whether build_plan has a planner for `format`: every format the registry
// (index/format_registry.hpp) marks writable has one (tests check it).
bool has_writer(Format format);

}  // namespace ldb::formats
