#include "image/near_dups.hpp"

#include <fmt/format.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "core/thread_pool.hpp"

namespace ldb::image {
namespace {

using Hash = std::uint64_t;

// The distinct values of a list of hashes, ascending, with the items that
// carry each: value v's items are members[first[v] .. first[v + 1]), ascending.
// The search runs over distinct values, so a value carried by 10,000 items
// costs one search, not 10,000 (real data has many exact duplicates).
struct Distinct {
  std::vector<Hash> values;
  std::vector<std::uint32_t> first;
  std::vector<std::uint32_t> members;

  std::span<const std::uint32_t> items_of(std::uint32_t v) const {
    return std::span(members).subspan(first[v], first[v + 1] - first[v]);
  }
};

Distinct distinct_of(std::span<const Hash> hashes) {
  struct Item {
    Hash hash;
    std::uint32_t index;
  };
  std::vector<Item> items(hashes.size());
  for (std::size_t i = 0; i < hashes.size(); ++i) items[i] = {hashes[i], static_cast<std::uint32_t>(i)};
  std::sort(items.begin(), items.end(),
            [](const Item& l, const Item& r) { return l.hash != r.hash ? l.hash < r.hash : l.index < r.index; });
  Distinct out;
  out.members.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i == 0 || items[i].hash != items[i - 1].hash) {
      out.values.push_back(items[i].hash);
      out.first.push_back(static_cast<std::uint32_t>(i));
    }
    out.members.push_back(items[i].index);
  }
  out.first.push_back(static_cast<std::uint32_t>(items.size()));
  return out;
}

// The innermost loop: appends to `hits` each c < count with
// popcount(value ^ values[c]) <= threshold. The build targets plain x86-64, so
// it is built three times and the best the CPU has is taken at run time:
// AVX-512 with VPOPCNTQ (8 values an instruction), the POPCNT instruction, or
// neither (std::popcount as bit arithmetic, ~5x slower than POPCNT).
using CompareKernel = void (*)(Hash value, const Hash* values, std::size_t count, unsigned threshold,
                               std::vector<std::uint32_t>& hits);

// The scalar loop, inlined into a build with and one without POPCNT.
[[gnu::always_inline]] inline void compare_scalar(Hash value, const Hash* values, std::size_t count, unsigned threshold,
                                                  std::vector<std::uint32_t>& hits) {
  for (std::size_t c = 0; c < count; ++c) {
    if (static_cast<unsigned>(std::popcount(value ^ values[c])) <= threshold) {
      hits.push_back(static_cast<std::uint32_t>(c));
    }
  }
}

void compare_plain(Hash value, const Hash* values, std::size_t count, unsigned threshold,
                   std::vector<std::uint32_t>& hits) {
  compare_scalar(value, values, count, threshold, hits);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) void compare_popcnt(Hash value, const Hash* values, std::size_t count,
                                                      unsigned threshold, std::vector<std::uint32_t>& hits) {
  compare_scalar(value, values, count, threshold, hits);
}

__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) void compare_avx512(Hash value, const Hash* values,
                                                                              std::size_t count, unsigned threshold,
                                                                              std::vector<std::uint32_t>& hits) {
  const __m512i query = _mm512_set1_epi64(static_cast<long long>(value));
  const __m512i limit = _mm512_set1_epi64(threshold);
  std::size_t c = 0;
  for (; c + 8 <= count; c += 8) {
    const __m512i distance = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(values + c), query));
    for (__mmask8 near = _mm512_cmple_epu64_mask(distance, limit); near != 0; near &= near - 1) {
      hits.push_back(static_cast<std::uint32_t>(c + static_cast<std::size_t>(std::countr_zero(near))));
    }
  }
  // The last count % 8 (the tests reach this loop with every remainder).
  const std::size_t tail_from = hits.size();
  compare_scalar(value, values + c, count - c, threshold, hits);
  for (std::size_t h = tail_from; h < hits.size(); ++h) hits[h] += static_cast<std::uint32_t>(c);
}
#endif

struct Kernel {
  CompareKernel compare;
  double candidate_ns;  // CPU time a value compared (the cost model's k_candidate)
};

