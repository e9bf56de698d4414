#include "dataset/workspace_files.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_set>

#include <fmt/format.h>

#include "core/json.hpp"
#include "core/paths.hpp"
#include "dataset/class_folders.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/label_edits.hpp"
#include "dataset/read_add.hpp"
#include "dataset/sources.hpp"
#include "index/image_probe.hpp"
#include "index/infer.hpp"
#include "index/plan.hpp"
#include "index/scan.hpp"

namespace ldb::dataset {

namespace {

constexpr std::size_t k_chunk = 16;

struct Found {
  const index::ScannedFile* data = nullptr;
  const index::ScannedFile* annotation = nullptr;  // the .json beside it, if any
  core::Md5 hash;
  std::optional<store::ImageInfo> image;
  bool derived = false;  // the annotation comes from a label file of a detection layout (COCO, YOLO, ...)
  const std::vector<std::string>* read_from = nullptr;  // when derived: the files it was read from
  bool class_folder = false;                            // the annotation is the label its class folder makes
  std::string canonical_json;                           // when annotation, derived or class_folder
  core::Md5 annotation_md5;                             // of the annotation file's bytes
  std::optional<Error> error;
};

std::uint32_t staged_version(const store::Collection& staged, const core::Md5& hash, bool& is_staged) {
  auto it = std::lower_bound(staged.begin(), staged.end(), hash,
                             [](const store::ObjectRef& r, const core::Md5& h) { return r.hash < h; });
  is_staged = it != staged.end() && it->hash == hash;
  return is_staged ? it->annotation_version : 0;
}

struct WorkspacePlan {
  index::Plan plan;
  bool class_folders = false;  // detected as tensorflow-inferred: folder names are labels
};

// Pairs the workspace's files as `index` would (auto-detection: pairs, COCO,
// YOLO, VOC, Label Studio), except that data files without an annotation are
// kept (bare pairs), and that class folders and annotation-only files are
// read as bare pairs: their data files keep the versions they had, unless
// read_files gives class folders their labels (a layout record says so).
Result<WorkspacePlan> plan_workspace(Context& ctx, const index::Scan& scan) {
  index::ParallelLoop loop = [&ctx](std::size_t n, const std::function<void(std::size_t, std::size_t)>& body) {
    ctx.pool.parallel_for(n, k_chunk, [&](std::size_t begin, std::size_t end, unsigned) { body(begin, end); });
  };
  index::IndexOptions options;
  auto plan = index::make_plan(ctx.fs, scan, options, loop);
  if (!plan) return std::unexpected(plan.error());
  using F = index::Format;
  const bool class_folders = plan->format == F::tensorflow_inferred;
  if (plan->format == F::strict_pairs || plan->format == F::tensorflow_inferred || plan->format == F::annotation_only ||
      plan->format == F::auto_detect) {
    options.format = F::bare_pairs;
    plan = index::make_plan(ctx.fs, scan, options, loop);
    if (!plan) return std::unexpected(plan.error());
  }
  return WorkspacePlan{std::move(*plan), class_folders};
}

// The label parameters of a workspace that instantiate wrote as class
// folders (tensorflow-inferred); nullopt for any other layout.
Result<std::optional<index::InferParams>> class_folder_params(const Workspace& ws) {
  auto layout = read_instantiated_layout(ws.root());
  if (!layout) return std::unexpected(layout.error());
  if (!*layout || (*layout)->format != index::format_name(index::Format::tensorflow_inferred)) {
    return std::optional<index::InferParams>();
  }
  auto params = index::parse_infer_params((*layout)->params);
  if (!params) return std::unexpected(params.error());
  return std::optional<index::InferParams>(std::move(*params));
}

// Hashes every planned data file and reads its annotation, on the pool. With
// `class_folders` (labels read back), a data file without a .json carries the
// label of its folder.
Result<std::vector<Found>> read_files(Context& ctx, const index::Plan& plan, const std::string& root,
                                      const index::InferParams* class_folders) {
  std::vector<Found> found(plan.items.size());
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    found[i].data = plan.items[i].data;
    if (plan.items[i].source == index::AnnotationSource::file) found[i].annotation = plan.items[i].annotation_file;
    if (plan.items[i].source == index::AnnotationSource::derived) {
      found[i].derived = true;
      found[i].read_from = &plan.items[i].read_from;
      found[i].canonical_json = plan.items[i].derived_json;
    }
    if (class_folders && plan.items[i].source == index::AnnotationSource::none) {
      auto label = index::inferred_annotation(index::relative_folder(found[i].data->info.path, root), *class_folders);
      if (label) {
        found[i].class_folder = true;
        found[i].canonical_json = std::move(*label);
      }
    }
  }
  ctx.progress.start("reading workspace", found.size());
  ctx.pool.parallel_for(found.size(), k_chunk, [&](std::size_t begin, std::size_t end, unsigned) {
    for (std::size_t i = begin; i < end; ++i) {
      auto& f = found[i];
      // Features only for the files that turn out to be new objects (below):
      // most of a workspace is what instantiate wrote.
      auto probed = index::hash_and_probe(ctx.fs, f.data->info, false);
      if (!probed) {
        f.error = probed.error();
        continue;
      }
      f.hash = probed->hash;
      f.image = std::move(probed->image);
      if (f.annotation) {
        auto text = ctx.fs.read(f.annotation->info.path);
        if (text) f.annotation_md5 = core::md5_of(*text);
        auto canonical =
            text ? core::canonical_json(*text, f.annotation->info.path) : std::unexpected(std::move(text).error());
        if (!canonical) {
          f.error = canonical.error();
          continue;
        }
        f.canonical_json = std::move(*canonical);
      }
    }
    ctx.progress.advance(end - begin);
  });
  ctx.progress.finish();
  for (const auto& f : found) {
    if (f.error) return std::unexpected(*f.error);
  }
  return found;
}

// The annotations of edited label files in a detection layout, merged into
// the versions they were written from (dataset/label_edits.hpp): one entry
// per entry of `known`, set for the derived annotations that are compared
// with a version and whose files are not as written.
Result<std::vector<std::optional<std::string>>> merge_label_edits(Context& ctx, index::Format layout,
                                                                  const std::vector<Found>& found,
                                                                  std::span<const std::size_t> known,
                                                                  std::span<const store::ObjectRef> versions,
                                                                  std::span<const std::string> previous,
                                                                  const std::function<bool(const Found&)>& as_written) {
  std::vector<std::optional<std::string>> out(known.size());
  // Every member the layout holds is written (class tables and ids are
  // decided over all of them); the edited ones are read back.
  // In hash order, as instantiate writes members: ids and class numbers
  // made up in that order come out the same.
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < known.size(); ++k) {
    if (found[known[k]].derived && versions[k].annotation_version != 0) order.push_back(k);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return found[known[a]].hash < found[known[b]].hash; });
  std::vector<LabelSource> sources;
  std::vector<std::size_t> wanted, wanted_k;  // indexes into sources and into known
  for (std::size_t k : order) {
    const Found& f = found[known[k]];
    sources.push_back(LabelSource{f.hash, previous[k], f.image});
    if (as_written(f)) continue;
    wanted.push_back(sources.size() - 1);
    wanted_k.push_back(k);
  }
  if (wanted.empty()) return out;
  std::vector<WrittenLabels> written;
  if (ctx.read_back_labels) {
    auto read = ctx.read_back_labels(layout, sources, wanted);
    if (read) {
      written = std::move(*read);
    } else {
      // An annotation the writer cannot write (a staged version `pull` moved
      // on): the edit is still taken, matching objects as they are.
      ctx.warnings.push_back(fmt::format(
          "{} object(s) with edited label files were compared with their annotations as they are, as the {} "
          "writer cannot write those again: {}",
          wanted.size(), index::format_name(layout), read.error().message));
    }
  }
  if (written.empty()) {
    for (std::size_t i : wanted) written.push_back(written_as_is(sources[i].annotation));
  }
  for (std::size_t w = 0; w < wanted.size(); ++w) {
    std::size_t k = wanted_k[w];
    const Found& f = found[known[k]];
    auto edit = merge_label_edit(previous[k], written[w], f.canonical_json, fmt::format("object id:{}", f.hash.hex()));
    if (!edit) return std::unexpected(edit.error());
    out[k] = std::move(*edit);
  }
  return out;
}

