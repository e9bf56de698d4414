// resolve_indexed: the objects under some paths as the store knows them,
// refusing (with "run: ldb index <path>") when anything there is unindexed or
// changed. It reads annotation files only to compare annotation-only content;
// pairs are judged by path, size and mtime like a re-index would be.

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/progress.hpp"
#include "index/indexer.hpp"
#include "index/known_paths.hpp"
#include "index/plan.hpp"
#include "index/roots.hpp"
#include "index/scan.hpp"

namespace ldb::index {

namespace {

std::string index_hint(const Scan& scan, const ScannedFile& file) {
  return fmt::format("run: ldb index {}", scan.roots[file.root]);
}

void serial_loop(std::size_t n, const std::function<void(std::size_t, std::size_t)>& body) { body(0, n); }

// Appends the objects of one part's plan to `refs`.
Status resolve_pairs(store::Store& store, const KnownPaths& known_paths, const Scan& scan, const Plan& plan,
                     const Reading& reading, store::Collection& refs) {
  // With a known format or parameters (given, or remembered for the folder)
  // the label must match what they derive; plain auto takes whatever was
  // indexed at an unchanged path (it may have been indexed with
  // -p label-key=... that auto cannot know).
  const bool compare_derived = reading.format != Format::auto_detect || !reading.params.empty();
  std::vector<std::size_t> derived;  // items whose stored annotation content must match
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    const auto& item = plan.items[i];
    const auto& path = item.data->info.path;
    const store::KnownPath* known = known_paths.find(path);
    if (!known) {
      return fail(ErrorCode::not_found, fmt::format("'{}' is not indexed", path), index_hint(scan, *item.data));
    }
    if (!data_unchanged(*known, item.data->info)) {
      return fail(ErrorCode::conflict, fmt::format("'{}' changed since it was indexed", path),
                  index_hint(scan, *item.data));
    }
    if (item.source == AnnotationSource::derived) {
      if (compare_derived) derived.push_back(i);
    } else if (!annotation_file_unchanged(*known, item)) {
      std::string what = item.source == AnnotationSource::file
                             ? fmt::format("the annotation '{}'", item.annotation_file->info.path)
                             : std::string("the annotation");
      return fail(ErrorCode::conflict, fmt::format("{} of '{}' changed since it was indexed", what, path),
                  index_hint(scan, *item.data));
    }
    refs.push_back({known->hash, known->annotation_version});
  }
  if (!derived.empty()) {
    std::vector<store::ObjectRef> derived_refs;
    for (auto i : derived) {
      const auto* known = known_paths.find(plan.items[i].data->info.path);
      derived_refs.push_back({known->hash, known->annotation_version});
    }
    auto stored = store.annotations(derived_refs);
    if (!stored) return std::unexpected(std::move(stored).error());
    for (std::size_t k = 0; k < derived.size(); ++k) {
      const auto& item = plan.items[derived[k]];
      if ((*stored)[k] != item.derived_json) {
        return fail(ErrorCode::conflict,
                    fmt::format("the label of '{}' (from its folder) differs from the indexed annotation",
                                item.data->info.path),
                    index_hint(scan, *item.data));
      }
    }
  }
  return {};
}

Result<store::Collection> resolve_annotation_only(store::Store& store, const Scan& scan, const Plan& plan) {
  LDB_TRY(check_objects_indexed(store, plan.annotation_only));
  std::vector<core::Md5> ids;
  for (const auto& file : plan.annotation_only) {
    for (const auto& entry : file.entries) ids.push_back(entry.object);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto infos = store.objects_info(ids);
  if (!infos) return std::unexpected(std::move(infos).error());
  // Every stored version of every object, to find the one holding each entry's content.
  std::vector<store::ObjectRef> all_versions;
  for (const auto& info : *infos) {
    for (const auto& version : info.versions) all_versions.push_back({info.hash, version.version});
  }
  auto contents = store.annotations(all_versions);
  if (!contents) return std::unexpected(std::move(contents).error());
  std::map<std::pair<core::Md5, std::string_view>, std::uint32_t> version_of;
  for (std::size_t i = 0; i < all_versions.size(); ++i) {
    version_of.emplace(std::pair{all_versions[i].hash, std::string_view((*contents)[i])},
                       all_versions[i].annotation_version);
  }
  store::Collection refs;
  for (const auto& file : plan.annotation_only) {
    for (const auto& entry : file.entries) {
      auto it = version_of.find({entry.object, std::string_view(entry.canonical_json)});
      if (it == version_of.end()) {
        return fail(
            ErrorCode::conflict,
            fmt::format("the annotation of id:{} in '{}' is not indexed", entry.object.hex(), file.file->info.path),
            index_hint(scan, *file.file));
      }
      refs.push_back({entry.object, it->second});
    }
  }
  return newest_per_hash(std::move(refs));
}

}  // namespace

Result<store::Collection> resolve_indexed(store::Store& store, storage::FileSystem& fs,
                                          std::span<const std::string> paths, const IndexOptions& options) {
  auto settings = resolve_run(store, paths, options);
  if (!settings) return std::unexpected(std::move(settings).error());
  core::NullProgress quiet;
  auto scan = scan_paths(fs, settings->scan_paths, quiet);
  if (!scan) return std::unexpected(std::move(scan).error());
  IndexOptions strict_options = options;
  strict_options.bad_annotation = BadAnnotation::fail;
  auto run = plan_run(fs, *settings, std::move(*scan), strict_options, serial_loop);
  if (!run) return std::unexpected(std::move(run).error());
  const bool annotation_only = std::any_of(run->parts.begin(), run->parts.end(), [](const RunPart& part) {
    return part.plan.format == Format::annotation_only && !part.plan.annotation_only.empty();
  });
  if (annotation_only || run->parts.front().plan.format == Format::annotation_only) {
    Plan plan = take_merged_plan(*run);
    return resolve_annotation_only(store, run->parts.front().scan, plan);
  }
  auto known_paths = KnownPaths::load(store, scan_roots(settings->scan_paths));
  if (!known_paths) return std::unexpected(std::move(known_paths).error());
  for (const auto& part : run->parts) LDB_TRY(known_paths->add(store, outside_paths(part.plan)));
  store::Collection refs;
  for (const auto& part : run->parts) {
    LDB_TRY(resolve_pairs(store, *known_paths, part.scan, part.plan, part.reading, refs));
  }
  return newest_per_hash(std::move(refs));
}

}  // namespace ldb::index
