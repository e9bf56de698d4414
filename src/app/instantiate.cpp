#include "app/instantiate.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "app/detail/instantiated.hpp"
#include "app/workspace.hpp"
#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "app/detail/transforms.hpp"
#include "core/json.hpp"
#include "core/paths.hpp"
#include "core/process.hpp"
#include "core/time.hpp"
#include "dataset/class_folders.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/pipe_plugin.hpp"
#include "dataset/transform_sets.hpp"
#include "dataset/workspace.hpp"
#include "formats/instantiate.hpp"
#include "storage/file_system.hpp"

namespace ldb::app {

namespace detail {

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
    formats::Member member{
        info.hash, selection[i].annotation_version, std::move((*annotations)[i]), source, std::move(relative),
        info.size};
    if (info.image) member.image = formats::ImageSize{info.image->width, info.image->height};
    out.push_back(std::move(member));
  }
  return out;
}

// A new folder for the files instantiate -f moves aside: below
// .ldb_workspace/removed/ in a workspace, below the hidden .ldb_removed/ in a
// plain -t folder; named by the UTC time, "-2", "-3", ... added when taken.
std::filesystem::path removed_folder_for(const std::filesystem::path& target) {
  std::filesystem::path base = dataset::Workspace::exists(target) ? target / dataset::k_workspace_dir / k_removed_folder
                                                                  : target / k_plain_removed_folder;
  std::string stamp = core::format_utc(static_cast<std::int64_t>(std::time(nullptr)), "%Y%m%dT%H%M%SZ");
  std::filesystem::path folder = base / stamp;
  std::error_code ec;
  for (int n = 2; std::filesystem::exists(folder, ec); ++n) folder = base / fmt::format("{}-{}", stamp, n);
  return folder;
}

// Gives each member the transforms its dataset assigns it: those of the
// datasets named in `objects`, else of the staged dataset of `target` (or of
// the workspace at the Context's cwd). Errors: an unknown or malformed
// transform program, a bad instance config.
Result<std::vector<formats::Member>> with_transforms(Session& session, dataset::Context& ctx,
                                                     std::span<const std::string> objects,
                                                     const std::filesystem::path& target,
                                                     std::vector<formats::Member> members) {
  std::vector<std::string> identifiers(objects.begin(), objects.end());
  if (identifiers.empty()) {
    if (dataset::Workspace::exists(target)) {
      identifiers.push_back("ws:" + target.string());
    } else if (auto ws = dataset::Workspace::find(session.context().cwd)) {
      identifiers.push_back("ws:" + ws->root().string());
    }
  }
  auto assignments = dataset::transforms_of_sources(ctx, identifiers);
  if (!assignments) return std::unexpected(assignments.error());
  if (assignments->empty()) return members;
  auto config = read_transform_config(ctx.instance_dir);
  if (!config) return std::unexpected(config.error());
  std::map<store::TransformSet, std::vector<formats::MemberTransform>> resolved;
  for (auto& member : members) {
    auto set = dataset::transform_set_of(*assignments, member.hash);
    if (set.size() == 1 && set.front() == store::k_self_transform) continue;
    auto it = resolved.find(set);
    if (it == resolved.end()) {
      auto programs = member_transforms(*config, ctx.instance_dir, ctx.program_path, set);
      if (!programs) return std::unexpected(programs.error());
      it = resolved.emplace(set, std::move(*programs)).first;
    }
    member.transforms = it->second;
  }
  return members;
}

