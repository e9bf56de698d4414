#pragma once
// What instantiate leaves in a folder (src/app only): the manifest of the
// files it wrote, read back to tell the user's files from ldb's (status,
// sync, add .), and the engine that writes a selection.

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "app/instantiate.hpp"
#include "dataset/context.hpp"
#include "dataset/pipeline.hpp"
#include "formats/manifest.hpp"
#include "formats/workspace_changes.hpp"

namespace ldb::app::detail {

// Where instantiate keeps the manifest for `target`, and its entries (empty when none).
std::filesystem::path instantiated_manifest_path(const std::filesystem::path& target);
Result<formats::Manifest> read_instantiated_manifest(const std::filesystem::path& target);
// conflict (with the hint to run instantiate again) when the manifest is of a
// run that did not finish.
Status check_instantiate_finished(const std::filesystem::path& target, const formats::Manifest& manifest);
// Files an unfinished run had still to write that are not there.
std::size_t unwritten_files(const std::filesystem::path& target, const formats::Manifest& manifest);
// Absolute paths of the files below `target` that are still exactly as the last
// instantiate wrote them (same size and modification time as its manifest records).
// The check of the workspace's own files as a source (sync, add DIR): conflict
// when the last instantiate did not finish (check_instantiate_finished).
Result<std::vector<std::string>> untouched_instantiated_files(const std::filesystem::path& target);
// After the staged state of the workspace at `root` was saved from its own
// files: records `taken` (or, when empty, what ctx.workspace_reads took from
// `root`) in its manifest, so those files count as ldb's (formats::take_in).
Status record_taken_in(const std::filesystem::path& root, const dataset::Context& ctx,
                       std::span<const dataset::TakenFile> taken, formats::MissingFiles missing);

// Writes `selection` into `target` with `options`, keeping the manifest of
// what ldb wrote there. `objects` are the identifiers the selection came from
// (whose datasets assign the transforms; none: the staged dataset of `target`
// or of the workspace at the Context's cwd). With options.apply, a program
// runs on a temporary folder instead, and the report says so (applied).
Result<WriteReport> write_selection(Session& session, dataset::Context& ctx, const WriteOptions& options,
                                    std::span<const std::string> objects, const std::filesystem::path& target,
                                    const dataset::Selection& selection);

}  // namespace ldb::app::detail
