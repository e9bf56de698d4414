#pragma once
// The embedding view's data (SPEC sections 8 and 10): the stored 2-D points
// (`ldb project`) of a selection the front end already holds, in its order,
// with an optional colour key — compact arrays a web page uploads to WebGL
// as they are.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "app/selection.hpp"
#include "app/session.hpp"

namespace ldb::app {

struct PointsRequest {
  std::string model = "builtin";     // builtin or an [embedding.NAME] of the instance config
  std::string method = "pca";        // the projection's method, as given to ldb project
  std::optional<std::string> color;  // a JMESPath key over annotations (ldb dialect, as --query)
  std::size_t max_categories = 16;   // colour categories at most, (other) and (none) included
};

struct PointCategory {
  std::string label;  // the value, or (other), (several), (none)
  std::uint64_t count = 0;
};

struct SelectionPoints {
  std::vector<std::uint32_t> positions;   // positions in the selection that have a point, ascending
  std::vector<float> xy;                  // x, y of each, in the same order
  std::vector<std::uint16_t> categories;  // with a colour key: each point's index into legend
  std::vector<PointCategory> legend;      // with a colour key: the categories of the points, biggest first
};

// The points of (model, method) of `refs`. An empty selection gives no
// points. Errors: invalid_argument for an unknown model or a colour key that
// does not parse (with its column, app::query_error_column); not_found when
// none of the objects has a point, with the commands that make them.
Result<SelectionPoints> selection_points(Session& session, std::span<const ObjectRef> refs,
                                         const PointsRequest& request);

}  // namespace ldb::app
