#include "dataset/pipeline.hpp"
#include "dataset/annotation_scan.hpp"
#include "dataset/images.hpp"
#include "image/hash_text.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>
#include <random>

#include <fmt/format.h>
#include <re2/re2.h>
#include <simdjson.h>

#include "core/json.hpp"
#include "core/paths.hpp"
#include "core/time.hpp"
#include "dataset/pipe_plugin.hpp"
#include "dataset/sampling.hpp"
#include "query/expression.hpp"

namespace ldb::dataset {

namespace {

Result<double> parse_number(std::string_view flag, std::string_view text) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return fail(ErrorCode::invalid_argument, fmt::format("{} expects a number, got '{}'", flag, text),
                fmt::format("for example: {} 10", flag));
  }
  return v;
}

Result<std::uint64_t> parse_count(std::string_view flag, std::string_view text) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return fail(ErrorCode::invalid_argument, fmt::format("{} expects a whole number, got '{}'", flag, text),
                fmt::format("for example: {} 100", flag));
  }
  return v;
}

std::vector<std::string> split_tags(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The probability of keeping an object for --sample P (0 to 1) or
// --sample-rate PERCENT (0 to 100); errors name the flag and value as written.
Result<double> sample_probability(const FilterSpec& spec) {
  const bool rate = spec.kind == FilterKind::sample_rate;
  const std::string_view flag = rate ? "--sample-rate" : "--sample";
  auto p = parse_number(flag, spec.value);
  if (!p) return std::unexpected(p.error());
  const double max = rate ? 100 : 1;
  if (!(*p >= 0 && *p <= max)) {  // also rejects nan
    return fail(
        ErrorCode::invalid_argument,
        rate ? fmt::format("--sample-rate expects a percentage from 0 to 100, got {}", spec.value)
             : fmt::format("--sample expects a probability from 0 to 1, got {}", spec.value),
        rate ? "for 10% write --sample-rate 10 (or --sample 0.1)" : "for 10% write --sample 0.1 (or --sample-rate 10)");
  }
  return rate ? *p / 100 : *p;
}

query::Dialect dialect_of(FilterKind kind) {
  return kind == FilterKind::jquery ? query::Dialect::jmespath : query::Dialect::ldb;
}

// The documents a query filter reads: annotations for --query/--jquery, file
// attributes for --file. "" means the object has no annotation.
Result<std::vector<std::string>> documents_for(Context& ctx, const Selection& selection, FilterKind kind) {
  if (kind == FilterKind::file) return file_attributes_json(ctx, selection);
  return ctx.store.annotations(selection);
}

// What a query filter decided for each object of the selection.
struct QueryOutcomes {
  std::vector<char> keep;
  std::vector<char> errored;
  std::mutex why_mutex;
  std::string first_why;

  explicit QueryOutcomes(std::size_t n) : keep(n, 0), errored(n, 0) {}

  void record(std::size_t i, const query::Expression& expr, std::optional<simdjson::dom::element> doc) {
    if (!doc) {
      errored[i] = 1;
      return;
    }
    std::string why;
    auto outcome = expr.test(*doc, &why);
    if (outcome == query::Expression::Outcome::match) {
      keep[i] = 1;
    } else if (outcome == query::Expression::Outcome::error) {
      errored[i] = 1;
      std::lock_guard lock(why_mutex);
      if (first_why.empty()) first_why = why;
    }
  }
};

Result<Selection> apply_query(Context& ctx, Selection selection, const FilterSpec& spec) {
  auto expr = query::Expression::parse(spec.value, dialect_of(spec.kind));
  if (!expr) return std::unexpected(expr.error());
  QueryOutcomes outcomes(selection.size());
  if (spec.kind == FilterKind::file) {
    auto docs = documents_for(ctx, selection, spec.kind);
    if (!docs) return std::unexpected(docs.error());
    for_each_document(ctx.pool, *docs, [&](unsigned, std::size_t i, std::optional<simdjson::dom::element> doc) {
      outcomes.record(i, *expr, doc);
    });
  } else {
    // Objects without an annotation are left out in the ldb dialect and
    // tested against null in --jquery (standard JMESPath).
    auto unannotated = spec.kind == FilterKind::jquery ? Unannotated::as_null : Unannotated::skip;
    LDB_TRY(scan_annotations(
        ctx, selection, unannotated,
        [&](unsigned, std::size_t i, std::optional<simdjson::dom::element> doc) { outcomes.record(i, *expr, doc); }));
  }
  Selection out;
  std::size_t errors = 0;
  for (std::size_t i = 0; i < selection.size(); ++i) {
    if (outcomes.keep[i]) out.push_back(selection[i]);
    errors += outcomes.errored[i] ? 1 : 0;
  }
  if (errors) {
    ctx.warnings.push_back(fmt::format("{} object{} skipped: '{}' could not be evaluated on them ({})", errors,
                                       errors == 1 ? " was" : "s were", spec.value,
                                       outcomes.first_why.empty() ? "invalid document" : outcomes.first_why));
  }
  return out;
}

Result<Selection> apply_sort(Context& ctx, Selection selection, const FilterSpec& spec) {
  auto expr = query::Expression::parse(spec.value, query::Dialect::ldb);
  if (!expr) return std::unexpected(expr.error());
  auto docs = ctx.store.annotations(selection);
  if (!docs) return std::unexpected(docs.error());
  std::vector<std::optional<query::SortKey>> keys(selection.size());
  for_each_document(ctx.pool, *docs, [&](unsigned, std::size_t i, std::optional<simdjson::dom::element> doc) {
    if (!doc || (*docs)[i].empty()) return;
    auto key = expr->sort_key(*doc);
    if (key) keys[i] = std::move(*key);
  });
  std::vector<std::size_t> order(selection.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const bool desc = spec.kind == FilterKind::sort_desc;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    // Objects without a key go last, in their previous order.
    if (!keys[a] || !keys[b]) return keys[a].has_value() && !keys[b].has_value();
    return desc ? *keys[b] < *keys[a] : *keys[a] < *keys[b];
  });
  std::size_t unsorted =
      static_cast<std::size_t>(std::count_if(keys.begin(), keys.end(), [](const auto& k) { return !k; }));
  if (unsorted) {
    ctx.warnings.push_back(fmt::format("{} object{} no sort key for '{}' and went last", unsorted,
                                       unsorted == 1 ? " has" : "s have", spec.value));
  }
  Selection out;
  out.reserve(selection.size());
  for (auto i : order) out.push_back(selection[i]);
  return out;
}

