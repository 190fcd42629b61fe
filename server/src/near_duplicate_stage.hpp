// Private: sitod's near-duplicate stage (DESIGN §4 "Near-duplicates", README
// "Near-duplicates and campaigns"): the detector of sito/dedup over the
// stream's matched posts.
//
// What is checked: every post that matched at least one topic's query
// (before tags and rules, in the full ruleset or its delta), once per post
// whatever the number of tenants and topics, in post-log order, at its
// ingest time (the producers' published_at may lie; the window follows
// sitod's clock). A post matched only through its pictures' text is checked
// when the OCR lane finishes it. Backfills check nothing: their mentions
// carry no near-duplicate fields.
//
// Restarts: the window lives in memory and is rebuilt at start-up from the
// retained logs (log_replay.cpp): the posts of the live mentions of the
// window, in post-log order, through replay(). A post whose every mention
// rules dropped left no mention, so it is not replayed (its cluster keeps
// its other posts).
//
// Thread-safety: every member takes one mutex (the matcher thread checks
// batches; OCR workers check single posts).
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "sito/dedup/near_duplicates.hpp"
#include "sito/dedup/post_check.hpp"
#include "sito/model/post.hpp"
#include "sito/server/config.hpp"

namespace sito::server {

class near_duplicate_stage {
 public:
  explicit near_duplicate_stage(const near_duplicates_config& config);

  /// False with `near_duplicates: off`: check() and check_one() then
  /// return "not checked" for every post.
  bool enabled() const { return enabled_; }

  /// Checks posts[i] for every i of `matched` (ascending), in that order, at
  /// times_ms[i]; results[i] is each one's result (default for the others).
  /// `known`: the bigrams the scan already made (scan_output::bigrams_of).
  void check(std::span<const post> posts, std::span<const uint32_t> matched, std::span<const int64_t> times_ms,
             std::vector<dedup::near_duplicate_match>& results, const dedup::bigram_source& known = nullptr);
  /// Checks one post (a post the OCR lane matched through its pictures).
  dedup::near_duplicate_match check_one(const post& p, int64_t time_ms);
  /// Adds a post to the window as check() would, without counting it as
  /// live (the start-up rebuild); returns its result.
  dedup::near_duplicate_match replay(const post& p, int64_t time_ms);

  struct counters {
    uint64_t checked = 0;     ///< live posts checked since start
    uint64_t duplicates = 0;  ///< of those, near-duplicates
    uint64_t replayed = 0;    ///< posts added by the start-up rebuild
    uint64_t held = 0;        ///< posts in the window now
    uint64_t memory_bytes = 0;
  };
  counters snapshot() const;

 private:
  const bool enabled_;
  mutable std::mutex mutex_;
  dedup::near_duplicate_index index_;
  uint64_t checked_ = 0, duplicates_ = 0, replayed_ = 0;
};

}  // namespace sito::server
