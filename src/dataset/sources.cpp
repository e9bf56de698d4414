#include "dataset/sources.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/read_add.hpp"
#include "dataset/workspace.hpp"
#include "dataset/workspace_files.hpp"
#include "index/scan.hpp"
#include "storage/url.hpp"

namespace ldb::dataset {

Result<DatasetRef> parse_dataset_ref(std::string_view text) {
  if (!text.starts_with("ds:")) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not a dataset reference", text),
                "datasets are written ds:NAME or ds:NAME.vN");
  }
  std::string_view body = text.substr(3);
  DatasetRef ref;
  auto dot = body.rfind(".v");
  if (dot != std::string_view::npos && dot + 2 < body.size() &&
      std::all_of(body.begin() + static_cast<long>(dot) + 2, body.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    auto digits = body.substr(dot + 2);
    std::uint32_t v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || v == 0) {
      return fail(ErrorCode::invalid_argument, fmt::format("'{}' has an invalid version number", text),
                  "versions start at 1: ds:NAME.v1");
    }
    ref.version = v;
    body = body.substr(0, dot);
  }
  LDB_TRY(validate_dataset_name(body));
  ref.name = std::string(body);
  return ref;
}

Result<core::Md5> resolve_object_id(store::Store& store, std::string_view identifier) {
  std::string_view hex = identifier.substr(3);
  if (!core::is_hex(hex) || hex.size() < 8) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not an object id", identifier),
                "use id: with the full MD5 or a unique prefix of at least 8 hex digits");
  }
  std::string lower(hex);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  auto matches = store.objects_with_prefix(lower, 2);
  if (!matches) return std::unexpected(matches.error());
  if (matches->empty()) {
    return fail(ErrorCode::not_found, fmt::format("no indexed object matches '{}'", identifier),
                "list indexed objects with: ldb list ds:root");
  }
  if (matches->size() > 1) {
    return fail(ErrorCode::conflict, fmt::format("'{}' matches more than one object", identifier),
                "give more hex digits of the id");
  }
  return matches->front();
}

Result<std::vector<std::string>> expand_local_path(storage::FileSystem& fs, std::string_view path) {
  if (!core::is_glob(path)) return std::vector<std::string>{storage::normalize_storage_path(path)};
  std::string pattern = storage::normalize_storage_path(path);
  // The longest leading folder without glob characters is where to look.
  auto first_glob = pattern.find_first_of("*?[");
  auto slash = pattern.rfind('/', first_glob);
  std::string base = slash == 0 ? "/" : pattern.substr(0, slash);
  auto files = fs.list(base);
  if (!files) return std::unexpected(files.error());
  // A pattern matches a file, or a folder on the way to one.
  auto depth = std::count(pattern.begin(), pattern.end(), '/');
  std::vector<std::string> out;
  for (const auto& f : *files) {
    std::string_view p = f.path;
    std::string prefix;
    long slashes = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (p[i] == '/' && ++slashes > depth) {
        prefix = std::string(p.substr(0, i));
        break;
      }
    }
    if (prefix.empty()) prefix = std::string(p);
    if (core::glob_match(pattern, prefix) && (out.empty() || out.back() != prefix)) out.push_back(prefix);
  }
  if (out.empty()) {
    return fail(ErrorCode::not_found, fmt::format("no files match '{}'", path), "check the pattern and quote it");
  }
  return out;
}

Status check_location(Context& ctx, std::string_view path) {
  if (ctx.settings.read_any_location) return {};
  auto locations = ctx.store.storage_locations();
  if (!locations) return std::unexpected(locations.error());
  for (const auto& loc : *locations) {
    if (core::path_is_within(path, loc.prefix)) return {};
  }
  return fail(ErrorCode::invalid_argument, fmt::format("'{}' is not inside a registered storage location", path),
              "register it first: ldb add-storage <prefix> (or, for ldb add, a read-add location new files are "
              "copied to: ldb add-storage -a true DIR)");
}

index::IndexOptions with_location_check(Context& ctx, index::IndexOptions options) {
  options.location_check = [&ctx](std::string_view path) -> Status {
    auto allowed = check_location(ctx, path);
    if (allowed) return {};
    Error error = std::move(allowed).error();
    if (error.code == ErrorCode::invalid_argument) {
      error.hint = "files that annotations name must lie in registered storage too: ldb add-storage <prefix>";
    }
    return std::unexpected(std::move(error));
  };
  return options;
}

