#pragma once
// A flat, open-addressing map from object hash to a position (e.g. in a
// selection). MD5s are uniformly distributed, so their first 8 bytes are the
// hash and linear probing finds an entry in about one cache miss; a node-based
// std::unordered_map costs several and dominated queries over a million objects.
// Built once, read many times; not thread-safe while inserting.

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "core/hash.hpp"

namespace ldb::core {

class HashIndex {
 public:
  // Room for `expected` entries without rehashing (the table stays at most half full).
  explicit HashIndex(std::size_t expected) {
    std::size_t capacity = 16;
    while (capacity < expected * 2) capacity <<= 1;
    m_slots.resize(capacity);
    m_mask = capacity - 1;
  }

  // Maps `key` to `position`; a key inserted twice keeps its first position.
  void insert(const Md5& key, std::uint32_t position) {
    Halves k = halves_of(key);
    for (std::size_t i = k.low & m_mask;; i = (i + 1) & m_mask) {
      auto& s = m_slots[i];
      if (!s.used) {
        s = Slot{k.low, k.high, position, 1};
        return;
      }
      if (s.low == k.low && s.high == k.high) return;
    }
  }

  std::optional<std::uint32_t> find(const Md5& key) const {
    Halves k = halves_of(key);
    for (std::size_t i = k.low & m_mask;; i = (i + 1) & m_mask) {
      const auto& s = m_slots[i];
      if (!s.used) return std::nullopt;
      if (s.low == k.low && s.high == k.high) return s.position;
    }
  }

  // Starts loading the slot `key` hashes to. Looking up a batch of keys after
  // prefetching them all overlaps the cache misses that dominate one lookup
  // in a table of millions.
  void prefetch(const Md5& key) const { __builtin_prefetch(&m_slots[halves_of(key).low & m_mask]); }

 private:
  struct Halves {
    std::uint64_t low;
    std::uint64_t high;
  };
  struct Slot {
    std::uint64_t low = 0;
    std::uint64_t high = 0;
    std::uint32_t position = 0;
    std::uint32_t used = 0;
  };
  static Halves halves_of(const Md5& key) {
    Halves k;
    std::memcpy(&k.low, key.bytes.data(), sizeof k.low);
    std::memcpy(&k.high, key.bytes.data() + sizeof k.low, sizeof k.high);
    return k;
  }
  std::vector<Slot> m_slots;
  std::size_t m_mask = 0;
};

}  // namespace ldb::core
