// File: sito/scan/stage_cycles.hpp
//
// Where the scan's time goes, stage by stage, in CPU cycles (rdtsc) — a
// diagnostic for builds configured with -DSITO_STAGE_CYCLES=ON. Callgrind
// counts instructions, which are stable, but not the misses of a cache or
// table larger than L2 (its last-level model is the L3): this shows them.
// In other builds the counters are compiled out and read_stage_cycles()
// says so (enabled = false).
//
// `sito-bench engine` prints the report after each single-thread
// measurement when the build has it.
//
// Thread-safety: the counters are shared atomics; read and reset while no
// scan runs.
#pragma once

#include <cstdint>

namespace sito {

enum class scan_stage : uint8_t {
  analyze,   ///< normalization and tokenization of the fields
  terms,     ///< token → atoms (the token cache) and the post's hits
  select,    ///< hit grouping, metadata, triggers: the candidate topics
  programs,  ///< the candidates' topic programs
  mentions,  ///< tags, rules, sentiment and priority of the matches
};
inline constexpr int scan_stage_count = 5;

struct stage_cycles_report {
  bool enabled = false;  ///< the build counts them (SITO_STAGE_CYCLES)
  uint64_t posts = 0;    ///< posts evaluated since the last reset
  double cycles_per_post[scan_stage_count] = {};  ///< time-stamp-counter cycles
  double candidates_per_post = 0;
  double hits_per_post = 0;            ///< atom occurrences written (topic query atoms; 0 for posts where nothing fired)
  double distinct_atoms_per_post = 0;  ///< of posts whose hits were grouped (something fired); 0 for the others
};

/// The counters since the last reset_stage_cycles().
stage_cycles_report read_stage_cycles();
void reset_stage_cycles();

}  // namespace sito
