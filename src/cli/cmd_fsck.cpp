// ldb fsck: checks the instance (store::check_store), its config,
// and the workspace it runs in (staged state, instantiation manifest, and
// whether the last instantiate finished).
// Prints one line per problem with a hint; exit 6 (corruption) when any. A -t
// folder that is not a workspace is not_found (exit 3), not damage.

#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/paths.hpp"
#include "formats/manifest.hpp"
#include "storage/file_system.hpp"
#include "store/factory.hpp"

namespace ldb::cli {

namespace {

// The workspace in -t DIR or around the current folder: its staged state
// decodes, its manifest parses and is of a finished instantiate, and (when
// staged from this instance) every staged member is in the instance.
void check_workspace(const ParsedArgs& args, const std::filesystem::path& instance_dir, store::Store* store,
                     std::vector<store::Problem>& problems, std::string& checked_root) {
  std::filesystem::path root;
  if (auto t = args.get("target")) {
    root = core::normalize_local_path(*t);
  } else {
    std::error_code ec;
    auto dir = std::filesystem::current_path(ec);
    if (ec) return;
    for (auto cur = dir;; cur = cur.parent_path()) {
      if (std::filesystem::exists(cur / dataset::k_workspace_dir, ec)) {
        root = cur;
        break;
      }
      if (cur == cur.root_path() || cur.empty()) return;
    }
  }
  checked_root = root.string();
  auto meta = root / dataset::k_workspace_dir;
  auto ws = dataset::Workspace::open(root);
  if (!ws) {
    problems.push_back({fmt::format("workspace '{}'", root.string()), ws.error().message, ws.error().hint});
    return;
  }
  std::error_code ec;
  auto manifest_file = meta / formats::k_manifest_file_name;
  if (std::filesystem::exists(manifest_file, ec)) {
    auto text = storage::read_local_file(manifest_file);
    auto parsed = text ? formats::parse_manifest(*text, manifest_file.string())
                       : Result<formats::Manifest>(std::unexpected(text.error()));
    if (!parsed) {
      problems.push_back({fmt::format("workspace '{}'", root.string()), parsed.error().message,
                          "delete that file and run ldb instantiate -f again"});
    } else if (parsed->state == formats::RunState::unfinished) {
      problems.push_back({fmt::format("workspace '{}'", root.string()),
                          fmt::format("the last instantiate did not finish ({} of {} files not written); sync and "
                                      "add refuse to read the workspace until it does",
                                      unwritten_files(root, *parsed), parsed->entries.size()),
                          "run ldb instantiate in the workspace to finish it"});
    }
  }
  if (!store || ws->state().instance != instance_dir.string()) return;
  const auto& members = ws->state().members;
  std::vector<core::Md5> hashes;
  hashes.reserve(members.size());
  for (const auto& m : members) hashes.push_back(m.hash);
  auto current = store->current_versions(hashes);
  if (!current) {
    problems.push_back({fmt::format("workspace '{}'", root.string()),
                        fmt::format("staged dataset ds:{}: {}", ws->state().dataset_name, current.error().message),
                        "stage the dataset again with: ldb stage -f ds:NAME"});
    return;
  }
  auto annotation_hashes = store->annotation_hashes(members);
  if (!annotation_hashes) return;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (members[i].annotation_version != 0 && (*annotation_hashes)[i] == core::Md5{}) {
      problems.push_back({fmt::format("workspace '{}'", root.string()),
                          fmt::format("staged member id:{} names annotation version {}, which does not exist",
                                      members[i].hash.hex(), members[i].annotation_version),
                          "stage the dataset again with: ldb stage -f ds:NAME"});
    }
  }
}

// -t DIR must name a workspace: a plain folder (one `instantiate -t` wrote
// into, or any other) has nothing to check and is not damage.
Status check_target_is_workspace(const ParsedArgs& args) {
  auto t = args.get("target");
  if (!t) return {};
  std::filesystem::path root = core::normalize_local_path(*t);
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    return fail(ErrorCode::not_found, fmt::format("'{}' is not a folder", root.string()),
                "give -t the folder of a workspace, or run ldb fsck without -t to check the instance");
  }
  if (dataset::Workspace::exists(root)) return {};
  const bool instantiated = std::filesystem::exists(instantiated_manifest_path(root), ec);
  return fail(ErrorCode::not_found,
              fmt::format("'{}' is not an ldb workspace{}", root.string(),
                          instantiated ? " (it holds files ldb instantiate -t wrote, but no staged dataset to check)"
                                       : ""),
              "run ldb fsck without -t to check the instance, or with -t naming a workspace (a folder where "
              "ldb stage ran)");
}

}  // namespace

Status cmd_fsck(CommandEnv& env, const ParsedArgs& args) {
  if (!args.positional.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb fsck takes no arguments", "usage: ldb fsck [-t DIR] [--json]");
  }
  LDB_TRY(check_target_is_workspace(args));
  auto dir = locate_instance();
  if (!dir) return std::unexpected(dir.error());
  auto report = store::check_store(
      store::sqlite_store_config(*dir, {store::busy_timeout_from_text(std::getenv("LDB_BUSY_TIMEOUT_MS"))}));
  if (!report) return std::unexpected(report.error());
  auto problems = report->problems;

  // Opening the instance as commands do reads its config too.
  std::unique_ptr<store::Store> store;
  if (problems.empty()) {
    auto instance = open_instance(CreateIfMissing::no);
    if (!instance) {
      problems.push_back({fmt::format("instance '{}'", dir->string()), instance.error().message, instance.error().hint});
    } else {
      store = std::move(instance->store);
    }
  }
  std::string workspace_root;
  check_workspace(args, *dir, store.get(), problems, workspace_root);

  if (args.has("json")) {
    auto list = nlohmann::json::array();
    for (const auto& p : problems) list.push_back({{"where", p.where}, {"problem", p.message}, {"hint", p.hint}});
    nlohmann::json out = {{"instance", dir->string()},
                          {"healthy", problems.empty()},
                          {"schema_version", report->schema_version},
                          {"objects", report->objects},
                          {"annotation_versions", report->annotation_versions},
                          {"datasets", report->datasets},
                          {"dataset_versions", report->dataset_versions},
                          {"collections", report->collections},
                          {"workspace", workspace_root.empty() ? nlohmann::json(nullptr) : nlohmann::json(workspace_root)},
                          {"problems", list}};
    out_line(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    for (const auto& p : problems) out_line(fmt::format("{}: {} (hint: {})", p.where, p.message, p.hint));
    if (problems.empty() && !env.verbosity.quiet) {
      out_line(fmt::format("Instance {}: ok (schema {}, {} objects, {} annotation versions, {} datasets, {} versions)",
                           dir->string(), report->schema_version, report->objects, report->annotation_versions,
                           report->datasets, report->dataset_versions));
      if (!workspace_root.empty()) out_line(fmt::format("Workspace {}: ok", workspace_root));
    }
  }
  if (!problems.empty()) {
    return fail(ErrorCode::corruption, fmt::format("ldb fsck found {} problem(s) in '{}'", problems.size(), dir->string()),
                "see the lines above; restore a damaged instance from a backup, re-stage a damaged workspace");
  }
  return {};
}

}  // namespace ldb::cli
