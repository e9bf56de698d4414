// ldb pull, sync, get: bringing the staged dataset up to date with the index,
// with an object list or with the workspace's own files.

#include <charconv>

#include <fmt/format.h>

#include "app/instantiate.hpp"
#include "app/workspace.hpp"
#include "cli/commands.hpp"

namespace ldb::cli {

namespace {

Result<std::uint32_t> parse_pull_version(std::string_view text) {
  std::uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v == 0) {
    return fail(ErrorCode::invalid_argument, fmt::format("-v expects an annotation version number, got '{}'", text),
                "annotation versions start at 1; see them with: ldb show id:HASH");
  }
  return v;
}

}  // namespace

Status cmd_pull(CommandEnv& env, const ParsedArgs& args) {
  app::PullRequest request{selector_of(args), args.get("target"), 0};
  if (auto v = args.get("version")) {
    auto parsed = parse_pull_version(*v);
    if (!parsed) return std::unexpected(parsed.error());
    request.version = *parsed;
  }
  auto outcome = app::pull(env.session, request);
  if (!outcome) return std::unexpected(outcome.error());
  if (env.verbosity.quiet) return {};
  const auto version = request.version;
  std::string target = version ? fmt::format("annotation version {}", version) : "the current annotation version";
  out_line(fmt::format("Pulled {} objects of {} to {} ({} already there)", outcome->updated,
                       app::dataset_label(outcome->dataset, "the unnamed dataset"), target, outcome->unchanged));
  if (outcome->missing) {
    out_line(
        fmt::format("{} objects have no annotation version {} and were left as they were", outcome->missing, version));
  }
  if (outcome->not_staged)
    out_line(fmt::format("{} selected objects are not staged and were ignored", outcome->not_staged));
  return {};
}

Status cmd_sync(CommandEnv& env, const ParsedArgs& args) {
  auto settings = index_settings_of(args);
  if (!settings) return std::unexpected(settings.error());
  auto outcome = app::sync(env.session, {selector_of(args), args.get("target"), std::move(*settings)});
  if (!outcome) return std::unexpected(outcome.error());
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Synced {}: {} added, {} deleted, {} with another annotation version ({} edited annotations)",
                         app::dataset_label(outcome->dataset, "the unnamed dataset"), outcome->added, outcome->deleted,
                         outcome->modified, outcome->edited_annotations));
  }
  return {};
}

Status cmd_get(CommandEnv& env, const ParsedArgs& args) {
  auto write = write_options_of(args);
  if (!write) return std::unexpected(write.error());
  auto got = app::get(env.session, {selector_of(args), args.get("target"), *write});
  if (!got) return std::unexpected(got.error());
  // Reported in the order of the work: staged, added, then instantiated (the
  // files are written before the workspace is saved only so that a failure
  // leaves nothing behind).
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Added {} objects to {} in '{}' ({} selected)", got->added, got->dataset, got->target.string(),
                         got->selected));
  }
  print_instantiated(env, got->written);
  return {};
}

}  // namespace ldb::cli