// The best kernel this CPU runs, and its speed: measured on the 2-core AMD
// EPYC (Zen 5) in a loop over 16 to 8192 values (0.44 to 0.11 ns for AVX-512,
// 0.49 to 0.38 POPCNT, 2.3 to 2.9 plain), AVX-512's in join() (plan_cost).
const Kernel& kernel() {
  static const Kernel chosen = [] {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq")) {
      return Kernel{compare_avx512, 0.17};
    }
    if (__builtin_cpu_supports("popcnt")) return Kernel{compare_popcnt, 0.45};
#endif
    return Kernel{compare_plain, 2.5};
  }();
  return chosen;
}

// Multi-index hashing. A chunk is a key of `bits` consecutive bits of the hash
// (from bit `shift`); the chunks of a plan do not overlap. If two hashes are
// within distance t, their distances restricted to the chunks add up to at
// most t, so (pigeonhole) some chunk j differs in at most radius_j bits as soon
// as sum_j (radius_j + 1) > t. Probing, for every query, each chunk's keys
// within radius_j flips of the query's key therefore finds every pair; the
// full 64-bit distance then filters the candidates. A chunk whose radius is at
// least its width probes every key and finds every pair by itself: the plan
// with one 0-bit chunk is the plain scan of all pairs.
struct Chunk {
  unsigned shift = 0;
  unsigned bits = 0;
  unsigned radius = 0;

  std::uint32_t key(Hash h) const { return static_cast<std::uint32_t>((h >> shift) & key_mask()); }
  Hash key_mask() const { return bits == 0 ? 0 : (Hash{1} << bits) - 1; }
  // Whether a pair with this XOR is within this chunk's radius (found by it).
  bool finds(Hash diff) const { return static_cast<unsigned>(std::popcount((diff >> shift) & key_mask())) <= radius; }
};

struct Plan {
  std::vector<Chunk> chunks;
  double cost = 0;  // modelled nanoseconds
};

// Keys probed per query: the b-bit values with at most r bits set.
double probes_per_query(unsigned bits, unsigned radius) {
  if (radius >= bits) return std::ldexp(1.0, static_cast<int>(bits));
  double sum = 0, binomial = 1;
  for (unsigned k = 0; k <= radius; ++k) {
    sum += binomial;
    binomial = binomial * (bits - k) / (k + 1);
  }
  return sum;
}

// The plan's cost model, in nanoseconds of CPU, fitted to join() timed on
// 1M random hashes (Release, AVX-512 kernel) with 20 plans at thresholds 6, 10
// and 12, from 2 chunks of 24 bits to 7 of 9 and the plain scan; it predicts
// the measured CPU time within a factor 2 for all, and the plan it picks was
// the fastest measured at each threshold. Per chunk: building its table costs
// k_build a value plus k_slot a key; the scan costs k_probe per (used key,
// probed key), k_gather per candidate gathered for a key, k_query per value
// and kernel().candidate_ns per pair of values compared.
constexpr double k_build = 6;
constexpr double k_slot = 1;
constexpr double k_probe = 6;
constexpr double k_gather = 1;
constexpr double k_query = 20;
// A key table has at most 2^24 slots (64 MiB of offsets).
constexpr unsigned k_max_key_bits = 24;

double plan_cost(const std::vector<Chunk>& chunks, double queries, double indexed, bool self) {
  // A self join scans each pair of buckets from one side only.
  const double share = self ? 0.5 : 1.0;
  double cost = 0;
  for (const Chunk& c : chunks) {
    const double slots = std::ldexp(1.0, static_cast<int>(c.bits));
    const double probes = probes_per_query(c.bits, c.radius);
    const double used_keys = slots * -std::expm1(-queries / slots);
    const double per_bucket = indexed / slots;
    cost += (self ? indexed : queries + indexed) * k_build + slots * k_slot;
    cost += used_keys * probes * (k_probe + per_bucket * share * k_gather);
    cost += queries * (k_query + probes * per_bucket * share * kernel().candidate_ns);
  }
  return cost;
}