Result<std::vector<store::ObjectInfo>> infos_for(Context& ctx, const Selection& selection) {
  std::vector<core::Md5> hashes;
  hashes.reserve(selection.size());
  for (const auto& r : selection) hashes.push_back(r.hash);
  return ctx.store.objects_info(hashes);
}

Result<Selection> apply_path(Context& ctx, Selection selection, const FilterSpec& spec) {
  RE2 re(spec.value, RE2::Quiet);
  if (!re.ok()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("--path: invalid regular expression '{}': {}", spec.value, re.error()),
                "--path takes an RE2 regular expression, e.g. --path 'cats/.*\\.jpg$'");
  }
  auto infos = infos_for(ctx, selection);
  if (!infos) return std::unexpected(infos.error());
  // RE2 reads text as UTF-8, where a byte that is not UTF-8 matches nothing,
  // not even '.': such a path is matched in the form --file shows (\xhh).
  auto matches = [&](const std::string& path) {
    if (simdjson::validate_utf8(path.data(), path.size())) return RE2::PartialMatch(path, re);
    return RE2::PartialMatch(core::escape_invalid_utf8(path), re);
  };
  Selection out;
  for (std::size_t i = 0; i < selection.size(); ++i) {
    const auto& paths = (*infos)[i].paths;
    if (std::any_of(paths.begin(), paths.end(), matches)) {
      out.push_back(selection[i]);
    }
  }
  return out;
}

Result<Selection> apply_tags(Context& ctx, Selection selection, const FilterSpec& spec) {
  auto wanted = split_tags(spec.value);
  auto infos = infos_for(ctx, selection);
  if (!infos) return std::unexpected(infos.error());
  Selection out;
  for (std::size_t i = 0; i < selection.size(); ++i) {
    const auto& tags = (*infos)[i].tags;
    bool any = std::any_of(wanted.begin(), wanted.end(),
                           [&](const std::string& t) { return std::binary_search(tags.begin(), tags.end(), t); });
    if (any == (spec.kind == FilterKind::tag)) out.push_back(selection[i]);
  }
  return out;
}

// The size a --balance / --stratify at `at` takes from the filter right
// after it (--limit N, --sample P or --sample-rate PERCENT).
Result<SampleSize> sample_size_after(std::span<const FilterSpec> filters, std::size_t at) {
  const auto& f = filters[at];
  const std::string_view flag = f.kind == FilterKind::balance ? "--balance" : "--stratify";
  const FilterSpec* next = at + 1 < filters.size() ? &filters[at + 1] : nullptr;
  SampleSize size;
  if (next && next->kind == FilterKind::limit) {
    auto n = parse_count("--limit", next->value);
    if (!n) return std::unexpected(n.error());
    size.limit = *n;
    return size;
  }
  if (next && (next->kind == FilterKind::sample || next->kind == FilterKind::sample_rate)) {
    auto p = sample_probability(*next);
    if (!p) return std::unexpected(p.error());
    size.by_probability = true;
    size.probability = *p;
    return size;
  }
  return fail(ErrorCode::invalid_argument,
              fmt::format("{} '{}' needs --limit N or --sample P right after it", flag, f.value),
              fmt::format("for example: {} '{}' --limit 1000 (or --sample 0.1)", flag, f.value));
}

}  // namespace

