// MD5 micro-benchmarks: the cost of identifying a data object (ldb::core::Md5Hasher,
// OpenSSL underneath) for the file sizes the benchmark data uses (1-4 KB) and a
// larger buffer, plus md5_of (a fresh context per call, as for annotation
// content hashes) and hex formatting of a digest.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/hash.hpp"

namespace {

std::vector<std::byte> pseudo_random_bytes(std::size_t size) {
  std::vector<std::byte> bytes(size);
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  for (auto& byte : bytes) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    byte = static_cast<std::byte>(state);
  }
  return bytes;
}

// One reused hasher: update() the whole buffer, finish(). As the indexer hashes files.
void BM_Md5Hasher(benchmark::State& state) {
  const auto bytes = pseudo_random_bytes(static_cast<std::size_t>(state.range(0)));
  ldb::core::Md5Hasher hasher;
  for (auto _ : state) {
    hasher.update(std::span<const std::byte>(bytes));
    benchmark::DoNotOptimize(hasher.finish());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

// md5_of on a ~300-byte string: the content hash of one canonical annotation.
void BM_Md5Of_Annotation(benchmark::State& state) {
  const std::string text(300, 'a');
  for (auto _ : state) benchmark::DoNotOptimize(ldb::core::md5_of(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_Md5Hex(benchmark::State& state) {
  const auto digest = ldb::core::md5_of("ldb");
  for (auto _ : state) benchmark::DoNotOptimize(digest.hex());
}

void BM_Md5FromHex(benchmark::State& state) {
  const std::string hex = ldb::core::md5_of("ldb").hex();
  for (auto _ : state) benchmark::DoNotOptimize(ldb::core::Md5::from_hex(hex));
}

}  // namespace

BENCHMARK(BM_Md5Hasher)->Arg(1024)->Arg(2560)->Arg(4096)->Arg(1 << 20);
BENCHMARK(BM_Md5Of_Annotation);
BENCHMARK(BM_Md5Hex);
BENCHMARK(BM_Md5FromHex);
