// The band table's cold paths (dedup/band_table.hpp): the sweep and the
// rebuild. Both run once per many posts (at 200 000 posts held, a sweep of
// the 2^24 slots every few hundred thousand posts).
#include "dedup/band_table.hpp"

#include <algorithm>

namespace sito::dedup::detail {

void band_table::sweep(uint64_t first, uint64_t end) {
  if (used_ == 0) return;
  // Locals: the stores below would otherwise make the compiler reload the
  // members (uint64_t stores may alias them) at every slot.
  uint64_t* const slots = slots_.data();
  const uint64_t mask = mask_, size = mask + 1;
  const unsigned seq_bits = seq_bits_;
  const uint64_t seq_mask = (uint64_t{1} << seq_bits) - 1, end_low = end & seq_mask, window = end - first;
  const uint64_t disp_mask = ((uint64_t{1} << disp_bits) - 1) << seq_bits;
  // Without a branch: occupied slots are a random share, a branch on that
  // would be mispredicted half the time.
  auto stale = [&](uint64_t v) {
    return static_cast<bool>(uint64_t{v != 0} & uint64_t{((end_low - v) & seq_mask) > window});
  };
  auto home_offset = [&](uint64_t v, uint64_t pos, uint64_t run_start) {
    return ((pos - (((v & disp_mask) >> seq_bits) - 1)) - run_start) & mask;
  };
  // The pass starts after an empty slot (the load stays under 1), so that no
  // run of occupied slots wraps around its start; a slot's place in the pass
  // is its offset from there, 1 to size.
  uint64_t start = 0;
  while (slots[start] != 0) ++start;
  auto pass_offset = [&](uint64_t pos) { return ((pos - start - 1) & mask) + 1; };
  uint64_t done = 0;  // pass offsets up to this one are final
  size_t erased = 0;
  // A run (a maximal stretch of occupied slots) that holds a stale entry is
  // rebuilt at once: its live entries, ordered by home slot, each go to the
  // first free slot from their home on. That is what inserting them into an
  // empty stretch would give; no entry moves forward (each lands at or
  // before its old slot), so the run does not grow into its empty end, and
  // lookups stay valid. One stale entry deleted at a time (backward shift)
  // would rescan the rest of the run per entry.
  auto rebuild_run = [&](uint64_t pos) {
    uint64_t a = pos;
    while (slots[(a - 1) & mask] != 0) a = (a - 1) & mask;
    run_.clear();
    uint64_t b = a;
    for (; slots[b] != 0; b = (b + 1) & mask) {
      const uint64_t v = slots[b];
      if (stale(v)) ++erased;
      else run_.push_back({home_offset(v, b, a), v & ~disp_mask});
      slots[b] = 0;
    }
    std::sort(run_.begin(), run_.end(), [](const run_entry& x, const run_entry& y) { return x.home < y.home; });
    uint64_t next = 0;
    for (const run_entry& e : run_) {
      const uint64_t at = std::max(next, e.home);
      slots[(a + at) & mask] = e.bits | ((at - e.home + 1) << seq_bits);
      next = at + 1;
    }
    done = pass_offset(b);
  };
  auto pass = [&](uint64_t from, uint64_t to) {
    uint64_t i = from;
    for (; i + 8 <= to; i += 8) {
      bool any = false;
      for (uint64_t k = 0; k < 8; ++k) any |= stale(slots[i + k]);
      if (!any) continue;
      for (uint64_t k = 0; k < 8; ++k)
        if (pass_offset(i + k) > done && stale(slots[i + k])) rebuild_run(i + k);
    }
    for (; i < to; ++i)
      if (pass_offset(i) > done && stale(slots[i])) rebuild_run(i);
  };
  pass(start + 1, size);
  pass(0, start + 1);
  used_ -= erased;
  swept_first_ = first;
}

bool band_table::make_room(size_t ring_capacity, size_t new_entries, uint64_t first, uint64_t end) {
  unsigned bits = std::max(bits_, min_bits);
  while ((size_t{1} << bits) < slots_per_ring_slot * ring_capacity) ++bits;
  const bool had_entries = used_ > 0;
  if (bits == bits_) {
    sweep(first, end);
    if ((used_ + new_entries) * 16 <= slots_.size() * 9) return true;
  }
  while ((used_ + new_entries) * 16 > (size_t{1} << bits) * 9) ++bits;
  grow(bits, end, first);
  return had_entries;
}

void band_table::grow(unsigned bits, uint64_t end, uint64_t first) {
  const std::vector<uint64_t> old = std::move(slots_);
  const unsigned old_bits = bits_, old_seq_bits = seq_bits_;
  const uint64_t old_mask = mask_, old_seq_mask = (uint64_t{1} << old_seq_bits) - 1;
  for (;; ++bits) {
    slots_.assign(size_t{1} << bits, 0);
    bits_ = bits;
    mask_ = (uint64_t{1} << bits) - 1;
    seq_bits_ = 3 + bits;
    used_ = 0;
    const uint64_t seq_mask = (uint64_t{1} << seq_bits_) - 1;
    bool placed_all = true;
    for (size_t p = 0; p < old.size() && placed_all; ++p) {
      const uint64_t v = old[p];
      if (v == 0) continue;
      const uint64_t age = ((end & old_seq_mask) - (v & old_seq_mask)) & old_seq_mask;
      if (age > end - first) continue;  // stale
      const uint64_t disp = ((v >> old_seq_bits) & ((uint64_t{1} << disp_bits) - 1)) - 1;
      const uint64_t h = ((v >> (disp_bits + old_seq_bits)) << old_bits) | ((p - disp) & old_mask);
      const uint64_t home = h & mask_;
      placed_all = false;
      for (uint64_t d = 0; d <= max_disp; ++d) {
        uint64_t& w = slots_[(home + d) & mask_];
        if (w != 0) continue;
        w = ((h >> bits_) << (disp_bits + seq_bits_)) | ((d + 1) << seq_bits_) | ((end - age) & seq_mask);
        ++used_;
        placed_all = true;
        break;
      }
    }
    if (placed_all) break;
  }
  swept_first_ = first;
}

}  // namespace sito::dedup::detail
