#include "dataset/stats.hpp"

#include <algorithm>
#include <cmath>

#include "dataset/annotation_scan.hpp"
#include "dataset/pipeline.hpp"

namespace ldb::dataset {

namespace {

using Item = query::Expression::Item;

void add_string(StringCounts& counts, std::string_view value, std::uint64_t n) {
  auto it = counts.find(value);
  if (it == counts.end()) {
    counts.emplace(std::string(value), n);
  } else {
    it->second += n;
  }
}

void merge_counts(StringCounts& into, StringCounts&& from) {
  if (into.empty()) {
    into = std::move(from);
    return;
  }
  for (auto& [value, n] : from) add_string(into, value, n);
}

}  // namespace

void KeyTally::add(const query::Expression& key, std::optional<simdjson::dom::element> document) {
  ++evaluated;
  if (!document) {
    ++errors;
    if (first_error.empty()) first_error = "the document is not valid JSON";
    return;
  }
  std::uint64_t nulls = 0;
  std::string why;
  auto spread = key.spread(
      *document,
      [&](const Item& item) {
        switch (item.type) {
          case Item::Type::null:
            ++nulls;
            break;
          case Item::Type::boolean:
            ++(item.boolean ? trues : falses);
            break;
          case Item::Type::number:
            if (std::isfinite(item.number)) {
              numbers.push_back(item.number);
            } else {
              ++other;
            }
            break;
          case Item::Type::string:
            add_string(strings, item.string, 1);
            break;
          case Item::Type::array:
          case Item::Type::object:
            ++other;
            break;
        }
      },
      first_error.empty() ? &why : nullptr);
  switch (spread) {
    case query::Expression::Spread::value:
      ++(nulls ? missing : singles);
      break;
    case query::Expression::Spread::array:
      ++arrays;
      null_elements += nulls;
      break;
    case query::Expression::Spread::missing:
      ++missing;
      break;
    case query::Expression::Spread::error:
      ++errors;
      if (first_error.empty()) first_error = why;
      break;
  }
}

void KeyTally::merge(KeyTally&& from) {
  evaluated += from.evaluated;
  missing += from.missing;
  errors += from.errors;
  if (first_error.empty()) first_error = std::move(from.first_error);
  arrays += from.arrays;
  singles += from.singles;
  null_elements += from.null_elements;
  merge_counts(strings, std::move(from.strings));
  trues += from.trues;
  falses += from.falses;
  if (numbers.empty()) {
    numbers = std::move(from.numbers);
  } else {
    numbers.insert(numbers.end(), from.numbers.begin(), from.numbers.end());
  }
  other += from.other;
}

void KeyCoverageTally::add(std::optional<simdjson::dom::element> document) {
  if (!document) return;
  ++annotations;
  simdjson::dom::object object;
  if (document->get_object().get(object)) return;
  for (auto member : object) add_string(keys, member.key, 1);
}

void KeyCoverageTally::merge(KeyCoverageTally&& from) {
  annotations += from.annotations;
  merge_counts(keys, std::move(from.keys));
}

std::vector<ValueCount> ranked_values(const KeyTally& tally) {
  std::vector<ValueCount> out;
  out.reserve(tally.strings.size() + 2);
  if (tally.trues) out.push_back({ValueCount::Type::boolean, "true", tally.trues});
  if (tally.falses) out.push_back({ValueCount::Type::boolean, "false", tally.falses});
  for (const auto& [value, n] : tally.strings) out.push_back({ValueCount::Type::string, value, n});
  std::sort(out.begin(), out.end(), [](const ValueCount& a, const ValueCount& b) {
    if (a.count != b.count) return a.count > b.count;
    if (a.type != b.type) return a.type < b.type;
    return a.value < b.value;
  });
  return out;
}

NumberSummary summarize_numbers(std::vector<double> numbers, std::size_t bins) {
  std::sort(numbers.begin(), numbers.end());
  NumberSummary out;
  const std::size_t n = numbers.size();
  out.count = n;
  out.min = numbers.front();
  out.max = numbers.back();
  long double sum = 0;
  for (double x : numbers) sum += x;
  const long double mean = sum / static_cast<long double>(n);
  long double squares = 0;
  for (double x : numbers) squares += (x - mean) * (x - mean);
  out.mean = static_cast<double>(mean);
  out.std = static_cast<double>(std::sqrt(squares / static_cast<long double>(n)));
  for (std::size_t q = 0; q < k_quantile_levels.size(); ++q) {
    const double position = static_cast<double>(n - 1) * k_quantile_levels[q];
    const auto below = static_cast<std::size_t>(std::floor(position));
    const double fraction = position - static_cast<double>(below);
    const double low = numbers[below];
    const double high = numbers[std::min(below + 1, n - 1)];
    out.quantiles[q] = fraction == 0 ? low : low + fraction * (high - low);
  }
  // Edges as numpy.linspace makes them (the last one exactly the top); the
  // values are sorted, so one sweep places each in its bin.
  double low = out.min, high = out.max;
  if (low == high) {
    low -= 0.5;
    high += 0.5;
  }
  const double step = (high - low) / static_cast<double>(bins);
  std::vector<double> edges(bins + 1);
  for (std::size_t b = 0; b < bins; ++b) edges[b] = low + static_cast<double>(b) * step;
  edges[bins] = high;
  out.histogram.resize(bins);
  for (std::size_t b = 0; b < bins; ++b) out.histogram[b] = {edges[b], edges[b + 1], 0};
  std::size_t bin = 0;
  for (double x : numbers) {
    while (bin + 1 < bins && x >= edges[bin + 1]) ++bin;
    ++out.histogram[bin].count;
  }
  return out;
}

KeySummary summarize_key(KeyTally tally, std::uint64_t objects, std::size_t bins) {
  KeySummary out;
  out.objects = objects;
  out.missing = objects - tally.evaluated + tally.missing;
  out.errors = tally.errors;
  out.first_error = std::move(tally.first_error);
  out.unit = tally.arrays == 0    ? CountedUnit::objects
             : tally.singles == 0 ? CountedUnit::elements
                                  : CountedUnit::values;
  out.null_elements = tally.null_elements;
  out.distinct = ranked_values(tally);
  out.other = tally.other;
  out.values = tally.trues + tally.falses + tally.numbers.size() + tally.other;
  for (const auto& [value, n] : tally.strings) out.values += n;
  if (!tally.numbers.empty()) out.numbers = summarize_numbers(std::move(tally.numbers), bins);
  return out;
}

namespace {

// Per-worker tallies of `keys`, merged into the first worker's, summarized.
std::vector<KeySummary> summaries(std::vector<std::vector<KeyTally>>& tallies, std::uint64_t objects,
                                  std::size_t bins) {
  std::vector<KeySummary> out;
  if (tallies.empty()) return out;
  for (std::size_t k = 0; k < tallies.front().size(); ++k) {
    for (std::size_t worker = 1; worker < tallies.size(); ++worker) {
      tallies.front()[k].merge(std::move(tallies[worker][k]));
    }
    out.push_back(summarize_key(std::move(tallies.front()[k]), objects, bins));
  }
  return out;
}

}  // namespace

Result<SelectionStats> selection_stats(Context& ctx, const std::vector<store::ObjectRef>& selection,
                                       const StatsKeys& keys, std::size_t bins) {
  SelectionStats out;
  out.objects = selection.size();
  out.annotations = static_cast<std::uint64_t>(std::count_if(
      selection.begin(), selection.end(), [](const store::ObjectRef& r) { return r.annotation_version != 0; }));
  const unsigned workers = ctx.pool.size();
  if (!keys.annotation.empty() || keys.coverage) {
    std::vector<std::vector<KeyTally>> tallies(workers, std::vector<KeyTally>(keys.annotation.size()));
    std::vector<KeyCoverageTally> coverage(keys.coverage ? workers : 0);
    LDB_TRY(scan_annotations(ctx, selection, Unannotated::skip,
                             [&](unsigned worker, std::size_t, std::optional<simdjson::dom::element> document) {
                               auto& mine = tallies[worker];
                               for (std::size_t k = 0; k < mine.size(); ++k) mine[k].add(keys.annotation[k], document);
                               if (keys.coverage) coverage[worker].add(document);
                             }));
    out.annotation_keys = summaries(tallies, out.objects, bins);
    if (keys.coverage) {
      for (unsigned worker = 1; worker < workers; ++worker) coverage.front().merge(std::move(coverage[worker]));
      for (auto& [key, n] : coverage.front().keys) out.coverage.push_back({key, n});
      std::sort(out.coverage.begin(), out.coverage.end(), [](const KeyCoverage& a, const KeyCoverage& b) {
        return a.annotations != b.annotations ? a.annotations > b.annotations : a.key < b.key;
      });
    }
  }
  if (!keys.file.empty()) {
    LDB_TRY_ASSIGN(auto docs, file_attributes_json(ctx, selection));
    std::vector<std::vector<KeyTally>> tallies(workers, std::vector<KeyTally>(keys.file.size()));
    for_each_document(ctx.pool, docs,
                      [&](unsigned worker, std::size_t, std::optional<simdjson::dom::element> document) {
                        auto& mine = tallies[worker];
                        for (std::size_t k = 0; k < mine.size(); ++k) mine[k].add(keys.file[k], document);
                      });
    out.file_keys = summaries(tallies, out.objects, bins);
  }
  return out;
}

}  // namespace ldb::dataset
