#pragma once
// The two sides `ldb diff` compares (src/app only), for diff and diff --stats.

#include "app/inspect.hpp"
#include "app/session.hpp"
#include "dataset/context.hpp"
#include "store/types.hpp"

namespace ldb::app::detail {

// The members and transform sets of each side.
struct DiffSides {
  store::Collection from, to;
  store::TransformAssignments from_transforms, to_transforms;
};

// Two sides as named; one: it against the workspace; none: the workspace
// against the version it was staged from (no members when it was staged
// from none). invalid_argument for more than two.
Result<DiffSides> diff_sides(Session& session, dataset::Context& ctx, const DiffRequest& request);

}  // namespace ldb::app::detail