// The cheapest exact plan by the cost model: m <= t + 1 chunks of b bits
// (m * b <= 64, spread over the hash), the radii as even as possible with
// sum (radius + 1) = t + 1; or the plain scan.
Plan plan_for(std::size_t queries, std::size_t indexed, unsigned threshold, bool self) {
  const auto q = static_cast<double>(queries);
  const auto n = static_cast<double>(indexed);
  Plan best{{Chunk{}}, 0};
  best.cost = plan_cost(best.chunks, q, n, self);
  for (unsigned m = 1; m <= std::min(threshold + 1, 64u); ++m) {
    const unsigned spare = threshold + 1 - m;  // sum of the radii
    for (unsigned bits = 1; bits <= std::min(k_max_key_bits, 64 / m); ++bits) {
      std::vector<Chunk> chunks(m);
      for (unsigned j = 0; j < m; ++j) {
        chunks[j] = {j * (64 / m), bits, spare / m + (j < spare % m ? 1 : 0)};
      }
      const double cost = plan_cost(chunks, q, n, self);
      if (cost < best.cost) best = {std::move(chunks), cost};
    }
  }
  return best;
}

// One chunk's table: the indexed values grouped by key (a counting sort, so
// ascending positions within a key), with their positions.
struct ChunkTable {
  std::vector<std::uint32_t> start;  // key k's entries are [start[k], start[k + 1])
  std::vector<Hash> values;
  std::vector<std::uint32_t> ids;
};

ChunkTable table_of(std::span<const Hash> indexed, const Chunk& chunk) {
  ChunkTable t;
  t.start.assign((std::size_t{1} << chunk.bits) + 1, 0);
  for (Hash h : indexed) ++t.start[chunk.key(h) + 1];
  std::partial_sum(t.start.begin(), t.start.end(), t.start.begin());
  t.values.resize(indexed.size());
  t.ids.resize(indexed.size());
  std::vector<std::uint32_t> next(t.start.begin(), t.start.end() - 1);
  for (std::size_t i = 0; i < indexed.size(); ++i) {
    const std::uint32_t slot = next[chunk.key(indexed[i])]++;
    t.values[slot] = indexed[i];
    t.ids[slot] = static_cast<std::uint32_t>(i);
  }
  return t;
}

// Every key of `bits` bits with at most `radius` bits set, to XOR onto a key.
void flips(unsigned bits, unsigned radius, unsigned from, std::uint32_t mask, std::vector<std::uint32_t>& out) {
  out.push_back(mask);
  if (radius == 0) return;
  for (unsigned b = from; b < bits; ++b) flips(bits, radius - 1, b + 1, mask | (std::uint32_t{1} << b), out);
}

struct DistinctPair {
  std::uint32_t x = 0;  // position in the queries
  std::uint32_t y = 0;  // position in the indexed values
  std::uint8_t distance = 0;
};

// Below this many values the search runs on the calling thread only.
constexpr std::size_t k_parallel_from = 4096;

// One chunk's scan: each query value against the values of the indexed
// table's buckets whose keys are within the chunk's radius of its key. Going
// through the query table (grouped by key) rather than the queries in their
// order reads buckets that are in cache instead of paying a cache miss a
// probe; and gathering a key's candidates from all its probed buckets first
// makes one long loop per query value rather than one short loop (with a
// mispredicted exit) per probed bucket.
struct ChunkScan {
  const Chunk* chunk;
  const ChunkTable* queries;
  const ChunkTable* indexed;  // the same table in a self join
  std::span<const std::uint32_t> masks;
  std::span<const Chunk> earlier;  // a pair one of these finds was reported by it
  unsigned threshold;
  bool self;
  CompareKernel compare;

  void report(Hash diff, std::uint32_t x, std::uint32_t y, std::vector<DistinctPair>& out) const {
    for (const Chunk& c : earlier) {
      if (c.finds(diff)) return;
    }
    if (self && x > y) std::swap(x, y);
    out.push_back({x, y, static_cast<std::uint8_t>(std::popcount(diff))});
  }
};

