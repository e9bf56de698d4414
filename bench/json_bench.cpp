// JSON micro-benchmarks: parsing a ~300-byte annotation shaped like the
// benchmark data (bench/gen_data.py) with simdjson through ldb::core::parse_json,
// and producing its canonical form (ldb::core::canonical_json: parse, sort keys,
// print) as the indexer does once per annotation file.

#include <benchmark/benchmark.h>

#include <simdjson.h>

#include <cstdint>
#include <string>

#include "core/json.hpp"

namespace {

// The shape and size bench/gen_data.py writes (pretty-printed, ~300 bytes).
const std::string& annotation() {
  static const std::string text =
      "{\n"
      "  \"path\": \"./f012/0012345.jpg\",\n"
      "  \"class\": \"iv\",\n"
      "  \"inference\": {\n"
      "    \"class\": \"v\",\n"
      "    \"confidence\": 0.7312\n"
      "  },\n"
      "  \"id\": 12345,\n"
      "  \"split\": \"train\",\n"
      "  \"size\": {\"width\": 64, \"height\": 48},\n"
      "  \"labeler\": \"annotator-07\",\n"
      "  \"tags\": [\"numerals\", \"batch-12\", \"v2\"],\n"
      "  \"bbox\": [11, 6, 33, 20],\n"
      "  \"note\": \"nnnnnnnnnnnn\"\n"
      "}\n";
  return text;
}

void BM_ParseJson_Annotation(benchmark::State& state) {
  simdjson::dom::parser parser;
  const std::string& text = annotation();
  for (auto _ : state) {
    auto element = ldb::core::parse_json(parser, text, "bench.json");
    if (!element) {
      state.SkipWithError(element.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(*element);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_CanonicalJson_Annotation(benchmark::State& state) {
  const std::string& text = annotation();
  for (auto _ : state) {
    auto canonical = ldb::core::canonical_json(text, "bench.json");
    if (!canonical) {
      state.SkipWithError(canonical.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(*canonical);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

// Canonical printing alone, from an already parsed document.
void BM_AppendCanonical_Annotation(benchmark::State& state) {
  simdjson::dom::parser parser;
  auto element = ldb::core::parse_json(parser, annotation(), "bench.json");
  if (!element) {
    state.SkipWithError(element.error().message.c_str());
    return;
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    ldb::core::append_canonical(*element, out);
    benchmark::DoNotOptimize(out.data());
  }
}

}  // namespace

BENCHMARK(BM_ParseJson_Annotation);
BENCHMARK(BM_CanonicalJson_Annotation);
BENCHMARK(BM_AppendCanonical_Annotation);
