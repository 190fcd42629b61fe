// File: sito/server/rollups.hpp
//
// Durable hourly rollups of the mention stream (issue 17): per tenant, topic
// and tag, one cell per UTC hour of the posts' `published_at`, with the
// counters every period measure of sito/server/period_stats.hpp is computed
// from. The matcher counts its mentions into a rollup_batch and the store
// writes the cells now and then with a mark that says which mentions they
// cover, recounting from the mention log at open what a crash left out
// (store.hpp, "Rollups"), so the rollups count each live mention once.
//
//   rollup_batch rb;
//   for (auto& m : mentions) rb.add(m, post_of(m), ingested_at_ms_of(m));
//   db->commit_matches(watermark, next_mentions, &rb);   // rb: mentions before these
//
// What a mention counts in (rows):
//   * (tenant, topic, "")        the topic;
//   * (tenant, topic, path)      each tag path of the mention and each of its
//                                ancestors, once per mention ("A/B" and "A/C"
//                                count "A" once): a tag covers its subtree;
//   * (tenant, "", "")           the tenant's total over its topics (a post
//                                matched by two topics counts twice), the
//                                denominator of the share of voice.
// Which hour: the post's `published_at` (UTC); a post without one, or one
// dated more than a day after it was ingested, counts at its ingestion time.
//
// Distinct authors (author_set): an author is `source` + `author.id` (the
// handle when the id is empty); posts with neither count in no author
// measure. Up to author_set::exact_capacity distinct authors a set is exact:
// `authors` is their number and `audience` the sum of their follower counts,
// each author once with its latest count (by published_at). Beyond that it
// keeps a HyperLogLog of every author (2^12 registers, standard error
// 1.04/64 = 1.6%) for `authors` and a priority sample (Duffield, Lund and
// Thorup 2007) of exact_capacity authors for `audience`: an unbiased
// estimate in which every author with a follower count above the sample's
// threshold is counted exactly, so one celebrity does not swing it.
//
// Thread-safety: plain values; no shared state. An author_set's const
// methods may tidy its internal buffer (sightings are appended unsorted and
// merged in on the next read), so share one between threads only under a
// lock.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/model/post.hpp"

namespace sito::server {

struct mention_record;  // sito/server/wire_convert.hpp

/// The distinct authors of a cell or a period (see the top of the file).
class author_set {
 public:
  /// Distinct authors kept exactly; a larger set becomes an estimate.
  static constexpr size_t exact_capacity = 1024;
  static constexpr int hll_bits = 12;

  /// The stable hash of an author (stored: never change it).
  static uint64_t author_hash(std::string_view source, std::string_view author_id);

  /// Counts an author with `followers` seen at `seen_s` (Unix seconds).
  void add(uint64_t hash, int64_t followers, int64_t seen_s);
  /// Adds every author of `other`: the same as adding them one by one, for
  /// exact sets; estimates merge (HyperLogLog registers, priority samples).
  void merge(const author_set& other);

  bool exact() const {
    tidy();
    return hll_.empty();
  }
  /// Distinct authors: exact, or the HyperLogLog estimate.
  double authors() const;
  /// The sum of the distinct authors' latest follower counts: exact, or the
  /// priority-sampling estimate.
  double audience() const;
  size_t kept() const {
    tidy();
    return entries_.size();
  }

  void encode(std::string& out) const;
  /// Reads what encode() wrote from the front of `in` and advances it;
  /// false on malformed bytes (then `*this` is unspecified).
  bool decode(std::string_view& in);

 private:
  struct entry {
    uint64_t hash = 0;
    int64_t followers = 0;
    int64_t seen_s = 0;
  };
  static double priority(const entry& e);
  static bool newer(const entry& a, const entry& b);
  void hll_add(uint64_t hash) const;
  /// Sorts the appended sightings into the entries (the newer sighting of
  /// an author wins), then, over capacity, becomes (or stays) an estimate
  /// and evicts the entries of lowest priority down to capacity.
  void tidy() const;

