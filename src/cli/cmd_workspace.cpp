// ldb stage, add, del, status, commit: the workspace's staged dataset.

#include <charconv>

#include <fmt/format.h>

#include "app/json_output.hpp"
#include "app/workspace.hpp"
#include "cli/commands.hpp"

namespace ldb::cli {

app::Selector selector_of(const ParsedArgs& args) { return app::Selector{args.positional, args.filters}; }

namespace {

Result<std::uint32_t> parse_version(std::string_view text) {
  std::uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v == 0) {
    return fail(ErrorCode::invalid_argument, fmt::format("--label-version expects a version number, got '{}'", text),
                "annotation versions start at 1; see them with: ldb show id:HASH");
  }
  return v;
}

}  // namespace

Status cmd_stage(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.empty() || args.positional.size() > 2) {
    return fail(ErrorCode::invalid_argument, "ldb stage needs one dataset",
                "usage: ldb stage [-f] [-t DIR] ds:NAME[.vN] [DIR]");
  }
  std::optional<std::string> folder = args.positional.size() == 2 ? args.positional[1] : args.get("target");
  auto staged = app::stage(env.session, {args.positional[0], folder, args.has("force")});
  if (!staged) return std::unexpected(staged.error());
  if (!env.verbosity.quiet) {
    if (staged->version) {
      out_line(fmt::format("Staged ds:{}.v{} ({} objects) in '{}'", staged->name, staged->version, staged->objects,
                           staged->root.string()));
    } else {
      out_line(fmt::format("Staged new dataset ds:{} in '{}'", staged->name, staged->root.string()));
    }
  }
  return {};
}

Status cmd_add(CommandEnv& env, const ParsedArgs& args) {
  app::AddRequest request{selector_of(args), args.get("target"), {}, {}};
  auto settings = index_settings_of(args);
  if (!settings) return std::unexpected(settings.error());
  request.index = std::move(*settings);
  if (auto lv = args.get("label-version")) {
    auto version = parse_version(*lv);
    if (!version) return std::unexpected(version.error());
    request.label_version = *version;
  }
  auto added = app::add(env.session, request);
  if (!added) return std::unexpected(added.error());
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Added {} objects to {} ({} selected, {} with another annotation version)", added->added,
                         app::dataset_label(added->dataset, "an unnamed dataset"), added->selected, added->modified));
  }
  return {};
}

Status cmd_del(CommandEnv& env, const ParsedArgs& args) {
  auto deleted = app::del(env.session, {selector_of(args), args.get("target")});
  if (!deleted) return std::unexpected(deleted.error());
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Deleted {} objects from {}", deleted->deleted,
                         app::dataset_label(deleted->dataset, "an unnamed dataset")));
  }
  return {};
}

namespace {

// git-style lines for the changed files, at most k_listed of each kind unless verbose.
void print_files_status(const app::FilesStatus& status, bool verbose) {
  constexpr std::size_t k_listed = 20;
  if (status.state == "unfinished") {
    out_line(
        fmt::format("Instantiate did not finish: {} of {} files not written (run ldb instantiate to finish it; "
                    "sync and add refuse to read the workspace until then)",
                    status.unwritten, status.files));
  }
  if (status.edited.empty() && status.deleted.empty() && status.added.empty()) return;
  out_line(status.state == "none" ? "Files in the workspace, not taken in yet (ldb sync or ldb add . takes them in):"
                                  : "Files changed since instantiate, not taken in yet (ldb sync or ldb add . takes "
                                    "them in; ldb instantiate refuses to replace them without -f):");
  bool cut = false;
  auto list = [&](std::string_view label, const std::vector<std::string>& paths) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (!verbose && i == k_listed) {
        out_line(fmt::format("  ... and {} more {}", paths.size() - k_listed, label));
        cut = true;
        break;
      }
      out_line(fmt::format("  {:<9}{}", std::string(label) + ":", paths[i]));
    }
  };
  list("edited", status.edited);
  list("deleted", status.deleted);
  list("new", status.added);
  if (cut) out_line("(ldb status -v lists them all)");
}

}  // namespace

