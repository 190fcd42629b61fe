// Private: a thread's memo of folded token → atoms (term_matcher.hpp).
//
// Everything a token can hit that depends on the token alone is resolved
// once per distinct token and kept here: exact forms, morphology (Snowball
// stems, hunspell entries), whole #tags, and the wildcard patterns the
// token satisfies. A probe costs one cache line: keys of up to 19 bytes
// (folded Russian words are one byte per letter, so nearly all of them)
// live inline in a 32-byte, 32-byte-aligned slot of an open-addressing
// table indexed by the analyzer's token_hash() and compared by length and
// two 8-byte loads; longer keys go to a map
// beside it. Most tokens hit nothing, and their slot says so without
// touching the atom arena.
//
// Sized to the working set: the table starts at 4 096 slots (128 KiB) and
// doubles at half load, up to twice `max_entries`. When `max_entries` are
// cached, the next begin_chunk() drops everything and the cache refills
// from the traffic that follows. Entries handed out stay valid until then:
// the scanner keeps them from the first term pass of a chunk to the second.
//
// Each cached atom id carries `needs_case_check` in its top bit when it is
// a `{Case}` atom, whose occurrences are compared with the original bytes;
// a group-0 atom carries `is_trigger` when it indexes topics
// (ruleset_snapshot::is_trigger), which candidate selection fires without
// reading any per-atom array, and `has_sentiment` when a sentiment lexicon
// has it (its hits are written for every post with candidates).
//
// Thread-safety: none; each scanning thread owns one.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sito/compile/program.hpp"
#include "sito/compile/ruleset_snapshot.hpp"
#include "sito/text/token_hash.hpp"

namespace sito::detail {

class token_cache {
 public:
  static constexpr uint32_t needs_case_check = 0x80000000u;
  static constexpr uint32_t is_trigger = 0x40000000u;
  static constexpr uint32_t has_sentiment = 0x20000000u;
  static constexpr uint32_t atom_mask = 0x1FFFFFFFu;
  static_assert(ruleset_snapshot::max_atoms - 1 <= atom_mask);

  /// The cached atoms of one key: `first` of them serve topic queries
  /// (group 0), the rest only conditions (group 1). `triggers`: one of group
  /// 0 is a topic's trigger (ruleset_snapshot::is_trigger), so a
  /// post with this key may have candidates.
  struct entry {
    uint32_t begin = 0;  ///< into the arena
    uint32_t first = 0;
    uint32_t count : 31 = 0;
    uint32_t triggers : 1 = 0;
  };

  explicit token_cache(size_t max_entries) : max_entries_(max_entries < 16 ? 16 : max_entries) {
    size_t limit = 1024;
    while (limit < max_entries_ * 2) limit <<= 1;
    max_slots_ = limit;
    reset_table(max_slots_ < initial_slots ? max_slots_ : initial_slots);
  }

  /// The entry of `key` (whose token_hash() is `hash`), or nullptr when it
  /// is not cached. The pointer is valid until the next insert(): copy it.
  /// `readable_end`: where the memory readable after the key ends (the end
  /// of the folded text it points into); the key is compared in one SSE2
  /// step whatever its length, from a padded copy when fewer than 16 bytes
  /// are readable from its start.
  const entry* find(std::string_view key, uint64_t hash, const char* readable_end = nullptr) const {
    const size_t n = key.size();
    if (n > inline_key_bytes) {
      auto it = long_keys_.find(key);
      return it == long_keys_.end() ? nullptr : &it->second;
    }
#if defined(__SSE2__)
    // A key without 16 readable bytes (the end of a field, a caller with no
    // buffer) is compared from a padded copy.
    const char* k16 = key.data();
    char padded[inline_key_bytes + 13];
    if (!readable_end || readable_end - k16 < 16) {
      std::memset(padded, 0, sizeof padded);
      std::memcpy(padded, k16, n);
      k16 = padded;
    }
    // The slot's key is zero-padded to 19 bytes: its first 16 and the key's
    // first 16, compared where the key has bytes; the rest (keys of 17 to
    // 19 bytes, rare) byte by byte.
    const __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k16));
    const unsigned need = n >= 16 ? 0xFFFFu : (1u << n) - 1;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      const __m128i sk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.key));
      const unsigned eq = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(sk, k)));
      if (((eq & need) == need) & (s.len == n) && (n <= 16 || key_equal(s.key + 16, k16 + 16, n - 16)))
        return &s.e;
      if (s.len == empty) return nullptr;
    }
