#include "formats/transform_runner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/json.hpp"
#include "core/process.hpp"
#include "formats/naming.hpp"
#include "formats/ops_transform.hpp"

namespace ldb::formats {

namespace fs_std = std::filesystem;

TransformRuns::TransformRuns(TransformRuns&& other) noexcept
    : outputs(std::move(other.outputs)), root(std::exchange(other.root, {})) {}

TransformRuns::~TransformRuns() {
  if (root.empty()) return;
  std::error_code ignored;
  fs_std::remove_all(root, ignored);
}

bool has_self(const Member& member) {
  if (member.transforms.empty()) return true;
  return std::any_of(member.transforms.begin(), member.transforms.end(),
                     [](const MemberTransform& t) { return t.is_self(); });
}

bool has_program_transforms(const Member& member) {
  return std::any_of(member.transforms.begin(), member.transforms.end(),
                     [](const MemberTransform& t) { return !t.command.empty(); });
}

bool has_ops_transforms(const Member& member) {
  return std::any_of(member.transforms.begin(), member.transforms.end(),
                     [](const MemberTransform& t) { return t.ops.has_value(); });
}

std::string transform_output_name(std::string_view stem, const TransformOutput& output, bool only_output) {
  if (only_output || output.builtin) {
    return fmt::format("{}--{}{}", stem, output.transform, safe_extension(split_name(output.file_name).ext));
  }
  return fmt::format("{}--{}--{}", stem, output.transform, output.file_name);
}

namespace {

// The formats that place transform outputs, for a hint: "a, b or c".
std::string transform_format_names() {
  std::vector<std::string_view> names;
  for (const auto& info : index::format_registry()) {
    if (info.writable && info.has(index::k_takes_transforms)) names.push_back(info.name);
  }
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += i == 0 ? "" : i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

// The formats that leave out a member without an annotation.
bool skips_unannotated(Format format) {
  return format == Format::strict_pairs || format == Format::coco || format == Format::yolo || format == Format::voc;
}

struct Task {
  std::size_t member = 0;
  const MemberTransform* transform = nullptr;
  std::size_t slot = 0;  // index among the tasks, names its folder
};

Result<core::Md5> hash_file(const fs_std::path& path, std::uint64_t& size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(ErrorCode::io, fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno)),
                "check that the temporary folder is readable");
  }
  core::Md5Hasher hasher;
  std::string buffer(1 << 20, '\0');
  size = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return fail(ErrorCode::io, fmt::format("cannot read '{}': {}", path.string(), std::strerror(err)),
                  "check that the temporary folder is readable");
    }
    if (n == 0) break;
    size += static_cast<std::uint64_t>(n);
    hasher.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
  ::close(fd);
  return hasher.finish();
}

// Writes a temporary input file: no fsync, as it is deleted after the run.
Status write_input(const fs_std::path& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", path.string(), std::strerror(errno)),
                "check that the temporary folder is writable and has free space");
  }
  while (!content.empty()) {
    ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return fail(ErrorCode::io, fmt::format("cannot write '{}': {}", path.string(), std::strerror(err)),
                  "check that the temporary folder has free space");
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  ::close(fd);
  return {};
}

std::string subject(const Member& member, const MemberTransform& transform) {
  return fmt::format("transform '{}' on object id:{}", transform.name, member.hash.hex());
}

// Prepares the inputs of one task, runs its program and collects its outputs.
Result<std::vector<TransformOutput>> run_one(storage::FileSystem& fs, const fs_std::path& root, const Member& member,
                                             const MemberTransform& transform, std::size_t slot) {
  fs_std::path folder = root / fmt::format("{}", slot);
  fs_std::path input = folder / "input";
  fs_std::path output = folder / "output";
  std::error_code ec;
  fs_std::create_directories(input, ec);
  if (!ec) fs_std::create_directories(output, ec);
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", folder.string(), ec.message()),
                "check that the temporary folder is writable and has free space");
  }
  std::string_view base = base_name_of(member.source_path);
  std::string stem = flat_stem(base, member.hash);
  fs_std::path data_path = input / (stem + safe_extension(split_name(base).ext));
  LDB_TRY(fs.copy_to(member.source_path, data_path));
  std::string annotation_path;
  if (!member.annotation_json.empty()) {
    annotation_path = (input / (stem + ".json")).string();
    LDB_TRY(write_input(annotation_path, pretty_json(member.annotation_json)));
  }
  std::string stdin_json = "[";
  core::append_json_string(data_path.string(), stdin_json);
  stdin_json.push_back(',');
  core::append_json_string(annotation_path, stdin_json);
  stdin_json.push_back(',');
  core::append_json_string(output.string(), stdin_json);
  stdin_json.push_back(',');
  core::append_json_string(transform.name, stdin_json);
  stdin_json.push_back(']');

  std::vector<std::string> args(transform.command.begin() + 1, transform.command.end());
  auto run = core::run_program(transform.command.front(), args, stdin_json, core::StdoutMode::capture);
  if (!run) {
    return fail(ErrorCode::invalid_argument, fmt::format("{}: {}", subject(member, transform), run.error().message),
                run.error().hint);
  }
  if (!run->succeeded()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} failed ({}); nothing was instantiated", subject(member, transform), run->describe()),
                fmt::format("its error output is above; it ran as '{}' with [data_path, annotation_path, "
                            "output_dir, transform_name] as JSON on stdin (docs/transforms.md)",
                            fmt::join(transform.command, " ")));
  }
  std::vector<TransformOutput> outputs;
  for (fs_std::directory_iterator it(output, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    bool regular = it->is_regular_file(ec) && !it->is_symlink(ec);
    if (!regular || name.starts_with('.')) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{} wrote '{}', which is not a plain file", subject(member, transform), name),
                  "a transform writes only regular, non-hidden files directly into its output folder");
    }
    TransformOutput out;
    out.transform = transform.name;
    out.file_name = name;
    out.local_path = it->path();
    auto md5 = hash_file(out.local_path, out.size);
    if (!md5) return std::unexpected(md5.error());
    out.md5 = *md5;
    outputs.push_back(std::move(out));
  }
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot list '{}': {}", output.string(), ec.message()),
                "check that the temporary folder is readable");
  }
  if (outputs.empty()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} wrote no output file; nothing was instantiated", subject(member, transform)),
                "a transform writes its result into the output folder, the third element of the JSON on its stdin");
  }
  std::sort(outputs.begin(), outputs.end(),
            [](const TransformOutput& a, const TransformOutput& b) { return a.file_name < b.file_name; });
  // Free the inputs now: a large dataset's copies need not all exist at once.
  fs_std::remove_all(input, ec);
  return outputs;
}

