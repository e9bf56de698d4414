#include <algorithm>

#include <fmt/format.h>

#include "app/browse.hpp"
#include "app/detail/instantiated.hpp"
#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "core/paths.hpp"
#include "dataset/object_ops.hpp"
#include "dataset/pipe_plugin.hpp"
#include "query/expression.hpp"
#include "query/syntax_error.hpp"

namespace ldb::app {

namespace {

using dataset::FilterKind;

struct FilterEntry {
  FilterInfo info;
  FilterKind kind;
};

constexpr FilterEntry k_filters[] = {
    {{"query", "JMESPath over annotations (ldb semantics)", true, true, false}, FilterKind::query},
    {{"jquery", "exact JMESPath over annotations", true, true, false}, FilterKind::jquery},
    {{"file", "JMESPath over file attributes", true, true, false}, FilterKind::file},
    {{"path", "keep objects with a path matching REGEX", true, false, false}, FilterKind::path},
    {{"tag", "keep objects with any of these tags", true, false, false}, FilterKind::tag},
    {{"no-tag", "keep objects with none of these tags", true, false, false}, FilterKind::no_tag},
    {{"limit", "keep the first N objects", true, false, false}, FilterKind::limit},
    {{"sample", "keep each object with probability P", true, false, false}, FilterKind::sample},
    {{"sample-rate", "keep each object with probability PERCENT/100", true, false, false}, FilterKind::sample_rate},
    {{"shuffle", "random order", false, false, false}, FilterKind::shuffle},
    {{"seed", "seed for --sample, --shuffle, --balance, --stratify and ldb split", true, false, false},
     FilterKind::seed},
    {{"sort", "order by a JMESPath key", true, false, false}, FilterKind::sort},
    {{"sort-desc", "order by a JMESPath key, descending", true, false, false}, FilterKind::sort_desc},
    {{"pipe", "filter through a plugin: --pipe EXEC [ARGS...]", true, false, true}, FilterKind::pipe},
    {{"dedup", "keep the first of each near-duplicate group (pHash)", false, false, false}, FilterKind::dedup},
    {{"similar", "nearest first to OBJECT (id: or image path): --similar OBJECT [-m MODEL]", true, false, false, true},
     FilterKind::similar},
    {{"balance", "equal shares of each value of EXPR (--limit N or --sample P right after)", true, true, false, false, true},
     FilterKind::balance},
    {{"stratify", "each value of EXPR keeps its share (--limit N or --sample P right after)", true, true, false, false, true},
     FilterKind::stratify},
};

const FilterEntry* find_entry(std::string_view name) {
  auto it = std::find_if(std::begin(k_filters), std::end(k_filters),
                         [&](const FilterEntry& e) { return e.info.name == name; });
  return it == std::end(k_filters) ? nullptr : it;
}

}  // namespace

std::span<const FilterInfo> filters() {
  static const std::vector<FilterInfo> infos = [] {
    std::vector<FilterInfo> out;
    for (const auto& e : k_filters) out.push_back(e.info);
    return out;
  }();
  return infos;
}

const FilterInfo* find_filter(std::string_view name) {
  const auto* entry = find_entry(name);
  return entry ? &entry->info : nullptr;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_params(std::span<const std::string> texts,
                                                                      std::string_view option) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& text : texts) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(ErrorCode::invalid_argument, fmt::format("{} expects KEY=VALUE, got '{}'", option, text),
                  fmt::format("for example: {} label-key=class", option));
    }
    out.emplace_back(text.substr(0, eq), text.substr(eq + 1));
  }
  return out;
}

std::optional<std::size_t> query_error_column(const Error& error) { return query::syntax_error_column(error); }

Status check_expression(const Filter& filter) {
  const auto* entry = find_entry(filter.name);
  if (entry == nullptr ||
      (entry->kind != FilterKind::query && entry->kind != FilterKind::jquery && entry->kind != FilterKind::file)) {
    return {};
  }
  const dataset::FilterSpec spec{entry->kind, filter.value, {}};
  return dataset::validate_filters(std::span(&spec, 1));
}