// Scans the query table's rows [begin, end): tasks are row ranges, not key
// ranges, so that plans with few keys (the plain scan has one) still use
// every worker.
void scan_rows(const ChunkScan& scan, std::size_t begin, std::size_t end, std::vector<DistinctPair>& out) {
  const ChunkTable& q = *scan.queries;
  const ChunkTable& t = *scan.indexed;
  std::vector<Hash> candidates;  // one key's, gathered from its probed buckets
  struct Segment {
    std::uint32_t first;  // in candidates
    std::uint32_t start;  // in t
  };
  std::vector<Segment> segments;
  std::vector<std::uint32_t> hits;
  for (std::size_t row = begin; row < end;) {
    const std::uint32_t k = scan.chunk->key(q.values[row]);
    const std::size_t key_end = std::min<std::size_t>(end, q.start[k + 1]);
    candidates.clear();
    segments.clear();
    for (std::uint32_t mask : scan.masks) {
      const std::uint32_t k2 = k ^ mask;
      // In a self join the pair of buckets (k, k2) is scanned from the lower
      // key, and the key's own bucket below.
      if (scan.self && k2 <= k) continue;
      const std::uint32_t b_lo = t.start[k2], b_hi = t.start[k2 + 1];
      if (b_lo == b_hi) continue;
      segments.push_back({static_cast<std::uint32_t>(candidates.size()), b_lo});
      candidates.insert(candidates.end(), t.values.begin() + b_lo, t.values.begin() + b_hi);
    }
    for (; row < key_end; ++row) {
      const Hash value = q.values[row];
      hits.clear();
      scan.compare(value, candidates.data(), candidates.size(), scan.threshold, hits);
      for (std::uint32_t c : hits) {
        const auto segment = std::prev(std::upper_bound(segments.begin(), segments.end(), c,
                                                        [](std::uint32_t i, const Segment& s) { return i < s.first; }));
        scan.report(value ^ candidates[c], q.ids[row], t.ids[segment->start + (c - segment->first)], out);
      }
      if (scan.self) {
        const std::size_t next = row + 1, bucket_end = q.start[k + 1];
        hits.clear();
        scan.compare(value, &q.values[next], bucket_end - next, scan.threshold, hits);
        for (std::uint32_t c : hits) scan.report(value ^ q.values[next + c], q.ids[row], q.ids[next + c], out);
      }
    }
  }
}

// Every pair (x, y) of queries x and indexed values y within threshold, each
// once, in no particular order. self: queries and indexed are the same list
// and only x < y is reported.
std::vector<DistinctPair> join(std::span<const Hash> queries, std::span<const Hash> indexed, bool self,
                               unsigned threshold, const Plan& plan) {
  // Workers: one per core, as the rest of ldb (a pool per command); small
  // searches stay on the caller's thread.
  const bool parallel = std::max(queries.size(), indexed.size()) >= k_parallel_from;
  std::optional<core::ThreadPool> pool;
  if (parallel) pool.emplace();
  const unsigned workers = parallel ? pool->size() : 1;
  std::vector<std::vector<DistinctPair>> found(workers);
  // Many more tasks than workers: rows differ in cost (bucket sizes; in a
  // self join's plain scan, row r compares the rows after it).
  const std::size_t rows_per_task = std::max<std::size_t>(64, queries.size() / (workers * 64));

  for (std::size_t j = 0; j < plan.chunks.size(); ++j) {
    const Chunk& chunk = plan.chunks[j];
    const ChunkTable query_table = table_of(queries, chunk);
    std::optional<ChunkTable> indexed_table;
    if (!self) indexed_table = table_of(indexed, chunk);
    std::vector<std::uint32_t> masks;
    flips(chunk.bits, std::min(chunk.radius, chunk.bits), 0, 0, masks);
    const ChunkScan scan{&chunk,
                         &query_table,
                         self ? &query_table : &*indexed_table,
                         masks,
                         std::span(plan.chunks.data(), j),
                         threshold,
                         self,
                         kernel().compare};
    if (parallel) {
      pool->parallel_for(queries.size(), rows_per_task, [&](std::size_t begin, std::size_t end, unsigned worker) {
        scan_rows(scan, begin, end, found[worker]);
      });
    } else {
      scan_rows(scan, 0, queries.size(), found[0]);
    }
  }

  std::size_t total = 0;
  for (const auto& part : found) total += part.size();
  std::vector<DistinctPair> all;
  all.reserve(total);
  for (auto& part : found) {
    all.insert(all.end(), part.begin(), part.end());
    part = {};
  }
  return all;
}

