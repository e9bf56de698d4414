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
    for (std::size_t i = slot_of(key);; i = (i + 1) & m_mask) {
      auto& s = m_slots[i];
      if (!s.used) {
        s = Slot{key, position, true};
        return;
      }
      if (s.key == key) return;
    }
  }

  std::optional<std::uint32_t> find(const Md5& key) const {
    for (std::size_t i = slot_of(key);; i = (i + 1) & m_mask) {
      const auto& s = m_slots[i];
      if (!s.used) return std::nullopt;
      if (s.key == key) return s.position;
    }
  }

 private:
  struct Slot {
    Md5 key;
    std::uint32_t position = 0;
    bool used = false;
  };
  std::size_t slot_of(const Md5& key) const {
    std::uint64_t h;
    std::memcpy(&h, key.bytes.data(), sizeof h);
    return static_cast<std::size_t>(h) & m_mask;
  }
  std::vector<Slot> m_slots;
  std::size_t m_mask = 0;
};

}  // namespace ldb::core