// Folders made for a target, removed again (innermost first, each only while
// empty) unless keep() is called: a run that fails before writing anything
// leaves no folder behind.
class MadeFolders {
 public:
  // Creates `target` and any missing parents; io error naming it.
  Status make(const std::filesystem::path& target) {
    std::error_code ec;
    for (auto p = target; !p.empty() && !std::filesystem::exists(p, ec); p = p.parent_path()) {
      m_made.push_back(p);
      if (p == p.root_path()) break;
    }
    std::filesystem::create_directories(target, ec);
    if (ec) {
      return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", target.string(), ec.message()),
                  "check that the target folder is writable");
    }
    return {};
  }
  void keep() { m_made.clear(); }
  ~MadeFolders() {
    std::error_code ignored;
    for (const auto& p : m_made) {
      if (!std::filesystem::is_empty(p, ignored) || !std::filesystem::remove(p, ignored)) break;
    }
  }

 private:
  std::vector<std::filesystem::path> m_made;  // innermost first
};

// Removes a temporary folder on every path out of --apply, failures included.
struct TempFolder {
  std::filesystem::path path;
  TempFolder() = default;
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  ~TempFolder() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

// --apply EXEC ARGS...: instantiates `members` into a new temporary folder,
// runs EXEC (looked up like a pipe plugin) in its own folder with
// [tmp_dir, final_dir] as JSON on stdin, and removes the temporary folder
// whatever happens. invalid_argument when the program fails (naming it and
// its exit status), not_found when it is not installed.
Result<formats::Report> instantiate_and_apply(Session& session, dataset::Context& ctx, const formats::Options& options,
                                              const std::filesystem::path& final_dir,
                                              std::span<const formats::Member> members,
                                              std::span<const std::string> apply) {
  if (apply.empty() || apply.front().empty()) {
    return fail(ErrorCode::invalid_argument, "--apply needs a program",
                "usage: ldb instantiate --apply EXEC [ARGS...]");
  }
  auto exe = dataset::find_plugin(ctx.instance_dir, apply.front(), ctx.program_path);
  if (!exe) {
    return fail(ErrorCode::not_found, fmt::format("--apply program '{}' was not found", apply.front()),
                fmt::format("programs are looked up in {} and then on PATH (or give a path with '/')",
                            (ctx.instance_dir / "custom_code" / "ldb_user_filters").string()));
  }
  MadeFolders made;
  LDB_TRY(made.make(final_dir));
  TempFolder tmp;
  auto tmpdir = session.context().env.get("TMPDIR");
  std::string pattern = (std::filesystem::path(tmpdir.empty() ? "/tmp" : tmpdir) / "ldb-apply-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    return fail(ErrorCode::io, fmt::format("cannot create a temporary folder: {}", std::strerror(errno)),
                "check that the temporary folder ($TMPDIR or /tmp) is writable");
  }
  tmp.path = pattern;
  formats::Options fresh = options;
  fresh.checkpoint = nullptr;  // nothing to resume: the folder is new and removed afterwards
  auto& state = session.state();
  auto result = formats::instantiate(state.fs, state.pool, state.progress(), tmp.path, members, {}, fresh);
  state.progress().finish();
  if (!result) return std::unexpected(result.error());
  std::string input = "[";
  core::append_json_string(tmp.path.string(), input);
  input.push_back(',');
  core::append_json_string(final_dir.string(), input);
  input.push_back(']');
  std::vector<std::string> program_args(apply.begin() + 1, apply.end());
  auto run = core::run_program(*exe, program_args, input, core::StdoutMode::inherit, exe->parent_path());
  if (!run) return std::unexpected(run.error());
  if (!run->succeeded()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("--apply program '{}' failed ({})", exe->string(), run->describe()),
                fmt::format("its error output is above; it ran in '{}' with {} on stdin (that temporary folder is "
                            "removed)",
                            exe->parent_path().string(), input));
  }
  made.keep();
  return std::move(result->report);
}

