#pragma once
// Commands on indexed objects, whichever datasets hold them: tag, unindex.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/selection.hpp"
#include "app/session.hpp"

namespace ldb::app {

struct TagRequest {
  // No objects: ds:root when there is a filter, else the staged dataset.
  Selector selector;
  std::optional<std::string> target;
  std::vector<std::string> add;     // comma-separated lists
  std::vector<std::string> remove;  // comma-separated lists
};

struct TagOutcome {
  std::uint64_t selected = 0;
  std::uint64_t changed = 0;  // objects whose tags changed
};

Result<TagOutcome> tag(Session& session, const TagRequest& request);

struct UnindexRequest {
  Selector selector;  // objects or a filter (over ds:root) required
  // Objects staged in this workspace (or the one at the Context's cwd, if
  // any) stay indexed; a target that is not a workspace is an error.
  std::optional<std::string> target;
};

// Removes objects no saved dataset (nor the workspace) holds from the index;
// returns how many.
Result<std::uint64_t> unindex(Session& session, const UnindexRequest& request);

}  // namespace ldb::app
