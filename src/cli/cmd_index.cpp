// ldb index.

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/index_options.hpp"
#include "dataset/sources.hpp"
#include "core/paths.hpp"
#include "index/indexer.hpp"

namespace ldb::cli {

Result<std::vector<std::pair<std::string, std::string>>> format_params_from(const ParsedArgs& args) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : args.all("param")) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(ErrorCode::invalid_argument, fmt::format("-p expects KEY=VALUE, got '{}'", p),
                  "for example: -p label-key=class");
    }
    out.emplace_back(p.substr(0, eq), p.substr(eq + 1));
  }
  return out;
}

Result<index::IndexOptions> index_options_from(const ParsedArgs& args) {
  index::IndexOptions options;
  if (auto f = args.get("format")) {
    auto format = index::parse_format(*f);
    if (!format) return std::unexpected(format.error());
    options.format = *format;
  }
  auto params = format_params_from(args);
  if (!params) return std::unexpected(params.error());
  options.params = std::move(*params);
  if (auto tags = args.get("add-tags")) {
    std::string_view rest = *tags;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto tag = rest.substr(0, comma);
      if (!tag.empty()) {
        LDB_TRY(validate_tag(tag));
        options.ingest.add_tags.emplace_back(tag);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (auto mode = args.get("annotation-update")) {
    if (*mode == "replace") {
      options.ingest.update = store::AnnotationUpdate::replace;
    } else if (*mode == "merge") {
      options.ingest.update = store::AnnotationUpdate::merge;
    } else {
      return fail(ErrorCode::invalid_argument, fmt::format("--annotation-update expects replace or merge, got '{}'", *mode),
                  "for example: --annotation-update merge");
    }
  }
  return options;
}

Status validate_tag(std::string_view tag) {
  for (char c : tag) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) {
      return fail(ErrorCode::invalid_argument, fmt::format("tag '{}' has an illegal character", tag),
                  "tags use only letters, digits, '_' and '-'");
    }
  }
  return {};
}

namespace {

// Identical bytes indexed at another path with another annotation relabel the
// object for everyone; the summary says so (and where, with -v).
void print_current_from_another_path(std::span<const store::CurrentFromAnotherPath> changes, bool verbose) {
  if (changes.empty()) return;
  out_line(fmt::format("{} objects got a new current annotation from another path (datasets that pull them take it; "
                       "{})",
                       changes.size(), verbose ? "listed below" : "-v lists them"));
  if (!verbose) return;
  for (const auto& c : changes) {
    out_line(fmt::format("  id:{}: v{} -> v{}, found with {}{}", c.hash.hex(), c.previous_version, c.version, c.path,
                         c.previous_path.empty() ? std::string()
                                                 : fmt::format(" (v{} was found with {})", c.previous_version,
                                                               c.previous_path)));
  }
}

}  // namespace

Status cmd_index(CommandEnv& env, const ParsedArgs& args) {
  if (args.positional.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb index needs at least one path", "usage: ldb index [-m FORMAT] PATH...");
  }
  auto options = index_options_from(args);
  if (!options) return std::unexpected(options.error());
  auto instance = open_instance(CreateIfMissing::no);
  if (!instance) return std::unexpected(instance.error());
  // Refuse a read-only instance before walking and hashing the files.
  LDB_TRY(instance->store->check_writable());
  auto ctx = make_context(env, *instance);
  auto paths = dataset::expand_storage_paths(ctx, args.positional);
  if (!paths) return std::unexpected(paths.error());
  // A malformed annotation file is reported and left out; the rest of the
  // run is indexed and the command still exits non-zero.
  options->bad_annotation = index::BadAnnotation::skip;
  auto index_options = dataset::with_location_check(ctx, std::move(*options));
  auto report = index::index_paths(*instance->store, env.fs, env.pool, env.progress, *paths, index_options);
  env.progress.finish();
  if (!report) return std::unexpected(report.error());
  // Images whose files are missing are left out; the rest is indexed.
  for (const auto& missing : report->missing_images) {
    warn(index::describe_missing(missing) + (env.verbosity.verbose ? "" : " (-v lists where each was looked for)"));
    if (!env.verbosity.verbose) continue;
    for (const auto& image : missing.images) warn(index::describe_missing_image(missing.annotation_file, image));
  }
  for (const auto& file : report->not_detection) {
    warn(fmt::format("'{}' skipped: not a COCO detection file (images and annotations but no \"categories\", "
                     "as in captions_*.json)",
                     file));
  }
  if (!env.verbosity.quiet) {
    std::string formats(index::format_name(report->format_used));
    for (auto format : report->formats_used) {
      if (format != report->format_used) formats += fmt::format(", {}", index::format_name(format));
    }
    out_line(fmt::format("Format: {}", formats));
    out_line(fmt::format("Data objects: {} found, {} new", report->data_objects_found, report->new_objects));
    out_line(fmt::format("Annotations:  {} found, {} new", report->annotations_found, report->new_annotations));
    if (env.verbosity.verbose) out_line(fmt::format("Unchanged files not re-read: {}", report->skipped_unchanged));
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
