#pragma once
// Operations on indexed objects rather than on one dataset: tags (global
// labels), pulling staged members to newer annotation versions, and removing
// objects from the index.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dataset/context.hpp"
#include "store/types.hpp"

namespace ldb::dataset {

// Tags are [A-Za-z0-9_-]+; invalid_argument naming the tag and the bad character otherwise.
Status validate_tag(std::string_view tag);

// Splits the values of a tag option ("a,b", repeatable) into tags, validated
// and without duplicates, in first-seen order. `flag` names the option in errors.
Result<std::vector<std::string>> parse_tag_list(std::span<const std::string> values, std::string_view flag);

struct TagOutcome {
  std::uint64_t selected = 0;  // objects the tags were applied to
  std::uint64_t changed = 0;   // of those, objects whose tags changed
};
// Adds `add` and removes `remove` on every object of `objects`, in one store
// transaction. invalid_argument when a tag is both added and removed.
Result<TagOutcome> tag_objects(Context& ctx, const store::Collection& objects, std::span<const std::string> add,
                               std::span<const std::string> remove);

struct PullOutcome {
  store::Collection members;     // the staged members after the pull
  std::uint64_t updated = 0;     // members moved to another annotation version
  std::uint64_t unchanged = 0;   // members already at the wanted version
  std::uint64_t missing = 0;     // members whose object has no version `version` (left as they were)
  std::uint64_t not_staged = 0;  // selected objects that are not staged (ignored)
};
// Moves the members of `staged` whose object is in `selected` to the current
// annotation version of the object (version == 0), or to `version` where the
// object has one. Members not selected are kept as they are. Reads only.
Result<PullOutcome> pull(Context& ctx, const store::Collection& staged, const store::Collection& selected,
                         std::uint32_t version);

// Removes `objects` from the index (paths, annotation versions, tags) in one
// transaction. conflict, changing nothing, when a saved dataset version holds
// one of them (the message lists the versions as ds:NAME.vN, the hint says
// how to proceed) or when `staged` — the members of the workspace the
// command runs in — holds one of them. Returns how many objects were removed.
Result<std::uint64_t> unindex(Context& ctx, const store::Collection& objects, const store::Collection& staged);

}  // namespace ldb::dataset
