// File: sito/dedup/near_duplicates.hpp
//
// The near-duplicate detector of issue 12 (DESIGN §4): every post checked
// joins a time window; a post is a near-duplicate of an earlier post of the
// window when the estimated Jaccard similarity of their normalized word-bigram
// sets (shingles.hpp) is at least the threshold (default 0.5), estimated with
// MinHash and found through LSH bands (minhash.hpp).
//
//   sito::dedup::near_duplicate_index index;            // 24 h, 0.5
//   auto m = index.check_and_add("p1", "author-a", t0, "Розыгрыш iPhone 15! Сделай репост и подпишись");
//   // m->duplicate == false, m->cluster_size == 1
//   m = index.check_and_add("p2", "author-b", t0 + 60'000, "Репост: РОЗЫГРЫШ iPhone 15!!! сделай репост и подпишись 🔥 #конкурс");
//   // m->duplicate == true, m->duplicate_of == "p1", m->cluster_size == 2, m->cluster_authors == 2
//
// Clusters. A checked post is compared with the window's posts that share a
// band with it (the newest max_candidates_per_band of each band's bucket);
// every candidate whose estimated Jaccard reaches the threshold is a match,
// and the post joins the union of the matches' clusters (so clusters are
// transitive: A~B and B~C put A, B, C in one cluster even when A≁C). A
// cluster's first post is its earliest post still in the window, by arrival
// order; when that post is evicted the next one takes its place. A post that
// matches nothing starts a cluster of its own and is not a duplicate.
//
// Copies. A post whose signature equals that of the newest post in its first
// band's bucket (a repost, a pasted campaign text, a copy with emoji or a
// link added) joins that post's cluster without comparing the others: they
// match it exactly when they match the copy, and the copy's own check, or
// theirs if they came later, already put them in its cluster (up to the
// per-band limit of candidates, as for any post).
//
// Short posts. A post with fewer than min_bigrams (default 3, i.e. fewer
// than four words once emoji and links are dropped) distinct bigrams is never
// a duplicate and is not held: "спасибо!", "+1" and a bare link would
// otherwise form huge clusters of unrelated authors and raise false campaign
// alerts. Such a post gets indexed == false.
//
// The window. Posts are evicted oldest first in arrival order: while the
// oldest held post's time is more than window_ms before the latest time seen
// (a post exactly window_ms old stays), and while max_posts are held when a
// new one comes (before the search: at the cap a post is compared with the
// max_posts − 1 newest). A stream is expected in (nearly) time order; a late post is
// held, and evicted when it is the oldest.
//
// Memory per slot of the post ring (K = 96, b = 32; the ring's capacity is
// max_posts rounded up to a power of two): the signature 192 bytes, 32 band
// links 128 bytes, the post's record 64 bytes plus its id beyond 15 bytes,
// and 64 band-table slots of 8 bytes (512 bytes: room for 32 entries per
// post at a load of at most 1/2): measured by memory_bytes() at 1.20 KiB per
// post with 100k or 200k held, 1.49 KiB at 20k (bench/RESULTS.md). The
// default cap of 200 000 posts keeps the index near 240 MiB; a 24 h window of a whole
// national firehose (about 3M matched posts a day) needs a larger cap and
// memory to match, or a shorter window.
//
// Determinism. The results depend only on the sequence of calls: band maps
// are looked up by exact key and never iterated, candidates are walked
// newest first per band, and merged clusters keep the older cluster's id.
//
// Cost. Per post: the analyzer, one hash per bigram, K permutations per
// distinct bigram (SIMD), b map accesses (prefetched together), and one
// 192-byte compare per candidate (one for a copy). Merging two clusters walks
// both member lists (bounded by the window); it happens only when one post
// bridges two clusters.
//
// Thread-safety: a near_duplicate_index is NOT safe for concurrent use.
// Posts must be checked in one order (sitod's stream order, `sito match`'s
// file order) for the results to be reproducible.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/dedup/minhash.hpp"
#include "sito/dedup/shingles.hpp"

namespace sito::dedup {

struct near_duplicate_options {
  double threshold = 0.5;                  ///< estimated Jaccard at or above which two posts match, in (0, 1]
  int64_t window_ms = 24 * 3600 * 1000;    ///< how far back a post is compared, in milliseconds
  size_t max_posts = 200'000;              ///< cap on posts held; the oldest is evicted first
  size_t min_bigrams = 3;                  ///< fewer distinct bigrams: never a duplicate, not held
  size_t max_candidates_per_band = 16;     ///< newest entries of a band's bucket verified per post
};

/// What check_and_add() says of one post.
struct near_duplicate_match {
  bool indexed = false;         ///< false: a short post, never a duplicate and not held
  bool duplicate = false;       ///< the post joined a cluster that has an earlier post in the window
  std::string duplicate_of;     ///< when duplicate: the cluster's earliest post still in the window
  uint64_t cluster_id = 0;      ///< the cluster's id (0 when !indexed); stable while the cluster lives
  uint64_t cluster_size = 0;    ///< posts that joined the cluster so far, this one and evicted ones included
  uint32_t cluster_authors = 0; ///< distinct authors among the cluster's posts still in the window
  uint32_t candidates = 0;      ///< candidates verified (for stats and tests)
};

/// Counters since construction.
struct near_duplicate_stats {
  uint64_t checked = 0;       ///< calls to check_and_add that returned a match
  uint64_t short_posts = 0;   ///< of those, not indexed (too few bigrams)
  uint64_t duplicates = 0;    ///< of those, duplicate == true
  uint64_t candidates = 0;    ///< signatures compared
  uint64_t visited = 0;       ///< band-bucket entries visited (candidates and posts already known)
  uint64_t evicted_by_time = 0;
  uint64_t evicted_by_cap = 0;
  uint64_t cluster_merges = 0;  ///< posts that joined two or more clusters into one
  uint64_t sweeps = 0;          ///< passes that dropped the band entries of evicted posts
};

class near_duplicate_index {
 public:
  /// Preconditions: 0 < threshold <= 1, window_ms >= 0, max_posts >= 1.
  explicit near_duplicate_index(near_duplicate_options options = {});
  ~near_duplicate_index();
  near_duplicate_index(near_duplicate_index&&) noexcept;
  near_duplicate_index& operator=(near_duplicate_index&&) noexcept;

  /// Checks `text` against the window, then adds the post to it (unless it
  /// is short). `post_id` is returned as a later post's duplicate_of;
  /// `author` is counted in cluster_authors (any string, e.g. source/id);
  /// `time_ms` drives the window.
  /// Errors: invalid_argument for invalid UTF-8 (the post is not added).
  result<near_duplicate_match> check_and_add(std::string_view post_id, std::string_view author, int64_t time_ms,
                                             std::string_view text);

  /// The same, with the bigrams already computed (sorted and distinct, as
  /// shingler::shingle gives them).
  near_duplicate_match check_and_add_bigrams(std::string_view post_id, std::string_view author, int64_t time_ms,
                                             std::span<const uint64_t> bigrams);

  size_t size() const;                    ///< posts held
  const near_duplicate_options& options() const;
  const near_duplicate_stats& stats() const;
  /// Bytes held by the index's tables and records (capacity, not just use).
  size_t memory_bytes() const;
  /// The oldest post held, or empty when none (for tests).
  std::string oldest_post_id() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sito::dedup