store::FoundAnnotation annotation_at(const std::string& path, const storage::FileInfo& info, std::string json) {
  return store::FoundAnnotation{path, info.size, info.mtime_ns, std::move(json)};
}

// Data files of the workspace that ldb never indexed: copied to the read-add
// location (or, where the instance may read any location, to a folder of its
// own), and queued in `to_ingest` with their annotations.
Result<CopiedFiles> take_new_files(Context& ctx, const std::string& root, std::vector<Found>& found_files,
                                   std::span<const std::size_t> unknown, std::vector<store::IndexedFile>& to_ingest) {
  auto read_add = find_read_add_location(ctx);
  if (!read_add) return std::unexpected(read_add.error());
  std::vector<std::string> data_paths(unknown.size()), json_paths(unknown.size());
  // Without a read-add location, an instance that may read any location
  // (QuickStart) keeps the new files in a folder of its own: indexed where
  // they are, in the workspace, they would be lost to the next
  // `instantiate -f`, which owns the workspace's files.
  std::string destination;
  if (*read_add) {
    destination = (*read_add)->prefix;
  } else if (check_location(ctx, root)) {
    destination = (ctx.instance_dir / k_implicit_read_add_folder).string();
  } else {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}' is a new data file and there is no read-add storage location to copy it to",
                            found_files[unknown.front()].data->info.path),
                outside_storage_hint());
  }
  std::vector<CopyRequest> requests;
  for (auto i : unknown) {
    const auto& f = found_files[i];
    requests.push_back({f.data->info.path, core::relative_to(f.data->info.path, root)});
    // A shared annotation file (COCO, ...) stays behind; the annotation goes with the ingest.
    if (f.annotation) requests.push_back({f.annotation->info.path, core::relative_to(f.annotation->info.path, root)});
  }
  auto done = copy_to_read_add(ctx, destination, requests);
  if (!done) return std::unexpected(done.error());
  CopiedFiles copied = std::move(*done);
  std::size_t next = 0;
  for (std::size_t k = 0; k < unknown.size(); ++k) {
    data_paths[k] = copied.paths[next++];
    if (found_files[unknown[k]].annotation) json_paths[k] = copied.paths[next++];
  }
  for (std::size_t k = 0; k < unknown.size(); ++k) {
    auto& f = found_files[unknown[k]];
    store::IndexedFile file;
    file.path = data_paths[k];
    file.size = f.data->info.size;
    file.mtime_ns = f.data->info.mtime_ns;
    file.hash = f.hash;
    file.image_probed = true;
    file.image = f.image;
    if (file.image) LDB_TRY(index::add_features(ctx.fs, f.data->info, *file.image));
    // The copy's own size and mtime, so a later re-index skips it cheaply.
    if (auto st = ctx.fs.stat(file.path)) file.mtime_ns = st->mtime_ns;
    if (f.derived || f.class_folder) {
      file.annotation = store::FoundAnnotation{"", 0, 0, std::move(f.canonical_json)};
    } else if (f.annotation) {
      storage::FileInfo info = f.annotation->info;
      if (auto st = ctx.fs.stat(json_paths[k])) info = *st;
      file.annotation = annotation_at(json_paths[k], info, std::move(f.canonical_json));
    }
    to_ingest.push_back(std::move(file));
  }
  return copied;
}

}  // namespace