namespace detail {

Result<std::vector<dataset::FilterSpec>> filter_specs(const Context& context, std::span<const Filter> filters) {
  std::vector<dataset::FilterSpec> out;
  out.reserve(filters.size());
  for (const auto& f : filters) {
    const auto* entry = find_entry(f.name);
    if (entry == nullptr) {
      std::string names;
      for (const auto& e : k_filters) names += fmt::format("{}{}", names.empty() ? "" : ", ", e.info.name);
      return fail(ErrorCode::invalid_argument, fmt::format("unknown filter '{}'", f.name),
                  fmt::format("the filters are {}", names));
    }
    // --similar's object may be an image path, taken from the cwd like any path.
    std::string value = entry->kind == dataset::FilterKind::similar && !f.value.starts_with("id:")
                            ? absolute_identifier(context, f.value)
                            : f.value;
    out.push_back(dataset::FilterSpec{entry->kind, std::move(value), f.args});
  }
  return out;
}

Result<dataset::Workspace> workspace(const Context& context, const std::optional<std::string>& target) {
  if (target) return dataset::Workspace::open(context.absolute(*target));
  return dataset::Workspace::find(context.cwd);
}

Result<index::IndexOptions> index_options(const IndexSettings& settings) {
  index::IndexOptions options;
  if (settings.format) {
    auto format = index::parse_format(*settings.format);
    if (!format) return std::unexpected(format.error());
    options.format = *format;
  }
  options.params = settings.params;
  options.features = settings.features;
  if (settings.add_tags) {
    std::string_view rest = *settings.add_tags;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto tag = rest.substr(0, comma);
      if (!tag.empty()) {
        LDB_TRY(dataset::validate_tag(tag));
        options.ingest.add_tags.emplace_back(tag);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (const auto& mode = settings.annotation_update) {
    if (*mode == "replace") {
      options.ingest.update = store::AnnotationUpdate::replace;
    } else if (*mode == "merge") {
      options.ingest.update = store::AnnotationUpdate::merge;
    } else {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("--annotation-update expects replace or merge, got '{}'", *mode),
                  "for example: --annotation-update merge");
    }
  }
  return options;
}

namespace {

Result<std::vector<dataset::FilterSpec>> checked_filters(const Context& context, const dataset::Context& ctx,
                                                         std::span<const Filter> filters) {
  auto specs = filter_specs(context, filters);
  if (!specs) return std::unexpected(specs.error());
  auto expanded = dataset::expand_plugin_sorts(ctx.instance_dir, *specs, ctx.program_path);
  if (!expanded) return std::unexpected(expanded.error());
  LDB_TRY(dataset::validate_filters(*expanded));
  return expanded;
}

Result<dataset::Selection> run_filters(dataset::Context& ctx, dataset::Selection sources,
                                       const std::vector<dataset::FilterSpec>& filters) {
  const bool had_objects = !sources.empty();
  auto selected = dataset::apply_filters(ctx, std::move(sources), filters);
  if (selected && selected->empty() && had_objects) {
    // `--query 'class == "i"'` selecting nothing is most often a quoting slip.
    for (const auto& f : filters) {
      if (f.kind != FilterKind::query && f.kind != FilterKind::jquery) continue;
      auto expr = query::Expression::parse(
          f.value, f.kind == FilterKind::query ? query::Dialect::ldb : query::Dialect::jmespath);
      if (expr && !expr->quoting_note().empty()) ctx.warnings.push_back(expr->quoting_note());
    }
  }
  return selected;
}

}  // namespace

Result<std::vector<std::string>> default_source_for(const Context& context, const Selector& selector,
                                                    const std::optional<std::string>& target) {
  if (!selector.objects.empty()) return std::vector<std::string>{};
  auto ws = workspace(context, target);
  if (!ws) return std::unexpected(ws.error());
  return std::vector<std::string>{"ws:" + ws->root().string()};
}

std::string absolute_identifier(const Context& context, const std::string& ident) {
  if (ident.starts_with("id:") || ident.starts_with("ds:")) return ident;
  if (ident.starts_with("ws:")) return "ws:" + context.absolute(ident.substr(3));
  if (core::protocol_of(ident) != "file" || ident.empty()) return ident;
  // Keep a trailing slash: it can matter to how a folder is read.
  std::string out = context.absolute(ident);
  if (ident.size() > 1 && ident.back() == '/' && out.back() != '/') out.push_back('/');
  return out;
}

Result<dataset::Selection> filter_selection(const Context& context, dataset::Context& ctx,
                                            std::span<const Filter> filters, dataset::Selection sources) {
  auto specs = checked_filters(context, ctx, filters);
  if (!specs) return std::unexpected(specs.error());
  return run_filters(ctx, std::move(sources), *specs);
}

Result<dataset::Selection> select_objects(Session& session, dataset::Context& ctx, const Selector& selector,
                                          const SelectOptions& options) {
  auto specs = checked_filters(session.context(), ctx, selector.filters);
  if (!specs) return std::unexpected(specs.error());
  std::vector<std::string> identifiers;
  for (const auto& ident : selector.objects) identifiers.push_back(absolute_identifier(session.context(), ident));
  if (identifiers.empty()) {
    if (specs->empty() && options.no_objects == NoObjects::need_filter) {
      return fail(ErrorCode::invalid_argument, fmt::format("ldb {} needs objects or a filter", options.command),
                  fmt::format("for example: ldb {} /data/images or ldb {} --query 'class == `cat`'", options.command,
                              options.command));
    }
    identifiers = options.default_source;
  }
  auto indexing = index_options(options.index);
  if (!indexing) return std::unexpected(indexing.error());
  auto mode = options.paths == PathsAs::index_first ? dataset::PathMode::index_first : dataset::PathMode::indexed_first;
  dataset::SourceOptions source_options{*indexing, mode, {}};
  source_options.untouched_files = [](const dataset::Workspace& ws) { return untouched_instantiated_files(ws.root()); };
  auto sources = dataset::resolve_sources(ctx, identifiers, source_options);
  if (!sources) return std::unexpected(sources.error());
  return run_filters(ctx, std::move(*sources), *specs);
}

std::vector<ObjectRef> to_refs(const dataset::Selection& selection) {
  std::vector<ObjectRef> out;
  out.reserve(selection.size());
  for (const auto& r : selection) out.push_back({r.hash, r.annotation_version});
  return out;
}

dataset::Selection from_refs(std::span<const ObjectRef> refs) {
  dataset::Selection out;
  out.reserve(refs.size());
  for (const auto& r : refs) out.push_back({r.hash, r.annotation_version});
  return out;
}

}  // namespace detail

}  // namespace ldb::app
