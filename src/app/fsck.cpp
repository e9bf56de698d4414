#include "app/fsck.hpp"

#include <fmt/format.h>

#include "app/detail/instantiated.hpp"
#include "app/detail/session.hpp"
#include "app/instance.hpp"
#include "dataset/workspace.hpp"
#include "formats/manifest.hpp"
#include "storage/file_system.hpp"
#include "store/factory.hpp"

namespace ldb::app {

namespace {

// The workspace in `target` or around the Context's folder: its staged state
// decodes, its manifest parses and is of a finished instantiate, and (when
// staged from this instance) every staged member is in the instance.
void check_workspace(const Context& context, const std::optional<std::string>& target,
                     const std::filesystem::path& instance_dir, store::Store* store, FsckReport& report) {
  auto& problems = report.problems;
  std::filesystem::path root;
  if (target) {
    root = context.absolute(*target);
  } else {
    std::error_code ec;
    for (auto cur = context.cwd;; cur = cur.parent_path()) {
      if (cur.empty()) return;
      if (std::filesystem::exists(cur / dataset::k_workspace_dir, ec)) {
        root = cur;
        break;
      }
      if (cur == cur.root_path()) return;
    }
  }
  report.workspace = root.string();
  const std::string where = fmt::format("workspace '{}'", root.string());
  auto meta = root / dataset::k_workspace_dir;
  auto ws = dataset::Workspace::open(root);
  if (!ws) {
    problems.push_back({where, ws.error().message, ws.error().hint});
    return;
  }
  std::error_code ec;
  auto manifest_file = meta / formats::k_manifest_file_name;
  if (std::filesystem::exists(manifest_file, ec)) {
    auto text = storage::read_local_file(manifest_file);
    auto parsed = text ? formats::parse_manifest(*text, manifest_file.string())
                       : Result<formats::Manifest>(std::unexpected(text.error()));
    if (!parsed) {
      problems.push_back({where, parsed.error().message, "delete that file and run ldb instantiate -f again"});
    } else if (parsed->state == formats::RunState::unfinished) {
      problems.push_back({where,
                          fmt::format("the last instantiate did not finish ({} of {} files not written); sync and "
                                      "add refuse to read the workspace until it does",
                                      detail::unwritten_files(root, *parsed), parsed->entries.size()),
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
    problems.push_back({where,
                        fmt::format("staged dataset ds:{}: {}", ws->state().dataset_name, current.error().message),
                        "stage the dataset again with: ldb stage -f ds:NAME"});
    return;
  }
  auto annotation_hashes = store->annotation_hashes(members);
  if (!annotation_hashes) return;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (members[i].annotation_version != 0 && (*annotation_hashes)[i] == core::Md5{}) {
      problems.push_back({where,
                          fmt::format("staged member id:{} names annotation version {}, which does not exist",
                                      members[i].hash.hex(), members[i].annotation_version),
                          "stage the dataset again with: ldb stage -f ds:NAME"});
    }
  }
}

// A target must name a workspace: a plain folder (one `instantiate -t` wrote
// into, or any other) has nothing to check and is not damage.
Status check_target_is_workspace(const Context& context, const std::optional<std::string>& target) {
  if (!target) return {};
  std::filesystem::path root = context.absolute(*target);
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    return fail(ErrorCode::not_found, fmt::format("'{}' is not a folder", root.string()),
                "give -t the folder of a workspace, or run ldb fsck without -t to check the instance");
  }
  if (dataset::Workspace::exists(root)) return {};
  const bool instantiated = std::filesystem::exists(detail::instantiated_manifest_path(root), ec);
  return fail(
      ErrorCode::not_found,
      fmt::format("'{}' is not an ldb workspace{}", root.string(),
                  instantiated ? " (it holds files ldb instantiate -t wrote, but no staged dataset to check)" : ""),
      "run ldb fsck without -t to check the instance, or with -t naming a workspace (a folder where "
      "ldb stage ran)");
}

}  // namespace

Result<FsckReport> fsck(Session& session, const std::optional<std::string>& target) {
  const Context& context = session.context();
  LDB_TRY(check_target_is_workspace(context, target));
  auto location = find_instance_location(context);
  if (!location) return std::unexpected(location.error());
  const auto& dir = location->dir;
  // The store as its config names it; a config that cannot be read is
  // reported below (opening the instance as commands do) and the folder's
  // SQLite store checked meanwhile.
  auto config = detail::read_toml(dir / "config");
  auto store_at = config ? detail::store_config(*config, dir, detail::store_options(context))
                         : store::sqlite_store_config(dir, detail::store_options(context));
  auto checked = store::check_store(store_at ? *store_at : store::sqlite_store_config(dir));
  if (!checked) return std::unexpected(checked.error());
  FsckReport report;
  report.instance = dir;
  report.schema_version = checked->schema_version;
  report.objects = checked->objects;
  report.annotation_versions = checked->annotation_versions;
  report.datasets = checked->datasets;
  report.dataset_versions = checked->dataset_versions;
  report.collections = checked->collections;
  for (auto& p : checked->problems)
    report.problems.push_back({std::move(p.where), std::move(p.message), std::move(p.hint)});

  // Opening the instance as commands do reads its config too.
  store::Store* store = nullptr;
  if (report.problems.empty()) {
    auto instance = detail::instance(session);
    if (!instance) {
      report.problems.push_back(
          {fmt::format("instance '{}'", dir.string()), instance.error().message, instance.error().hint});
    } else {
      store = (*instance)->store.get();
    }
  }
  check_workspace(context, target, dir, store, report);
  return report;
}

}  // namespace ldb::app
