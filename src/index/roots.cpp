#include "index/roots.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "core/paths.hpp"

namespace ldb::index {

namespace {

// Formats whose annotations live in files shared by many data files, possibly
// outside the folder being indexed (a COCO file beside images/, YOLO's
// labels/ and data.yaml): a path below such a root is read through the root.
bool shared_file_format(Format format) { return format_info(format).has(k_detection); }

Result<Reading> remembered_reading(const store::IndexedRoot& root) {
  auto format = parse_format(root.format);
  if (!format || *format == Format::auto_detect) {
    return fail(
        ErrorCode::corruption,
        fmt::format("'{}' was indexed with the format '{}', which this ldb does not know", root.prefix, root.format),
        fmt::format("index it again with the format to use: ldb index -m FORMAT {}", root.prefix));
  }
  return Reading{*format, root.params};
}

std::size_t reading_index(std::vector<Reading>& readings, Reading reading) {
  auto it = std::find(readings.begin(), readings.end(), reading);
  if (it != readings.end()) return static_cast<std::size_t>(it - readings.begin());
  readings.push_back(std::move(reading));
  return readings.size() - 1;
}

bool strictly_below(std::string_view path, std::string_view prefix) {
  return path != prefix && core::path_is_within(path, prefix);
}

// The deepest sub-root holding `path`, as an index into settings.sub_roots.
std::optional<std::size_t> sub_root_of(const RunSettings& settings, std::string_view path) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < settings.sub_roots.size(); ++i) {
    if (!core::path_is_within(path, settings.sub_roots[i])) continue;
    if (!best || settings.sub_roots[i].size() > settings.sub_roots[*best].size()) best = i;
  }
  return best;
}

void keep_items_under(const RunSettings& settings, Plan& plan) {
  if (settings.keep_under.empty()) return;
  std::erase_if(plan.items, [&](const PlannedItem& item) {
    return std::none_of(settings.keep_under.begin(), settings.keep_under.end(),
                        [&](const std::string& path) { return core::path_is_within(item.data->info.path, path); });
  });
}

bool is_file_in(const Scan& scan, const std::string& path) {
  return find_file(scan.data, path) != nullptr || find_file(scan.json, path) != nullptr;
}

}  // namespace

Result<RunSettings> resolve_run(store::Store& store, std::span<const std::string> paths, const IndexOptions& options) {
  auto roots = store.indexed_roots();
  if (!roots) return std::unexpected(std::move(roots).error());
  const bool chosen = options.format != Format::auto_detect || !options.params.empty();
  RunSettings run;
  bool rooted_scan = false;
  std::vector<std::string> given;
  for (auto& path : scan_roots(paths)) {
    if (std::find(given.begin(), given.end(), path) != given.end()) continue;
    given.push_back(path);
    Reading reading{options.format, options.params};
    std::string base = path;
    std::string scan = path;
    bool decided = true;
    if (const auto* root = store::covering_root(*roots, path)) {
      auto remembered = remembered_reading(*root);
      if (!remembered) return std::unexpected(std::move(remembered).error());
      const bool same_format = options.format == Format::auto_detect || options.format == remembered->format;
      const bool same_params = options.params.empty() || options.params == remembered->params;
      if (same_format && same_params) {
        reading = std::move(*remembered);
        base = root->prefix;
        decided = false;
        // An annotation file given by name is read as given (it names its
        // own data files); a folder or data file below the root through it.
        if (shared_file_format(reading.format) && root->prefix != path && !is_json_path(path)) {
          scan = root->prefix;
          rooted_scan = true;
        }
      } else if (options.format == Format::auto_detect) {
        reading.format = remembered->format;  // new parameters for the remembered format
      }
    }
    std::size_t index = reading_index(run.readings, std::move(reading));
    if (decided) run.remember.emplace_back(path, index);
    if (chosen) {
      for (const auto& root : *roots) {
        if (strictly_below(root.prefix, path)) run.forget.push_back(root.prefix);
      }
    }
    if (std::find(run.scan_paths.begin(), run.scan_paths.end(), scan) != run.scan_paths.end()) continue;
    run.scan_paths.push_back(std::move(scan));
    run.bases.push_back(std::move(base));
    run.reading_of.push_back(index);
  }
  if (rooted_scan) run.keep_under = given;
  if (!chosen) {
    for (const auto& root : *roots) {
      bool below = std::any_of(run.scan_paths.begin(), run.scan_paths.end(),
                               [&](const std::string& scan) { return strictly_below(root.prefix, scan); });
      if (!below) continue;
      auto remembered = remembered_reading(root);
      if (!remembered) return std::unexpected(std::move(remembered).error());
      run.sub_roots.push_back(root.prefix);
      run.sub_reading.push_back(reading_index(run.readings, std::move(*remembered)));
    }
  }
  return run;
}

