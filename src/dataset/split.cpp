#include "dataset/split.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "core/hash_index.hpp"
#include "dataset/images.hpp"
#include "dataset/sampling.hpp"
#include "dataset/transform_sets.hpp"
#include "dataset/workspace.hpp"

namespace ldb::dataset {

namespace {

constexpr std::string_view k_into_hint = "for example: --into train=0.8,val=0.1,test=0.1";

std::uint64_t mix64(std::uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Largest-remainder rounding of fraction x total, ties to the earlier part.
std::vector<std::uint64_t> apportion(std::span<const SplitPart> parts, std::uint64_t total) {
  std::vector<std::uint64_t> out(parts.size());
  std::vector<double> remainder(parts.size());
  std::uint64_t given = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const double ideal = parts[i].fraction * static_cast<double>(total);
    out[i] = static_cast<std::uint64_t>(std::floor(ideal));
    remainder[i] = ideal - std::floor(ideal);
    given += out[i];
  }
  std::vector<std::size_t> order(parts.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::size_t k = 0; given < total; k = (k + 1) % order.size(), ++given) ++out[order[k]];
  return out;
}

struct Unit {
  std::vector<std::size_t> members;  // positions in the selection
  core::Md5 smallest;
  double u = 0;
  int part = -1;
};

// The units of `selection`: near-duplicate groups, and every other object alone.
Result<std::vector<Unit>> units_of(Context& ctx, const Selection& selection, const SplitOptions& options,
                                   SplitOutcome& outcome) {
  auto groups = near_duplicate_groups(ctx, selection, options.threshold);
  if (!groups) return std::unexpected(groups.error());
  outcome.without_features = groups->without_hash;
  std::vector<Unit> units;
  std::vector<char> grouped(selection.size(), 0);
  for (auto& g : groups->groups) {
    for (auto i : g.members) grouped[i] = 1;
    outcome.grouped_objects += g.members.size();
    units.push_back(Unit{std::move(g.members), {}, 0, -1});
  }
  for (std::size_t i = 0; i < selection.size(); ++i) {
    if (!grouped[i]) units.push_back(Unit{{i}, {}, 0, -1});
  }
  for (auto& unit : units) {
    unit.smallest = selection[unit.members.front()].hash;
    for (auto i : unit.members) unit.smallest = std::min(unit.smallest, selection[i].hash);
    unit.u = split_draw(unit.smallest, options.seed);
  }
  return units;
}

// Gives every unit without a part one: by its draw alone, or (stratified)
// by rank within its value, filling each part to its quota of that value.
void assign_free_units(std::vector<Unit>& units, std::span<const SplitPart> parts,
                       const std::vector<std::string>* values, const Selection& selection) {
  if (!values) {
    for (auto& unit : units) {
      if (unit.part >= 0) continue;
      double cumulative = 0;
      unit.part = static_cast<int>(parts.size()) - 1;
      for (std::size_t i = 0; i < parts.size(); ++i) {
        cumulative += parts[i].fraction;
        if (unit.u < cumulative) {
          unit.part = static_cast<int>(i);
          break;
        }
      }
    }
    return;
  }
  // Strata by the value of each unit's smallest MD5 member.
  std::map<std::string_view, std::vector<Unit*>> strata;
  for (auto& unit : units) {
    std::size_t rep = unit.members.front();
    for (auto i : unit.members) {
      if (selection[i].hash == unit.smallest) rep = i;
    }
    strata[(*values)[rep]].push_back(&unit);
  }
  for (auto& [value, members] : strata) {
    std::uint64_t total = 0;
    std::vector<std::uint64_t> held(parts.size(), 0);
    std::vector<Unit*> free;
    for (auto* unit : members) {
      total += unit->members.size();
      if (unit->part >= 0) {
        held[static_cast<std::size_t>(unit->part)] += unit->members.size();
      } else {
        free.push_back(unit);
      }
    }
    const auto quota = apportion(parts, total);
    std::vector<double> bound(parts.size());
    double cumulative = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      cumulative += static_cast<double>(quota[i] > held[i] ? quota[i] - held[i] : 0);
      bound[i] = cumulative;
    }
    std::sort(free.begin(), free.end(),
              [](const Unit* a, const Unit* b) { return a->u != b->u ? a->u < b->u : a->smallest < b->smallest; });
    double placed = 0;
    for (auto* unit : free) {
      // The part whose interval holds the unit's middle.
      const double middle = placed + static_cast<double>(unit->members.size()) / 2;
      auto it = std::upper_bound(bound.begin(), bound.end(), middle);
      unit->part = it == bound.end() ? static_cast<int>(parts.size()) - 1 : static_cast<int>(it - bound.begin());
      placed += static_cast<double>(unit->members.size());
    }
  }
}

}  // namespace

