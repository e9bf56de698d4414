#include "app/stats.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/detail/diff_sides.hpp"
#include "app/detail/select.hpp"
#include "app/detail/session.hpp"
#include "dataset/stats.hpp"
#include "query/expression.hpp"

namespace ldb::app {

namespace {

constexpr std::size_t k_default_bins = 10;
constexpr std::size_t k_max_bins = 1000;
constexpr std::size_t k_default_top = 20;
constexpr std::size_t k_max_top = 1000000;

// The file attributes the overview summarizes.
constexpr const char* k_overview_file_keys[] = {"image.width", "image.height", "image.format"};

Result<std::size_t> parse_positive(std::string_view flag, const std::optional<std::string>& text, std::size_t fallback,
                                   std::size_t max) {
  if (!text) return fallback;
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || value == 0 || value > max) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} expects a whole number from 1 to {}, got '{}'", flag, max, *text),
                fmt::format("for example: {} {} (the default)", flag, fallback));
  }
  return value;
}

// A request's keys parsed and its numbers checked, before any work is done.
struct Plan {
  dataset::StatsKeys keys;
  std::vector<std::string> annotation_texts, file_texts;
  std::size_t bins = k_default_bins;
  std::size_t top = k_default_top;
  bool overview = false;
};

Result<Plan> plan_of(const StatsKeys& keys) {
  Plan plan;
  LDB_TRY_ASSIGN(plan.bins, parse_positive("--bins", keys.bins, k_default_bins, k_max_bins));
  LDB_TRY_ASSIGN(plan.top, parse_positive("--top", keys.top, k_default_top, k_max_top));
  plan.overview = keys.by.empty() && keys.file_by.empty();
  plan.annotation_texts = keys.by;
  plan.file_texts = keys.file_by;
  if (plan.overview) {
    plan.keys.coverage = true;
    plan.file_texts.assign(std::begin(k_overview_file_keys), std::end(k_overview_file_keys));
  }
  for (const auto& text : plan.annotation_texts) {
    LDB_TRY_ASSIGN(auto expr, query::Expression::parse(text, query::Dialect::ldb));
    plan.keys.annotation.push_back(std::move(expr));
  }
  for (const auto& text : plan.file_texts) {
    LDB_TRY_ASSIGN(auto expr, query::Expression::parse(text, query::Dialect::ldb));
    plan.keys.file.push_back(std::move(expr));
  }
  return plan;
}

const char* unit_name(dataset::CountedUnit unit) {
  switch (unit) {
    case dataset::CountedUnit::objects:
      return "objects";
    case dataset::CountedUnit::elements:
      return "elements";
    case dataset::CountedUnit::values:
      return "values";
  }
  return "values";
}

KeyStats key_stats(std::string key, std::string source, dataset::KeySummary s, std::size_t top) {
  KeyStats out;
  out.key = std::move(key);
  out.source = std::move(source);
  out.objects = s.objects;
  out.missing = s.missing;
  out.errors = s.errors;
  out.unit = unit_name(s.unit);
  out.values = s.values;
  out.null_elements = s.null_elements;
  out.distinct = s.distinct.size();
  for (std::size_t i = 0; i < s.distinct.size(); ++i) {
    auto& v = s.distinct[i];
    if (i < top) {
      out.top.push_back({std::move(v.value), v.type == dataset::ValueCount::Type::boolean, v.count});
    } else {
      ++out.other_values;
      out.other_count += v.count;
    }
  }
  if (s.numbers) {
    NumberStats n{s.numbers->count, s.numbers->min, s.numbers->max, s.numbers->mean, s.numbers->std, {}, {}};
    for (std::size_t q = 0; q < dataset::k_quantile_levels.size(); ++q) {
      n.quantiles.emplace_back(dataset::k_quantile_levels[q], s.numbers->quantiles[q]);
    }
    for (const auto& bin : s.numbers->histogram) n.histogram.push_back({bin.low, bin.high, bin.count});
    out.numbers = std::move(n);
  }
  out.other = s.other;
  return out;
}

// One warning per key that some objects could not be evaluated on.
void warn_errors(dataset::Context& ctx, const std::vector<std::string>& texts,
                 const std::vector<dataset::KeySummary>& summaries) {
  for (std::size_t k = 0; k < summaries.size(); ++k) {
    const auto& s = summaries[k];
    // Failing on every object it did not miss is an error (check_keys_found).
    if (s.errors == 0 || s.errors + s.missing == s.objects) continue;
    ctx.warnings.push_back(fmt::format("{} object{} left out of '{}': it could not be evaluated on them ({})", s.errors,
                                       s.errors == 1 ? " was" : "s were", texts[k], s.first_error));
  }
}

Result<dataset::SelectionStats> scan(dataset::Context& ctx, const dataset::Selection& selection, const Plan& plan) {
  LDB_TRY_ASSIGN(auto computed, dataset::selection_stats(ctx, selection, plan.keys, plan.bins));
  warn_errors(ctx, plan.annotation_texts, computed.annotation_keys);
  warn_errors(ctx, plan.file_texts, computed.file_keys);
  return computed;
}

