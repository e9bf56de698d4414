// ldb index.

#include <charconv>
#include <chrono>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/index.hpp"
#include "cli/commands.hpp"

namespace ldb::cli {

namespace {

// Identical bytes indexed at another path with another annotation relabel the
// object for everyone; the summary says so (and where, with -v).
void print_current_from_another_path(std::span<const app::IndexSummary::Relabel> changes, bool verbose) {
  if (changes.empty()) return;
  out_line(
      fmt::format("{} objects got a new current annotation from another path (datasets that pull them take it; "
                  "{})",
                  changes.size(), verbose ? "listed below" : "-v lists them"));
  if (!verbose) return;
  for (const auto& c : changes) {
    out_line(fmt::format("  id:{}: v{} -> v{}, found with {}{}", c.hash.hex(), c.previous_version, c.version, c.path,
                         c.previous_path.empty()
                             ? std::string()
                             : fmt::format(" (v{} was found with {})", c.previous_version, c.previous_path)));
  }
}

// A whole number of at least 1 from the environment variable `name`
// (nullopt when unset); invalid_argument naming it otherwise.
Result<std::optional<std::int64_t>> positive_from_env(const CommandEnv& env, std::string_view name) {
  auto text = env.session.context().env.get(name);
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1) {
    return fail(ErrorCode::invalid_argument, fmt::format("{}='{}' is not a whole number of at least 1", name, text),
                fmt::format("unset {} or give it a number such as 1000", name));
  }
  return value;
}

// Tuning of a run shared with other index processes (app::IndexSharing).
Result<app::IndexSharing> index_sharing_of(const CommandEnv& env) {
  app::IndexSharing sharing;
  LDB_TRY_ASSIGN(auto batch_files, positive_from_env(env, "LDB_INDEX_BATCH_FILES"));
  LDB_TRY_ASSIGN(auto lease, positive_from_env(env, "LDB_INDEX_LEASE_MS"));
  LDB_TRY_ASSIGN(auto pause, positive_from_env(env, "LDB_INDEX_BATCH_PAUSE_MS"));
  if (batch_files) sharing.batch_files = static_cast<std::size_t>(*batch_files);
  if (lease) sharing.lease = std::chrono::milliseconds(*lease);
  if (pause) sharing.batch_pause = std::chrono::milliseconds(*pause);
  return sharing;
}

// A run several index processes shared: what this one did of it.
void print_shared(const app::IndexSummary::Shared& shared) {
  if (!shared.joined && shared.indexed == shared.batches && shared.lost == 0) return;  // it did the whole run
  std::string extra;
  if (shared.taken_over) extra += fmt::format(", {} taken over from a worker whose lease expired", shared.taken_over);
  if (shared.lost) extra += fmt::format(", {} lost to another worker after its lease expired", shared.lost);
  out_line(
      fmt::format("Shared run:   {} of {} batch{} indexed by this process{} (the counts above are its own; "
                  "the run is done)",
                  shared.indexed, shared.batches, shared.batches == 1 ? "" : "es", extra));
}

}  // namespace

Result<app::IndexSettings> index_settings_of(const ParsedArgs& args) {
  app::IndexSettings settings;
  settings.format = args.get("format");
  LDB_TRY_ASSIGN(settings.params, app::parse_params(args.all("param")));
  settings.add_tags = args.get("add-tags");
  settings.annotation_update = args.get("annotation-update");
  settings.features = !args.has("no-features");
  return settings;
}

Status cmd_index(CommandEnv& env, const ParsedArgs& args) {
  auto settings = index_settings_of(args);
  if (!settings) return std::unexpected(settings.error());
  LDB_TRY_ASSIGN(auto sharing, index_sharing_of(env));
  auto report = app::index(env.session, {args.positional, std::move(*settings), sharing});
  if (!report) return std::unexpected(report.error());
  // Images whose files are missing are left out; the rest is indexed.
  for (const auto& missing : report->missing_images) {
    warn(missing.summary + (env.verbosity.verbose ? "" : " (-v lists where each was looked for)"));
    if (!env.verbosity.verbose) continue;
    for (const auto& line : missing.details) warn(line);
  }
  for (const auto& file : report->not_detection) {
    warn(
        fmt::format("'{}' skipped: not a COCO detection file (images and annotations but no \"categories\", "
                    "as in captions_*.json)",
                    file));
  }
  if (!env.verbosity.quiet) {
    out_line(fmt::format("Format: {}", fmt::join(report->formats, ", ")));
    out_line(fmt::format("Data objects: {} found, {} new", report->data_objects_found, report->new_objects));
    out_line(fmt::format("Annotations:  {} found, {} new", report->annotations_found, report->new_annotations));
    if (report->images_with_features || !report->undecodable_images.empty()) {
      out_line(fmt::format("Images:       {} file{} with features{}", report->images_with_features,
                           report->images_with_features == 1 ? "" : "s",
                           report->undecodable_images.empty()
                               ? std::string()
                               : fmt::format(", {} did not decode (image.error{})", report->undecodable_images.size(),
                                             env.verbosity.verbose ? "" : "; -v lists them")));
    }
    if (env.verbosity.verbose) {
      for (const auto& image : report->undecodable_images) out_line(fmt::format("  {}: {}", image.path, image.error));
      out_line(fmt::format("Unchanged files not re-read: {}", report->skipped_unchanged));
    }
    if (!report->skipped.empty()) {
      out_line(fmt::format("Skipped:      {} malformed annotation file{}", report->skipped.size(),
                           report->skipped.size() == 1 ? "" : "s"));
    }
    print_current_from_another_path(report->current_from_another_path, env.verbosity.verbose);
    if (report->shared) print_shared(*report->shared);
  }
  if (!report->skipped.empty()) {
    for (std::size_t i = 0; i + 1 < report->skipped.size(); ++i) {
      fmt::print(stderr, "ldb: error: {}\n", report->skipped[i].message);
    }
    auto last = report->skipped.back();
    // The last file's error ends the run; the total says how many there were.
    if (const auto n = report->skipped.size(); n > 1) {
      last.message = fmt::format("{} ({} malformed annotation files in all, the other {} above)", last.message, n,
                                 n == 2 ? std::string("one") : fmt::format("{}", n - 1));
    }
    return std::unexpected(std::move(last));
  }
  return {};
}

}  // namespace ldb::cli