double split_draw(const core::Md5& hash, std::uint64_t seed) {
  std::uint64_t word = 0;
  for (int i = 0; i < 8; ++i) word = (word << 8) | hash.bytes[static_cast<std::size_t>(i)];
  const std::uint64_t mixed = mix64(word ^ mix64(seed));
  return static_cast<double>(mixed >> 11) * 0x1.0p-53;
}

Result<std::vector<SplitPart>> parse_split_parts(std::string_view text) {
  std::vector<SplitPart> parts;
  double sum = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    auto item = text.substr(start, end - start);
    start = end + 1;
    auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return fail(ErrorCode::invalid_argument, fmt::format("--into expects NAME=FRACTION parts, got '{}'", item),
                  std::string(k_into_hint));
    }
    SplitPart part{std::string(item.substr(0, eq)), 0};
    auto number = item.substr(eq + 1);
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), part.fraction);
    if (ec != std::errc() || ptr != number.data() + number.size() || !(part.fraction > 0 && part.fraction <= 1)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("--into: the fraction of '{}' must be a number above 0 and at most 1, got '{}'",
                              part.name, number),
                  std::string(k_into_hint));
    }
    if (std::any_of(parts.begin(), parts.end(), [&](const SplitPart& p) { return p.name == part.name; })) {
      return fail(ErrorCode::invalid_argument, fmt::format("--into names the part '{}' twice", part.name),
                  std::string(k_into_hint));
    }
    sum += part.fraction;
    parts.push_back(std::move(part));
  }
  if (parts.size() < 2) {
    return fail(ErrorCode::invalid_argument, fmt::format("--into needs at least two parts, got '{}'", text),
                std::string(k_into_hint));
  }
  if (std::abs(sum - 1) > 1e-6) {
    return fail(ErrorCode::invalid_argument, fmt::format("--into: the fractions of '{}' sum to {}, not 1", text, sum),
                std::string(k_into_hint));
  }
  return parts;
}