Status validate_filters(std::span<const FilterSpec> filters) {
  for (std::size_t at = 0; at < filters.size(); ++at) {
    const auto& f = filters[at];
    switch (f.kind) {
      case FilterKind::balance:
      case FilterKind::stratify: {
        auto expr = query::Expression::parse(f.value, query::Dialect::ldb);
        if (!expr) return std::unexpected(expr.error());
        auto size = sample_size_after(filters, at);
        if (!size) return std::unexpected(size.error());
        break;
      }
      case FilterKind::query:
      case FilterKind::jquery:
      case FilterKind::file:
      case FilterKind::sort:
      case FilterKind::sort_desc: {
        auto expr = query::Expression::parse(f.value, dialect_of(f.kind));
        if (!expr) return std::unexpected(expr.error());
        break;
      }
      case FilterKind::path: {
        RE2 re(f.value, RE2::Quiet);
        if (!re.ok()) {
          return fail(ErrorCode::invalid_argument,
                      fmt::format("--path: invalid regular expression '{}': {}", f.value, re.error()),
                      "--path takes an RE2 regular expression, e.g. --path 'cats/.*\\.jpg$'");
        }
        break;
      }
      case FilterKind::limit: {
        auto n = parse_count("--limit", f.value);
        if (!n) return std::unexpected(n.error());
        break;
      }
      case FilterKind::seed: {
        auto n = parse_count("--seed", f.value);
        if (!n) return std::unexpected(n.error());
        break;
      }
      case FilterKind::sample:
      case FilterKind::sample_rate: {
        auto p = sample_probability(f);
        if (!p) return std::unexpected(p.error());
        break;
      }
      case FilterKind::tag:
      case FilterKind::no_tag:
        if (split_tags(f.value).empty()) {
          return fail(ErrorCode::invalid_argument, "--tag/--no-tag needs at least one tag",
                      "for example: --tag training,val");
        }
        break;
      case FilterKind::similar:
        if (f.value.empty()) {
          return fail(ErrorCode::invalid_argument, "--similar needs an object: id:HASH or an image path",
                      "for example: --similar id:3c2f... -m builtin --limit 20");
        }
        break;
      case FilterKind::shuffle:
      case FilterKind::pipe:
      case FilterKind::dedup:
        break;
    }
  }
  return {};
}

Result<Selection> apply_filters(Context& ctx, Selection selection, std::span<const FilterSpec> filters) {
  LDB_TRY(validate_filters(filters));
  // The first --seed seeds everything, wherever it stands (`--sample 0.5
  // --seed 7` is reproducible too); a later --seed re-seeds at its place.
  std::mt19937_64 rng{std::random_device{}()};
  const FilterSpec* first_seed = nullptr;
  for (const auto& f : filters) {
    if (f.kind == FilterKind::seed) {
      first_seed = &f;
      rng.seed(*parse_count("--seed", f.value));
      break;
    }
  }
  for (std::size_t at = 0; at < filters.size(); ++at) {
    const auto& f = filters[at];
    Result<Selection> next = Selection{};
    switch (f.kind) {
      case FilterKind::balance:
      case FilterKind::stratify: {
        // Takes the --limit / --sample right after it, which is then done.
        next = sample_by_key(ctx, std::move(selection), f.value,
                             f.kind == FilterKind::balance ? Shares::equal : Shares::input,
                             *sample_size_after(filters, at), rng);
        ++at;
        break;
      }
      case FilterKind::query:
      case FilterKind::jquery:
      case FilterKind::file:
        next = apply_query(ctx, std::move(selection), f);
        break;
      case FilterKind::sort:
      case FilterKind::sort_desc:
        next = apply_sort(ctx, std::move(selection), f);
        break;
      case FilterKind::path:
        next = apply_path(ctx, std::move(selection), f);
        break;
      case FilterKind::tag:
      case FilterKind::no_tag:
        next = apply_tags(ctx, std::move(selection), f);
        break;
      case FilterKind::limit: {
        auto n = *parse_count("--limit", f.value);
        if (selection.size() > n) selection.resize(n);
        next = std::move(selection);
        break;
      }
      case FilterKind::seed:
        if (&f != first_seed) rng.seed(*parse_count("--seed", f.value));
        next = std::move(selection);
        break;
      case FilterKind::sample:
      case FilterKind::sample_rate: {
        std::bernoulli_distribution keep(*sample_probability(f));
        Selection out;
        for (const auto& r : selection) {
          if (keep(rng)) out.push_back(r);
        }
        next = std::move(out);
        break;
      }
      case FilterKind::shuffle:
        std::shuffle(selection.begin(), selection.end(), rng);
        next = std::move(selection);
        break;
      case FilterKind::pipe:
        next = run_pipe_plugin(ctx, std::move(selection), f.value, f.args);
        break;
      case FilterKind::dedup:
        next = dedup(ctx, std::move(selection), k_default_dup_threshold);
        break;
      case FilterKind::similar:
        next = similar_to(ctx, std::move(selection), f.value, f.args.empty() ? "builtin" : f.args.front());
        break;
    }
    if (!next) return std::unexpected(next.error());
    selection = std::move(*next);
  }
  return selection;
}

