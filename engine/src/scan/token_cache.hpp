// Private: a thread's memo of token → atoms.
//
// One probe should cost one cache line: short keys (folded Russian words are
// one byte per letter, so nearly all of them) live inline in a 32-byte slot
// of an open-addressing table; longer keys go to a hash map beside it.
// Bounded: when `max_entries` are cached, everything is dropped and the cache
// refills from the traffic that follows.
//
// Thread-safety: none; each scanning thread owns one.
#pragma once

#include <absl/hash/hash.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "sito/compile/program.hpp"

namespace sito::detail {

class token_cache {
 public:
  explicit token_cache(size_t max_entries) : max_entries_(max_entries) {
    size_t cap = 1024;
    while (cap < max_entries * 2) cap <<= 1;
    slots_.resize(cap);
    mask_ = cap - 1;
  }

  /// The postings of `key`, or nullptr when it is not cached.
  const posting_range* find(std::string_view key, uint64_t hash) const {
    if (key.size() > inline_key_bytes) {
      auto it = long_keys_.find(key);
      return it == long_keys_.end() ? nullptr : &it->second;
    }
    const auto tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.len == empty) return nullptr;
      if (s.tag == tag && s.len == key.size() && std::memcmp(s.key, key.data(), key.size()) == 0) return &s.range;
    }
  }

  /// Caches `atoms` for `key` (which must not be cached yet). The first
  /// `first_count` atoms form the first group (atoms of topic queries), the
  /// rest the second (atoms only conditions use), so that each scan pass
  /// walks its own group without testing every atom.
  posting_range insert(std::string_view key, uint64_t hash, const std::vector<uint32_t>& atoms, uint32_t first_count) {
    if (size_ >= max_entries_) clear();
    posting_range r{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(atoms.size())};
    arena_.push_back(first_count);
    arena_.insert(arena_.end(), atoms.begin(), atoms.end());
    ++size_;
    if (key.size() > inline_key_bytes) {
      long_keys_.emplace(std::string(key), r);
      return r;
    }
    size_t i = hash & mask_;
    while (slots_[i].len != empty) i = (i + 1) & mask_;
    slot& s = slots_[i];
    s.tag = static_cast<uint32_t>(hash >> 32);
    s.range = r;
    s.len = static_cast<uint8_t>(key.size());
    std::memcpy(s.key, key.data(), key.size());
    return r;
  }

  /// The atoms of a cached range: group 0 (the first `first_count`) or 1 (the rest).
  std::span<const uint32_t> group(const posting_range& r, int which) const {
    const uint32_t first = arena_[r.begin];
    const uint32_t* atoms = arena_.data() + r.begin + 1;
    return which == 0 ? std::span<const uint32_t>(atoms, first) : std::span<const uint32_t>(atoms + first, r.count - first);
  }

  static uint64_t hash_of(std::string_view key) { return absl::Hash<std::string_view>{}(key); }

  void clear() {
    for (auto& s : slots_) s.len = empty;
    long_keys_.clear();
    arena_.clear();
    size_ = 0;
  }

 private:
  static constexpr size_t inline_key_bytes = 19;
  static constexpr uint8_t empty = 0xFF;
  struct slot {
    uint32_t tag = 0;
    posting_range range;      // 8 bytes
    uint8_t len = empty;
    char key[inline_key_bytes];
  };
  static_assert(sizeof(slot) == 32, "one probe, half a cache line");

  size_t max_entries_;
  size_t mask_ = 0;
  size_t size_ = 0;
  std::vector<slot> slots_;
  posting_map long_keys_;
  std::vector<uint32_t> arena_;
};

}  // namespace sito::detail
