#include "dataset/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ldb::dataset {

namespace {

__extension__ using Wide = unsigned __int128;  // total * count without overflow

// The groups that get one more object than their floor: `extra` of
// `candidates`, the largest `remainder` first, ties in random order.
void give_extra(std::vector<std::uint64_t>& out, std::vector<std::size_t> candidates,
                const std::vector<double>& remainder, std::uint64_t extra, std::mt19937_64& rng) {
  std::shuffle(candidates.begin(), candidates.end(), rng);
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::uint64_t k = 0; k < extra && k < candidates.size(); ++k) ++out[candidates[k]];
}

}  // namespace

std::vector<std::uint64_t> quotas(std::span<const std::uint64_t> counts, std::uint64_t total, Shares shares,
                                  std::mt19937_64& rng) {
  const std::uint64_t sum = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
  std::vector<std::uint64_t> out(counts.size(), 0);
  if (total >= sum) return {counts.begin(), counts.end()};
  if (counts.empty() || total == 0) return out;
  std::vector<double> remainder(counts.size(), 0);
  std::vector<std::size_t> candidates;
  std::uint64_t given = 0;
  if (shares == Shares::input) {
    for (std::size_t g = 0; g < counts.size(); ++g) {
      // Exact in integers: total * count / sum, and its remainder.
      const auto product = static_cast<Wide>(total) * counts[g];
      out[g] = static_cast<std::uint64_t>(product / sum);
      remainder[g] = static_cast<double>(static_cast<std::uint64_t>(product % sum)) / static_cast<double>(sum);
      given += out[g];
      if (out[g] < counts[g]) candidates.push_back(g);
    }
  } else {
    // Water-filling: the smallest groups keep all while the rest, shared
    // equally among the larger ones, would give each more than they have.
    std::vector<std::size_t> order(counts.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return counts[a] < counts[b]; });
    std::uint64_t left = total;
    std::size_t k = 0;
    for (; k < order.size(); ++k) {
      const std::uint64_t groups_left = order.size() - k;
      if (counts[order[k]] * groups_left > left) break;
      out[order[k]] = counts[order[k]];
      left -= counts[order[k]];
    }
    const std::uint64_t groups_left = order.size() - k;
    const std::uint64_t level = left / groups_left;  // every remaining group has more than this
    for (std::size_t j = k; j < order.size(); ++j) {
      out[order[j]] = level;
      candidates.push_back(order[j]);
    }
    given = total - left + level * groups_left;
  }
  give_extra(out, std::move(candidates), remainder, total - given, rng);
  return out;
}

Result<std::vector<std::string>> key_values(Context& ctx, const Selection& selection, const std::string& expression,
                                            KeyMisses* misses) {
  auto evaluated = evaluate_each(ctx, selection, FilterSpec{FilterKind::query, expression, {}});
  if (!evaluated) return std::unexpected(evaluated.error());
  std::vector<std::string> out;
  out.reserve(evaluated->size());
  KeyMisses counted;
  for (auto& e : *evaluated) {
    if (!e.ok && e.missing) {
      ++counted.missing;
    } else if (!e.ok && counted.failed++ == 0) {
      counted.first_failure = std::move(e.json);
    }
    out.push_back(e.ok ? std::move(e.json) : std::string("null"));
  }
  if (misses) *misses = std::move(counted);
  return out;
}

std::vector<std::vector<std::size_t>> group_by_value(std::span<const std::string> values) {
  std::vector<std::vector<std::size_t>> groups;
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto [it, added] = index.try_emplace(values[i], groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

Result<Selection> sample_by_key(Context& ctx, Selection selection, const std::string& expression, Shares shares,
                                const SampleSize& size, std::mt19937_64& rng) {
  const std::string_view flag = shares == Shares::equal ? "--balance" : "--stratify";
  if (selection.empty()) return selection;
  KeyMisses misses;
  auto values = key_values(ctx, selection, expression, &misses);
  if (!values) return std::unexpected(values.error());
  const auto groups = group_by_value(*values);
  const auto nulls = static_cast<std::uint64_t>(std::count(values->begin(), values->end(), "null"));
  if (nulls == selection.size()) {
    return fail(
        ErrorCode::invalid_argument,
        fmt::format("{} '{}' has no value for any of the {} selected objects", flag, expression, selection.size()),
        "check the key against an annotation: ldb eval --query EXPR on one object, or ldb stats");
  }
  if (nulls) {
    // Why, when not all of them are a plain null: "(20 lack a key it names,
    // 2 could not be evaluated: ...)".
    std::vector<std::string> why;
    if (misses.missing) why.push_back(fmt::format("{} lack a key it names", misses.missing));
    if (misses.failed) why.push_back(fmt::format("{} could not be evaluated: {}", misses.failed, misses.first_failure));
    ctx.warnings.push_back(fmt::format(
        "{} object{} no value for '{}'{}; they count as one more value (null) — put --query '{} != `null`' before {} "
        "to leave them out",
        nulls, nulls == 1 ? " has" : "s have", expression,
        why.empty() ? std::string() : fmt::format(" ({})", fmt::join(why, ", ")), expression, flag));
  }
  std::uint64_t total = size.limit;
  if (size.by_probability) total = static_cast<std::uint64_t>(std::llround(size.probability * selection.size()));
  std::vector<std::uint64_t> counts;
  counts.reserve(groups.size());
  for (const auto& g : groups) counts.push_back(g.size());
  const auto keep = quotas(counts, total, shares, rng);
  std::vector<char> kept(selection.size(), 0);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    // A partial Fisher-Yates shuffle draws keep[g] of the group at random.
    auto members = groups[g];
    for (std::uint64_t k = 0; k < keep[g]; ++k) {
      std::uniform_int_distribution<std::size_t> pick(k, members.size() - 1);
      std::swap(members[k], members[pick(rng)]);
      kept[members[k]] = 1;
    }
  }
  Selection out;
  out.reserve(total);
  for (std::size_t i = 0; i < selection.size(); ++i) {
    if (kept[i]) out.push_back(selection[i]);
  }
  return out;
}

}  // namespace ldb::dataset
