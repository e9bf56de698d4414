#pragma once
// The members of a selection with what a program reading them needs: paths,
// size and annotation, fetched in bulk. The Python module's select() and
// dataset(), and through them ldb.torch, start from this.

#include <cstdint>
#include <string>
#include <vector>

#include "app/inspect.hpp"
#include "app/selection.hpp"
#include "app/session.hpp"

namespace ldb::app {

struct Member {
  ObjectRef ref;
  std::vector<std::string> paths;  // every path it was seen at, sorted
  std::uint64_t size = 0;
  std::string annotation;  // canonical JSON of the pinned version; "" when none
};

// The objects `request` selects (by the rules of list(): no objects is the
// staged dataset of the workspace), in selection order, with their paths,
// sizes and annotations read in one store round trip per kind. `details` is
// ignored. Errors as list().
Result<std::vector<Member>> members(Session& session, const ListRequest& request);

}  // namespace ldb::app