// Runs built-in image ops in-process (formats/ops_transform.hpp).
Result<std::vector<TransformOutput>> run_ops(storage::FileSystem& fs, const fs_std::path& root, const Member& member,
                                             const MemberTransform& transform, std::size_t slot) {
  fs_std::path output = root / fmt::format("{}", slot);
  std::error_code ec;
  fs_std::create_directories(output, ec);
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", output.string(), ec.message()),
                "check that the temporary folder is writable and has free space");
  }
  auto out = run_ops_transform(fs, member, transform, output);
  if (!out) return std::unexpected(out.error());
  std::vector<TransformOutput> outputs;
  outputs.push_back(std::move(*out));
  return outputs;
}

}  // namespace

Result<TransformRuns> run_transforms(storage::FileSystem& fs, core::ThreadPool& pool, core::Progress& progress,
                                     std::span<const Member> members, const Options& options) {
  TransformRuns runs;
  runs.outputs.resize(members.size());
  std::vector<Task> tasks;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Member& member = members[i];
    const bool programs = has_program_transforms(member);
    const bool ops = has_ops_transforms(member);
    if (!programs && !ops) continue;
    bool placeable = index::format_info(options.format).has(index::k_takes_transforms) && !options.annotations_only;
    if (ops && (options.annotations_only || options.format == Format::annotation_only)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("object id:{} has image-op transforms, which {} cannot place", member.hash.hex(),
                              options.annotations_only ? "--annotations-only" : format_name(options.format)),
                  "instantiate with another format and without --annotations-only, or reset the transforms: "
                  "ldb transform -s self");
    }
    if (programs && !placeable) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("object id:{} has transforms, which {} cannot place", member.hash.hex(),
                              options.annotations_only ? "--annotations-only" : format_name(options.format)),
                  fmt::format("instantiate with -m {}, or reset the transforms: ldb transform -s self",
                              transform_format_names()));
    }
    if (skips_unannotated(options.format) && member.annotation_json.empty()) continue;  // not instantiated
    if (member.source_path.empty()) {
      return fail(ErrorCode::invalid_argument, fmt::format("object id:{} has no source path", member.hash.hex()),
                  "re-index the object so that ldb knows where it lives");
    }
    for (const auto& transform : member.transforms) {
      if (transform.is_self()) continue;
      tasks.push_back(Task{i, &transform, tasks.size()});
    }
  }
  if (tasks.empty()) return runs;

  std::string pattern = (fs_std::temp_directory_path() / "ldb-transform-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    return fail(ErrorCode::io, fmt::format("cannot create a temporary folder: {}", std::strerror(errno)),
                "check that the temporary folder ($TMPDIR or /tmp) is writable");
  }
  runs.root = pattern;

  std::vector<std::vector<TransformOutput>> per_task(tasks.size());
  std::mutex error_mutex;
  std::optional<Error> first_error;
  std::atomic<bool> failed{false};
  progress.start("transforming", tasks.size());
  pool.parallel_for(tasks.size(), 1, [&](std::size_t begin, std::size_t end, unsigned) {
    for (std::size_t i = begin; i < end && !failed.load(std::memory_order_relaxed); ++i) {
      const Task& task = tasks[i];
      auto outputs = task.transform->ops ? run_ops(fs, runs.root, members[task.member], *task.transform, task.slot)
                                         : run_one(fs, runs.root, members[task.member], *task.transform, task.slot);
      if (!outputs) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::move(outputs).error();
        failed.store(true, std::memory_order_relaxed);
        return;
      }
      per_task[i] = std::move(*outputs);
      progress.advance(1);
    }
  });
  progress.finish();
  if (first_error) return std::unexpected(std::move(*first_error));
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    auto& dest = runs.outputs[tasks[i].member];
    for (auto& out : per_task[i]) dest.push_back(std::move(out));
  }
  for (auto& outputs : runs.outputs) {
    std::stable_sort(outputs.begin(), outputs.end(),
                     [](const TransformOutput& a, const TransformOutput& b) { return a.transform < b.transform; });
  }
  return runs;
}

}  // namespace ldb::formats
