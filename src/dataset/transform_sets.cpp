#include "dataset/transform_sets.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/paths.hpp"
#include "dataset/sources.hpp"
#include "dataset/workspace.hpp"

namespace ldb::dataset {

namespace {

bool is_default(const store::TransformSet& set) { return set.size() == 1 && set.front() == store::k_self_transform; }

bool hash_less(const store::MemberTransforms& a, const store::MemberTransforms& b) { return a.hash < b.hash; }

}  // namespace

store::TransformAssignments prune_transforms(const store::Collection& members, store::TransformAssignments transforms) {
  store::TransformAssignments out;
  auto member = members.begin();
  for (auto& entry : transforms) {
    while (member != members.end() && member->hash < entry.hash) ++member;
    if (member == members.end()) break;
    if (member->hash != entry.hash || is_default(entry.transforms) || entry.transforms.empty()) continue;
    out.push_back(std::move(entry));
  }
  return out;
}

store::TransformSet transform_set_of(const store::TransformAssignments& transforms, const core::Md5& hash) {
  auto it = std::lower_bound(transforms.begin(), transforms.end(), store::MemberTransforms{hash, {}}, hash_less);
  if (it != transforms.end() && it->hash == hash) return it->transforms;
  return {std::string(store::k_self_transform)};
}

Result<TransformEditOutcome> edit_transforms(const store::Collection& members,
                                             const store::TransformAssignments& transforms,
                                             const store::Collection& targets, TransformEdit edit,
                                             const store::TransformSet& commands) {
  std::map<core::Md5, store::TransformSet> sets;
  for (const auto& entry : transforms) sets.emplace(entry.hash, entry.transforms);
  TransformEditOutcome outcome;
  for (const auto& target : targets) {
    bool member =
        std::binary_search(members.begin(), members.end(), target,
                           [](const store::ObjectRef& a, const store::ObjectRef& b) { return a.hash < b.hash; });
    if (!member) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("object id:{} is not in the staged dataset", target.hash.hex()),
                  fmt::format("add it first: ldb add id:{}", target.hash.hex()));
    }
    auto before = transform_set_of(transforms, target.hash);
    store::TransformSet after;
    switch (edit) {
      case TransformEdit::add:
        after = before;
        after.insert(after.end(), commands.begin(), commands.end());
        break;
      case TransformEdit::remove:
        for (const auto& command : before) {
          if (std::find(commands.begin(), commands.end(), command) == commands.end()) after.push_back(command);
        }
        break;
      case TransformEdit::set:
        after = commands;
        break;
    }
    std::sort(after.begin(), after.end());
    after.erase(std::unique(after.begin(), after.end()), after.end());
    if (after.empty()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("object id:{} would be left with no transform", target.hash.hex()),
                  "every member keeps at least one transform; reset one with: ldb transform -s self ...");
    }
    if (after != before) ++outcome.changed;
    sets[target.hash] = std::move(after);
  }
  for (auto& [hash, set] : sets) outcome.transforms.push_back(store::MemberTransforms{hash, std::move(set)});
  outcome.transforms = prune_transforms(members, std::move(outcome.transforms));
  return outcome;
}

Result<store::TransformAssignments> transforms_of_sources(Context& ctx, std::span<const std::string> identifiers) {
  std::map<core::Md5, store::TransformSet> sets;
  auto take = [&](const store::TransformAssignments& found) {
    for (const auto& entry : found) sets.emplace(entry.hash, entry.transforms);  // first listed wins
  };
  for (const auto& ident : identifiers) {
    if (ident.starts_with("ws:")) {
      auto ws = Workspace::open(core::normalize_local_path(ident.substr(3)));
      if (!ws) return std::unexpected(ws.error());
      take(ws->state().transforms);
    } else if (ident.starts_with("ds:") && ident != "ds:root") {
      auto ref = parse_dataset_ref(ident);
      if (!ref) return std::unexpected(ref.error());
      auto version = ctx.store.dataset_version(ref->name, ref->version);
      if (!version) return std::unexpected(version.error());
      auto found = ctx.store.transform_assignments(version->transforms_hash);
      if (!found) return std::unexpected(found.error());
      take(*found);
    }
  }
  store::TransformAssignments out;
  for (auto& [hash, set] : sets) out.push_back(store::MemberTransforms{hash, std::move(set)});
  return out;
}

}  // namespace ldb::dataset