Result<std::vector<std::string>> expand_storage_paths(Context& ctx, std::span<const std::string> raw_paths) {
  std::vector<std::string> paths;
  for (const auto& raw : raw_paths) {
    auto expanded = expand_local_path(ctx.fs, raw);
    if (!expanded) return std::unexpected(expanded.error());
    for (auto& p : *expanded) {
      LDB_TRY(check_location(ctx, p));
      paths.push_back(std::move(p));
    }
  }
  return paths;
}

namespace {

// `add` of local paths outside every storage location: copied to the
// read-add location (when there is one) and indexed there. Returns the copies
// (empty when every path may be read in place).
Result<std::optional<CopiedFiles>> copy_outside_paths(Context& ctx, std::vector<std::string>& paths) {
  std::vector<std::size_t> outside;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    auto inside = check_location(ctx, paths[i]);
    if (inside) continue;
    // Only local files are copied; a cloud path must lie in registered storage.
    if (core::protocol_of(paths[i]) != "file") return std::unexpected(inside.error());
    // A path that is not there is that, wherever it is.
    if (auto there = ctx.fs.stat(paths[i]); !there && there.error().code == ErrorCode::not_found) {
      return std::unexpected(there.error());
    }
    outside.push_back(i);
  }
  if (outside.empty()) return std::optional<CopiedFiles>();
  auto read_add = find_read_add_location(ctx);
  if (!read_add) return std::unexpected(read_add.error());
  if (!*read_add) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}' is not inside a registered storage location", paths[outside.front()]),
                outside_storage_hint());
  }
  // Each path keeps its own name below the new folder (a folder's files keep
  // their layout, so their annotations still pair).
  std::vector<CopyRequest> requests;
  std::vector<std::pair<std::size_t, std::string>> renamed;  // path index, name below the new folder
  for (auto i : outside) {
    auto listed = ctx.fs.list(paths[i]);
    if (!listed) return std::unexpected(listed.error());
    // A data file named alone brings its annotation, as indexing it in place would.
    if (listed->size() == 1 && listed->front().path == paths[i] && !index::is_json_path(paths[i])) {
      if (auto sibling = ctx.fs.stat(index::annotation_path_for(paths[i]))) listed->push_back(std::move(*sibling));
    }
    std::string base(core::folder_of(paths[i]));
    for (const auto& f : *listed) {
      auto relative = core::relative_to(f.path, base);
      if (core::has_hidden_component(relative)) continue;
      requests.push_back({f.path, relative});
    }
    renamed.emplace_back(i, core::relative_to(paths[i], base));
  }
  auto copied = copy_to_read_add(ctx, (*read_add)->prefix, requests);
  if (!copied) return std::unexpected(copied.error());
  for (const auto& [i, name] : renamed) paths[i] = copied->folder + "/" + name;
  return std::optional<CopiedFiles>(std::move(*copied));
}

// The refs of an index run; its skipped COCO images become warnings.
Result<store::Collection> index_refs(Context& ctx, std::span<const std::string> paths,
                                     const index::IndexOptions& options) {
  auto report = index::index_paths(ctx.store, ctx.fs, ctx.pool, ctx.progress, paths, options);
  if (!report) return std::unexpected(report.error());
  for (const auto& missing : report->missing_images) ctx.warnings.push_back(index::describe_missing(missing));
  return std::move(report->refs);
}