#else
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.len == empty) return nullptr;
      if (s.len == n && key_equal(s.key, key.data(), n)) return &s.e;
    }
#endif
  }

  /// Asks for the slot where the probe for `hash` starts, ahead of find():
  /// a probe into a table larger than L2 costs a miss, and misses issued
  /// ahead overlap.
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }

  /// Asks for the atom list of an entry (read by candidate selection and
  /// the hits, after the term pass).
  void prefetch_atoms(const entry& e) const { __builtin_prefetch(arena_.data() + e.begin); }

  /// Called before each chunk of posts: drops everything once `max_entries`
  /// are cached (entries handed out before are invalid afterwards).
  void begin_chunk() {
    if (size_ >= max_entries_) clear();
  }

  /// Caches `atoms` for `key` (which must not be cached yet); the first
  /// `first` of them form group 0, `triggers` says whether one of those is
  /// a trigger. Never invalidates entries handed out.
  entry insert(std::string_view key, uint64_t hash, std::span<const uint32_t> atoms, uint32_t first, bool triggers) {
    entry e;
    e.begin = static_cast<uint32_t>(arena_.size());
    e.first = first;
    e.count = static_cast<uint32_t>(atoms.size()) & 0x7FFFFFFFu;
    e.triggers = triggers;
    arena_.insert(arena_.end(), atoms.begin(), atoms.end());
    ++size_;
    if (key.size() > inline_key_bytes) {
      long_keys_.emplace(std::string(key), e);
      return e;
    }
    // Past max_slots_ (a chunk can overshoot max_entries until the next
    // begin_chunk) the table keeps growing rather than filling up.
    if ((inline_size_ + 1) * 2 > slots_.size()) grow();
    place(key, hash, e);
    ++inline_size_;
    return e;
  }

  /// The atoms of group 0 or 1 of a cached entry (ids may carry
  /// needs_case_check, is_trigger and has_sentiment).
  std::span<const uint32_t> group(const entry& e, int which) const {
    if (e.count == 0) return {};
    const uint32_t* atoms = arena_.data() + e.begin;
    return which == 0 ? std::span<const uint32_t>(atoms, e.first)
                      : std::span<const uint32_t>(atoms + e.first, e.count - e.first);
  }

  void clear() {
    reset_table(slots_.size() < max_slots_ ? slots_.size() : max_slots_);
    long_keys_.clear();
    arena_.clear();
    size_ = inline_size_ = 0;
  }

  size_t size() const { return size_; }
  size_t table_bytes() const { return slots_.size() * sizeof(slot); }

 private:
  static constexpr size_t inline_key_bytes = 19;
  static constexpr size_t initial_slots = 4096;
  static constexpr uint8_t empty = 0xFF;
  struct alignas(32) slot {
    entry e;  // 12 bytes
    uint8_t len = empty;
    char key[inline_key_bytes] = {};
  };
  static_assert(sizeof(slot) == 32, "one probe, half a cache line");

  static uint64_t load8(const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  static uint32_t load4(const char* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  /// memcmp for n <= inline_key_bytes without a library call.
  static bool key_equal(const char* a, const char* b, size_t n) {
    if (n >= 8) {
      if (load8(a) != load8(b) || load8(a + n - 8) != load8(b + n - 8)) return false;
      return n <= 16 || load8(a + 8) == load8(b + 8);
    }
    if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
    for (size_t k = 0; k < n; ++k)
      if (a[k] != b[k]) return false;
    return true;
  }

  void reset_table(size_t n) {
    slots_.assign(n, slot{});
    mask_ = n - 1;
  }
  void place(std::string_view key, uint64_t hash, const entry& e) {
    size_t i = hash & mask_;
    while (slots_[i].len != empty) i = (i + 1) & mask_;
    slot& s = slots_[i];
    s.e = e;
    s.len = static_cast<uint8_t>(key.size());
    std::memcpy(s.key, key.data(), key.size());
  }
  void grow() {
    std::vector<slot> old;
    old.swap(slots_);
    reset_table(old.size() * 2);
    for (const slot& s : old)
      if (s.len != empty) {
        const std::string_view k(s.key, s.len);
        place(k, text::token_hash(k), s.e);
      }
  }

  size_t max_entries_;
  size_t max_slots_ = 0;
  size_t mask_ = 0;
  size_t size_ = 0, inline_size_ = 0;
  std::vector<slot> slots_;
  absl::flat_hash_map<std::string, entry, string_hash, string_eq> long_keys_;
  std::vector<uint32_t> arena_;
};

}  // namespace sito::detail
