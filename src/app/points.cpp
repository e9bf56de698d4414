#include "app/points.hpp"

#include <fmt/format.h>

#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "dataset/categories.hpp"
#include "dataset/images.hpp"
#include "query/expression.hpp"

namespace ldb::app {

Result<SelectionPoints> selection_points(Session& session, std::span<const ObjectRef> refs,
                                         const PointsRequest& request) {
  LDB_TRY_ASSIGN(auto* instance, detail::instance(session));
  auto ctx = detail::dataset_context(session, *instance);
  LDB_TRY_ASSIGN(auto model, dataset::embedding_model(ctx, request.model));
  std::optional<query::Expression> color;
  if (request.color) {
    LDB_TRY_ASSIGN(color, query::Expression::parse(*request.color, query::Dialect::ldb));
  }
  SelectionPoints out;
  if (refs.empty()) return out;
  std::vector<core::Md5> hashes;
  hashes.reserve(refs.size());
  for (const auto& r : refs) hashes.push_back(r.hash);
  LDB_TRY_ASSIGN(auto points, ctx.store.projection(model.key, request.method, hashes));
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!points[i]) continue;
    out.positions.push_back(static_cast<std::uint32_t>(i));
    out.xy.push_back(points[i]->x);
    out.xy.push_back(points[i]->y);
  }
  if (out.positions.empty()) {
    return fail(ErrorCode::not_found,
                fmt::format("none of the {} selected object{} has a point of projection '{}' of model '{}'",
                            refs.size(), refs.size() == 1 ? "" : "s", request.method, request.model),
                fmt::format("compute them: ldb embed -m {0}, then ldb project -m {0} --method {1}", request.model,
                            request.method));
  }
  if (color) {
    // Only the objects with a point are coloured: the legend counts points.
    std::vector<store::ObjectRef> with_point;
    with_point.reserve(out.positions.size());
    for (auto position : out.positions) {
      with_point.push_back({refs[position].hash, refs[position].annotation_version});
    }
    LDB_TRY_ASSIGN(auto categories, dataset::categorize(ctx, with_point, *color, request.max_categories));
    out.categories = std::move(categories.of);
    for (auto& value : categories.values) out.legend.push_back({std::move(value.label), value.count});
  }
  detail::report(session, ctx);
  return out;
}

}  // namespace ldb::app