Result<RunPlan> plan_run(storage::FileSystem& fs, const RunSettings& settings, Scan scan, const IndexOptions& options,
                         const ParallelLoop& loop) {
  RunPlan out;
  if (settings.bases.size() == scan.roots.size()) scan.bases = settings.bases;
  // Which reading each file belongs to: its deepest sub-root's, else its scan path's.
  std::vector<Scan> parts(settings.readings.size());
  if (settings.sub_roots.empty() && settings.readings.size() == 1) {
    parts.front() = std::move(scan);
  } else {
    std::vector<std::string> roots = scan.roots, bases = scan.bases;
    const auto first_sub = static_cast<std::uint32_t>(roots.size());
    roots.insert(roots.end(), settings.sub_roots.begin(), settings.sub_roots.end());
    bases.insert(bases.end(), settings.sub_roots.begin(), settings.sub_roots.end());
    for (auto& part : parts) {
      part.roots = roots;
      part.bases = bases;
    }
    auto assign = [&](std::vector<ScannedFile>& files, std::vector<ScannedFile> Scan::*bucket) {
      for (auto& file : files) {
        std::size_t reading = settings.reading_of[file.root];
        if (auto sub = sub_root_of(settings, file.info.path)) {
          reading = settings.sub_reading[*sub];
          file.root = first_sub + static_cast<std::uint32_t>(*sub);
        }
        (parts[reading].*bucket).push_back(std::move(file));
      }
    };
    assign(scan.data, &Scan::data);
    assign(scan.json, &Scan::json);
  }

  std::vector<bool> of_a_path(settings.readings.size(), false);
  for (auto index : settings.reading_of) of_a_path[index] = true;
  std::vector<std::optional<Format>> used(settings.readings.size());
  // Parts of the paths' readings first (in the order of the paths), then the sub-roots'.
  std::vector<std::size_t> order;
  for (auto index : settings.reading_of) {
    if (std::find(order.begin(), order.end(), index) == order.end()) order.push_back(index);
  }
  for (std::size_t i = 0; i < settings.readings.size(); ++i) {
    if (std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
  }
  for (auto index : order) {
    // A reading with no files is planned only for a path (an explicit format
    // on an empty folder still reports, or refuses, as before).
    if (!of_a_path[index] && parts[index].data.empty() && parts[index].json.empty()) continue;
    IndexOptions part_options = options;
    part_options.format = settings.readings[index].format;
    part_options.params = settings.readings[index].params;
    out.parts.push_back(RunPart{settings.readings[index], std::move(parts[index]), {}});
    RunPart& part = out.parts.back();
    auto plan = make_plan(fs, part.scan, part_options, loop);
    if (!plan) return std::unexpected(std::move(plan).error());
    keep_items_under(settings, *plan);
    part.plan = std::move(*plan);
    used[index] = part.plan.format;
    if (std::find(out.formats.begin(), out.formats.end(), part.plan.format) == out.formats.end()) {
      out.formats.push_back(part.plan.format);
    }
  }

  // Annotation-only files annotate objects indexed before: they do not mix
  // with data files in one run.
  const RunPart* annotation_only = nullptr;
  const RunPart* with_data = nullptr;
  for (const auto& part : out.parts) {
    if (part.plan.format == Format::annotation_only) {
      if (!annotation_only && !part.scan.json.empty()) annotation_only = &part;
    } else if (!with_data && !part.scan.data.empty()) {
      with_data = &part;
    }
  }
  if (annotation_only && with_data) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}' holds annotation-only files, read in the same run as the data files of '{}'",
                            annotation_only->scan.roots[annotation_only->scan.json.front().root],
                            with_data->scan.roots[with_data->scan.data.front().root]),
                "index the annotation-only files in a run of their own");
  }

  // What the run records: each path whose reading it decided, when it is a
  // folder; a detected format only when something was found to index.
  for (const auto& [path, index] : settings.remember) {
    if (!used[index]) continue;
    const RunPart* part = nullptr;
    for (const auto& p : out.parts) {
      if (p.reading == settings.readings[index]) part = &p;
    }
    const bool detected = settings.readings[index].format == Format::auto_detect;
    if (detected && part->plan.items.empty() && part->plan.annotation_only.empty()) continue;
    if (is_file_in(part->scan, path)) continue;
    out.remember.push_back(
        store::IndexedRoot{path, std::string(format_name(*used[index])), settings.readings[index].params});
  }
  out.forget = settings.forget;
  return out;
}

Plan take_merged_plan(RunPlan& run) {
  if (run.parts.size() == 1) return std::move(run.parts.front().plan);
  Plan merged;
  merged.format = run.parts.front().plan.format;
  for (auto& part : run.parts) {
    if (part.plan.format == Format::annotation_only && !part.plan.annotation_only.empty()) {
      merged.format = Format::annotation_only;
    }
    std::move(part.plan.items.begin(), part.plan.items.end(), std::back_inserter(merged.items));
    std::move(part.plan.annotation_only.begin(), part.plan.annotation_only.end(),
              std::back_inserter(merged.annotation_only));
    std::move(part.plan.skipped.begin(), part.plan.skipped.end(), std::back_inserter(merged.skipped));
    std::move(part.plan.missing_images.begin(), part.plan.missing_images.end(),
              std::back_inserter(merged.missing_images));
    // Splicing keeps the nodes (items point into them); a path two parts
    // found stays in its part, which outlives the merged plan.
    merged.outside.merge(part.plan.outside);
    part.plan.items.clear();
    part.plan.annotation_only.clear();
  }
  std::sort(merged.items.begin(), merged.items.end(),
            [](const PlannedItem& a, const PlannedItem& b) { return a.data->info.path < b.data->info.path; });
  std::sort(
      merged.annotation_only.begin(), merged.annotation_only.end(),
      [](const AnnotationOnlyFile& a, const AnnotationOnlyFile& b) { return a.file->info.path < b.file->info.path; });
  return merged;
}

}  // namespace ldb::index