Result<std::vector<Evaluation>> evaluate_each(Context& ctx, const Selection& selection, const FilterSpec& spec) {
  auto expr = query::Expression::parse(spec.value, dialect_of(spec.kind));
  if (!expr) return std::unexpected(expr.error());
  auto docs = documents_for(ctx, selection, spec.kind);
  if (!docs) return std::unexpected(docs.error());
  std::vector<Evaluation> out(selection.size());
  for_each_document(ctx.pool, *docs, [&](unsigned, std::size_t i, std::optional<simdjson::dom::element> doc) {
    out[i].ref = selection[i];
    if (!doc) {
      out[i].ok = false;
      out[i].json = "invalid JSON document";
      return;
    }
    auto value = expr->evaluate_json(*doc);
    if (value) {
      out[i].json = std::move(*value);
    } else {
      out[i].ok = false;
      out[i].missing = value.error().code == ErrorCode::not_found;
      out[i].json = value.error().message;
    }
  });
  return out;
}

void append_image_features(const store::ImageFeatures& f, std::string& doc) {
  if (!f.error.empty()) {
    doc += ",\"error\":";
    core::append_json_string(core::escape_invalid_utf8(f.error), doc);
    return;
  }
  // Doubles print in their shortest exact form; the hashes as SPEC's 16 hex digits.
  doc += fmt::format(
      ",\"phash\":\"{}\",\"dhash\":\"{}\",\"mean\":{},\"std\":{},\"sharpness\":{},\"entropy\":{},\"channels\":{}",
      image::hash_hex(f.phash), image::hash_hex(f.dhash), f.mean, f.std, f.sharpness, f.entropy, f.channels);
}

Result<std::vector<std::string>> file_attributes_json(Context& ctx, const Selection& selection) {
  auto infos = infos_for(ctx, selection);
  if (!infos) return std::unexpected(infos.error());
  std::vector<std::string> out;
  out.reserve(infos->size());
  // Names are any bytes; the document must be UTF-8 JSON, so bytes that are
  // not UTF-8 are written as \xhh (core::escape_invalid_utf8), and
  // fs.path_escaped says whether fs.path holds such escapes.
  auto append_name = [](std::string_view name, std::string& doc) {
    core::append_json_string(core::escape_invalid_utf8(name), doc);
  };
  for (const auto& info : *infos) {
    std::string_view path = info.paths.empty() ? std::string_view() : std::string_view(info.paths.front());
    std::string shown_path = core::escape_invalid_utf8(path);
    std::string doc = "{\"fs\":{\"path\":";
    core::append_json_string(shown_path, doc);
    doc +=
        fmt::format(",\"path_escaped\":{},\"size\":{},\"mtime\":\"{}\",\"protocol\":", shown_path.size() != path.size(),
                    info.size, core::iso_utc(info.mtime_ns / 1000000000));
    append_name(path.empty() ? "file" : core::protocol_of(path), doc);
    doc += "},\"alternate_paths\":[";
    for (std::size_t i = 1; i < info.paths.size(); ++i) {
      if (i > 1) doc.push_back(',');
      append_name(info.paths[i], doc);
    }
    doc += "],\"tags\":[";
    for (std::size_t i = 0; i < info.tags.size(); ++i) {
      if (i) doc.push_back(',');
      append_name(info.tags[i], doc);
    }
    doc += fmt::format("],\"first_indexed\":\"{}\",\"last_indexed\":\"{}\"", core::iso_utc(info.first_indexed),
                       core::iso_utc(info.last_indexed));
    if (info.image) {
      doc += fmt::format(",\"image\":{{\"width\":{},\"height\":{},\"format\":", info.image->width, info.image->height);
      core::append_json_string(info.image->format, doc);
      if (const auto& f = info.image->features) append_image_features(*f, doc);
      doc.push_back('}');
    }
    doc.push_back('}');
    out.push_back(std::move(doc));
  }
  return out;
}

}  // namespace ldb::dataset
