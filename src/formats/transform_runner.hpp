#pragma once
// Running a member's transforms before an instantiation is planned. Each
// (member, transform) pair other than the plain copy runs its program once, on
// the pool, with a temporary copy of the data object and of its annotation
// (named as the plain copy would be) and an empty output folder, all under one
// temporary folder that lives as long as the TransformRuns. The program's
// output files are hashed so that the plan can place them like any other file.
//
// The contract (docs/transforms.md): the program gets on stdin the JSON array
// [data_path, annotation_path, output_dir, transform_name] (annotation_path is
// "" when the member has no annotation) and writes one or more regular files
// into output_dir; a zero exit status means success.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/progress.hpp"
#include "core/thread_pool.hpp"
#include "formats/instantiate.hpp"
#include "storage/file_system.hpp"

namespace ldb::formats {

// One file a transform wrote for one member.
struct TransformOutput {
  std::string transform;             // the transform's name
  std::string file_name;             // its name in the output folder
  std::filesystem::path local_path;  // where it is until the instantiation copies it
  std::uint64_t size = 0;
  core::Md5 md5;
  // Set for the output of built-in image ops (formats/ops_transform.hpp): it
  // is placed as "<stem>--<transform><ext>" whatever else the member has,
  // with its size and, when the member has an annotation, that annotation
  // mapped to its pixels (canonical JSON).
  bool builtin = false;
  std::optional<ImageSize> image;
  std::optional<std::string> annotation_json;
};

// The outputs of every transform run, per member (same order as the members),
// sorted by transform name then file name. Owns the temporary folder and
// removes it when destroyed. Move-only.
class TransformRuns {
 public:
  TransformRuns() = default;
  TransformRuns(TransformRuns&& other) noexcept;
  TransformRuns& operator=(TransformRuns&&) = delete;
  TransformRuns(const TransformRuns&) = delete;
  ~TransformRuns();

  std::vector<std::vector<TransformOutput>> outputs;
  std::filesystem::path root;  // the temporary folder ("" when nothing ran)
};

// Whether the member has the plain copy among its transforms.
bool has_self(const Member& member);
// Whether the member has any transform that runs a program.
bool has_program_transforms(const Member& member);
// Whether the member has any built-in image-ops transform.
bool has_ops_transforms(const Member& member);

// Runs every transform of `members` that the format will place (a member the
// format skips — strict-pairs, COCO, YOLO and VOC without an annotation — is
// skipped), programs and built-in image ops alike, on the pool.
// invalid_argument when the format cannot place the outputs (programs: only
// strict-pairs, bare-pairs and tensorflow-inferred; image ops: every format
// but annotation-only; neither with --annotations-only), when a program
// fails, writes nothing, or writes a folder or a hidden file, or when image
// ops meet a file that is not an image — naming the transform and the
// object; io / not_found when inputs cannot be prepared. Progress is
// reported as "transforming".
Result<TransformRuns> run_transforms(storage::FileSystem& fs, core::ThreadPool& pool, core::Progress& progress,
                                     std::span<const Member> members, const Options& options);

// The name (without folder) of a transform output placed beside a member whose
// plain copy would be `<stem><ext>`: "<stem>--<transform><ext of file>" when
// the transform wrote one file for the member (or is built in),
// "<stem>--<transform>--<file>" when it wrote several.
std::string transform_output_name(std::string_view stem, const TransformOutput& output, bool only_output);

}  // namespace ldb::formats