Status check_input(std::size_t count, unsigned threshold) {
  if (threshold > k_max_threshold) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("near-duplicate threshold {} is above the largest, {} bits", threshold, k_max_threshold),
                fmt::format("use a threshold of 0 to {} bits (of the 64-bit image hash)", k_max_threshold));
  }
  if (count > std::numeric_limits<std::uint32_t>::max()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} hashes are more than near-duplicate search handles at once ({})", count,
                            std::numeric_limits<std::uint32_t>::max()),
                "search the hashes in parts");
  }
  return {};
}

// The pairs that for_each_pair(emit) emits (each once, any order), sorted by
// (a, b) for a < n: a counting sort by a, then each a's pairs by b (most come
// in order already). c copies of one hash make c (c - 1) / 2 pairs; for 10,000
// copies one std::sort of all 50M pairs took 16 s of 24. The result is counted
// first and allocated once.
template <class ForEachPair>
std::vector<NearPair> sorted_pairs(std::size_t n, const ForEachPair& for_each_pair) {
  std::vector<std::size_t> start(n + 1, 0);
  for_each_pair([&](std::uint32_t a, std::uint32_t, std::uint8_t) { ++start[a + 1]; });
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<NearPair> pairs(start[n]);
  std::vector<std::size_t> next(start.begin(), start.end() - 1);
  for_each_pair([&](std::uint32_t a, std::uint32_t b, std::uint8_t d) { pairs[next[a]++] = {a, b, d}; });
  const auto by_b = [](const NearPair& l, const NearPair& r) { return l.b < r.b; };
  for (std::size_t a = 0; a < n; ++a) {
    const auto first = pairs.begin() + static_cast<std::ptrdiff_t>(start[a]);
    const auto last = pairs.begin() + static_cast<std::ptrdiff_t>(start[a + 1]);
    if (!std::is_sorted(first, last, by_b)) std::sort(first, last, by_b);
  }
  return pairs;
}

// The distinct pairs of one list's distinct values (x < y) within threshold.
std::vector<DistinctPair> distinct_pairs(const Distinct& d, unsigned threshold) {
  // Distinct values are at distance >= 1 from each other.
  if (threshold == 0 || d.values.size() < 2) return {};
  const Plan plan = plan_for(d.values.size(), d.values.size(), threshold, true);
  return join(d.values, d.values, true, threshold, plan);
}

// Union-find over n elements (path halving, union by size).
class Components {
 public:
  explicit Components(std::size_t n) : m_parent(n), m_size(n, 1) { std::iota(m_parent.begin(), m_parent.end(), 0u); }

  std::uint32_t root(std::uint32_t i) {
    while (m_parent[i] != i) i = m_parent[i] = m_parent[m_parent[i]];
    return i;
  }

  void join(std::uint32_t a, std::uint32_t b) {
    a = root(a);
    b = root(b);
    if (a == b) return;
    if (m_size[a] < m_size[b]) std::swap(a, b);
    m_parent[b] = a;
    m_size[a] += m_size[b];
  }

 private:
  std::vector<std::uint32_t> m_parent;
  std::vector<std::uint32_t> m_size;
};

}  // namespace

Result<std::vector<NearPair>> near_pairs(std::span<const std::uint64_t> hashes, unsigned threshold) {
  LDB_TRY(check_input(hashes.size(), threshold));
  const Distinct d = distinct_of(hashes);
  const std::vector<DistinctPair> found = distinct_pairs(d, threshold);
  return sorted_pairs(hashes.size(), [&](const auto& emit) {
    // A value's items among themselves (distance 0), in ascending order.
    for (std::uint32_t v = 0; v < d.values.size(); ++v) {
      const auto items = d.items_of(v);
      for (std::size_t i = 0; i < items.size(); ++i) {
        for (std::size_t k = i + 1; k < items.size(); ++k) emit(items[i], items[k], 0);
      }
    }
    for (const DistinctPair& p : found) {
      for (std::uint32_t a : d.items_of(p.x)) {
        for (std::uint32_t b : d.items_of(p.y)) emit(std::min(a, b), std::max(a, b), p.distance);
      }
    }
  });
}