  /// entries_[0, sorted_) sorted by hash and unique; the rest appended since
  /// (most cells of a batch see one author: kept inline).
  mutable absl::InlinedVector<entry, 1> entries_;
  mutable size_t sorted_ = 0;
  mutable double threshold_ = 0;      ///< estimate: the largest priority evicted so far
  mutable std::vector<uint8_t> hll_;  ///< estimate: 2^hll_bits registers; empty while exact
};

/// What one mention adds to a cell, computed once per mention.
struct mention_facts {
  uint8_t sentiment = 0;     ///< rules::sentiment: 0 neutral, 1 negative, 2 positive
  bool wom = false;
  int64_t reach = 0;         ///< the post's reach, else its author's followers
  int64_t engagement = 0;
  bool has_author = false;
  uint64_t author = 0;       ///< author_set::author_hash
  int64_t followers = 0;
  int64_t seen_s = 0;        ///< published_at
  static mention_facts of(const post& p, uint8_t sentiment, bool wom);
};

/// The counters of one (tenant, topic, tag, hour) cell, or of a period
/// (cells merged).
struct rollup_cell {
  uint64_t mentions = 0;
  uint64_t negative = 0, neutral = 0, positive = 0;
  uint64_t wom = 0;         ///< mentions with the WOM flag
  int64_t reach = 0;        ///< sum of reach (the author's followers when a post has none)
  int64_t engagement = 0;   ///< sum of engagement
  author_set authors;

  /// Counts one mention (sentiment as rules::sentiment: 0 neutral, 1 negative, 2 positive).
  void add_mention(const post& p, uint8_t sentiment, bool wom_flag) { add(mention_facts::of(p, sentiment, wom_flag)); }
  void add(const mention_facts& f);
  void merge(const rollup_cell& other);
  std::string encode() const;
  static result<rollup_cell> decode(std::string_view bytes);
};

/// The key of a cell: length-prefixed tenant, topic and tag, then the
/// big-endian hour (hours since the Unix epoch, UTC), so one row's hours
/// form one contiguous, ordered key range.
std::string rollup_row_prefix(std::string_view tenant, std::string_view topic, std::string_view tag);
std::string rollup_key(std::string_view row_prefix, int64_t hour);
/// The hour of a key (its last eight bytes); false when the key is too short.
bool rollup_key_hour(std::string_view key, int64_t& hour);

/// The hour a mention of `p` counts in (see the top of the file).
int64_t rollup_hour_of(const post& p, int64_t ingested_at_ms);

/// The cells of a batch of mentions, merged by key: what the store writes.
class rollup_batch {
 public:
  /// Counts mention `m` (not a backfill: callers leave those out) of post `p`.
  void add(const mention_record& m, const post& p, int64_t ingested_at_ms);
  bool empty() const { return slots_.empty(); }
  /// Forgets every cell, keeping the memory for the next ones.
  void clear() {
    slots_.clear();
    index_.clear();
    names_.clear();
    name_ids_.clear();
  }
  size_t size() const { return slots_.size(); }
  /// Calls fn(tenant, topic, tag, hour, cell) for each cell, in no particular order.
  template <class Fn>
  void for_each_cell(Fn&& fn) const {
    for (const auto& s : slots_) fn(names_[s.tenant], names_[s.topic], names_[s.tag], s.hour, s.cell);
  }
  /// Calls fn(key, cell) for each cell (rollup_key), in no particular order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    std::string key;
    for (const auto& s : slots_) {
      key = rollup_key(rollup_row_prefix(names_[s.tenant], names_[s.topic], names_[s.tag]), s.hour);
      fn(key, s.cell);
    }
  }

 private:
  /// Tenants, topics and tag paths are interned once per mention: a cell is
  /// found by their ids and its hour (keys are built only to write).
  struct cell_key {
    uint32_t tenant = 0, topic = 0, tag = 0;
    int64_t hour = 0;
    bool operator==(const cell_key&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const cell_key& k) {
      return H::combine(std::move(h), k.tenant, k.topic, k.tag, k.hour);
    }
  };
  struct slot {
    uint32_t tenant = 0, topic = 0, tag = 0;
    int64_t hour = 0;
    rollup_cell cell;
  };
  uint32_t intern(std::string_view s);
  rollup_cell& cell(const cell_key& k);
  std::vector<slot> slots_;
  absl::flat_hash_map<cell_key, uint32_t> index_;  ///< key → slot
  std::vector<std::string> names_;
  absl::flat_hash_map<std::string, uint32_t> name_ids_;
  std::string name_buf_;
  std::vector<std::string_view> paths_;
};

}  // namespace sito::server