Result<store::Collection> resolve_paths(Context& ctx, std::span<const std::string> raw_paths,
                                        const SourceOptions& source_options) {
  SourceOptions options = source_options;
  options.index = with_location_check(ctx, source_options.index);
  if (options.mode == PathMode::index_first) {
    // add: a workspace folder is read as a source (dataset/workspace_files.hpp);
    // a path outside storage goes to the read-add location.
    std::vector<store::ObjectRef> refs;
    std::vector<std::string> plain;
    for (const auto& raw : raw_paths) {
      if (core::protocol_of(raw) == "file" && !core::is_glob(raw) &&
          Workspace::exists(core::normalize_local_path(raw))) {
        auto ws = Workspace::open(core::normalize_local_path(raw));
        if (!ws) return std::unexpected(ws.error());
        std::vector<std::string> untouched;
        if (options.untouched_files) {
          auto listed = options.untouched_files(*ws);
          if (!listed) return std::unexpected(listed.error());
          untouched = std::move(*listed);
        }
        auto files = read_workspace_files(ctx, *ws, untouched);
        if (!files) return std::unexpected(files.error());
        refs.insert(refs.end(), files->members.begin(), files->members.end());
        ctx.workspace_reads.push_back(WorkspaceRead{ws->root(), std::move(files->taken)});
        if (!files->copied_to.empty()) {
          ctx.notes.push_back(fmt::format("Copied {} new data objects to '{}'", files->new_objects, files->copied_to));
        }
      } else {
        plain.push_back(raw);
      }
    }
    if (!plain.empty()) {
      std::vector<std::string> paths;
      for (const auto& raw : plain) {
        auto expanded = expand_local_path(ctx.fs, raw);
        if (!expanded) return std::unexpected(expanded.error());
        paths.insert(paths.end(), expanded->begin(), expanded->end());
      }
      auto copied = copy_outside_paths(ctx, paths);
      if (!copied) return std::unexpected(copied.error());
      // ldb made the copies, so it indexes them whatever core.auto_index says.
      auto found = [&]() -> Result<store::Collection> {
        if (!ctx.settings.auto_index && !*copied)
          return index::resolve_indexed(ctx.store, ctx.fs, paths, options.index);
        return index_refs(ctx, paths, options.index);
      }();
      if (!found) {
        if (*copied) discard_copies(**copied);
        return std::unexpected(found.error());
      }
      if (*copied) ctx.notes.push_back(fmt::format("Copied new files to '{}'", (*copied)->folder));
      refs.insert(refs.end(), found->begin(), found->end());
    }
    return normalize(std::move(refs));
  }
  auto paths = expand_storage_paths(ctx, raw_paths);
  if (!paths) return std::unexpected(paths.error());
  if (ctx.settings.auto_index) {
    auto known = index::resolve_indexed(ctx.store, ctx.fs, *paths, options.index);
    if (known || (known.error().code != ErrorCode::not_found && known.error().code != ErrorCode::conflict)) {
      return known;
    }
    return index_refs(ctx, *paths, options.index);
  }
  return index::resolve_indexed(ctx.store, ctx.fs, *paths, options.index);
}

}  // namespace

Result<store::Collection> resolve_sources(Context& ctx, std::span<const std::string> identifiers,
                                          const SourceOptions& options) {
  std::vector<store::ObjectRef> refs;
  std::vector<std::string> paths;
  std::vector<core::Md5> ids;
  for (const auto& ident : identifiers) {
    if (ident.starts_with("id:")) {
      auto hash = resolve_object_id(ctx.store, ident);
      if (!hash) return std::unexpected(hash.error());
      ids.push_back(*hash);
    } else if (ident == "ds:root") {
      auto root = ctx.store.root_collection();
      if (!root) return std::unexpected(root.error());
      refs.insert(refs.end(), root->begin(), root->end());
    } else if (ident.starts_with("ds:")) {
      auto ref = parse_dataset_ref(ident);
      if (!ref) return std::unexpected(ref.error());
      auto version = ctx.store.dataset_version(ref->name, ref->version);
      if (!version) return std::unexpected(version.error());
      auto members = ctx.store.collection(version->collection_hash);
      if (!members) return std::unexpected(members.error());
      refs.insert(refs.end(), members->begin(), members->end());
    } else if (ident.starts_with("ws:")) {
      auto ws = Workspace::open(core::normalize_local_path(ident.substr(3)));
      if (!ws) return std::unexpected(ws.error());
      const auto& members = ws->state().members;
      refs.insert(refs.end(), members.begin(), members.end());
    } else {
      paths.push_back(ident);
    }
  }
  if (!ids.empty()) {
    auto current = ctx.store.current_versions(ids);
    if (!current) return std::unexpected(current.error());
    refs.insert(refs.end(), current->begin(), current->end());
  }
  if (!paths.empty()) {
    auto found = resolve_paths(ctx, paths, options);
    if (!found) return std::unexpected(found.error());
    refs.insert(refs.end(), found->begin(), found->end());
  }
  return normalize(std::move(refs));
}

}  // namespace ldb::dataset