Result<std::vector<NearPair>> near_pairs_across(std::span<const std::uint64_t> left,
                                                std::span<const std::uint64_t> right, unsigned threshold) {
  LDB_TRY(check_input(std::max(left.size(), right.size()), threshold));
  const Distinct l = distinct_of(left);
  const Distinct r = distinct_of(right);
  // Either side can be the one indexed: take the cheaper.
  const Plan left_queries = plan_for(l.values.size(), r.values.size(), threshold, false);
  const Plan right_queries = plan_for(r.values.size(), l.values.size(), threshold, false);
  const bool swap = right_queries.cost < left_queries.cost;
  std::vector<DistinctPair> found = swap ? join(r.values, l.values, false, threshold, right_queries)
                                         : join(l.values, r.values, false, threshold, left_queries);
  if (swap) {
    for (DistinctPair& p : found) std::swap(p.x, p.y);
  }
  return sorted_pairs(left.size(), [&](const auto& emit) {
    for (const DistinctPair& p : found) {
      for (std::uint32_t a : l.items_of(p.x)) {
        for (std::uint32_t b : r.items_of(p.y)) emit(a, b, p.distance);
      }
    }
  });
}

std::vector<std::vector<std::uint32_t>> near_groups(std::size_t n, std::span<const NearPair> pairs) {
  Components components(n);
  std::vector<bool> paired(n, false);
  for (const NearPair& p : pairs) {
    assert(p.a < n && p.b < n);
    components.join(p.a, p.b);
    paired[p.a] = paired[p.b] = true;
  }
  // Walking the items in order numbers the groups by their first item and
  // fills each in ascending order.
  std::vector<std::vector<std::uint32_t>> groups;
  std::vector<std::uint32_t> group_of_root(n, std::numeric_limits<std::uint32_t>::max());
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!paired[i]) continue;
    std::uint32_t& g = group_of_root[components.root(i)];
    if (g == std::numeric_limits<std::uint32_t>::max()) {
      g = static_cast<std::uint32_t>(groups.size());
      groups.emplace_back();
    }
    groups[g].push_back(i);
  }
  return groups;
}

Result<std::vector<std::vector<std::uint32_t>>> near_groups(std::span<const std::uint64_t> hashes, unsigned threshold) {
  LDB_TRY(check_input(hashes.size(), threshold));
  const Distinct d = distinct_of(hashes);
  Components components(d.values.size());
  for (const DistinctPair& p : distinct_pairs(d, threshold)) components.join(p.x, p.y);

  // An item is grouped when its value has another item or a near value.
  std::vector<std::uint32_t> value_of(hashes.size());
  std::vector<std::uint32_t> items_per_root(d.values.size(), 0);
  for (std::uint32_t v = 0; v < d.values.size(); ++v) {
    for (std::uint32_t i : d.items_of(v)) value_of[i] = v;
    items_per_root[components.root(v)] += static_cast<std::uint32_t>(d.items_of(v).size());
  }
  std::vector<std::vector<std::uint32_t>> groups;
  std::vector<std::uint32_t> group_of_root(d.values.size(), std::numeric_limits<std::uint32_t>::max());
  for (std::uint32_t i = 0; i < hashes.size(); ++i) {
    const std::uint32_t root = components.root(value_of[i]);
    if (items_per_root[root] < 2) continue;
    std::uint32_t& g = group_of_root[root];
    if (g == std::numeric_limits<std::uint32_t>::max()) {
      g = static_cast<std::uint32_t>(groups.size());
      groups.emplace_back();
    }
    groups[g].push_back(i);
  }
  return groups;
}

}  // namespace ldb::image
