// File: dedup/band_table.hpp (private to the dedup component)
//
// The LSH band map of near_duplicate_index: band key (lsh_band_key, < 2^53)
// → the newest seq of the key's bucket. An open-addressing table with linear
// probing in which one probe reads one 8-byte slot, so a lookup touches one
// cache line in almost every case (absl::flat_hash_map<uint64_t, uint64_t>
// reads a control group and a 16-byte slot elsewhere, and its tombstones
// force in-place rehashes).
//
//   band_table t;
//   const uint64_t h = band_table::hash(key); t.prefetch(h);
//   t.prepare(ring_capacity, 32, first, end);  // before a post's 32 accesses
//   uint64_t prev = t.exchange(h, seq, first);  // seq of the bucket's previous newest, or no_seq
//
// Exactness. hash() is a bijection of 53-bit values; with 2^n slots its low
// n bits are the home slot and the other 53 − n bits are the slot's tag, so
// (home, tag) is the key itself: two keys never share an entry, and the
// table answers exactly what an exact map would. (Were a tag ever
// truncated, the only effect would be a false shared band: a walk into
// another bucket's posts, that is extra candidates compared on their
// signatures, never a wrong match, but also a longer walk that could push a
// true candidate past max_candidates_per_band. The layout below avoids it.)
//
// A slot (0: empty), from the high bits: tag (53 − n bits), displacement
// from the home slot + 1 (8 bits, so never 0 when occupied), the seq's low
// 3 + n bits. A seq is recovered relative to the seq being added.
//
// Size and sweeps. The table has at least 64 slots per slot of the post
// ring (2^n ≥ 64 · ring capacity: 32 entries per post at a load of at most
// 1/2 when every key is new: at 200 000 posts 2^24 slots of 8 bytes, 134
// MB, where absl's map took 2^23 buckets of 17 bytes, 143 MB). An entry whose seq is below
// `first` is stale: exchange() overwrites it as a new bucket, and sweep()
// drops all of them in one pass (no tombstones). prepare() sweeps when the
// load would pass 11/16 (grows when a sweep leaves it above 9/16, which a
// full ring of new keys does not reach) and when 8 · max(ring capacity,
// 1024) posts were evicted since the last sweep: every entry is then
// younger than 10 · ring capacity + 8192 seqs, below 2^(3 + n), so the seq
// bits recover every seq exactly. A probe longer than 254 slots (never
// seen at these loads) makes the table grow.
//
// Thread-safety: none (owned by one near_duplicate_index).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace sito::dedup::detail {

class band_table {
 public:
  static constexpr uint64_t no_seq = std::numeric_limits<uint64_t>::max();

  /// The bijection of 53-bit keys whose low bits place the key.
  static constexpr uint64_t hash(uint64_t key) {
    constexpr uint64_t m = (uint64_t{1} << key_bits) - 1;
    uint64_t x = key & m;
    x ^= x >> 26;
    x = (x * 0x9e3779b97f4a7c15ull) & m;  // odd: a bijection mod 2^53
    x ^= x >> 28;
    x = (x * 0xbf58476d1ce4e5b9ull) & m;
    x ^= x >> 26;
    return x;
  }

  void prefetch(uint64_t h) const { __builtin_prefetch(slots_.data() + (h & mask_)); }

  /// Before `new_entries` exchange() calls for the seq `end`: the window is
  /// [first, end), held in a ring of `ring_capacity` (≥ end − first, never
  /// shrinking). Sweeps or grows when due (see above; then returns true).
  /// Invalidates prefetches.
  bool prepare(size_t ring_capacity, size_t new_entries, uint64_t first, uint64_t end) {
    if (slots_.size() >= slots_per_ring_slot * ring_capacity && (used_ + new_entries) * 16 <= slots_.size() * 11 &&
        first - swept_first_ < 8 * std::max<uint64_t>(ring_capacity, 1024))
      return false;
    return make_room(ring_capacity, new_entries, first, end);
  }

  /// Sets the newest seq of h's bucket to `seq` (the seq being added, the
  /// greatest so far) and returns the previous one when it is still in the
  /// window (≥ first), else no_seq (a new or stale bucket). Precondition:
  /// prepare() was called for this entry.
  uint64_t exchange(uint64_t h, uint64_t seq, uint64_t first) {
    for (;;) {
      const uint64_t home = h & mask_;
      const uint64_t tag_field = (h >> bits_) << (disp_bits + seq_bits_);
      const uint64_t seq_mask = (uint64_t{1} << seq_bits_) - 1;
      const uint64_t seq_low = seq & seq_mask;
      uint64_t want = tag_field | (uint64_t{1} << seq_bits_);  // displacement 0
      for (uint64_t d = 0; d <= max_disp; ++d, want += uint64_t{1} << seq_bits_) {
        uint64_t& v = slots_[(home + d) & mask_];
        if (v == 0) {
          v = want | seq_low;
          ++used_;
          return no_seq;
        }
        if ((v & ~seq_mask) == want) {
          const uint64_t age = (seq_low - (v & seq_mask)) & seq_mask;
          v = want | seq_low;
          return age <= seq - first ? seq - age : no_seq;
        }
      }
      grow(bits_ + 1, seq, first);  // a probe too long: rare, then rare again
    }
  }

  /// Drops every entry whose seq is below `first`; `end` is the next seq.
  void sweep(uint64_t first, uint64_t end);

  size_t size() const { return used_; }  ///< entries held, stale ones included
  size_t memory_bytes() const { return slots_.capacity() * sizeof(uint64_t) + run_.capacity() * sizeof(run_entry); }

 private:
  static constexpr unsigned key_bits = 53;
  static constexpr unsigned disp_bits = 8;
  static constexpr uint64_t max_disp = (uint64_t{1} << disp_bits) - 2;
  static constexpr unsigned min_bits = 12;
  static constexpr size_t slots_per_ring_slot = 64;

  bool make_room(size_t ring_capacity, size_t new_entries, uint64_t first, uint64_t end);
  /// Rebuilds with 2^bits slots (≥ the current), dropping stale entries.
  void grow(unsigned bits, uint64_t end, uint64_t first);

  std::vector<uint64_t> slots_;
  struct run_entry {
    uint64_t home;  ///< home slot's offset from the run's start
    uint64_t bits;  ///< the slot without its displacement
  };
  std::vector<run_entry> run_;  ///< sweep()'s scratch
  uint64_t mask_ = 0;
  unsigned bits_ = 0;      ///< log2 of the slot count
  unsigned seq_bits_ = 0;  ///< 3 + bits_
  size_t used_ = 0;
  uint64_t swept_first_ = 0;  ///< `first` at the last sweep or rebuild: no entry is older
};

}  // namespace sito::dedup::detail