Result<SplitOutcome> split(Context& ctx, const Selection& selection, const SplitOptions& options) {
  std::vector<std::string> names;
  for (const auto& part : options.parts) {
    names.push_back(options.prefix + "-" + part.name);
    LDB_TRY(validate_dataset_name(names.back()));
  }
  if (selection.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb split: the selection is empty, there is nothing to split",
                "check the objects and filters with ldb list first");
  }
  SplitOutcome outcome;
  outcome.objects = selection.size();
  std::optional<std::vector<std::string>> values;
  if (options.stratify) {
    auto found = key_values(ctx, selection, *options.stratify);
    if (!found) return std::unexpected(found.error());
    outcome.unvalued = static_cast<std::uint64_t>(std::count(found->begin(), found->end(), "null"));
    if (outcome.unvalued == selection.size()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("--stratify '{}' has no value for any of the {} selected objects", *options.stratify,
                              selection.size()),
                  "check the key against an annotation: ldb eval --query EXPR on one object, or ldb stats");
    }
    values = std::move(*found);
  }
  auto found_units = units_of(ctx, selection, options, outcome);
  if (!found_units) return std::unexpected(found_units.error());
  auto& units = *found_units;
  outcome.units = units.size();

  core::HashIndex position_of(selection.size());  // hash -> position in the selection
  for (std::size_t i = 0; i < selection.size(); ++i)
    position_of.insert(selection[i].hash, static_cast<std::uint32_t>(i));

  auto decide = [&](const std::vector<std::optional<store::DatasetVersion>>& latest)
      -> Result<std::vector<std::optional<store::NewVersion>>> {
    // Runs once, inside the write transaction: the parts' latest versions
    // cannot change under it.
    for (auto& unit : units) unit.part = -1;
    outcome.parts.assign(options.parts.size(), SplitPartOutcome{});
    outcome.straddling_groups = 0;
    std::vector<int> held(selection.size(), -1);  // the part whose latest version holds the object
    std::vector<store::TransformAssignments> transforms(options.parts.size());
    std::vector<store::Collection> previous(options.parts.size());
    for (std::size_t p = 0; p < options.parts.size(); ++p) {
      if (!latest[p]) continue;
      auto members = ctx.store.collection(latest[p]->collection_hash);
      if (!members) return std::unexpected(members.error());
      for (const auto& ref : *members) {
        auto at = position_of.find(ref.hash);
        if (at && held[*at] < 0) held[*at] = static_cast<int>(p);
      }
      previous[p] = std::move(*members);
      auto assigned = ctx.store.transform_assignments(latest[p]->transforms_hash);
      if (!assigned) return std::unexpected(assigned.error());
      transforms[p] = std::move(*assigned);
    }
    for (auto& unit : units) {
      int first = -1;
      bool straddles = false;
      for (auto i : unit.members) {
        if (held[i] < 0) continue;
        if (first >= 0 && held[i] != first) straddles = true;
        if (first < 0 || held[i] < first) first = held[i];
      }
      unit.part = first;
      outcome.straddling_groups += straddles ? 1 : 0;
    }
    assign_free_units(units, options.parts, values ? &*values : nullptr, selection);
    std::vector<store::Collection> members(options.parts.size());
    for (const auto& unit : units) {
      for (auto i : unit.members) {
        // An object a part held stays there, even when its group straddles.
        const int part = held[i] >= 0 ? held[i] : unit.part;
        members[static_cast<std::size_t>(part)].push_back(selection[i]);
        if (held[i] >= 0) ++outcome.parts[static_cast<std::size_t>(part)].kept;
      }
    }
    std::vector<std::optional<store::NewVersion>> out(options.parts.size());
    for (std::size_t p = 0; p < options.parts.size(); ++p) {
      auto& part = outcome.parts[p];
      part.dataset = names[p];
      part.fraction = options.parts[p].fraction;
      part.objects = members[p].size();
      std::sort(members[p].begin(), members[p].end());
      auto kept_transforms = prune_transforms(members[p], std::move(transforms[p]));
      if (latest[p] && members[p] == previous[p] &&
          store::transform_assignments_hash(kept_transforms) == latest[p]->transforms_hash) {
        part.version = *latest[p];
        continue;
      }
      out[p] =
          store::NewVersion{std::move(members[p]), std::move(kept_transforms), latest[p] ? latest[p]->version : 0u, 0};
    }
    return out;
  };
  auto saved = ctx.store.commit_datasets_decided(names, decide, options.message, ctx.author);
  if (!saved) return std::unexpected(saved.error());
  for (std::size_t p = 0; p < saved->size(); ++p) {
    if (!(*saved)[p]) continue;
    outcome.parts[p].committed = true;
    outcome.parts[p].version = std::move(*(*saved)[p]);
  }
  if (outcome.straddling_groups) {
    ctx.warnings.push_back(fmt::format(
        "{} near-duplicate group{} already had members in different parts (objects added since joined them); "
        "those members stay where they were — ldb dups ds:{}-{} --against ds:{}-{} lists such pairs",
        outcome.straddling_groups, outcome.straddling_groups == 1 ? "" : "s", options.prefix,
        options.parts.front().name, options.prefix, options.parts.back().name));
  }
  return outcome;
}

}  // namespace ldb::dataset