// "class (1000), size (998), ..." for a hint.
std::string coverage_list(const std::vector<dataset::KeyCoverage>& coverage) {
  constexpr std::size_t k_shown = 12;
  std::string out;
  for (std::size_t i = 0; i < coverage.size() && i < k_shown; ++i) {
    out += fmt::format("{}{} ({})", i ? ", " : "", coverage[i].key, coverage[i].annotations);
  }
  if (coverage.size() > k_shown) out += fmt::format(" and {} more", coverage.size() - k_shown);
  return out;
}

// A key the selections (one, or both sides of a diff) gave nothing for is a
// mistake: missing everywhere (not_found, naming the keys there are) or
// failing everywhere (invalid_argument, saying why).
Status check_keys_found(
    dataset::Context& ctx, const Plan& plan,
    const std::vector<std::pair<const dataset::Selection*, const dataset::SelectionStats*>>& sides) {
  if (plan.overview) return {};
  auto check = [&](bool annotation, std::size_t k) -> Status {
    std::uint64_t objects = 0, missing = 0, errors = 0;
    std::vector<std::uint64_t> per_side;
    std::string why;
    for (const auto& [selection, computed] : sides) {
      const auto& s = annotation ? computed->annotation_keys[k] : computed->file_keys[k];
      objects += s.objects;
      per_side.push_back(s.objects);
      missing += s.missing;
      errors += s.errors;
      if (why.empty()) why = s.first_error;
    }
    const auto& text = annotation ? plan.annotation_texts[k] : plan.file_texts[k];
    const char* flag = annotation ? "--by" : "--file-by";
    if (objects == 0 || missing + errors < objects) return {};
    // "all 7 objects", or for diff --stats "all objects of both sides (67 and 74)":
    // an object on both sides is counted on each.
    const auto all = per_side.size() == 1 ? fmt::format("all {} objects", objects)
                                          : fmt::format("all objects of both sides ({})", fmt::join(per_side, " and "));
    if (errors > 0) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{} '{}' could not be evaluated on {}: {}", flag, text, all, why),
                  "check the argument types of the functions in the key");
    }
    if (!annotation) {
      return fail(ErrorCode::invalid_argument, fmt::format("--file-by '{}': {} miss it", text, all),
                  "file attributes are fs.path, fs.size, fs.mtime, fs.protocol, alternate_paths, tags, "
                  "first_indexed, last_indexed and, for images, image.width, image.height, image.format "
                  "(docs/queries.md)");
    }
    dataset::StatsKeys coverage_only;
    coverage_only.coverage = true;
    std::vector<dataset::KeyCoverage> coverage;
    std::uint64_t annotations = 0;
    for (const auto& [selection, computed] : sides) {
      LDB_TRY_ASSIGN(auto c, dataset::selection_stats(ctx, *selection, coverage_only, 1));
      annotations += c.annotations;
      for (auto& entry : c.coverage) {
        auto it = std::find_if(coverage.begin(), coverage.end(), [&](const auto& e) { return e.key == entry.key; });
        if (it == coverage.end()) {
          coverage.push_back(std::move(entry));
        } else {
          it->annotations += entry.annotations;
        }
      }
    }
    std::stable_sort(coverage.begin(), coverage.end(),
                     [](const auto& a, const auto& b) { return a.annotations > b.annotations; });
    return fail(ErrorCode::invalid_argument, fmt::format("--by '{}': {} miss it", text, all),
                annotations == 0 || coverage.empty()
                    ? std::string("none of them has an annotation object; --file-by reads file attributes")
                    : fmt::format("the annotations' top-level keys are {}", coverage_list(coverage)));
  };
  for (std::size_t k = 0; k < plan.annotation_texts.size(); ++k) LDB_TRY(check(true, k));
  for (std::size_t k = 0; k < plan.file_texts.size(); ++k) LDB_TRY(check(false, k));
  return {};
}

std::vector<KeyStats> all_key_stats(const Plan& plan, dataset::SelectionStats& computed, std::size_t top) {
  std::vector<KeyStats> out;
  for (std::size_t k = 0; k < computed.annotation_keys.size(); ++k) {
    out.push_back(key_stats(plan.annotation_texts[k], "annotation", std::move(computed.annotation_keys[k]), top));
  }
  for (std::size_t k = 0; k < computed.file_keys.size(); ++k) {
    out.push_back(key_stats(plan.file_texts[k], "file", std::move(computed.file_keys[k]), top));
  }
  return out;
}