Result<WorkspaceFiles> read_workspace_files(Context& ctx, const Workspace& ws, std::span<const std::string> untouched) {
  std::string root = ws.root().string();
  std::vector<std::string> roots{root};
  auto scan = index::scan_paths(ctx.fs, roots, ctx.progress);
  if (!scan) return std::unexpected(scan.error());
  auto workspace_plan = plan_workspace(ctx, *scan);
  if (!workspace_plan) return std::unexpected(workspace_plan.error());
  const index::Plan* plan = &workspace_plan->plan;
  auto class_folders = class_folder_params(ws);
  if (!class_folders) return std::unexpected(class_folders.error());
  // Class folders whose labels are read back, as instantiate wrote them.
  const bool labelled_folders = class_folders->has_value() && plan->format == index::Format::bare_pairs;
  auto found = read_files(ctx, *plan, root, labelled_folders ? &**class_folders : nullptr);
  if (!found) return std::unexpected(found.error());
  const std::unordered_set<std::string> untouched_set(untouched.begin(), untouched.end());
  // Whether the annotation files of `f` are as instantiate wrote them.
  auto as_written = [&](const Found& f) {
    if (f.annotation) return untouched_set.contains(f.annotation->info.path);
    // A class-folder file's label is its path: untouched when the file is.
    if (f.class_folder) return untouched_set.contains(f.data->info.path);
    if (!f.derived || f.read_from->empty()) return false;
    return std::all_of(f.read_from->begin(), f.read_from->end(),
                       [&](const std::string& path) { return untouched_set.contains(path); });
  };

  WorkspaceFiles out;
  out.data_files = found->size();
  const auto& staged = ws.state().members;
  std::vector<store::ObjectRef> members;       // decided without writing
  std::vector<store::IndexedFile> to_ingest;   // edited annotations and new objects
  std::vector<std::size_t> known_with_json;    // indexes into *found, compared below
  std::vector<store::ObjectRef> compare_with;  // the version each is compared with
  std::vector<std::size_t> unknown;            // data files ldb never indexed

  for (std::size_t i = 0; i < found->size(); ++i) {
    const auto& f = (*found)[i];
    auto match = ctx.store.objects_with_prefix(f.hash.hex(), 1);
    if (!match) return std::unexpected(match.error());
    if (match->empty() || match->front() != f.hash) {
      unknown.push_back(i);
      continue;
    }
    bool is_staged = false;
    std::uint32_t version = staged_version(staged, f.hash, is_staged);
    if (!is_staged) {
      auto current = ctx.store.current_versions(std::span(&f.hash, 1));
      if (!current) return std::unexpected(current.error());
      version = current->front().annotation_version;
    }
    if (!f.annotation && !f.derived && !f.class_folder) {
      members.push_back({f.hash, version});
      continue;
    }
    known_with_json.push_back(i);
    compare_with.push_back({f.hash, version});
  }

  // An annotation file equal to the version it is compared with changes nothing.
  auto previous = ctx.store.annotations(compare_with);
  if (!previous) return std::unexpected(previous.error());
  auto merged = merge_label_edits(ctx, plan->format, *found, known_with_json, compare_with, *previous, as_written);
  if (!merged) return std::unexpected(merged.error());
  simdjson::dom::parser parser;
  for (std::size_t k = 0; k < known_with_json.size(); ++k) {
    auto& f = (*found)[known_with_json[k]];
    if (compare_with[k].annotation_version != 0 && as_written(f)) {
      members.push_back(compare_with[k]);
      continue;
    }
    if (f.class_folder) {
      auto relabelled =
          relabel_from_folder(parser, (*previous)[k], index::relative_folder(f.data->info.path, root), **class_folders);
      if (!relabelled) return std::unexpected(relabelled.error());
      if (relabelled->empty()) {
        members.push_back(compare_with[k]);
        continue;
      }
      f.canonical_json = std::move(*relabelled);
    }
    if ((*merged)[k]) f.canonical_json = std::move(*(*merged)[k]);
    if (compare_with[k].annotation_version != 0 && (*previous)[k] == f.canonical_json) {
      members.push_back(compare_with[k]);
      continue;
    }
    ++out.edited_annotations;
    store::IndexedFile file;
    file.hash = f.hash;
    file.size = f.data->info.size;
    file.annotation = store::FoundAnnotation{"", 0, 0, std::move(f.canonical_json)};
    to_ingest.push_back(std::move(file));
  }

  // New data files: to the read-add location, else in place where allowed.
  std::optional<CopiedFiles> copied;
  if (!unknown.empty()) {
    auto taken = take_new_files(ctx, root, *found, unknown, to_ingest);
    if (!taken) return std::unexpected(taken.error());
    copied = std::move(*taken);
    out.copied_to = copied->folder;
  }

  if (!to_ingest.empty()) {
    auto ingested = ctx.store.ingest(to_ingest, {});
    if (!ingested) {
      if (copied) discard_copies(*copied);
      return std::unexpected(ingested.error());
    }
    out.new_objects = ingested->new_objects;
    out.new_annotations = ingested->new_annotations;
    members.insert(members.end(), ingested->refs.begin(), ingested->refs.end());
  }
  out.members = normalize(std::move(members));
  if (!workspace_plan->class_folders || labelled_folders) {
    for (const auto& f : *found) {
      out.taken.push_back(TakenFile{f.data->info.path, f.data->info.size, f.data->info.mtime_ns, f.hash});
      if (f.annotation) {
        out.taken.push_back(
            TakenFile{f.annotation->info.path, f.annotation->info.size, f.annotation->info.mtime_ns, f.annotation_md5});
      }
    }
  }
  return out;
}

std::vector<TakenFile> taken_of_members(std::span<const TakenFile> taken, const store::Collection& members) {
  std::unordered_set<std::string> kept_json;
  std::vector<TakenFile> out;
  auto is_member = [&](const core::Md5& hash) {
    return std::binary_search(members.begin(), members.end(), store::ObjectRef{hash, 0},
                              [](const store::ObjectRef& a, const store::ObjectRef& b) { return a.hash < b.hash; });
  };
  for (const auto& file : taken) {
    if (index::is_json_path(file.path) || !is_member(file.md5)) continue;
    out.push_back(file);
    kept_json.insert(index::annotation_path_for(file.path));
  }
  for (const auto& file : taken) {
    if (index::is_json_path(file.path) && kept_json.contains(file.path)) out.push_back(file);
  }
  return out;
}

}  // namespace ldb::dataset
