#pragma once
// Near-duplicate search over 64-bit perceptual hashes: every pair within a
// Hamming distance, exactly. Identical hashes are collapsed first; the distinct
// values are then searched with multi-index hashing: the hash is cut into
// chunks and, by pigeonhole, a pair within the threshold has some chunk within
// a few bits, so probing the keys that close finds every pair. The number of
// chunks, their width and radii are chosen per search by a cost model measured
// on this machine (near_dups.cpp); comparing all pairs is chosen only where
// that is cheaper (a few thousand hashes, or thresholds near 32 bits, where
// most pairs of random hashes match anyway).
// FAISS's binary indexes were measured and are not used: IndexBinaryMultiHash
// took ~3 ms a query on 1M hashes at 10 bits (~50 min for the 1M self-join;
// IndexBinaryFlat ~80 min), where this takes ~1.5 s of CPU (bench/dups_bench).
// Threads: one worker per core (a core::ThreadPool made per call, as the CLI
// does per command). Results are sorted, so deterministic.

#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace ldb::image {

// The largest threshold near_pairs accepts (bits).
constexpr unsigned k_max_threshold = 32;

struct NearPair {
  std::uint32_t a = 0;  // index into the first list
  std::uint32_t b = 0;  // index into the second list (the same list for near_pairs)
  std::uint8_t distance = 0;

  bool operator==(const NearPair&) const = default;
};

// Every pair a < b of `hashes` with popcount(hashes[a] ^ hashes[b]) <=
// threshold, sorted by (a, b). Exact duplicates (distance 0) included.
// invalid_argument when threshold > k_max_threshold (or more than 2^32 - 1
// hashes). The pairs are what they are: c copies of one hash make
// c (c - 1) / 2 of them (10,000 copies: 49,995,000 pairs, 600 MB), counted
// first and allocated once; near_groups(hashes, threshold) never makes them.
Result<std::vector<NearPair>> near_pairs(std::span<const std::uint64_t> hashes, unsigned threshold);

// Every pair (a in `left`, b in `right`) within threshold, sorted by (a, b):
// e.g. train items near test items. Same errors as near_pairs.
Result<std::vector<NearPair>> near_pairs_across(std::span<const std::uint64_t> left,
                                                std::span<const std::uint64_t> right, unsigned threshold);

// The connected components of the pairs over n items that have at least one
// pair: each group lists its items in ascending order; groups are ordered by
// their first item. Every index in `pairs` must be < n.
std::vector<std::vector<std::uint32_t>> near_groups(std::size_t n, std::span<const NearPair> pairs);

// The same groups as near_groups(hashes.size(), near_pairs(hashes, threshold)),
// without making the pairs: identical hashes are joined as one, so memory stays
// linear in the hashes plus the pairs of distinct values. Same errors as
// near_pairs.
Result<std::vector<std::vector<std::uint32_t>>> near_groups(std::span<const std::uint64_t> hashes, unsigned threshold);

}  // namespace ldb::image