// The stats of a selection made, whichever way it was.
Result<StatsResult> stats_of(Session& session, dataset::Context& ctx, const dataset::Selection& selection,
                             const Plan& plan) {
  auto computed = scan(ctx, selection, plan);
  Status found = computed ? check_keys_found(ctx, plan, {{&selection, &*computed}}) : Status{};
  detail::report(session, ctx);
  if (!computed) return std::unexpected(computed.error());
  LDB_TRY(found);
  StatsResult out;
  out.objects = computed->objects;
  out.annotations = computed->annotations;
  out.overview = plan.overview;
  for (auto& c : computed->coverage) out.coverage.push_back({std::move(c.key), c.annotations});
  out.keys = all_key_stats(plan, *computed, plan.top);
  return out;
}

}  // namespace

Result<StatsResult> stats(Session& session, const StatsRequest& request) {
  LDB_TRY_ASSIGN(auto plan, plan_of(request.keys));
  LDB_TRY_ASSIGN(auto defaults, detail::default_source_for(session.context(), request.selector, request.target));
  LDB_TRY_ASSIGN(auto* instance, detail::instance(session));
  auto ctx = detail::dataset_context(session, *instance);
  detail::SelectOptions select{"stats", defaults, detail::NoObjects::use_default};
  auto selection = detail::select_objects(session, ctx, request.selector, select);
  if (!selection) return std::unexpected(selection.error());
  return stats_of(session, ctx, *selection, plan);
}

Result<StatsResult> stats(Session& session, std::span<const ObjectRef> objects, const StatsKeys& keys) {
  LDB_TRY_ASSIGN(auto plan, plan_of(keys));
  LDB_TRY_ASSIGN(auto* instance, detail::instance(session));
  auto ctx = detail::dataset_context(session, *instance);
  return stats_of(session, ctx, detail::from_refs(objects), plan);
}

namespace {

// Every value of either side, most frequent in either first (ties: booleans
// first, then by value), the first `top` of them.
KeyDiff key_diff(KeyStats from, KeyStats to, std::size_t top) {
  KeyDiff out;
  out.key = from.key;
  out.source = from.source;
  std::map<std::pair<bool, std::string>, std::pair<std::uint64_t, std::uint64_t>> counts;
  for (const auto& v : from.top) counts[{!v.boolean, v.value}].first = v.count;
  for (const auto& v : to.top) counts[{!v.boolean, v.value}].second = v.count;
  std::vector<ValueChange> changes;
  auto share = [](std::uint64_t n, std::uint64_t of) {
    return of ? static_cast<double>(n) / static_cast<double>(of) : 0;
  };
  for (const auto& [key, n] : counts) {
    changes.push_back(
        {key.second, !key.first, n.first, n.second, share(n.first, from.values), share(n.second, to.values)});
  }
  std::stable_sort(changes.begin(), changes.end(), [](const ValueChange& a, const ValueChange& b) {
    return std::max(a.from, a.to) > std::max(b.from, b.to);
  });
  if (changes.size() > top) {
    out.other_values = changes.size() - top;
    changes.resize(top);
  }
  out.changes = std::move(changes);
  auto cut = [&](KeyStats& side) {
    if (side.top.size() <= top) return;
    side.other_values = side.top.size() - top;
    for (std::size_t i = top; i < side.top.size(); ++i) side.other_count += side.top[i].count;
    side.top.resize(top);
  };
  cut(from);
  cut(to);
  out.from = std::move(from);
  out.to = std::move(to);
  return out;
}

}  // namespace

Result<DiffStatsResult> diff_stats(Session& session, const DiffStatsRequest& request) {
  if (request.keys.by.empty() && request.keys.file_by.empty()) {
    return fail(ErrorCode::invalid_argument, "ldb diff --stats needs a key: --by EXPR or --file-by EXPR",
                "for example: ldb diff --stats ds:pets.v1 ds:pets.v2 --by class");
  }
  LDB_TRY_ASSIGN(auto plan, plan_of(request.keys));
  LDB_TRY_ASSIGN(auto* instance, detail::instance(session));
  auto ctx = detail::dataset_context(session, *instance);
  auto sides = detail::diff_sides(session, ctx, request.sides);
  if (!sides) return std::unexpected(sides.error());
  auto from = scan(ctx, sides->from, plan);
  auto to = from ? scan(ctx, sides->to, plan) : Result<dataset::SelectionStats>{};
  Status found = from && to ? check_keys_found(ctx, plan, {{&sides->from, &*from}, {&sides->to, &*to}}) : Status{};
  detail::report(session, ctx);
  if (!from) return std::unexpected(from.error());
  if (!to) return std::unexpected(to.error());
  LDB_TRY(found);
  DiffStatsResult out;
  out.from_objects = from->objects;
  out.to_objects = to->objects;
  // Every value is kept for the comparison; the cut comes after.
  auto from_keys = all_key_stats(plan, *from, SIZE_MAX);
  auto to_keys = all_key_stats(plan, *to, SIZE_MAX);
  for (std::size_t k = 0; k < from_keys.size(); ++k) {
    out.keys.push_back(key_diff(std::move(from_keys[k]), std::move(to_keys[k]), plan.top));
  }
  return out;
}

}  // namespace ldb::app