WriteReport to_write_report(const std::filesystem::path& target, const formats::Report& r) {
  WriteReport out;
  out.target = target;
  out.data_files = r.data_files;
  out.annotation_files = r.annotation_files;
  out.written = r.written;
  out.unchanged = r.unchanged;
  out.removed = r.removed;
  out.moved = r.moved;
  out.moved_to = r.moved_to;
  return out;
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
    if (static_cast<std::uint64_t>(st.st_size) == entry.size && mtime_ns == entry.mtime_ns)
      out.push_back(std::move(path));
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

Result<WriteReport> write_selection(Session& session, dataset::Context& ctx, const WriteOptions& write,
                                    std::span<const std::string> objects, const std::filesystem::path& target,
                                    const dataset::Selection& selection) {
  formats::Options options;
  if (write.format) {
    auto format = formats::parse_format(*write.format);
    if (!format) return std::unexpected(format.error());
    options.format = *format;
  }
  options.params = write.params;
  options.annotations_only = write.annotations_only;
  options.preserve_paths = write.preserve_paths;
  options.force = write.force ? formats::Overwrite::yes : formats::Overwrite::no;
  options.data_files = write.link ? formats::DataFiles::hard_link : formats::DataFiles::copy;
  // Files ldb indexed inside the target may be an object's only copy.
  auto stored_here = ctx.store.known_paths_under(target.string());
  if (!stored_here) return std::unexpected(stored_here.error());
  for (const auto& known : *stored_here) options.storage_paths.insert(core::relative_to(known.path, target.string()));
  auto built = build_members(ctx, selection);
  if (!built) return std::unexpected(built.error());
  auto members = with_transforms(session, ctx, objects, target, std::move(*built));
  if (!members) return std::unexpected(members.error());
  if (!write.apply.empty()) {
    auto applied = instantiate_and_apply(session, ctx, options, target, *members, write.apply);
    if (!applied) return std::unexpected(applied.error());
    ctx.warnings.insert(ctx.warnings.end(), applied->warnings.begin(), applied->warnings.end());
    report(session, ctx);
    auto out = to_write_report(target, *applied);
    out.applied = true;
    return out;
  }

  // A workspace keeps the manifest in .ldb_workspace/; a plain -t folder in a
  // hidden file, so that the folder holds no extra directory (torchvision's
  // ImageFolder would take .ldb_workspace/ for a class).
  MadeFolders made;
  LDB_TRY(made.make(target));
  auto manifest_path = instantiated_manifest_path(target);
  auto previous = read_instantiated_manifest(target);
  if (!previous) return std::unexpected(previous.error());
  if (options.force == formats::Overwrite::yes) options.removed_folder = removed_folder_for(target);
  options.checkpoint = [&](std::span<const formats::ManifestEntry> planned) {
    return storage::write_file_atomic(manifest_path,
                                      formats::serialize_manifest(planned, formats::RunState::unfinished));
  };
  auto& state = session.state();
  auto result =
      formats::instantiate(state.fs, state.pool, state.progress(), target, *members, previous->entries, options);
  state.progress().finish();
  if (!result) return std::unexpected(result.error());
  made.keep();
  LDB_TRY(storage::write_file_atomic(manifest_path, formats::serialize_manifest(result->manifest)));
  // The layout, so that `ldb add .` reads a file moved to another class folder as a relabel.
  if (dataset::Workspace::exists(target)) {
    LDB_TRY(dataset::write_instantiated_layout(
        target, dataset::InstantiatedLayout{std::string(formats::format_name(options.format)), options.params}));
  }
  ctx.warnings.insert(ctx.warnings.end(), result->report.warnings.begin(), result->report.warnings.end());
  report(session, ctx);
  return to_write_report(target, result->report);
}

}  // namespace detail

