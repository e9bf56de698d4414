#include "dataset/sources.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/workspace.hpp"

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
  if (!core::is_glob(path)) return std::vector<std::string>{core::normalize_local_path(path)};
  std::string pattern = core::normalize_local_path(path);
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
              "register it first: ldb add-storage <prefix>");
}

Result<std::vector<std::string>> expand_storage_paths(Context& ctx, std::span<const std::string> raw_paths) {
  std::vector<std::string> paths;
  for (const auto& raw : raw_paths) {
    auto protocol = core::protocol_of(raw);
    if (protocol != "file") {
      return fail(ErrorCode::unsupported, fmt::format("'{}': {}:// storage is not supported yet", raw, protocol),
                  "copy the data to a local or shared disk and index it there");
    }
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

Result<store::Collection> resolve_paths(Context& ctx, std::span<const std::string> raw_paths,
                                        const SourceOptions& options) {
  auto paths = expand_storage_paths(ctx, raw_paths);
  if (!paths) return std::unexpected(paths.error());
  if (ctx.settings.auto_index && options.mode == PathMode::indexed_first) {
    auto known = index::resolve_indexed(ctx.store, ctx.fs, *paths, options.index);
    if (known || (known.error().code != ErrorCode::not_found && known.error().code != ErrorCode::conflict)) {
      return known;
    }
  }
  if (ctx.settings.auto_index) {
    auto report = index::index_paths(ctx.store, ctx.fs, ctx.pool, ctx.progress, *paths, options.index);
    if (!report) return std::unexpected(report.error());
    return std::move(report->refs);
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
