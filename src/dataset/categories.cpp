#include "dataset/categories.hpp"

#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "dataset/annotation_scan.hpp"
#include "dataset/stats.hpp"

namespace ldb::dataset {

namespace {

// What one object's value is, per worker: an index into that worker's labels,
// or one of these.
constexpr std::uint32_t k_none = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t k_several = k_none - 1;

// The text of one scalar value; false for anything else.
bool label_of(const query::Expression::Item& item, std::string& out) {
  using Type = query::Expression::Item::Type;
  switch (item.type) {
    case Type::string:
      out.assign(item.string);
      return true;
    case Type::boolean:
      out = item.boolean ? "true" : "false";
      return true;
    case Type::number:
      out = fmt::format("{}", item.number);
      return true;
    default:
      return false;
  }
}

enum class Value { none, one, several };

// What `key` gives on `document`, by categorize()'s rules; the value's text
// in `label` when it is one.
Value value_of(const query::Expression& key, simdjson::dom::element document, std::string& label) {
  std::string text;
  std::size_t items = 0;
  bool one_value = true;
  auto spread = key.spread(document, [&](const query::Expression::Item& item) {
    const bool scalar = label_of(item, text);
    if (items++ == 0) {
      label = text;
      one_value = scalar;
    } else if (!scalar || text != label) {
      one_value = false;
    }
  });
  using Spread = query::Expression::Spread;
  if (items == 0 || (spread != Spread::value && spread != Spread::array)) return Value::none;
  if (one_value) return Value::one;
  return spread == Spread::array ? Value::several : Value::none;
}

struct WorkerLabels {
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> index;
  std::vector<std::string> labels;

  std::uint32_t id_of(const std::string& label) {
    auto [it, added] = index.try_emplace(label, static_cast<std::uint32_t>(labels.size()));
    if (added) labels.push_back(label);
    return it->second;
  }
};

}  // namespace

Result<Categories> categorize(Context& ctx, const std::vector<store::ObjectRef>& selection,
                              const query::Expression& key, std::size_t max) {
  max = std::clamp<std::size_t>(max, 3, std::numeric_limits<std::uint16_t>::max());
  const unsigned workers = ctx.pool.size();
  std::vector<WorkerLabels> labels(workers);
  // Per position: its label in the labels of the worker that saw it (seen_by).
  std::vector<std::uint32_t> local(selection.size(), k_none);
  std::vector<std::uint8_t> seen_by(selection.size(), 0);
  auto visit = [&](unsigned worker, std::size_t position, std::optional<simdjson::dom::element> document) {
    if (!document) return;
    std::string label;
    switch (value_of(key, *document, label)) {
      case Value::none:
        return;
      case Value::one:
        local[position] = labels[worker].id_of(label);
        break;
      case Value::several:
        local[position] = k_several;
        break;
    }
    seen_by[position] = static_cast<std::uint8_t>(worker);
  };
  LDB_TRY(scan_annotations(ctx, selection, Unannotated::as_null, visit));
  // The counts of every label over the workers.
  std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>> counts;
  std::uint64_t none = 0, several = 0;
  std::vector<std::vector<std::uint64_t>> local_counts(workers);
  for (unsigned w = 0; w < workers; ++w) local_counts[w].assign(labels[w].labels.size(), 0);
  for (std::size_t i = 0; i < selection.size(); ++i) {
    if (local[i] == k_none) {
      ++none;
    } else if (local[i] == k_several) {
      ++several;
    } else {
      ++local_counts[seen_by[i]][local[i]];
    }
  }
  for (unsigned w = 0; w < workers; ++w) {
    for (std::size_t k = 0; k < labels[w].labels.size(); ++k) counts[labels[w].labels[k]] += local_counts[w][k];
  }
  std::vector<CategoryValue> ranked;
  ranked.reserve(counts.size() + 1);
  for (auto& [label, n] : counts) ranked.push_back({label, n});
  if (several) ranked.push_back({std::string(k_several_category), several});
  std::sort(ranked.begin(), ranked.end(), [](const CategoryValue& a, const CategoryValue& b) {
    return a.count != b.count ? a.count > b.count : a.label < b.label;
  });
  Categories out;
  const std::size_t own = ranked.size() <= max - 1 ? ranked.size() : max - 2;
  std::unordered_map<std::string_view, std::uint16_t> global;
  for (std::size_t k = 0; k < ranked.size(); ++k) {
    if (k < own) {
      global.emplace(ranked[k].label, static_cast<std::uint16_t>(k));
      out.values.push_back(ranked[k]);
    }
  }
  const auto other = static_cast<std::uint16_t>(out.values.size());
  if (own < ranked.size()) {
    std::uint64_t rest = 0;
    for (std::size_t k = own; k < ranked.size(); ++k) rest += ranked[k].count;
    out.values.push_back({std::string(k_other_category), rest});
  }
  const auto none_index = static_cast<std::uint16_t>(out.values.size());
  if (none) out.values.push_back({std::string(k_none_category), none});
  auto index_of = [&](std::string_view label) {
    auto it = global.find(label);
    return it == global.end() ? other : it->second;
  };
  // Each worker's labels mapped once, then every position.
  std::vector<std::vector<std::uint16_t>> to_global(workers);
  for (unsigned w = 0; w < workers; ++w) {
    for (const auto& label : labels[w].labels) to_global[w].push_back(index_of(label));
  }
  const std::uint16_t several_index = index_of(k_several_category);
  out.of.resize(selection.size());
  for (std::size_t i = 0; i < selection.size(); ++i) {
    if (local[i] == k_none) {
      out.of[i] = none_index;
    } else if (local[i] == k_several) {
      out.of[i] = several_index;
    } else {
      out.of[i] = to_global[seen_by[i]][local[i]];
    }
  }
  return out;
}

}  // namespace ldb::dataset
