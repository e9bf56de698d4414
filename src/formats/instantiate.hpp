#pragma once
// Instantiation: writing a dataset's data files and annotations into a
// workspace folder in one of the instantiate formats, so that the folder holds
// exactly the dataset. The caller (dataset layer) resolves members to source
// paths and annotation JSON; this layer plans file names, reconciles the plan
// with what the folder holds (via the manifest of the previous run), removes
// stale files and copies the rest in parallel.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/progress.hpp"
#include "core/thread_pool.hpp"
#include "formats/manifest.hpp"
#include "image/ops.hpp"
#include "index/format_registry.hpp"
#include "storage/file_system.hpp"

namespace ldb::formats {

// The formats are those of the registry (index/format_registry.hpp) marked
// writable; each has a planner in formats/layout.cpp.
using Format = index::Format;

// Parses an instantiate format name or alias: strict-pairs|strict, bare-pairs|bare,
// tensorflow-inferred|infer, annotation-only|annot, coco, yolo, label-studio, voc. invalid_argument listing the
// valid names for anything else (auto included).
Result<Format> parse_format(std::string_view name);

// The canonical name of a format ("strict-pairs", ...).
using index::format_name;

// The canonical names of every format, the default (strict-pairs) first
// (help and shell completion): index::format_names(index::FormatRole::write).
std::vector<std::string_view> format_names();

// A transform of a member: its name (used in output file names and messages)
// and either its command line, argv[0] the program's path, or its built-in
// image ops (docs/transforms.md). Neither is the plain copy ("self").
struct MemberTransform {
  std::string name;
  std::vector<std::string> command;
  std::optional<image::OpList> ops;

  bool is_self() const { return command.empty() && !ops; }
};

// The size in pixels of a data file that is an image, as displayed (after the
// EXIF rotation), read from its header when it was indexed.
struct ImageSize {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

// One dataset member to write.
struct Member {
  core::Md5 hash;
  std::uint32_t annotation_version = 0;
  std::string annotation_json;   // canonical JSON of the pinned version, "" when none
  std::string source_path;       // where the data object lives, readable through the FileSystem
  std::string storage_relative;  // source_path below its storage location, '/'-separated (--preserve-paths)
  std::uint64_t size = 0;        // bytes of the data object
  // What to write for it (formats/transform_runner.hpp): empty means the plain
  // copy alone. Without a plain copy among them, only transform outputs are written.
  std::vector<MemberTransform> transforms;
  // Set when the data file is an image ldb read the header of: writers use it
  // where the annotation does not give the image size (COCO needs one).
  std::optional<ImageSize> image;
};

// What a detection-format writer (COCO, YOLO, VOC, Label Studio) wrote for
// one member: its objects in the order written, each the index of the
// annotation's "objects" entry it was written for, or nullopt for one the
// writer made up (COCO's whole-image box for an image-level label). Objects a
// writer drops (a box outside its image, ...) are absent.
using WrittenObjects = std::vector<std::optional<std::size_t>>;

enum class Overwrite { no, yes };

// How data files get into the target: copied (the default), or hard-linked to
// the storage files (--link) and made read-only — the storage files then are
// read-only too, as a hard link shares their inode.
enum class DataFiles { copy, hard_link };

struct Options {
  Format format = Format::strict_pairs;
  // --annotations-only: pair formats write their annotation files and no data.
  bool annotations_only = false;
  // --preserve-paths: name files by storage_relative instead of "<stem>-<md5>".
  bool preserve_paths = false;
  // -f: files the folder holds that ldb did not write (or that were changed
  // since ldb wrote them) are moved into `removed_folder` instead of stopping
  // the run. -f never deletes them.
  Overwrite force = Overwrite::no;
  // Where -f moves such files, each at its path relative to the target (the
  // folder is created when the first one is moved). Required with
  // Overwrite::yes; it must not be a place the scan of the target looks at
  // (a hidden folder below the target is not).
  std::filesystem::path removed_folder;
  // --link: hard links instead of copies (local storage on the target's file
  // system only; checked before anything changes, see check_linkable).
  DataFiles data_files = DataFiles::copy;
  // -p K=V: label-key=K and base-label=L (tensorflow-inferred), single-file=true|false
  // (annotation-only).
  std::vector<std::pair<std::string, std::string>> params;
  // When set, called once before anything below the target changes, with the
  // manifest as it will be if the run completes (files still to write marked
  // k_pending_mtime, none for paths a foreign file holds until -f moves it)
  // plus the stale files still to remove. Persisting it (RunState::unfinished)
  // makes a run killed at any point restartable and tells readers of the folder
  // that it is not the dataset yet. An error stops the run.
  std::function<Status(std::span<const ManifestEntry>)> checkpoint;
  // Files below the target (relative, '/'-separated) that are an indexed
  // object's storage path, perhaps its only copy: instantiate may keep them
  // but never removes or overwrites one, -f or not (conflict, before any change).
  std::unordered_set<std::string> storage_paths;
};

struct Report {
  std::uint64_t written = 0;           // files copied or generated this run
  std::uint64_t unchanged = 0;         // files already present with the right content
  std::uint64_t removed = 0;           // stale ldb files deleted
  std::uint64_t moved = 0;             // with -f: unknown and changed files moved into Options::removed_folder
  std::filesystem::path moved_to;      // Options::removed_folder, for reporting where `moved` files went
  std::uint64_t data_files = 0;        // data files in the result
  std::uint64_t annotation_files = 0;  // annotation files in the result
  std::uint64_t skipped = 0;           // members the format has no file for (e.g. strict-pairs without annotation)
  std::vector<std::string> warnings;   // one line each, for the CLI to print
};

// How many unknown or changed files a conflict error names; it counts the rest.
inline constexpr std::size_t k_conflicts_named = 20;

struct InstantiateResult {
  Report report;
  // Every file now written by ldb below the target, sorted by path; store it as
  // .ldb_workspace/instantiated (serialize_manifest) for the next run.
  std::vector<ManifestEntry> manifest;
};

// Writes exactly `members` into `target` (an existing local folder) in the chosen
// format. `previous_manifest` is what the last run wrote (empty the first time).
// Files listed there but not planned now are removed. Files below `target` that
// the manifest does not list (hidden files and folders, .ldb_workspace included,
// are never looked at) are unknown: conflict naming them (up to
// k_conflicts_named), unless Options::force, which moves them (and files the
// user changed since ldb wrote them) into Options::removed_folder. A file already holding
// the planned bytes is left alone even when the manifest lacks it, so a run
// interrupted half way is cheap to repeat. Each file appears under its final name
// only when complete (temporary name, then rename). Data is read through
// fs.copy_to on the pool's workers; progress is reported as "instantiating".
// Errors: invalid_argument (bad option, parameter, label or hostile path),
// conflict (unknown files, and a source whose size differs from the indexed
// size: storage changed behind ldb's back; the instance itself is whole),
// io / not_found (reading sources, writing target), unsupported
// (DataFiles::hard_link with a source that cannot be linked: nothing is changed
// when the up-front check finds it).
Result<InstantiateResult> instantiate(storage::FileSystem& fs, core::ThreadPool& pool, core::Progress& progress,
                                      const std::filesystem::path& target, std::span<const Member> members,
                                      std::span<const ManifestEntry> previous_manifest, const Options& options);

}  // namespace ldb::formats
