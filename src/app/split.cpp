#include "app/split.hpp"

#include <fmt/format.h>

#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "dataset/split.hpp"
#include "query/expression.hpp"

namespace ldb::app {

namespace {

Result<std::uint64_t> split_seed(std::span<const Filter> filters) {
  // The first --seed seeds everything, as in the filters (dataset/pipeline.hpp).
  for (const auto& f : filters) {
    if (f.name != "seed") continue;
    const dataset::FilterSpec spec{dataset::FilterKind::seed, f.value, {}};
    LDB_TRY(dataset::validate_filters(std::span(&spec, 1)));
    return std::stoull(f.value);
  }
  return std::uint64_t{0};
}

}  // namespace

Result<SplitSummary> split(Session& session, const SplitRequest& request) {
  // Everything the command line says is checked before any work.
  auto parts = dataset::parse_split_parts(request.into);
  if (!parts) return std::unexpected(parts.error());
  LDB_TRY_ASSIGN(auto threshold, detail::parse_dup_threshold(request.threshold));
  auto target = dataset::parse_dataset_ref(request.target);
  if (!target) return std::unexpected(target.error());
  if (target->version || target->name == "root") {
    return fail(ErrorCode::invalid_argument,
                fmt::format("ldb split takes a dataset name prefix, got '{}'", request.target),
                "for example: ldb split --into train=0.8,test=0.2 ds:cats (makes ds:cats-train and ds:cats-test)");
  }
  if (request.stratify) {
    auto expr = query::Expression::parse(*request.stratify, query::Dialect::ldb);
    if (!expr) return std::unexpected(expr.error());
  }
  LDB_TRY_ASSIGN(auto seed, split_seed(request.selector.filters));
  auto instance = detail::instance(session);
  if (!instance) return std::unexpected(instance.error());
  LDB_TRY((*instance)->store->check_writable());
  auto ctx = detail::dataset_context(session, **instance);
  detail::SelectOptions options{"split", {"ds:root"}, detail::NoObjects::use_default};
  if (request.selector.objects.empty()) {
    if (auto ws = detail::workspace(session.context(), std::nullopt)) {
      options.default_source = {"ws:" + ws->root().string()};
    }
  }
  if (request.selector.objects.empty() && options.default_source.front() == "ds:root" && session.context().warn) {
    // `ldb split ds:pets --into ...` reads as splitting ds:pets, but it is
    // the prefix: say so when it names a dataset.
    LDB_TRY_ASSIGN(auto existing, ctx.store.datasets());
    if (std::any_of(existing.begin(), existing.end(), [&](const auto& d) { return d.name == target->name; })) {
      session.context().warn(fmt::format(
          "splitting ds:root (no objects given); ds:{0} is the prefix of the parts. To split ds:{0}, name it "
          "first: ldb split ds:{0} --into {1} ds:{0}",
          target->name, request.into));
    }
  }
  auto selection = detail::select_objects(session, ctx, request.selector, options);
  if (!selection) {
    detail::report(session, ctx);
    return std::unexpected(selection.error());
  }
  dataset::SplitOptions split_options{target->name, std::move(*parts), request.stratify, seed, threshold, {}};
  split_options.message = request.message ? *request.message
                                          : fmt::format("split into {} (seed {}{})", request.into, seed,
                                                        request.stratify ? ", stratified by " + *request.stratify : "");
  auto outcome = dataset::split(ctx, *selection, split_options);
  detail::report(session, ctx);
  if (!outcome) return std::unexpected(outcome.error());
  SplitSummary out;
  out.source = request.selector.objects.empty() ? options.default_source : request.selector.objects;
  for (const auto& p : outcome->parts) {
    out.parts.push_back({p.dataset, p.fraction, p.objects, p.kept, p.committed, p.version.version});
  }
  out.objects = outcome->objects;
  out.grouped_objects = outcome->grouped_objects;
  out.without_features = outcome->without_features;
  out.straddling_groups = outcome->straddling_groups;
  out.unvalued = outcome->unvalued;
  out.seed = seed;
  out.threshold = threshold;
  return out;
}

}  // namespace ldb::app