Status cmd_status(CommandEnv& env, const ParsedArgs& args) {
  const bool json = args.has("json");
  if (!args.positional.empty()) {
    auto v = app::dataset_status(env.session, args.positional[0]);
    if (!v) return std::unexpected(v.error());
    if (json) {
      out_line(app::version_json(*v));
    } else {
      out_line(fmt::format("Dataset ds:{}.v{}: {} objects, {} annotations", v->name, v->version, v->objects,
                           v->annotations));
    }
    return {};
  }
  auto s = app::workspace_status(env.session, args.get("target"));
  if (!s) return std::unexpected(s.error());
  if (json) {
    out_line(app::workspace_status_json(*s));
    return {};
  }
  std::string name = s->dataset.empty() ? "(unnamed)" : "ds:" + s->dataset;
  out_line(fmt::format("Dataset {}{}, {} objects, {} annotations", name,
                       s->version ? fmt::format(".v{}", s->version) : std::string(" (new, not committed)"), s->objects,
                       s->annotations));
  out_line(fmt::format("Workspace: {}", s->root.string()));
  if (s->behind) {
    out_line(fmt::format("Behind: ds:{} is at v{}; you staged {} (ldb commit merges the two)", s->dataset, s->behind,
                         s->version ? fmt::format("v{}", s->version) : std::string("it before it existed")));
  }
  const std::size_t uncommitted = s->added + s->deleted + s->modified + s->transforms_changed;
  if (uncommitted == 0 && (s->version != 0 || s->objects == 0)) {
    out_line("No uncommitted changes");
  } else {
    out_line(fmt::format(
        "Uncommitted changes: {} added, {} deleted, {} annotation versions changed{}", s->added, s->deleted,
        s->modified,
        s->transforms_changed ? fmt::format(", {} transform sets changed", s->transforms_changed) : std::string()));
  }
  print_files_status(s->files, env.verbosity.verbose);
  return {};
}

Status cmd_commit(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.size() > 1) {
    return fail(ErrorCode::invalid_argument, "ldb commit takes at most one dataset",
                "usage: ldb commit [-m MSG] [ds:NAME]");
  }
  if (args.has("ours") && args.has("theirs")) {
    return fail(ErrorCode::invalid_argument, "--ours and --theirs decide conflicts in opposite ways; give one",
                "ldb commit --ours keeps this workspace's side, ldb commit --theirs the latest version's");
  }
  app::CommitRequest request;
  request.target = args.get("target");
  request.message = args.get("message").value_or("");
  if (!args.positional.empty()) request.dataset = args.positional[0];
  request.resolution = args.has("ours")     ? app::Resolution::ours
                       : args.has("theirs") ? app::Resolution::theirs
                                            : app::Resolution::none;
  auto outcome = app::commit(env.session, request);
  if (!outcome) return std::unexpected(outcome.error());
  if (env.verbosity.quiet) return {};
  const auto& v = outcome->version;
  if (outcome->merged_with) {
    out_line(fmt::format("Merged ds:{}.v{} (the latest) with this workspace (staged from v{}){}", v.name,
                         outcome->merged_with, outcome->staged_from,
                         outcome->conflicts_decided == 0
                             ? std::string()
                             : fmt::format(": {} conflicting object{} kept {}", outcome->conflicts_decided,
                                           outcome->conflicts_decided == 1 ? "" : "s",
                                           request.resolution == app::Resolution::ours ? "ours" : "theirs")));
  }
  if (!outcome->committed) {
    out_line(fmt::format("Nothing to commit: ds:{}.v{} already holds these {} objects", v.name, v.version, v.objects));
  } else {
    out_line(
        fmt::format("Committed ds:{}.v{} ({} objects, {} annotations)", v.name, v.version, v.objects, v.annotations));
  }
  return {};
}

}  // namespace ldb::cli
