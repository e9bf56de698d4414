// ldb instantiate: write the staged dataset's files into the workspace.

#include <sys/stat.h>

#include <ctime>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/index_options.hpp"
#include "core/paths.hpp"
#include "core/time.hpp"
#include "dataset/class_folders.hpp"
#include "formats/instantiate.hpp"
#include "formats/workspace_changes.hpp"

namespace ldb::cli {

namespace {

constexpr std::string_view k_manifest_file = "instantiated";
constexpr std::string_view k_plain_manifest_file = ".ldb_instantiated";
constexpr std::string_view k_removed_folder = "removed";
constexpr std::string_view k_plain_removed_folder = ".ldb_removed";

// Members to write: the annotation and a readable source path for each object.
Result<std::vector<formats::Member>> build_members(dataset::Context& ctx, const dataset::Selection& selection) {
  std::vector<core::Md5> hashes;
  hashes.reserve(selection.size());
  for (const auto& r : selection) hashes.push_back(r.hash);
  auto infos = ctx.store.objects_info(hashes);
  if (!infos) return std::unexpected(infos.error());
  auto annotations = ctx.store.annotations(selection);
  if (!annotations) return std::unexpected(annotations.error());
  auto locations = ctx.store.storage_locations();
  if (!locations) return std::unexpected(locations.error());
  std::vector<formats::Member> out;
  out.reserve(selection.size());
  for (std::size_t i = 0; i < selection.size(); ++i) {
    const auto& info = (*infos)[i];
    if (info.paths.empty()) {
      return fail(ErrorCode::not_found, fmt::format("object id:{} has no known path", info.hash.hex()),
                  "index the storage that holds it again: ldb index <path>");
    }
    // Prefer a path that still exists; storage is meant to be immutable, but disks move.
    // One path needs no check (a cached cloud object is then read without a request).
    std::string source = info.paths.front();
    for (const auto& p : info.paths.size() > 1 ? info.paths : std::vector<std::string>{}) {
      if (ctx.fs.stat(p)) {
        source = p;
        break;
      }
    }
    std::string relative;
    for (const auto& loc : *locations) {
      if (core::path_is_within(source, loc.prefix)) relative = core::relative_to(source, loc.prefix);
    }
    if (relative.empty()) relative = source.starts_with('/') ? source.substr(1) : source;
    formats::Member member{info.hash, selection[i].annotation_version, std::move((*annotations)[i]), source,
                           std::move(relative), info.size};
    if (info.image) member.image = formats::ImageSize{info.image->width, info.image->height};
    out.push_back(std::move(member));
  }
  return out;
}

// A new folder for the files instantiate -f moves aside: below
// .ldb_workspace/removed/ in a workspace, below the hidden .ldb_removed/ in a
// plain -t folder; named by the UTC time, "-2", "-3", ... added when taken.
std::filesystem::path removed_folder_for(const std::filesystem::path& target) {
  std::filesystem::path base = dataset::Workspace::exists(target)
                                   ? target / dataset::k_workspace_dir / k_removed_folder
                                   : target / k_plain_removed_folder;
  std::string stamp = core::format_utc(static_cast<std::int64_t>(std::time(nullptr)), "%Y%m%dT%H%M%SZ");
  std::filesystem::path folder = base / stamp;
  std::error_code ec;
  for (int n = 2; std::filesystem::exists(folder, ec); ++n) folder = base / fmt::format("{}-{}", stamp, n);
  return folder;
}

}  // namespace

std::filesystem::path instantiated_manifest_path(const std::filesystem::path& target) {
  return dataset::Workspace::exists(target) ? target / dataset::k_workspace_dir / k_manifest_file
                                            : target / k_plain_manifest_file;
}

Result<formats::Manifest> read_instantiated_manifest(const std::filesystem::path& target) {
  auto manifest_path = instantiated_manifest_path(target);
  std::error_code ec;
  if (!std::filesystem::exists(manifest_path, ec)) return formats::Manifest{};
  auto text = storage::read_local_file(manifest_path);
  if (!text) return std::unexpected(text.error());
  return formats::parse_manifest(*text, manifest_path.string());
}

Status check_instantiate_finished(const std::filesystem::path& target, const formats::Manifest& manifest) {
  if (manifest.state == formats::RunState::finished) return {};
  return fail(ErrorCode::conflict,
              fmt::format("the last ldb instantiate into '{}' did not finish ({} of {} files not written): its "
                          "files are not the staged dataset",
                          target.string(), unwritten_files(target, manifest), manifest.entries.size()),
              "run ldb instantiate again to finish it (it keeps the files already written), then sync or add");
}

std::size_t unwritten_files(const std::filesystem::path& target, const formats::Manifest& manifest) {
  std::size_t count = 0;
  std::error_code ec;
  for (const auto& entry : manifest.entries) {
    if (entry.mtime_ns == formats::k_pending_mtime && !std::filesystem::exists(target / entry.path, ec)) ++count;
  }
  return count;
}

Result<std::vector<std::string>> untouched_instantiated_files(const std::filesystem::path& target) {
  auto manifest = read_instantiated_manifest(target);
  if (!manifest) return std::unexpected(manifest.error());
  // Reading a half-written folder as the dataset would take every member not
  // written yet for deleted.
  LDB_TRY(check_instantiate_finished(target, *manifest));
  std::vector<std::string> out;
  for (const auto& entry : manifest->entries) {
    if (entry.mtime_ns == formats::k_pending_mtime) continue;
    auto path = (target / entry.path).string();
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const std::int64_t mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (static_cast<std::uint64_t>(st.st_size) == entry.size && mtime_ns == entry.mtime_ns) out.push_back(std::move(path));
  }
  return out;
}

Status record_taken_in(const std::filesystem::path& root, const dataset::Context& ctx,
                       std::span<const dataset::TakenFile> taken, formats::MissingFiles missing) {
  std::error_code ec;
  std::vector<dataset::TakenFile> from_reads;
  if (taken.empty()) {
    // What resolve_sources read of this workspace (`ldb add .`).
    for (const auto& read : ctx.workspace_reads) {
      if (std::filesystem::equivalent(read.root, root, ec)) {
        from_reads.insert(from_reads.end(), read.taken.begin(), read.taken.end());
      }
    }
    taken = from_reads;
  }
  auto manifest_path = instantiated_manifest_path(root);
  if (taken.empty() && !std::filesystem::exists(manifest_path, ec)) return {};
  auto manifest = read_instantiated_manifest(root);
  if (!manifest) return std::unexpected(manifest.error());
  std::vector<formats::ManifestEntry> entries;
  entries.reserve(taken.size());
  const std::string base = root.string();
  for (const auto& file : taken) {
    entries.push_back(formats::ManifestEntry{core::relative_to(file.path, base), file.size, file.mtime_ns, file.md5});
  }
  auto updated = formats::take_in(root, manifest->entries, std::move(entries), missing);
  return storage::write_file_atomic(manifest_path, formats::serialize_manifest(updated, manifest->state));
}

Status cmd_instantiate(CommandEnv& env, const ParsedArgs& args) {
  // The target is -t DIR, else the workspace. The objects are those named,
  // else the staged dataset of the target (when it is a workspace) or of the
  // workspace the command runs in.
  std::optional<std::string> target_arg = args.get("target");
  if (target_arg) target_arg = core::normalize_local_path(*target_arg);
  std::optional<dataset::Workspace> ws;
  if (target_arg && dataset::Workspace::exists(*target_arg)) {
    auto opened = dataset::Workspace::open(*target_arg);
    if (!opened) return std::unexpected(opened.error());
    ws = std::move(*opened);
  } else if (!target_arg || args.positional.empty()) {
    auto found = dataset::Workspace::find(std::filesystem::current_path());
    if (!found) return std::unexpected(found.error());
    ws = std::move(*found);
  }
  std::filesystem::path target = target_arg ? std::filesystem::path(*target_arg) : ws->root();
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = make_context(env, *instance);
  std::vector<std::string> defaults;
  if (args.positional.empty()) defaults.push_back("ws:" + ws->root().string());
  auto selection = select_objects(ctx, args, "instantiate", defaults, NoObjects::use_default);
  if (!selection) return std::unexpected(selection.error());
  auto report = instantiate_selection(env, args, ctx, target, *selection);
  if (!report) return std::unexpected(report.error());
  if (*report) print_instantiated(env, target, **report);
  return {};
}

Result<std::optional<formats::Report>> instantiate_selection(CommandEnv& env, const ParsedArgs& args,
                                                             dataset::Context& ctx, const std::filesystem::path& target,
                                                             const dataset::Selection& selection) {
  formats::Options options;
  if (auto f = args.get("format")) {
    auto format = formats::parse_format(*f);
    if (!format) return std::unexpected(format.error());
    options.format = *format;
  }
  auto params = format_params_from(args);
  if (!params) return std::unexpected(params.error());
  options.params = std::move(*params);
  options.annotations_only = args.has("annotations-only");
  options.preserve_paths = args.has("preserve-paths");
  options.force = args.has("force") ? formats::Overwrite::yes : formats::Overwrite::no;
  options.data_files = args.has("link") ? formats::DataFiles::hard_link : formats::DataFiles::copy;
  // Files ldb indexed inside the target may be an object's only copy.
  auto stored_here = ctx.store.known_paths_under(target.string());
  if (!stored_here) return std::unexpected(stored_here.error());
  for (const auto& known : *stored_here) options.storage_paths.insert(core::relative_to(known.path, target.string()));
  auto built = build_members(ctx, selection);
  if (!built) return std::unexpected(built.error());
  auto members = with_transforms(ctx, args, target, std::move(*built));
  if (!members) return std::unexpected(members.error());
  if (args.has("apply")) {
    LDB_TRY(instantiate_and_apply(env, ctx, options, target, *members, args.all("apply")));
    return std::nullopt;
  }

  // A workspace keeps the manifest in .ldb_workspace/; a plain -t folder in a
  // hidden file, so that the folder holds no extra directory (torchvision's
  // ImageFolder would take .ldb_workspace/ for a class).
  std::error_code ec;
  std::filesystem::create_directories(target, ec);
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", target.string(), ec.message()),
                "check that the target folder is writable");
  }
  auto manifest_path = instantiated_manifest_path(target);
  auto previous = read_instantiated_manifest(target);
  if (!previous) return std::unexpected(previous.error());
  if (options.force == formats::Overwrite::yes) options.removed_folder = removed_folder_for(target);
  options.checkpoint = [&](std::span<const formats::ManifestEntry> planned) {
    return storage::write_file_atomic(manifest_path,
                                      formats::serialize_manifest(planned, formats::RunState::unfinished));
  };
  auto result = formats::instantiate(env.fs, env.pool, env.progress, target, *members, previous->entries, options);
  env.progress.finish();
  if (!result) return std::unexpected(result.error());
  LDB_TRY(storage::write_file_atomic(manifest_path, formats::serialize_manifest(result->manifest)));
  // The layout, so that `ldb add .` reads a file moved to another class folder as a relabel.
  if (dataset::Workspace::exists(target)) {
    LDB_TRY(dataset::write_instantiated_layout(
        target, dataset::InstantiatedLayout{std::string(formats::format_name(options.format)), options.params}));
  }
  print_warnings(env, ctx);
  if (!env.verbosity.quiet) {
    for (const auto& w : result->report.warnings) warn(w);
  }
  return std::move(result->report);
}

void print_instantiated(const CommandEnv& env, const std::filesystem::path& target, const formats::Report& r) {
  if (env.verbosity.quiet) return;
  out_line(fmt::format("Instantiated {} data objects and {} annotation files in '{}' ({} written, {} unchanged, {} removed)",
                       r.data_files, r.annotation_files, target.string(), r.written, r.unchanged, r.removed));
  if (r.moved) {
    out_line(fmt::format("Moved {} file(s) that ldb did not write or that were changed to '{}' (delete the folder "
                         "once you no longer need them)",
                         r.moved, r.moved_to.string()));
  }
}

}  // namespace ldb::cli
