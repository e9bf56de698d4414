#pragma once
// Near-duplicate search over 64-bit perceptual hashes: every pair within a
// Hamming distance, found with a FAISS binary index (multi-index hashing:
// IndexBinaryMultiHash; pigeonhole makes the range search exact), never by
// comparing all pairs.

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
// invalid_argument when threshold > k_max_threshold.
Result<std::vector<NearPair>> near_pairs(std::span<const std::uint64_t> hashes, unsigned threshold);

// Every pair (a in `left`, b in `right`) within threshold, sorted by (a, b).
Result<std::vector<NearPair>> near_pairs_across(std::span<const std::uint64_t> left,
                                                std::span<const std::uint64_t> right, unsigned threshold);

// The connected components of the pairs over n items that have at least one
// pair: each group lists its items in ascending order; groups are ordered by
// their first item.
std::vector<std::vector<std::uint32_t>> near_groups(std::size_t n, std::span<const NearPair> pairs);

}  // namespace ldb::image
