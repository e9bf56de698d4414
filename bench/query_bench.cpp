// Query evaluation micro-benchmarks: an expression is parsed once and evaluated
// over many pre-parsed annotations (simdjson documents), as `ldb list --query`
// does per object. Reports time per document for typical filters.

#include <benchmark/benchmark.h>

#include <fmt/format.h>
#include <simdjson.h>

#include <memory>
#include <string>
#include <vector>

#include "query/expression.hpp"

namespace {

constexpr std::size_t k_documents = 10'000;

// A typical inferred-annotation shape, with varying values.
struct Documents {
  std::vector<std::unique_ptr<simdjson::dom::document>> documents;
  std::vector<simdjson::dom::element> roots;

  Documents() {
    simdjson::dom::parser parser;
    const char* classes[] = {"cat", "dog", "bird", "fish"};
    for (std::size_t i = 0; i < k_documents; ++i) {
      std::string json = fmt::format(R"({{"class":"{}","id":{},"inference":{{"class":"{}","confidence":{}}},)"
                                     R"("size":{{"width":{},"height":{}}},"tags":["train","v{}"]}})",
                                     classes[i % 4], i, classes[(i / 3) % 4], static_cast<double>(i % 100) / 100.0,
                                     100 + i % 50, 80 + i % 30, i % 7);
      auto& document = documents.emplace_back(std::make_unique<simdjson::dom::document>());
      simdjson::dom::element root;
      if (parser.parse_into_document(*document, json.data(), json.size()).get(root) != simdjson::SUCCESS) std::abort();
      roots.push_back(root);
    }
  }
};

const Documents& documents() {
  static const Documents instance;
  return instance;
}

void run_filter(benchmark::State& state, const char* text, ldb::query::Dialect dialect) {
  auto expression = ldb::query::Expression::parse(text, dialect);
  if (!expression) {
    state.SkipWithError(expression.error().message.c_str());
    return;
  }
  const auto& roots = documents().roots;
  std::size_t matched = 0;
  for (auto _ : state) {
    for (const auto& root : roots) {
      matched += expression->test(root) == ldb::query::Expression::Outcome::match;
    }
  }
  benchmark::DoNotOptimize(matched);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * roots.size()));
  state.counters["ns_per_doc"] = benchmark::Counter(static_cast<double>(state.iterations() * roots.size()),
                                                    benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_ConfidenceLessThan_ldb(benchmark::State& state) {
  run_filter(state, "inference.confidence < 0.75", ldb::query::Dialect::ldb);
}
void BM_ConfidenceLessThan_jmespath(benchmark::State& state) {
  run_filter(state, "inference.confidence < `0.75`", ldb::query::Dialect::jmespath);
}
void BM_ClassMismatch(benchmark::State& state) {
  run_filter(state, "class != inference.class", ldb::query::Dialect::ldb);
}
void BM_RegexAndContains(benchmark::State& state) {
  run_filter(state, "regex(class, `^(cat|dog)$`) && contains(tags, 'v3')", ldb::query::Dialect::ldb);
}
void BM_Projection(benchmark::State& state) {
  run_filter(state, "length([class, inference.class][?@ == 'cat']) > 0", ldb::query::Dialect::ldb);
}

}  // namespace

BENCHMARK(BM_ConfidenceLessThan_ldb);
BENCHMARK(BM_ConfidenceLessThan_jmespath);
BENCHMARK(BM_ClassMismatch);
BENCHMARK(BM_RegexAndContains);
BENCHMARK(BM_Projection);
