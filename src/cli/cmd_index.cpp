// ldb index.

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
  auto report = app::index(env.session, {args.positional, std::move(*settings)});
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
