// Private: the counters behind sito/scan/stage_cycles.hpp, and the timer
// the scan stages put around their work (SITO_STAGE_TIMER). Without
// SITO_STAGE_CYCLES both compile to nothing.
#pragma once

#include <atomic>
#include <cstdint>

#include "sito/scan/stage_cycles.hpp"

#if SITO_STAGE_CYCLES
#include <x86intrin.h>
#endif

namespace sito::detail {

struct stage_counters {
  std::atomic<uint64_t> cycles[scan_stage_count] = {};
  std::atomic<uint64_t> posts{0}, candidates{0}, hits{0}, distinct_atoms{0};
};
stage_counters& global_stage_counters();

#if SITO_STAGE_CYCLES
inline constexpr bool stage_cycles_enabled = true;
class stage_timer {
 public:
  explicit stage_timer(scan_stage s) : stage_(s), start_(__rdtsc()) {}
  ~stage_timer() {
    global_stage_counters().cycles[static_cast<int>(stage_)].fetch_add(__rdtsc() - start_, std::memory_order_relaxed);
  }
  stage_timer(const stage_timer&) = delete;
  stage_timer& operator=(const stage_timer&) = delete;

 private:
  scan_stage stage_;
  uint64_t start_;
};
#define SITO_STAGE_TIMER(stage) ::sito::detail::stage_timer sito_stage_timer_##stage(::sito::scan_stage::stage)
#else
inline constexpr bool stage_cycles_enabled = false;
#define SITO_STAGE_TIMER(stage) \
  do {                          \
  } while (false)
#endif

/// Adds one evaluated post's sizes (only where the timers are compiled in).
inline void count_stage_post(uint64_t candidates, uint64_t hits, uint64_t distinct_atoms) {
  if constexpr (stage_cycles_enabled) {
    auto& c = global_stage_counters();
    c.posts.fetch_add(1, std::memory_order_relaxed);
    c.candidates.fetch_add(candidates, std::memory_order_relaxed);
    c.hits.fetch_add(hits, std::memory_order_relaxed);
    c.distinct_atoms.fetch_add(distinct_atoms, std::memory_order_relaxed);
  }
}

}  // namespace sito::detail
