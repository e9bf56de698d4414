#include "app/detail/diff_sides.hpp"

#include <tuple>

#include "app/detail/select.hpp"
#include "dataset/collection_ops.hpp"
#include "dataset/operations.hpp"
#include "dataset/sources.hpp"
#include "dataset/transform_sets.hpp"

namespace ldb::app::detail {

Result<DiffSides> diff_sides(Session& session, dataset::Context& ctx, const DiffRequest& request) {
  if (request.sides.size() > 2) {
    return fail(ErrorCode::invalid_argument, "ldb diff compares at most two datasets",
                "usage: ldb diff [-s] [DS1] [DS2]");
  }
  const Context& context = session.context();
  auto members_of = [&](const std::string& side) -> Result<std::pair<store::Collection, store::TransformAssignments>> {
    auto ident = detail::absolute_identifier(context, side);
    auto members = dataset::resolve_sources(ctx, std::span(&ident, 1), {});
    if (!members) return std::unexpected(members.error());
    auto transforms = dataset::transforms_of_sources(ctx, std::span(&ident, 1));
    if (!transforms) return std::unexpected(transforms.error());
    return std::pair{std::move(*members), std::move(*transforms)};
  };
  DiffSides sides;
  if (request.sides.size() == 2) {
    LDB_TRY_ASSIGN(std::tie(sides.from, sides.from_transforms), members_of(request.sides[0]));
    LDB_TRY_ASSIGN(std::tie(sides.to, sides.to_transforms), members_of(request.sides[1]));
    return sides;
  }
  LDB_TRY_ASSIGN(auto ws, detail::workspace(context, request.target));
  sides.to = ws.state().members;
  sides.to_transforms = dataset::prune_transforms(sides.to, ws.state().transforms);
  if (request.sides.size() == 1) {
    LDB_TRY_ASSIGN(std::tie(sides.from, sides.from_transforms), members_of(request.sides[0]));
    return sides;
  }
  const auto& s = ws.state();
  if (!s.dataset_name.empty() && s.parent_version) {
    LDB_TRY_ASSIGN(sides.from, dataset::dataset_members(ctx, {s.dataset_name, s.parent_version}));
    LDB_TRY_ASSIGN(sides.from_transforms, dataset::dataset_transforms(ctx, {s.dataset_name, s.parent_version}));
  }
  return sides;
}

}  // namespace ldb::app::detail