Result<WriteReport> instantiate(Session& session, const InstantiateRequest& request) {
  // The target is -t DIR, else the workspace. The objects are those named,
  // else the staged dataset of the target (when it is a workspace) or of the
  // workspace the command runs in.
  const Context& context = session.context();
  std::optional<std::string> target_arg;
  if (request.target) target_arg = context.absolute(*request.target);
  std::optional<dataset::Workspace> ws;
  if (target_arg && dataset::Workspace::exists(*target_arg)) {
    auto opened = dataset::Workspace::open(*target_arg);
    if (!opened) return std::unexpected(opened.error());
    ws = std::move(*opened);
  } else if (!target_arg || request.selector.objects.empty()) {
    auto found = dataset::Workspace::find(context.cwd);
    if (!found) return std::unexpected(found.error());
    ws = std::move(*found);
  }
  std::filesystem::path target = target_arg ? std::filesystem::path(*target_arg) : ws->root();
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = detail::dataset_context(session, **instance);
  detail::SelectOptions select{"instantiate", {}, detail::NoObjects::use_default};
  if (request.selector.objects.empty()) select.default_source.push_back("ws:" + ws->root().string());
  // -m and -p also say how paths indexed on the way are read, as they always did.
  select.index.format = request.write.format;
  select.index.params = request.write.params;
  auto selection = detail::select_objects(session, ctx, request.selector, select);
  if (!selection) return std::unexpected(selection.error());
  return detail::write_selection(session, ctx, request.write, request.selector.objects, target, *selection);
}

Result<GetOutcome> get(Session& session, const GetRequest& request) {
  if (request.selector.objects.empty() && request.selector.filters.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb get needs objects", "for example: ldb get ds:cats -t cats/");
  }
  const std::filesystem::path target = session.context().absolute(request.target.value_or("."));
  auto instance = detail::instance(session, detail::CreateIfMissing::yes);
  if (!instance) return std::unexpected(instance.error());
  auto ctx = detail::dataset_context(session, **instance);
  // One resolution of the objects and filters: what is staged is what is written.
  detail::SelectOptions select{"get", {"ds:root"}, detail::NoObjects::need_filter, detail::PathsAs::index_first};
  select.index.format = request.write.format;
  select.index.params = request.write.params;
  auto selection = detail::select_objects(session, ctx, request.selector, select);
  if (!selection) return std::unexpected(selection.error());
  auto got = dataset::normalize(std::move(*selection));

  std::error_code ec;
  const bool created_dir = !std::filesystem::exists(target, ec);
  const bool created_ws = !dataset::Workspace::exists(target);
  auto undo = [&] {
    if (created_ws) std::filesystem::remove_all(target / dataset::k_workspace_dir, ec);
    if (created_dir && std::filesystem::is_empty(target, ec)) std::filesystem::remove(target, ec);
  };
  Result<dataset::Workspace> ws = std::unexpected(Error{});
  if (created_ws) {
    std::filesystem::create_directories(target, ec);
    if (ec) {
      return fail(ErrorCode::io, fmt::format("cannot create '{}': {}", target.string(), ec.message()),
                  "check that the target folder is writable");
    }
    ws = dataset::Workspace::create(target, dataset::WorkspaceState{"", 0, (*instance)->dir.string(), {}});
  } else {
    ws = dataset::Workspace::open(target);
  }
  if (!ws) {
    undo();
    return std::unexpected(ws.error());
  }
  auto& state = ws->state();
  auto merged = dataset::merge(state.members, got);
  // Write the objects got now, and keep what earlier runs wrote there.
  auto manifest = detail::read_instantiated_manifest(target);
  if (!manifest) {
    undo();
    return std::unexpected(manifest.error());
  }
  store::Collection keep;
  for (const auto& entry : manifest->entries) keep.push_back({entry.md5, 0});
  auto to_write = dataset::intersect(merged, dataset::merge(dataset::normalize(std::move(keep)), got));
  auto written = detail::write_selection(session, ctx, request.write, request.selector.objects, target, to_write);
  if (!written) {
    undo();
    return std::unexpected(written.error());
  }
  auto change = dataset::diff(state.members, merged);
  state.members = std::move(merged);
  LDB_TRY(ws->save());
  GetOutcome out;
  out.dataset = dataset_label(state.dataset_name, "the unnamed dataset");
  out.target = target;
  out.added = change.added.size();
  out.selected = got.size();
  out.written = std::move(*written);
  return out;
}

}  // namespace ldb::app
